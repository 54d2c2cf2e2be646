"""Every benchmark in turn, at one scale, with a summary at the end.

    python -m tests.benchmarks [--scale small|city] [--only NAME …] [--redis-db N]

`small` (the default) is sized to finish in under 10 minutes on two cores, data generation
included; `city` runs each benchmark at its own defaults (1M events, 1M people, …). Each
benchmark runs as a subprocess of this Python, its output printed as it goes, so one that fails
is reported and the rest still run; the summary lists each one's outcome, wall time and
reference, and the exit status is non-zero if any failed.

Uses DATABASE_URL / REDIS_URL; when either is unset, starts the embedded servers once and hands
them to every benchmark (so the two that need a server of their own, stats and sweep, run too).
`--redis-db N` points every benchmark at Redis database N (bench_api's own default is 12)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.urls import with_database

ROOT = Path(__file__).resolve().parents[2]
SCALES = ("small", "city")


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    reference: str
    small: tuple[str, ...]
    city: tuple[str, ...] = ()  # the benchmark's own defaults


# Small sizes: the registry and the statistics over a twentieth of the city's 1M (the scale
# `gridgov bench-data --scale small` loads for bench_api), the sweep's due backlog the same share
# of its 50k. The generated city for stats is kept under its own name (bench_stats keeps its data
# for the next run) and is the template bench_sweep copies, so it is generated once.
SMALL_CITY = "gridgov_bench_suite_50k"
BENCHMARKS = (
    Benchmark(
        "api",
        "tests.benchmarks.bench_api",
        "a bare Starlette + asyncpg route with the same SQL; PostGraphile on the same tables",
        # its own database: gridgov_bench_small is shared with other sessions, never reloaded
        ("--scale", "small", "--seconds", "5", "--database", "gridgov_bench_suite"),
        ("--scale", "city"),
    ),
    Benchmark(
        "fanout",
        "tests.benchmarks.bench_fanout",
        "raw Redis pub/sub + websockets",
        ("--subscribers", "1000"),
    ),
    Benchmark(
        "registry",
        "tests.benchmarks.bench_registry",
        "– (latency only)",
        ("--people", "50000"),
    ),
    Benchmark(
        "stats",
        "tests.benchmarks.bench_stats",
        "– (target: p50 < 300 ms)",
        ("--events", "50000", "--due", "2500", "--database", SMALL_CITY),
    ),
    Benchmark(
        "sweep",
        "tests.benchmarks.bench_sweep",
        "the per-event sweep of commit d3d3ffc, 133 events/s at 1M / 50k due (RESULTS.md;"
        " not rerun here); target: a batch ≤ 200 ms",
        ("--events", "50000", "--due", "2500", "--database", SMALL_CITY),
    ),
    Benchmark(
        "import",
        "tests.benchmarks.bench_import",
        "a raw binary COPY of the same rows",
        ("--rows", "100000"),
    ),
)


@dataclass
class Outcome:
    benchmark: Benchmark
    returncode: int
    seconds: float


def selected(only: Sequence[str] | None) -> list[Benchmark]:
    """The benchmarks named in `only` (all when empty), in the suite's order."""
    names = [benchmark.name for benchmark in BENCHMARKS]
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise ValueError(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(names)})")
    return [b for b in BENCHMARKS if not only or b.name in only]


def command(
    benchmark: Benchmark, scale: str, redis_db: int | None, python: str = sys.executable
) -> list[str]:
    """The command line that runs `benchmark` at `scale`."""
    arguments = list(benchmark.small if scale == "small" else benchmark.city)
    if redis_db is not None and benchmark.name == "api":
        arguments += ["--redis-db", str(redis_db)]
    return [python, "-m", benchmark.module, *arguments]


def with_redis_db(url: str, redis_db: int | None) -> str:
    return url if redis_db is None else with_database(url, redis_db)


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def summary(outcomes: Sequence[Outcome], total: float) -> str:
    width = max(len(outcome.benchmark.name) for outcome in outcomes)
    lines = ["", "summary:"]
    for outcome in outcomes:
        state = "ok" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
        lines.append(
            f"  {outcome.benchmark.name:<{width}}  {state:<16} {duration(outcome.seconds):>12}"
            f"   reference: {outcome.benchmark.reference}"
        )
    failed = sum(outcome.returncode != 0 for outcome in outcomes)
    lines.append(
        f"  total {duration(total)}; "
        + (f"{failed} of {len(outcomes)} failed" if failed else f"all {len(outcomes)} ok")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help=f"run only these ({', '.join(b.name for b in BENCHMARKS)})",
    )
    parser.add_argument("--redis-db", type=int, help="the Redis database every benchmark uses")
    args = parser.parse_args(argv)
    try:
        benchmarks = selected(args.only)
    except ValueError as error:
        parser.error(str(error))

    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with ExitStack() as stack:
        env = dict(os.environ)
        if not (env.get("DATABASE_URL") and env.get("REDIS_URL")):
            # one set of servers for the whole suite, and stats and sweep (which start none of
            # their own) run on it too
            from api.embedded import embedded_services

            data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridgov-suite-")))
            print("starting the embedded PostgreSQL and Redis", flush=True)
            embedded = stack.enter_context(
                embedded_services(
                    data,
                    postgres=not env.get("DATABASE_URL"),
                    redis=not env.get("REDIS_URL"),
                    persist=False,
                )
            )
            env["DATABASE_URL"] = env.get("DATABASE_URL") or embedded.database_url
            env["REDIS_URL"] = env.get("REDIS_URL") or embedded.redis_url
        env["REDIS_URL"] = with_redis_db(env["REDIS_URL"], args.redis_db)
        for benchmark in benchmarks:
            line = command(benchmark, args.scale, args.redis_db)
            print(f"\n=== {benchmark.name}: python {' '.join(line[1:])}\n", flush=True)
            began = time.perf_counter()
            returncode = subprocess.run(line, cwd=ROOT, env=env).returncode
            outcomes.append(Outcome(benchmark, returncode, time.perf_counter() - began))
            print(
                f"=== {benchmark.name}: "
                f"{'ok' if returncode == 0 else f'FAILED (exit {returncode})'}"
                f" in {duration(outcomes[-1].seconds)}",
                flush=True,
            )
    print(summary(outcomes, time.perf_counter() - started), flush=True)
    return 0 if all(outcome.returncode == 0 for outcome in outcomes) else 1
