"""Request benchmarks on a generated city: each hot path's requests/s and latency beside a
reference measured in the same run.

    python -m tests.benchmarks.bench_api [--scale small|city] [--seconds 10] [--connections 50]
                                         [--only NAME …] [--keep] [--database NAME]
                                         [--redis-db 12]

- `events page`: `events(filter: {regionCode: <district>}, first: 50)`, 8 fields, as the district
  command centre — against a bare Starlette + asyncpg route returning the same JSON from the
  same SQL (the ceiling), and against PostGraphile (npm) on the same tables when npm can
  install it;
- `event(id)` with its timeline, `me`, a registry search, the registry's area statistics, and
  `reportEvent` from 50 concurrent grid workers (each its own grid), with the bare route's rate
  as the yardstick;
- then the events page again, GraphQL and bare route, from the same 50 clients paced to half of
  the rate that saturated each (wrk's `delay` hook): latency at a load the server sustains,
  where the saturated runs' latency is mostly queueing.

Load comes from wrk (`apt-get install wrk`) when installed, else from a Python client (which then
costs CPU beside the server: the ratios still hold, the absolute figures are lower). Data:
`gridgov bench-data` into a database of its own (`gridgov_bench_<scale>`, kept with --keep and
reused when it is complete). Uses DATABASE_URL / REDIS_URL, else embedded servers. Prints a
table; nothing here is asserted (targets are read, not tested)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from api.benchdata import BENCH_PASSWORD, SCALES
from tests.realtime.servers import free_port, start_api
from tests.urls import with_database

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-key-that-is-long-enough-for-hs256-0123456789"
DISTRICT = "410611"

EVENTS_PAGE = """query($filter: EventFilterInput, $first: Int) {
  events(filter: $filter, first: $first) {
    edges { node { uuid caseNumber title status priority categoryKey regionCode reportedAt } }
  }
}"""
EVENT_DETAIL = """query($id: ID!) {
  event(id: $id) {
    uuid caseNumber title status priority categoryKey regionCode handlingRegionCode dueAt card
    timeline { action actorLabel fromStatus toStatus note at }
  }
}"""
ME = "{ me { id username displayName roles { role regionCode departmentId } } }"
PEOPLE_SEARCH = """query($filter: PersonFilterInput) {
  people(filter: $filter, first: 20) {
    edges { node { uuid name idNumber regionCode personType } }
  }
}"""
REGISTRY_STATISTICS = """query($region: String!) {
  registryStatistics(regionCode: $region) {
    ... on RegistryStatistics { children { regionCode kind count } }
  }
}"""
REPORT = """mutation($input: ReportEventInput!) {
  reportEvent(input: $input) { __typename ... on EventPayload { event { uuid caseNumber } } }
}"""
# The same report, its payload asking for the probable duplicates (api/domains/triage): the
# lookup's cost on the report path, measured beside the plain report in the same run.
REPORT_WITH_DUPLICATES = """mutation($input: ReportEventInput!) {
  reportEvent(input: $input) { __typename ... on EventPayload {
    event { uuid caseNumber duplicateCandidates { eventId score } } } }
}"""
POSTGRAPHILE_PAGE = """query($district: String!, $first: Int!) {
  allEvents(condition: {districtCode: $district}, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC],
            first: $first) {
    nodes { id caseNumber title status priority categoryKey regionCode reportedAt }
  }
}"""


@dataclass
class Request:
    """One request shape; `rotate` lists (token, body) pairs sent in turn (many clients)."""

    url: str
    rotate: list[tuple[str | None, dict[str, Any]]]


@dataclass
class Figures:
    name: str
    requests: int
    errors: int
    per_second: float
    p50_ms: float
    p99_ms: float


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def prepare(base_url: str, scale: str, name: str) -> str:
    """The bench database `name` of `scale`: reused when complete, else made and loaded now."""
    from api.benchdata import load
    from api.db import apply_migrations, close_database, open_database
    from api.domains.events.reference import ensure_reference_data

    url = with_database(base_url, name)
    admin = await asyncpg.connect(_dsn(base_url))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    if exists:
        connection = await asyncpg.connect(_dsn(url))
        try:
            events = await connection.fetchval(
                "SELECT CASE WHEN to_regclass('events') IS NULL THEN 0"
                " ELSE (SELECT count(*) FROM events WHERE title <> 'bench report') END"
            )
        finally:
            await connection.close()
        if events >= SCALES[scale].events:
            print(f"reusing {name} ({events:,} events)", flush=True)
            await apply_migrations(url)  # made by an earlier version: bring it up to date
            await _forget_reports(url)
            await search_keys(url)
            return url
        await _drop(base_url, name)
    admin = await asyncpg.connect(_dsn(base_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await apply_migrations(url)
    await open_database(url, pool_size=2)
    try:
        await ensure_reference_data()
    finally:
        await close_database()
    loaded = await load(
        url, SCALES[scale], name=scale, progress=lambda line: print(f"  {line}", flush=True)
    )
    print(f"loaded {loaded.events:,} events in {loaded.seconds:.0f} s", flush=True)
    await search_keys(url)
    return url


async def search_keys(url: str) -> None:
    """The people's pinyin keys (`gridgov migrate` makes them; the generator's SQL does not):
    without them the registry search by name finds nobody and measures an empty page."""
    from api.db import close_database, open_database
    from api.domains.registry import search

    await open_database(url, pool_size=2)
    try:
        await search.backfill()  # only the records lacking keys: quick when they have them
    finally:
        await close_database()
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute("ANALYZE registry_search_keys")
    finally:
        await connection.close()


async def _forget_reports(url: str) -> None:
    """Events reported by an earlier run's reportEvent benchmark go, so runs compare."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(
            "DELETE FROM event_timeline WHERE event_id IN"
            " (SELECT id FROM events WHERE reported_at > now() - interval '1 day'"
            "  AND title = 'bench report');"
            "DELETE FROM outbox; DELETE FROM events WHERE title = 'bench report'"
        )
    finally:
        await connection.close()


async def _drop(base_url: str, name: str) -> None:
    admin = await asyncpg.connect(_dsn(base_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def login(http: str, username: str) -> str:
    async with httpx.AsyncClient(base_url=http) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p)"
                " { ... on AuthPayload { accessToken } ... on Error { code message } } }",
                "variables": {"u": username, "p": BENCH_PASSWORD},
            },
        )
    payload = response.json()["data"]["login"]
    assert "accessToken" in payload, payload
    return str(payload["accessToken"])


def _wrk_script(request: Request, path: Path, delay_ms: float = 0) -> None:
    host = request.url.split("://", 1)[1]
    lines = ["local requests = {}"]
    for token, body in request.rotate:
        # wrk.format sends no Host header of its own, and Node's HTTP parser refuses a request
        # without one
        headers = f'{{["Host"] = "{host}", ["Content-Type"] = "application/json"'
        if token:
            headers += f', ["Authorization"] = "Bearer {token}"'
        headers += "}"
        lines.append(
            f'table.insert(requests, wrk.format("POST", "/graphql", {headers}, '
            f"{_lua_string(json.dumps(body))}))"
        )
    if delay_ms:
        # wrk waits this long before each request of a connection: a paced, not saturating,
        # load; drawn around the mean so the connections don't fire in step (a burst of 50 at
        # once would measure the burst's queue, not the server)
        low, high = max(1, round(delay_ms / 2)), max(2, round(delay_ms * 3 / 2))
        lines.append(f"delay = function() return math.random({low}, {high}) end")
    lines += [
        "local i = 0",
        "request = function()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
        "response = function(status, headers, body)",
        "  if status ~= 200 or string.find(body, '\"errors\"', 1, true)"
        " or string.find(body, '\"code\"', 1, true) then",
        "    wrk.thread:set('failed', (wrk.thread:get('failed') or 0) + 1)",
        "  end",
        "end",
        "local threads = {}",
        "setup = function(thread) table.insert(threads, thread) end",
        "done = function(summary, latency, requests)",
        "  local failed = 0",
        "  for _, thread in ipairs(threads) do failed = failed + (thread:get('failed') or 0) end",
        "  io.write(string.format('FAILED %d\\n', failed))",
        "  io.write(string.format('P50 %f\\nP99 %f\\n', latency:percentile(50) / 1000,"
        " latency:percentile(99) / 1000))",
        "end",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def run_wrk(
    name: str, request: Request, seconds: int, connections: int, delay_ms: float = 0
) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bench.lua"
        _wrk_script(request, script, delay_ms)
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                request.url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    failed = int(re.search(r"FAILED (\d+)", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Figures(
        name=name,
        requests=total,
        errors=max(failed, int(non2xx.group(1)) if non2xx else 0),
        per_second=rate,
        p50_ms=float(re.search(r"P50 ([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p99_ms=float(re.search(r"P99 ([\d.]+)", output).group(1)),  # type: ignore[union-attr]
    )


async def run_python(name: str, request: Request, seconds: int, connections: int) -> Figures:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def client(offset: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        turn = offset
        while time.perf_counter() < deadline:
            token, body = request.rotate[turn % len(request.rotate)]
            turn += connections
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            began = time.perf_counter()
            response = await http.post("/graphql", json=body, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200 or b'"errors"' in response.content:
                errors += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=request.url, limits=limits, timeout=10) as http:
        await asyncio.gather(*(client(i, http) for i in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Figures(
        name=name,
        requests=len(latencies),
        errors=errors,
        per_second=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
    )


@contextmanager
def bare_route(
    database_url: str, log_dir: Path, app: str = "tests.benchmarks.bare_events:app"
) -> Iterator[str]:
    port = free_port()
    log = (log_dir / f"bare-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def postgraphile(database_url: str, log_dir: Path) -> Iterator[str | None]:
    """PostGraphile v4 on the same tables, installed with npm into the data directory."""
    npm = shutil.which("npm")
    if npm is None:
        print("PostGraphile skipped: npm is not installed", flush=True)
        yield None
        return
    prefix = ROOT / ".gridgov" / "bench-node"
    binary = prefix / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "postgraphile@4"],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print(f"PostGraphile skipped: npm install failed: {installed.stderr[-300:]}")
            yield None
            return
    port = free_port()
    log = (log_dir / "postgraphile.log").open("wb")
    process = subprocess.Popen(
        [
            str(binary),
            "-c",
            database_url,
            "--schema",
            "public",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--disable-query-log",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/graphql", process, method="POST")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen[bytes], method: str = "GET") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited")
        try:
            response = httpx.request(
                method,
                url,
                timeout=1,
                json={"query": "{ __typename }"} if method == "POST" else None,
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: not ready")


# The registry search's surnames (one person in eight of the district each) and a reader who
# sees ID numbers whole across the district (a district department's staff: audited).
SURNAMES = ("张", "王", "李", "赵", "刘", "陈", "杨", "黄")
CLEAR_READER = f"ds-police-{DISTRICT}"


def people_searches(api: str, bare: str, masked: str, clear: str) -> dict[str, Request]:
    """The registry search by name prefix, masked and clear, and its bare route's equivalents
    (tests/benchmarks/bare_people.py)."""
    found = {}
    for label, token, whole in (("masked", masked, False), ("clear, audited", clear, True)):
        found[f"registry search (name prefix, {label})"] = Request(
            api,
            [
                (
                    token,
                    {
                        "query": PEOPLE_SEARCH,
                        "variables": {"filter": {"regionCode": DISTRICT, "text": surname}},
                    },
                )
                for surname in SURNAMES
            ],
        )
        found[f"registry search (bare route, {label})"] = Request(
            bare,
            [
                (
                    None,
                    {
                        "variables": {
                            "scope": DISTRICT,
                            "regionCode": DISTRICT,
                            "text": surname,
                            "clear": whole,
                        }
                    },
                )
                for surname in SURNAMES
            ],
        )
    return found


async def scenarios(
    database_url: str, api: str, bare: str, graphile: str | None, bare_people: str
) -> dict[str, Request]:
    district = await login(api, f"dc-{DISTRICT}")
    connection = await asyncpg.connect(_dsn(database_url))
    try:
        event_id = await connection.fetchval(
            "SELECT id FROM events WHERE district_code = $1 AND status = 'evaluated'"
            " ORDER BY reported_at DESC LIMIT 1",
            DISTRICT,
        )
        grids = [
            row["code"]
            for row in await connection.fetch(
                "SELECT code FROM regions WHERE level = 'grid' ORDER BY code LIMIT 50"
            )
        ]
    finally:
        await connection.close()
    workers = [(await login(api, f"gw-{grid}"), grid) for grid in grids]
    page_variables = {"filter": {"regionCode": DISTRICT}, "first": 50}
    found: dict[str, Request] = {
        "events page (GraphQL)": Request(
            api, [(district, {"query": EVENTS_PAGE, "variables": page_variables})]
        ),
        "events page (bare route)": Request(
            bare, [(None, {"variables": {"regionCode": DISTRICT, "first": 50}})]
        ),
    }
    if graphile:
        found["events page (PostGraphile)"] = Request(
            graphile,
            [
                (
                    None,
                    {"query": POSTGRAPHILE_PAGE, "variables": {"district": DISTRICT, "first": 50}},
                )
            ],
        )
    found["event(id) with timeline"] = Request(
        api, [(district, {"query": EVENT_DETAIL, "variables": {"id": str(event_id)}})]
    )
    found["me"] = Request(api, [(district, {"query": ME})])
    found.update(people_searches(api, bare_people, district, await login(api, CLEAR_READER)))
    township = f"{DISTRICT}001"
    found["registry statistics (a township)"] = Request(
        api, [(district, {"query": REGISTRY_STATISTICS, "variables": {"region": township}})]
    )
    for name, document in (
        ("reportEvent (50 workers)", REPORT),
        ("reportEvent + duplicate candidates (50 workers)", REPORT_WITH_DUPLICATES),
    ):
        found[name] = Request(
            api,
            [
                (
                    token,
                    {
                        "query": document,
                        "variables": {
                            "input": {
                                "title": "bench report",
                                "description": "路灯不亮,影响夜间出行",
                                "categoryKey": "city.0601",
                                "regionCode": grid,
                            }
                        },
                    },
                )
                for token, grid in workers
            ],
        )
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", nargs="*", help="names (substrings) of the scenarios to run")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--database",
        help="name of the bench database (default gridgov_bench_<scale>): sessions sharing a"
        " server each use their own",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=12,
        help="the Redis database the API uses (on REDIS_URL's server), away from the tests'",
    )
    args = parser.parse_args()

    with ExitStack() as stack:
        database_url = os.environ.get("DATABASE_URL")
        redis_url = os.environ.get("REDIS_URL")
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gridgov-bench-")))
        if not (database_url and redis_url):
            from api.embedded import embedded_services

            embedded = stack.enter_context(embedded_services(log_dir / "servers", persist=False))
            database_url = database_url or embedded.database_url
            redis_url = redis_url or embedded.redis_url
        database = args.database or f"gridgov_bench_{args.scale}"
        bench_url = await prepare(database_url, args.scale, database)
        api = start_api(
            {
                "DATABASE_URL": bench_url,
                "REDIS_URL": with_database(redis_url, str(args.redis_db)),
                "GRIDGOV_ENV": "production",
                "GRIDGOV_SECRET_KEY": SECRET,
                "GRIDGOV_LOGIN_MAX_FAILURES": "1000",
            },
            log_dir,
        )
        stack.callback(api.stop)
        bare = stack.enter_context(bare_route(bench_url, log_dir))
        bare_people = stack.enter_context(
            bare_route(bench_url, log_dir, "tests.benchmarks.bare_people:app")
        )
        graphile = stack.enter_context(postgraphile(bench_url, log_dir))
        requests = await scenarios(bench_url, api.http, bare, graphile, bare_people)
        wrk = shutil.which("wrk") is not None
        print(
            f"\n{args.scale} scale, {args.connections} connections, {args.seconds} s each, "
            f"load from {'wrk' if wrk else 'a Python client'}, {os.cpu_count()} cores\n",
            flush=True,
        )
        results: list[Figures] = []
        for name, request in requests.items():
            if args.only and not any(part in name for part in args.only):
                continue
            if wrk:
                figures = run_wrk(name, request, args.seconds, args.connections)
            else:
                figures = await run_python(name, request, args.seconds, args.connections)
            results.append(figures)
            print(
                f"{name}: {figures.per_second:,.0f} req/s, p50 {figures.p50_ms:.1f} ms, "
                f"p99 {figures.p99_ms:.1f} ms, {figures.errors} errors",
                flush=True,
            )
        if wrk:
            results.extend(paced(requests, results, args))
        report(results)
        if not args.keep:
            await _drop(database_url, database)


def paced(
    requests: dict[str, Request], results: list[Figures], args: argparse.Namespace
) -> list[Figures]:
    """Latency of the events page from the same clients sending at a steady rate: half of what
    saturated each server (a closed loop of 50 clients at saturation measures queueing, ~50 /
    rate, more than the server's own latency)."""
    measured = {figures.name: figures for figures in results}
    paced_figures = []
    for name in ("events page (GraphQL)", "events page (bare route)"):
        if name not in measured or name not in requests:
            continue
        rate = measured[name].per_second / 2
        delay_ms = args.connections / rate * 1000
        figures = run_wrk(
            f"{name}, paced at {rate:,.0f} req/s",
            requests[name],
            args.seconds,
            args.connections,
            delay_ms,
        )
        paced_figures.append(figures)
        print(
            f"{figures.name}: {figures.per_second:,.0f} req/s, p50 {figures.p50_ms:.1f} ms, "
            f"p99 {figures.p99_ms:.1f} ms, {figures.errors} errors",
            flush=True,
        )
    return paced_figures


def report(results: list[Figures]) -> None:
    by_name = {figures.name: figures for figures in results}
    print("\n| request | req/s | p50 ms | p99 ms | errors | of bare route |")
    print("|---|---|---|---|---|---|")
    for figures in results:
        ceiling = by_name.get(bare_of(figures.name))
        ratio = f"{figures.per_second / ceiling.per_second:.0%}" if ceiling else "–"
        print(
            f"| {figures.name} | {figures.per_second:,.0f} | {figures.p50_ms:.1f} | "
            f"{figures.p99_ms:.1f} | {figures.errors} | {ratio} |"
        )


def bare_of(name: str) -> str:
    """The bare route a request is measured against: the registry search's own, else the
    events page's."""
    if name.startswith("registry search (name prefix, "):
        return name.replace("(name prefix, ", "(bare route, ")
    return "events page (bare route)"


if __name__ == "__main__":
    asyncio.run(main())
