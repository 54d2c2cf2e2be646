"""Import jobs as the worker runs them: through a real arq worker, and killed mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from api.domains.imports.models import ImportJob, ImportRowError
from api.domains.registry.models import Person
from api.outbox import OutboxMessage
from api.settings import Settings
from tests import factories
from tests.imports.helpers import start
from tests.imports.people import bad_checksum, id_number
from workers.imports import requeue_imports, run_import

GRID = "410611001001001"


def _residents(count: int, *, bad_every: int = 0) -> bytes:
    lines = ["身份证号,姓名,网格编码\r\n"]
    for index in range(count):
        number = id_number(index)
        if bad_every and index % bad_every == 0:
            number = bad_checksum(number)
        lines.append(f"{number},居民{index},{GRID}\r\n")
    return "".join(lines).encode()


def _worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "GRIDGOV_SECRET_KEY": settings.secret_key(),
        "GRIDGOV_ENV": "test",
        "GRIDGOV_IMPORT_DIR": str(settings.import_dir),
    }


async def _worker(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "worker",
        env=_worker_env(settings),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def _stop(worker: asyncio.subprocess.Process) -> None:
    if worker.returncode is None:
        worker.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(worker.wait(), timeout=15)
        except TimeoutError:
            worker.kill()
            await worker.wait()


async def _started(client: httpx.AsyncClient, token: str, content: bytes) -> str:
    body = await start(client, token, "RESIDENTS", content, atomicity="BEST_EFFORT")
    result: dict[str, Any] = body["data"]["startImport"]
    assert result["__typename"] == "ImportJobPayload", result
    return str(result["job"]["id"])


async def test_a_real_worker_runs_the_job_queued_by_start_import(
    client: httpx.AsyncClient, import_settings: Settings, tmp_path: Path
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    job_id = await _started(client, admin, _residents(2000, bad_every=500))
    worker = await _worker(import_settings, tmp_path / "worker.log")
    try:
        for _ in range(600):
            await asyncio.sleep(0.1)
            job = await ImportJob.get(id=job_id)
            if job.finished_at is not None:
                break
    finally:
        await _stop(worker)

    assert job.state == "completed", (tmp_path / "worker.log").read_text()[-3000:]
    assert (job.rows_inserted, job.rows_failed, job.attempts) == (1996, 4, 1)
    assert await Person.all().count() == 1996
    states = [
        m.payload["state"]
        for m in await OutboxMessage.filter(topic="import").order_by("id")
        if m.payload["job_id"] == job_id
    ]
    assert states[0] == "queued" and states[1] == "running" and states[-1] == "completed"


async def test_a_job_killed_mid_run_and_retried_writes_each_row_once(
    client: httpx.AsyncClient, import_settings: Settings, tmp_path: Path
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    job_id = await _started(client, admin, _residents(300_000, bad_every=1000))
    worker = await _worker(import_settings, tmp_path / "worker.log")
    try:
        for _ in range(1200):  # until the worker has taken the job …
            await asyncio.sleep(0.05)
            if (await ImportJob.get(id=job_id)).state == "running":
                break
        await asyncio.sleep(1.5)  # … and is part-way through (the whole job takes ~8 s)
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), timeout=10)
    finally:
        if worker.returncode is None:
            worker.kill()
    killed = await ImportJob.get(id=job_id)
    assert killed.state == "running", (tmp_path / "worker.log").read_text()[-3000:]
    assert await Person.all().count() == 0  # the rows commit with the job, not before

    # arq hands the job to the next worker once the dead one's lease expires: the same call
    assert await run_import({"job_try": 2}, job_id) == "completed"
    assert await run_import({"job_try": 3}, job_id) == "completed"  # a late duplicate: no-op

    done = await ImportJob.get(id=job_id)
    assert (done.rows_inserted, done.rows_failed, done.attempts) == (299_700, 300, 2)
    assert await Person.all().count() == 299_700
    assert await ImportRowError.filter(job_id=job_id).count() == 300


async def test_a_lost_enqueue_is_queued_again_under_the_same_job_id(
    client: httpx.AsyncClient, import_settings: Settings, redis: Any
) -> None:
    from api import clock
    from api.jobs import QUEUE, queue

    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    job_id = await _started(client, admin, _residents(10))
    await redis.flushdb()  # the enqueue is lost
    pool = queue(redis)
    assert await requeue_imports({"redis": pool}) == 0  # too fresh to call lost
    clock.move(timedelta(minutes=3))

    assert await requeue_imports({"redis": pool}) == 1
    assert await requeue_imports({"redis": pool}) == 1  # enqueued again: arq keeps one
    assert await redis.zcard(QUEUE) == 1
    assert (await redis.zrange(QUEUE, 0, -1)) == [f"import:{job_id}".encode()]
