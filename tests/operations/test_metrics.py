"""/metrics as Prometheus scrapes it: from a real `gridgov serve --workers 2` (two uvicorn
processes and the arq worker writing into one samples directory), and its production gate."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from api import metrics
from api.jobs import QUEUE
from api.settings import Environment, Settings
from tests.factories import gql, region_tree, signed_in
from tests.realtime.servers import free_port

# Every series the operations section of issue 24 names, as Prometheus exposes them.
SERIES = [
    'gridgov_request_duration_seconds_bucket{le="0.005",operation="Ping",type="query"}',
    'gridgov_request_duration_seconds_count{operation="SignIn",type="mutation"}',
    'gridgov_request_duration_seconds_count{operation="Changes",type="subscription"}',
    'gridgov_graphql_errors_total{code="BAD_USER_INPUT"}',
    "gridgov_websocket_connections ",
    'gridgov_subscriptions_active{feed="eventChanges"}',
    "gridgov_outbox_lag_rows ",
    "gridgov_outbox_lag_seconds ",
    "gridgov_arq_queue_depth ",
    'gridgov_jobs_total{job="enforce_deadlines",outcome="ok"}',
    'gridgov_job_duration_seconds_count{job="enforce_deadlines"}',
    "gridgov_sweep_duration_seconds_count ",
    'gridgov_sweep_enforced_total{action="yellow_cards"}',
    "gridgov_import_rows_total ",
    "gridgov_import_seconds_total ",
    "gridgov_import_rows_per_second ",
    "gridgov_db_pool_in_use ",
    "gridgov_db_pool_waiting ",
    "gridgov_db_pool_size ",
]


def value(text: str, series: str) -> float:
    """The sample of one series (the prefix up to the value) in an exposition."""
    for line in text.splitlines():
        if line.startswith(series.rstrip() + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not in /metrics")


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`gridgov serve --workers 2` on a free port, on the test's database and Redis."""
    samples = tmp_path / "samples"
    samples.mkdir()
    # left by an earlier run: serve must empty the directory (the collector would read it)
    (samples / "counter_1.db").write_bytes(b"not a samples file")
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port)],
        env={
            **os.environ,
            "DATABASE_URL": settings.database_url or "",
            "REDIS_URL": settings.redis_url or "",
            "GRIDGOV_SECRET_KEY": settings.secret_key(),
            "GRIDGOV_ENV": "test",
            "PROMETHEUS_MULTIPROC_DIR": str(samples),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # uvicorn's worker processes go with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
    # a clean stop removes nothing it was not given, and leaves no live gauge behind
    assert not list(samples.glob("gauge_livesum_*.db"))


async def scrape(url: str) -> str:
    # a new connection each time: either API process may answer, and each shows every one's
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_every_series_is_scraped_from_two_workers_and_the_job_worker(
    db: None, served: str
) -> None:
    await region_tree()
    _, token = await signed_in("admin", "4106")
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        for _ in range(20):
            body = await gql(http, "query Ping { __typename }", headers={"Connection": "close"})
            assert body == {"data": {"__typename": "Query"}}
        signin = await gql(
            http,
            'mutation SignIn { login(username: "nobody", password: "wrong") { __typename } }',
        )
        assert "errors" not in signin
        bad = await gql(http, "query Broken { noSuchField }")
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    socket = await websockets.connect(
        served.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]
    )
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    subscribe = {
        "query": 'subscription Changes { eventChanges(scope: "4106") { sequence } }',
        "operationName": "Changes",
    }
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
    # live: counted under its feed, its connection among the open ones
    deadline = time.monotonic() + 30
    while True:
        text = await scrape(served)
        if 'gridgov_subscriptions_active{feed="eventChanges"} 1.0' in text:
            break
        assert time.monotonic() < deadline, text
        await asyncio.sleep(0.3)
    assert value(text, "gridgov_websocket_connections") == 1
    await socket.send(json.dumps({"id": "1", "type": "complete"}))
    await socket.close()

    # the arq worker's first sweep (run at start-up) lands in the same directory
    deadline = time.monotonic() + 90
    while True:
        text = await scrape(served)
        if all(series.rstrip() in text for series in SERIES) and (
            'gridgov_jobs_total{job="enforce_deadlines",outcome="ok"} 0.0' not in text
        ):
            break
        assert time.monotonic() < deadline, [s for s in SERIES if s.rstrip() not in text]
        await asyncio.sleep(0.5)

    # 20 requests, spread over two processes, are counted together
    assert (
        value(text, 'gridgov_request_duration_seconds_count{operation="Ping",type="query"}') == 20
    )
    assert value(text, 'gridgov_graphql_errors_total{code="BAD_USER_INPUT"}') == 1
    assert value(text, 'gridgov_subscriptions_active{feed="eventChanges"}') == 0
    assert value(text, "gridgov_websocket_connections") == 0
    assert value(text, "gridgov_sweep_duration_seconds_count") >= 1
    assert value(text, "gridgov_outbox_lag_rows") >= 0
    assert value(text, "gridgov_arq_queue_depth") >= 0
    assert value(text, "gridgov_db_pool_size") >= 1
    # a REST route is one series of its own, whatever its path
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        assert (await http.get("/readyz")).status_code == 200
    assert 'operation="readyz",type="http"' in await scrape(served)


def test_the_metrics_module_reads_the_queue_the_worker_uses() -> None:
    assert metrics.JOB_QUEUE == QUEUE


async def test_production_serves_metrics_only_to_the_token(db: None, settings: Settings) -> None:
    from api.app import create_app

    production = settings.model_copy(
        update={
            "gridgov_env": Environment.PRODUCTION,
            "gridgov_metrics_token": "scrape-me-0123456789",
        }
    )
    closed = settings.model_copy(update={"gridgov_env": Environment.PRODUCTION})
    for app, token, status in [
        (create_app(production), None, 404),
        (create_app(production), "wrong", 404),
        (create_app(production), "scrape-me-0123456789", 200),
        (create_app(closed), "", 404),
    ]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gridgov.test") as http:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            response = await http.get("/metrics", headers=headers)
        assert response.status_code == status, (token, response.text)
        if status == 200:
            assert re.search(r"^gridgov_outbox_lag_rows \d", response.text, re.MULTILINE)


def test_the_observed_worker_keeps_every_setting_arq_reads() -> None:
    from arq.worker import func, get_kwargs

    from workers.settings import WorkerSettings

    observed = get_kwargs(metrics.observed_worker(WorkerSettings))
    original = get_kwargs(WorkerSettings)

    assert set(observed) == set(original)
    for name in set(original) - {"functions", "cron_jobs", "on_startup", "on_shutdown"}:
        assert observed[name] == original[name], name
    assert observed["queue_name"] == QUEUE
    assert [func(f).name for f in observed["functions"]] == [
        func(f).name for f in original["functions"]
    ]
    assert [job.name for job in observed["cron_jobs"]] == [
        job.name for job in original["cron_jobs"]
    ]
