"""The mixed load test, run: seed a city, serve it, step the user count, report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gridgov_load REDIS_URL=redis://127.0.0.1:6379/6 \\
        python -m tests.load.run --scale city --steps 200,400,800,1600 --seconds 60 \\
        --report load.md

1. `tests/load/seed.py` at the chosen scale (the bench-data city; generated only if the database
   holds no regions, so a second run reuses it) with a secret key of this run;
2. `gridgov serve --workers 2 --no-worker` and `gridgov worker` on a free port against that
   database, each in a session of its own so that stopping them stops what they started;
3. for each step, `locust --headless` with that many users, spawned over `--ramp` seconds and
   then run for `--seconds`; the ramp is counted (the screens' websocket connects happen then);
4. a table per step (p50/p99 and failures per request type, requests/s per class, the load
   average) and the verdict: the largest user count where p99 of every request type stays under
   `--p99` ms and nothing failed. Pushes on the command centre's websocket ("WSPUSH": an event
   change's delay from its commit to the screen) are shown but not judged against the requests'
   p99: their delay includes the outbox relay's poll.

Stepping stops at the first step over the p99 (unless --keep-going); the run exits 1 if any request failed at any
step (a broken API must not pass as "slow"), 2 if no step met the p99, else 0."""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).parent
CLASSES = ("phone", "console", "centre", "hotline", "citizen")


@dataclass
class Step:
    users: int
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    loadavg: str = ""
    returncode: int = 0

    @property
    def requests(self) -> dict[str, dict[str, str]]:
        return {name: row for name, row in self.rows.items() if row["Type"] != "WSPUSH"}

    @property
    def failures(self) -> int:
        return sum(int(row["Failure Count"]) for row in self.rows.values())

    def p99_over(self, limit: float) -> list[str]:
        return [name for name, row in self.requests.items() if float(row["99%"]) >= limit]

    def rps(self, label: str) -> float:
        return sum(
            float(row["Requests/s"])
            for name, row in self.requests.items()
            if name.startswith(f"{label}: ")
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", *command],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer /healthz")


def run_step(
    users: int, host: str, seed_file: Path, work: Path, *, seconds: int, ramp: int
) -> Step:
    prefix = work / f"step{users}"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1.0, users / ramp)),
            "--run-time",
            f"{ramp + seconds}s",
            "--stop-timeout",
            "5",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env={**os.environ, "GRIDGOV_LOAD_SEED": str(seed_file)},
        capture_output=True,
        text=True,
    )
    step = Step(users, loadavg=" ".join(Path("/proc/loadavg").read_text().split()[:3]))
    step.returncode = completed.returncode
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise SystemExit(f"locust wrote no statistics:\n{completed.stderr[-3000:]}")
    with stats.open() as handle:
        step.rows = {row["Name"]: row for row in csv.DictReader(handle) if row["Type"]}
    step.rows.pop("Aggregated", None)
    return step


def table(step: Step) -> str:
    lines = [
        f"#### {step.users} users — load average {step.loadavg}",
        "",
        "| request | requests | failures | p50 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(step.rows):
        row = step.rows[name]
        lines.append(
            f"| {name}{' (push delay)' if row['Type'] == 'WSPUSH' else ''} | "
            f"{row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['99%']} | "
            f"{float(row['Requests/s']):.2f} |"
        )
    lines.append("")
    lines.append(
        "Requests/s per class: "
        + ", ".join(f"{label} {step.rps(label):.1f}" for label in CLASSES)
        + f" (all {sum(step.rps(label) for label in CLASSES):.1f})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", help="a bench-data scale (small, city)")
    parser.add_argument("--steps", default="50,100,200,400,800,1600")
    parser.add_argument("--seconds", type=int, default=60, help="measured per step")
    parser.add_argument("--ramp", type=int, default=10, help="seconds to spawn a step's users")
    parser.add_argument(
        "--p99", type=float, default=300.0, help="ms every request type stays under"
    )
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="no arq worker: on a freshly generated city its first crons are a catch-up burst "
        "(the deadline sweep over every overdue event, the classifier trained on a million)",
    )
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="the database was seeded by an earlier run: skip the migrations' checks (their "
        "search-key backfill walks a million people) and only sign in again",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="measure every step even past the p99 (a failure still stops the run)",
    )
    parser.add_argument("--report", type=Path, help="also write the tables (Markdown) here")
    args = parser.parse_args(argv)
    from api.benchdata import SCALES
    from tests.load.seed import seed

    database_url = os.environ["DATABASE_URL"]
    work = Path(tempfile.mkdtemp(prefix="gridgov-load-"))
    secret = secrets.token_urlsafe(48)
    began = time.perf_counter()
    seeded = asyncio.run(
        seed(
            database_url,
            SCALES[args.scale],
            secret=secret,
            name=args.scale,
            prepare=not args.seeded,
        )
    )
    print(
        f"seeded {args.scale}: {seeded['events']:,} events, {seeded['people']:,} people "
        f"in {time.perf_counter() - began:.0f} s",
        flush=True,
    )
    seed_file = work / "seed.json"
    seed_file.write_text(json.dumps(seeded))
    port = free_port()
    env = {
        **os.environ,
        "GRIDGOV_SECRET_KEY": secret,
        "GRIDGOV_DATA_DIR": str(work / "data"),
        "GRIDGOV_LOG_JSON": "true",
    }
    server = start(
        ["serve", "--port", str(port), "--workers", str(args.api_workers), "--no-worker"],
        env,
        work / "serve.log",
    )
    worker = None if args.no_worker else start(["worker"], env, work / "worker.log")
    host = f"http://127.0.0.1:{port}"
    steps: list[Step] = []
    try:
        wait_ready(host, server)
        for users in (int(n) for n in args.steps.split(",")):
            step = run_step(users, host, seed_file, work, seconds=args.seconds, ramp=args.ramp)
            steps.append(step)
            print(table(step), flush=True)
            if step.failures or (step.p99_over(args.p99) and not args.keep_going):
                break
    finally:
        stop(server)
        if worker is not None:
            stop(worker)
    # the largest count below the first step over the p99 or with a failure
    passed = list(itertools.takewhile(lambda s: not s.failures and not s.p99_over(args.p99), steps))
    failed = [s for s in steps if s.failures]
    over = next((s for s in steps if s.p99_over(args.p99)), None)
    verdict = [
        f"Scale {args.scale} ({seeded['events']:,} events, {seeded['people']:,} people), "
        f"`gridgov serve --workers {args.api_workers}`"
        f"{' (no worker)' if args.no_worker else ' + `gridgov worker`'}, locust on the same "
        f"machine; each step {args.ramp} s of ramp and {args.seconds} s at its count, both counted.",
        (
            f"Largest user count with p99 < {args.p99:.0f} ms for every request type and no "
            f"failure: **{passed[-1].users}**."
            if passed
            else f"No step kept p99 < {args.p99:.0f} ms without failures."
        ),
    ]
    if over is not None:
        verdict.append(f"At {over.users} users over the p99: {', '.join(over.p99_over(args.p99))}.")
    if failed:
        verdict.append(
            f"FAILURES at {', '.join(str(s.users) for s in failed)} users: see {work}/*_failures.csv"
        )
    text = "\n\n".join([*verdict, *(table(s) for s in steps)]) + "\n"
    print("\n".join(verdict))
    print(f"logs and CSV: {work}")
    if args.report:
        args.report.write_text(text)
    if failed:
        return 1
    return 0 if passed else 2


if __name__ == "__main__":
    raise SystemExit(main())
