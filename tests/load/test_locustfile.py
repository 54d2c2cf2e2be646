"""The load test's scripts keep working: the locustfile runs headless for seconds against
`gridgov serve` on a tiny bench city, every class sends each of its requests, none fails."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.benchdata import Scale
from api.settings import Settings
from tests.conftest import TEST_REDIS_DB, TEST_SECRET
from tests.load.run import free_port, start, stop, wait_ready
from tests.load.seed import seed
from tests.urls import with_database

TINY = Scale(
    townships_per_district=1,
    communities_per_township=2,
    grids_per_community=2,
    events=500,
    people=300,
    houses=100,
)
HERE = Path(__file__).parent
# Every request the classes send (the smoke mode runs each class's whole repertoire first)
EXPECTED = {
    "phone: reportPositions",
    "phone: myTasks",
    "phone: reportEvent",
    "phone: attachToEvent (photo)",
    "console: events (filtered)",
    "console: people (search)",
    "console: eventStatistics",
    "console: dashboard",
    "centre: dashboard",
    "centre: ws connect+ack",
    "hotline: submitWorkOrder",
    "hotline: workOrder",
    "citizen: citizenLogin",
    "citizen: submitAppeal",
    "citizen: submitAppeal (photo)",
    "citizen: myAppeals",
}


def drive(settings: Settings, seed_file: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Serve the seeded database and run the locustfile against it for a few seconds."""
    assert settings.database_url and settings.redis_url
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": with_database(settings.redis_url, TEST_REDIS_DB),
        "GRIDGOV_SECRET_KEY": TEST_SECRET,
        "GRIDGOV_ENV": "test",
        "GRIDGOV_DATA_DIR": str(tmp_path / "data"),
        "GRIDGOV_LOG_JSON": "true",
    }
    # API only (the arq worker's jobs answer no request of the run), in a session of its own,
    # so the whole group it starts ends with it
    server = start(["serve", "--port", str(port), "--no-worker"], env, tmp_path / "server.log")
    try:
        host = f"http://127.0.0.1:{port}"
        wait_ready(host, server, seconds=40)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                "5",
                "--spawn-rate",
                "5",
                "--run-time",
                "8s",
                "--stop-timeout",
                "3",
                "--host",
                host,
                "--csv",
                str(tmp_path / "run"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "GRIDGOV_LOAD_SEED": str(seed_file),
                "GRIDGOV_LOAD_PACE": "0.02",
                "GRIDGOV_LOAD_SMOKE": "1",
                "GRIDGOV_LOAD_EQUAL": "1",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop(server)
    return run


async def test_every_class_sends_its_requests_without_a_failure(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    # find_spec, not importorskip: importing locust monkey-patches this process for gevent
    # (threads become greenlets), and the suite's event loop would then never wake up
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (the test extra)")
    assert settings.database_url and settings.redis_url
    seeded = await seed(
        settings.database_url,
        TINY,
        secret=TEST_SECRET,
        citizens=20,
        quiet=True,
        prepare=False,
    )
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seeded))
    run = await asyncio.to_thread(drive, settings, seed_file, tmp_path)
    assert (tmp_path / "run_stats.csv").exists(), run.stderr[-3000:]
    with (tmp_path / "run_stats.csv").open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats) if row["Name"] != "Aggregated"}
    failures = (tmp_path / "run_failures.csv").read_text()
    assert run.returncode == 0, (run.stderr[-3000:], failures)
    assert all(row["Failure Count"] == "0" for row in rows.values()), failures
    assert set(rows) >= EXPECTED, (EXPECTED - set(rows), run.stderr[-2000:])
