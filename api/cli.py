"""`gridgov` command line: serve, worker, migrate, demo, create-user, bench-data,
evaluate-intake."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from api.settings import get_settings


@contextlib.contextmanager
def services() -> Iterator[bool]:
    """Make DATABASE_URL and REDIS_URL point somewhere: given, or embedded servers started now.
    Yields whether anything is embedded (then the data is ours to migrate and seed)."""
    settings = get_settings()
    if settings.database_url and settings.redis_url:
        yield False
        return
    from api.embedded import embedded_services

    data_dir = settings.gridgov_data_dir.resolve()
    with embedded_services(
        data_dir, postgres=not settings.database_url, redis=not settings.redis_url
    ) as embedded:
        os.environ.setdefault("DATABASE_URL", embedded.database_url)
        os.environ.setdefault("REDIS_URL", embedded.redis_url)
        os.environ.setdefault("GRIDGOV_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        print(f"embedded PostgreSQL and Redis under {data_dir}", flush=True)
        yield True


def _database_url() -> str:
    url = get_settings().database_url
    assert url, "services() sets DATABASE_URL"
    return url


async def _migrate() -> list[str]:
    from api.db import apply_migrations

    return await apply_migrations(_database_url())


async def _demo(password: str | None) -> str:
    from api.db import close_database, open_database
    from api.demo import format_summary, load_demo_city

    await open_database(_database_url(), pool_size=2)
    try:
        return format_summary(await load_demo_city(password=password))
    finally:
        await close_database()


def cmd_migrate(args: argparse.Namespace) -> int:
    with services():
        applied = asyncio.run(_migrate())
    print("\n".join(f"applied {name}" for name in applied) or "database is up to date")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    with services():
        asyncio.run(_migrate())
        print(asyncio.run(_demo(args.password)))
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    """Bootstrap an account without an admin to create it (the first admin of a city)."""
    password = args.password or os.environ.get("GRIDGOV_NEW_USER_PASSWORD") or getpass.getpass()

    async def create() -> str:
        from api.auth import Assignment, Principal
        from api.db import close_database, open_database
        from api.domains.accounts import service
        from api.domains.accounts.enums import Role
        from api.domains.hierarchy import service as hierarchy
        from api.domains.hierarchy.models import Region

        await open_database(_database_url(), pool_size=2)
        # The console is trusted like an admin of the target region (it runs on the server).
        console = Principal(username="console", assignments=(Assignment("admin", args.region),))
        try:
            if args.region_name and not await Region.exists(code=args.region):
                # Bootstrap of an empty installation: the first city and its first admin.
                await hierarchy.create_region(
                    actor=console,
                    data=hierarchy.RegionInput(code=args.region, name=args.region_name),
                )
            user = await service.create_user(
                actor=console,
                username=args.username,
                display_name=args.display_name or args.username,
                password=password,
                assignments=[
                    service.AssignmentInput(role=Role(args.role), region_code=args.region)
                ],
            )
        finally:
            await close_database()
        return f"created {user.username} ({args.role} at {args.region})"

    from api.errors import DomainError

    with services():
        try:
            print(asyncio.run(create()))
        except DomainError as error:
            print(f"error: {error.code.value}: {error.message}", file=sys.stderr)
            return 2
    return 0


def cmd_bench_data(args: argparse.Namespace) -> int:
    """Generate a city-sized data set into an empty database (benchmarks, not production)."""
    from api.benchdata import BENCH_PASSWORD, SCALES, DatabaseNotEmpty, load

    async def run() -> str:
        from api.db import close_database, open_database
        from api.domains.events.reference import ensure_reference_data

        await open_database(_database_url(), pool_size=2)
        try:
            await ensure_reference_data()
        finally:
            await close_database()
        loaded = await load(_database_url(), SCALES[args.scale], name=args.scale)
        if args.intake_seed is not None:
            from api.intake_workload import generate

            made = await generate(_database_url(), seed=args.intake_seed)
            print(
                f"intake workload (seed {made.seed}): {made.history:,} closed events, "
                f"{made.incidents} incidents reported several times, {made.reports:,} new "
                f"reports in {made.seconds:.0f} s"
            )
        return (
            f"{loaded.scale}: {loaded.regions:,} regions, {loaded.users:,} users, "
            f"{loaded.departments} departments, {loaded.events:,} events, "
            f"{loaded.timeline_entries:,} timeline entries, {loaded.people:,} people, "
            f"{loaded.houses:,} houses in {loaded.seconds:.0f} s; "
            f"every user's password is {BENCH_PASSWORD} (e.g. dc-410611, gw-410611001001001)"
        )

    with services():
        asyncio.run(_migrate())
        try:
            print(asyncio.run(run()))
        except DatabaseNotEmpty as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    """Seed the statutory holidays and 调休 days of the given years (default: this and next)."""
    from api.domains.events import holidays

    async def run() -> holidays.SeedReport:
        from api.db import close_database, open_database

        await open_database(_database_url(), pool_size=2)
        try:
            return await holidays.seed(args.year or holidays.current_years())
        finally:
            await close_database()

    with services():
        report = asyncio.run(run())
    for year, days in sorted(report.seeded.items()):
        print(f"{year}: {days} days seeded")
    for year in report.unpublished:
        print(
            f"{year}: no published arrangement in the installed holidays library; upgrade it or"
            " enter the days with setCalendarDay",
            file=sys.stderr,
        )
    # a year asked for by name and not seeded fails the command; this and next year's
    # missing arrangement is a warning (the dashboard shows it too)
    return 1 if args.year and report.unpublished else 0


def cmd_search_keys(args: argparse.Namespace) -> int:
    """Make the pinyin search keys (拼音检索) of every record lacking them (idempotent)."""

    async def run() -> None:
        from api.db import close_database, open_database
        from api.domains.hierarchy import search as region_search
        from api.domains.registry import search as registry_search

        await open_database(_database_url(), pool_size=2)
        try:
            await region_search.backfill()
            await registry_search.backfill()
        finally:
            await close_database()

    with services():
        asyncio.run(run())
    print("search keys are up to date")
    return 0


def _year(text: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError("a year from 2000 to 2100")
    return year


def cmd_evaluate_intake(args: argparse.Namespace) -> int:
    """Duplicate precision and recall, classifier accuracy, spike warnings: on this database's
    own events."""
    from datetime import UTC, datetime, timedelta

    from api.intake_workload import evaluate

    async def run() -> str:
        from api.db import close_database, open_database

        await open_database(_database_url(), pool_size=2)
        try:
            since = (
                datetime.fromisoformat(args.since)
                if args.since
                else datetime.now(UTC) - timedelta(days=args.days)
            )
            report = await evaluate(
                since=since,
                min_per_category=args.min_per_category,
                limit=args.limit,
                case_prefix=args.case_prefix,
            )
        finally:
            await close_database()
        d, sp = report.duplicates, report.spikes
        return "\n".join(
            [
                f"duplicates, reports since {since:%Y-%m-%d %H:%M} (a report's incident: the "
                "event it was merged into):",
                f"  reports looked up {d.reports:,}; with an earlier report of their incident "
                f"{d.with_earlier_duplicate:,}; offered a candidate {d.offered:,}, of which "
                f"right {d.correct:,}",
                f"  precision {d.precision}  recall {d.recall}  ({d.ms_per_lookup} ms a lookup)",
                f"classifier (held-out tenth of {report.classifier_events:,} closed events, "
                f"{report.classifier_categories} categories with >= {args.min_per_category}):",
                f"  top-1 {report.top1}  top-3 {report.top3}",
                f"spike warnings (the worker's rule replayed hourly since {since:%Y-%m-%d %H:%M},"
                f" {sp.district_weeks} district-weeks): {sp.warnings} warnings",
                f"  injected spikes {sp.injected}; found {sp.found}; median delay "
                f"{sp.median_delay_hours} h; false warnings {sp.false_warnings} "
                f"({sp.false_per_district_week} per district-week)"
                if sp.injected is not None
                else "  (no injected truth: pass a generated workload's --case-prefix to measure)",
            ]
        )

    with services():
        print(asyncio.run(run()))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from arq.worker import run_worker

    from api import metrics
    from api.logs import configure_logging
    from workers.settings import WorkerSettings, redis_settings

    settings = get_settings()
    configure_logging(json=settings.gridgov_log_json)
    port = settings.gridgov_worker_metrics_port
    if port and not os.environ.get(metrics.MULTIPROC_ENV):
        # alone (not under `gridgov serve`, whose API serves every process's samples)
        from prometheus_client import start_http_server

        start_http_server(port, addr=settings.gridgov_host)
    with services():
        run_worker(
            metrics.observed_worker(WorkerSettings),
            redis_settings=redis_settings(),
        )
    return 0


@contextlib.contextmanager
def metrics_directory() -> Iterator[None]:
    """One samples directory for every process `serve` starts (the uvicorn workers and the arq
    worker), set before any of them imports prometheus_client and emptied first: the given
    PROMETHEUS_MULTIPROC_DIR, else a temporary one removed at exit."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="gridgov-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(path, ignore_errors=True)


# Live feeds send many small frames to many sockets: wsproto keeps no tasks of its own per
# connection and framed fastest in bench_fanout; compression costs a zlib context per socket
# (~40 KiB) and CPU per frame for messages of a few hundred bytes. Its protocol class is
# extended to write a feed's ready frames (api.feeds.wire: the live-feed fast path).
WEBSOCKETS: dict[str, Any] = {
    "ws": "api.feeds.wire:FeedWSProtocol",
    "ws_per_message_deflate": False,
}


def cmd_serve(args: argparse.Namespace) -> int:
    """API (uvicorn) plus, unless --no-worker, an arq worker process beside it."""
    import uvicorn

    from api.logs import configure_logging

    settings = get_settings()
    configure_logging(json=settings.gridgov_log_json)
    with metrics_directory(), services() as embedded:
        if embedded or args.migrate:
            for name in asyncio.run(_migrate()):
                print(f"applied {name}", flush=True)
        if embedded and not args.no_demo:
            print(asyncio.run(_demo(None)), flush=True)
        worker = None
        if not args.no_worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "worker"], env=os.environ.copy()
            )
        try:
            uvicorn.run(
                "api.app:create_app",
                factory=True,
                host=args.host or settings.gridgov_host,
                port=args.port or settings.gridgov_port,
                workers=args.workers,
                proxy_headers=True,
                log_level="info",
                access_log=False,  # each request is logged once, by the app (api/observability.py)
                **WEBSOCKETS,
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridgov", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API and a worker")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    serve.add_argument("--no-worker", action="store_true", help="API only")
    serve.add_argument("--no-demo", action="store_true", help="embedded: don't load the demo city")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("worker", help="run an arq worker").set_defaults(handler=cmd_worker)
    commands.add_parser("migrate", help="apply migrations").set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo city 鹤壁市 (4106) and its users")
    demo.add_argument("--password", help="password of every demo user")
    demo.set_defaults(handler=cmd_demo)

    calendar = commands.add_parser(
        "calendar", help="seed China's statutory holidays and 调休 days into the work calendar"
    )
    calendar.add_argument(
        "--year",
        type=_year,
        action="append",
        help="a year to seed (repeatable); default: this and next",
    )
    calendar.set_defaults(handler=cmd_calendar)

    commands.add_parser(
        "search-keys", help="make the pinyin search keys of rows lacking them (idempotent)"
    ).set_defaults(handler=cmd_search_keys)

    bench = commands.add_parser("bench-data", help="generate a city-sized data set (benchmarks)")
    bench.add_argument("--scale", choices=["small", "city"], default="small")
    bench.add_argument(
        "--intake-seed",
        type=int,
        help="also write the labelled intake workload of this seed (api/intake_workload.py)",
    )
    bench.set_defaults(handler=cmd_bench_data)

    evaluate = commands.add_parser(
        "evaluate-intake",
        help="duplicate precision/recall, classifier accuracy and spike warnings on this database",
    )
    evaluate.add_argument("--since", help="ISO time: replay the reports since then")
    evaluate.add_argument("--days", type=int, default=8, help="else the last DAYS days")
    evaluate.add_argument("--min-per-category", type=int, default=20)
    evaluate.add_argument("--limit", type=int, default=5_000, help="reports replayed at most")
    evaluate.add_argument(
        "--case-prefix",
        help="only events whose case numbers start so (a bench workload: W<seed>-)",
    )
    evaluate.set_defaults(handler=cmd_evaluate_intake)

    create_user = commands.add_parser("create-user", help="create an account (bootstrap)")
    create_user.add_argument("username")
    create_user.add_argument("--role", default="admin")
    create_user.add_argument("--region", required=True, help="region code of the role")
    create_user.add_argument("--display-name")
    create_user.add_argument(
        "--region-name", help="create the region first if it is missing (a new city)"
    )
    create_user.add_argument("--password", help="else GRIDGOV_NEW_USER_PASSWORD or a prompt")
    create_user.set_defaults(handler=cmd_create_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    from api.db import DatabaseBehind

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except DatabaseBehind as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
