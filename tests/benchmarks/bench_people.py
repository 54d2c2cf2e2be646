"""The registry search A/B: this tree's API and another commit's (`--before`), both beside the
bare route that runs the same statements (tests/benchmarks/bare_people.py), in one run, on the
data of bench_api, for a reader who sees ID numbers masked and one who sees them whole (each
clear page audited).

    python -m tests.benchmarks.bench_people [--before REF] [--seconds 5] [--rounds 2]
                                            [--connections 20] [--database NAME] [--redis-db 12]

The rounds alternate the servers so a drifting machine load falls on all of them alike. Load
comes from wrk when installed, else from a Python client in this process. Prints a table with
each request's rate as a share of its bare route's in the same round; nothing is asserted."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.bench_api import (
    CLEAR_READER,
    DISTRICT,
    ROOT,
    SECRET,
    Figures,
    _drop,
    _wait_ready,
    login,
    people_searches,
    prepare,
    run_python,
    run_wrk,
)
from tests.realtime.servers import free_port
from tests.urls import with_database


@dataclass
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """The process's user + system CPU time so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def api_from(
    tree: Path, env: dict[str, str], log_dir: Path, app: str = "api.app:create_app"
) -> Iterator[Server]:
    """One uvicorn process serving `app` (the API, or a bare route) of the source tree `tree`."""
    port = free_port()
    factory = ["--factory"] if app == "api.app:create_app" else []
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            *factory,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, **env, "PYTHONPATH": str(tree)},
        cwd=tree,
        stdout=(log_dir / f"api-{port}.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def checkout(ref: str, into: Path) -> Path:
    """The files of commit `ref` (git archive), without touching any work tree."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="a commit to measure beside this tree (A/B)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--database", default="gridgov_bench_small")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    with ExitStack() as stack:
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridgov-ab-")))
        bench_url = await prepare(database_url, "small", args.database)
        env = {
            "DATABASE_URL": bench_url,
            "REDIS_URL": with_database(redis_url, str(args.redis_db)),
            "GRIDGOV_ENV": "production",
            "GRIDGOV_SECRET_KEY": SECRET,
            "GRIDGOV_LOGIN_MAX_FAILURES": "1000",
        }
        servers = {"after": stack.enter_context(api_from(ROOT, env, log_dir))}
        if args.before:
            tree = checkout(args.before, log_dir / "before")
            servers["before"] = stack.enter_context(api_from(tree, env, log_dir))
        bare = stack.enter_context(api_from(ROOT, env, log_dir, "tests.benchmarks.bare_people:app"))
        masked = await login(servers["after"].url, f"dc-{DISTRICT}")
        clear = await login(servers["after"].url, CLEAR_READER)
        wrk = shutil.which("wrk") is not None
        print(
            f"registry search A/B: {args.rounds} rounds, {args.seconds} s each, "
            f"{args.connections} connections, load from {'wrk' if wrk else 'a Python client'}, "
            f"load average {Path('/proc/loadavg').read_text().split()[:3]}",
            flush=True,
        )
        rows: list[tuple[int, str, Figures, float, float]] = []
        for round_number in range(1, args.rounds + 1):
            bare_rates: dict[str, float] = {}
            for server, process in [("bare", bare), *servers.items()]:
                requests = people_searches(process.url, bare.url, masked, clear)
                for name, request in requests.items():
                    is_bare = "bare route" in name
                    if is_bare != (server == "bare"):
                        continue
                    label = name if is_bare else f"{name} [{server}]"
                    cpu = process.cpu_seconds()
                    if wrk:
                        figures = run_wrk(label, request, args.seconds, args.connections)
                    else:
                        figures = await run_python(label, request, args.seconds, args.connections)
                    cpu_ms = (process.cpu_seconds() - cpu) * 1000 / max(figures.requests, 1)
                    reader = "clear" if "clear" in name else "masked"
                    if is_bare:
                        bare_rates[reader] = figures.per_second
                    share = figures.per_second / bare_rates[reader]
                    rows.append((round_number, label, figures, share, cpu_ms))
                    print(
                        f"round {round_number}: {label}: {figures.per_second:,.0f} req/s, "
                        f"p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, "
                        f"{figures.errors} errors, {share:.0%} of bare, "
                        f"server CPU {cpu_ms:.2f} ms/req",
                        flush=True,
                    )
        print(f"\nload average after: {Path('/proc/loadavg').read_text().split()[:3]}")
        print(
            "\n| round | request | req/s | p50 ms | p99 ms | errors | of bare route"
            " | server CPU ms/req |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for round_number, label, figures, share, cpu_ms in rows:
            print(
                f"| {round_number} | {label} | {figures.per_second:,.0f} | {figures.p50_ms:.1f}"
                f" | {figures.p99_ms:.1f} | {figures.errors} | {share:.0%} | {cpu_ms:.2f} |"
            )
    if not args.keep:
        await _drop(database_url, args.database)


if __name__ == "__main__":
    asyncio.run(main())
