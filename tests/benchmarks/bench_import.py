"""Bulk import throughput: residents rows/s through the whole import job (read the file, check
every row, COPY into staging, SQL checks, one upsert) beside a raw binary COPY of the same rows
into the same table, in the same run.

    python -m tests.benchmarks.bench_import [--rows 100000 1000000]

Uses DATABASE_URL / REDIS_URL when set, else embedded servers; creates and drops its own
database. Prints a table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from tests.imports.people import id_number
from tests.urls import with_database

GRIDS = ["410611001001001", "410611001001010", "410611001010001", "410611002001001"]
COLUMNS = [
    "id",
    "id_number",
    "region_code",
    "person_type",
    "name",
    "sex",
    "birth_date",
    "phone",
    "current_address",
    "tags",
    "status",
    "version",
    "created_at",
    "updated_at",
]


def write_file(path: Path, rows: int) -> None:
    """The CSV a city sends: residents of four grids, Chinese headers, UTF-8."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("身份证号,姓名,网格编码,人口类型,联系电话,现住址\r\n")
        for index in range(rows):
            grid = GRIDS[index % len(GRIDS)]
            phone = f"138{index % 100_000_000:08d}"
            address = f"淇滨区金山路{index % 500}号"
            out.write(f"{id_number(index)},居民{index},{grid},户籍,{phone},{address}\r\n")


def table_records(path: Path) -> list[tuple[Any, ...]]:
    """The same rows as the table holds them (what the import derives), for the raw COPY."""
    from api.domains.imports.kinds import identity

    now = datetime.now(UTC)
    records = []
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        for number, name, grid, _, phone, address in reader:
            records.append(
                (
                    uuid.uuid4(),
                    number,
                    grid,
                    "registered",
                    name,
                    identity.sex(number),
                    identity.birth_date(number),
                    f"+86{phone}",
                    address,
                    [],
                    "active",
                    1,
                    now,
                    now,
                )
            )
    return records


def reset_peak_memory() -> None:
    """Linux: start the process's resident-set high-water mark afresh."""
    Path("/proc/self/clear_refs").write_text("5")


def memory_mib(field: str = "VmHWM") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raw_copy_in_child(dsn: str, path: Path) -> float:
    """The raw COPY in a process of its own, so its million tuples never weigh on the import's
    memory figure; returns the seconds the COPY itself took."""
    output = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_import", "--raw-copy", dsn, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


async def raw_copy(dsn: str, records: list[tuple[Any, ...]]) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("TRUNCATE registry_people CASCADE")
        await connection.execute("CHECKPOINT")
        started = time.perf_counter()
        await connection.copy_records_to_table("registry_people", records=records, columns=COLUMNS)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def import_run(dsn: str, path: Path, *, truncate: bool) -> tuple[float, dict[str, int]]:
    from api.domains.imports import pipeline
    from api.domains.imports.models import ImportJob
    from tests.imports.helpers import queued_job

    if truncate:
        connection = await asyncpg.connect(dsn)
        await connection.execute("TRUNCATE registry_people CASCADE")
        await connection.execute("CHECKPOINT")
        await connection.close()
    job_id = await queued_job(
        "bench.admin", path.read_bytes(), kind="residents", region_code="410611"
    )
    started = time.perf_counter()
    await pipeline.run(uuid.UUID(job_id))
    elapsed = time.perf_counter() - started
    job = await ImportJob.get(id=job_id)
    assert job.state == "completed", job.error
    counts = {
        "inserted": job.rows_inserted,
        "updated": job.rows_updated,
        "unchanged": job.rows_unchanged,
        "failed": job.rows_failed,
    }
    return elapsed, counts


async def main(sizes: list[int]) -> None:
    from tortoise import Tortoise

    from api.db import apply_migrations, tortoise_config
    from api.settings import get_settings
    from tests import factories

    with ExitStack() as stack:
        base = os.environ.get("DATABASE_URL")
        if not base:
            from api.embedded import embedded_services

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            embedded = stack.enter_context(embedded_services(data, redis=False, persist=False))
            base = embedded.database_url
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        os.environ["GRIDGOV_IMPORT_DIR"] = str(work / "files")
        get_settings.cache_clear()
        name = f"gridgov_bench_{uuid.uuid4().hex[:8]}"
        admin_dsn = base.replace("postgres://", "postgresql://", 1)
        admin = await asyncpg.connect(admin_dsn)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        url = with_database(base, name)  # not its last slash: an embedded URL ends in ?host=/…
        dsn = url.replace("postgres://", "postgresql://", 1)
        try:
            await apply_migrations(url)
            await Tortoise.init(
                config=tortoise_config(url, pool_size=4), _enable_global_fallback=True
            )
            await factories.region_tree()
            await factories.user("admin", "410611", username="bench.admin")
            rows_out = []
            for size in sizes:
                path = work / f"residents-{size}.csv"
                write_file(path, size)
                # raw COPY before and after the import (the faster counts: the stricter bar)
                copy_seconds = raw_copy_in_child(dsn, path)
                baseline = memory_mib("VmRSS")
                reset_peak_memory()
                first, counts = await import_run(dsn, path, truncate=True)
                peak = memory_mib() - baseline
                again, counts_again = await import_run(dsn, path, truncate=False)
                copy_seconds = min(copy_seconds, raw_copy_in_child(dsn, path))
                rows_out.append(
                    (
                        size,
                        path.stat().st_size,
                        copy_seconds,
                        first,
                        again,
                        counts,
                        counts_again,
                        peak,
                    )
                )
            await Tortoise.close_connections()
        finally:
            admin = await asyncpg.connect(admin_dsn)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()

    print(
        "| rows | file MiB | raw COPY rows/s | import rows/s | import / COPY | rerun rows/s (unchanged) | import's peak RSS growth MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for size, file_bytes, copy_s, first, again, counts, counts_again, rss in rows_out:
        assert counts["inserted"] == size and counts_again["unchanged"] == size
        print(
            f"| {size:,} | {file_bytes / 1_048_576:.0f} | {size / copy_s:,.0f} | {size / first:,.0f} "
            f"| {copy_s / first:.0%} | {size / again:,.0f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--raw-copy", nargs=2, metavar=("DSN", "FILE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.raw_copy:
        dsn, file = arguments.raw_copy
        print(asyncio.run(raw_copy(dsn, table_records(Path(file)))))
    else:
        asyncio.run(main(arguments.rows))
