"""Prometheus metrics: every series the service exports is defined here, with the one-line hooks
the rest of the code calls, and the `/metrics` endpoint.

Under `gridgov serve` every process (the uvicorn workers and the arq worker it starts) writes its
samples into one directory (`PROMETHEUS_MULTIPROC_DIR`, set by the CLI before anything imports
prometheus_client, emptied at start), and whichever API process answers a scrape reads them all.
Facts that belong to no process (outbox lag, queue depth) are read from PostgreSQL and Redis when
scraped. A `gridgov worker` run on its own serves its samples on `GRIDGOV_WORKER_METRICS_PORT`.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

log = structlog.get_logger("gridgov.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# the arq queue the worker reads (workers/settings.py QUEUE; a test holds them equal)
JOB_QUEUE = "gridgov:queue"

# Requests take milliseconds; the long tail (exports, statistics) seconds.
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0)

REQUEST_SECONDS = Histogram(
    "gridgov_request_duration_seconds",
    "Request latency by GraphQL operation name and type (query, mutation, subscription; "
    "type http for the REST routes, named by route).",
    ["operation", "type"],
    buckets=REQUEST_BUCKETS,
)
ERRORS = Counter(
    "gridgov_graphql_errors_total", "Top-level GraphQL errors by extensions.code.", ["code"]
)
WEBSOCKETS = Gauge(
    "gridgov_websocket_connections", "Open websocket connections.", multiprocess_mode="livesum"
)
SUBSCRIPTIONS = Gauge(
    "gridgov_subscriptions_active",
    "Live subscriptions by feed (the subscription's root field).",
    ["feed"],
    multiprocess_mode="livesum",
)
FEED_READY_FRAMES = Counter(
    "gridgov_feed_ready_frames_total",
    "Live-feed frames encoded once and written as the same bytes to every subscriber of one "
    "selection and operation id in a process (api.feeds.wire); one count however many sockets.",
)
JOBS = Counter(
    "gridgov_jobs_total", "Worker jobs finished, by job and outcome.", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "gridgov_job_duration_seconds", "Worker job run time.", ["job"], buckets=JOB_BUCKETS
)
SWEEP_SECONDS = Histogram(
    "gridgov_sweep_duration_seconds", "Deadline sweep run time.", buckets=JOB_BUCKETS
)
SWEEP_ENFORCED = Counter(
    "gridgov_sweep_enforced_total",
    "Deadline enforcement steps taken by the sweep (reminders, cards, escalations).",
    ["action"],
)
IMPORT_ROWS = Counter("gridgov_import_rows_total", "Rows read by finished import jobs.")
IMPORT_SECONDS = Counter(
    "gridgov_import_seconds_total", "Run time of finished import jobs (rows/s = ratio of rates)."
)
IMPORT_RATE = Gauge(
    "gridgov_import_rows_per_second",
    "Rows per second of the most recently finished import job.",
    multiprocess_mode="mostrecent",
)
POOL_IN_USE = Gauge(
    "gridgov_db_pool_in_use", "Database connections lent out.", multiprocess_mode="livesum"
)
POOL_WAITING = Gauge(
    "gridgov_db_pool_waiting",
    "Tasks waiting for a database connection.",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge("gridgov_db_pool_size", "Database connections open.", multiprocess_mode="livesum")

SWEEP_ACTIONS = ("reminders", "yellow_cards", "red_cards", "escalations")
for _action in SWEEP_ACTIONS:
    SWEEP_ENFORCED.labels(_action)

# --- request latency -------------------------------------------------------------------------

# A client names its operations: beyond this many distinct names a process counts the rest
# under "other", so a client cannot grow the series without bound.
MAX_OPERATION_NAMES = 500
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_latency: dict[tuple[str, str], Callable[[float], None]] = {}
_errors: dict[str, Counter] = {}


def observe_request(operation: str, kind: str, seconds: float) -> None:
    """One request's latency; the histogram child per (operation, type) is looked up once."""
    key = (operation, kind)
    observe = _latency.get(key)
    if observe is None:
        if len(_latency) >= MAX_OPERATION_NAMES or not _NAME.fullmatch(operation):
            key = ("other", kind)
        observe = _latency.get(key)
        if observe is None:
            observe = _latency[key] = REQUEST_SECONDS.labels(*key).observe
    observe(seconds)


def count_error(code: str) -> None:
    counter = _errors.get(code)
    if counter is None:
        if len(_errors) >= 100 or not _NAME.fullmatch(code):
            code = "other"
        counter = _errors.setdefault(code, ERRORS.labels(code))
    counter.inc()


# --- the worker ------------------------------------------------------------------------------


def observed_job(function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The job with its outcome and run time counted (arq's own hooks see neither)."""
    name = function.__name__
    for outcome in ("ok", "failed", "retry", "cancelled"):
        JOBS.labels(name, outcome)
    seconds = JOB_SECONDS.labels(name)

    @functools.wraps(function)
    async def run(*args: Any, **kwargs: Any) -> Any:
        from arq.worker import Retry

        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await function(*args, **kwargs)
            outcome = "ok"
            return result
        except Retry:
            outcome = "retry"
            raise
        except (asyncio.CancelledError, TimeoutError):
            outcome = "cancelled"  # arq's job timeout cancels the job
            raise
        finally:
            seconds.observe(time.perf_counter() - started)
            JOBS.labels(name, outcome).inc()

    return run


def observed_worker(settings: type) -> type:
    """A WorkerSettings whose functions and cron jobs are observed (see observed_job)."""
    from arq.worker import Function

    def wrap(entry: Any) -> Any:
        if isinstance(entry, Function):
            return replace(entry, coroutine=observed_job(entry.coroutine))  # type: ignore[arg-type]
        return observed_job(entry)

    functions = [wrap(entry) for entry in getattr(settings, "functions", ())]
    crons = [
        replace(job, coroutine=observed_job(job.coroutine))
        for job in getattr(settings, "cron_jobs", ())
    ]
    original_startup = getattr(settings, "on_startup", None)
    original_shutdown = getattr(settings, "on_shutdown", None)

    async def startup(ctx: dict[str, Any]) -> None:
        if original_startup is not None:
            await original_startup(ctx)
        ctx["gridgov_pool_sampler"] = asyncio.create_task(sample_pool_forever())

    async def shutdown(ctx: dict[str, Any]) -> None:
        sampler = ctx.pop("gridgov_pool_sampler", None)
        if sampler is not None:
            sampler.cancel()
        if original_shutdown is not None:
            await original_shutdown(ctx)
        process_exited()

    # arq reads a settings class's own __dict__, not what it inherits: a copy, not a subclass
    own = {name: value for name, value in vars(settings).items() if not name.startswith("__")}
    return type(
        settings.__name__,
        (),
        {
            **own,
            "functions": functions,
            "cron_jobs": crons,
            "on_startup": startup,
            "on_shutdown": shutdown,
        },
    )


class SweepTimer:
    """`with sweep_timer() as done: done(asdict(report))`: a sweep's run time and what it did."""

    def __enter__(self) -> Callable[[Mapping[str, int]], Mapping[str, int]]:
        self.started = time.perf_counter()
        return self.enforced

    def enforced(self, report: Mapping[str, int]) -> Mapping[str, int]:
        for action, count in report.items():
            if count:
                SWEEP_ENFORCED.labels(action).inc(count)
        return report

    def __exit__(self, *exc: object) -> None:
        SWEEP_SECONDS.observe(time.perf_counter() - self.started)


def sweep_timer() -> SweepTimer:
    return SweepTimer()


def import_finished(rows: int, seconds: float) -> None:
    """An import job is done: its rows and run time."""
    IMPORT_ROWS.inc(rows)
    IMPORT_SECONDS.inc(seconds)
    if seconds > 0:
        IMPORT_RATE.set(rows / seconds)


# --- the database pool -----------------------------------------------------------------------

POOL_SAMPLE_SECONDS = 2.0


def sample_pool() -> None:
    """The process's pool now (asyncpg keeps no counters: read from its state)."""
    from tortoise import connections

    try:
        pool: Any = getattr(connections.get("default"), "_pool", None)
    except Exception:  # not initialised yet, or closed
        pool = None
    if pool is None:
        POOL_SIZE.set(0)
        POOL_IN_USE.set(0)
        POOL_WAITING.set(0)
        return
    size = pool.get_size()
    POOL_SIZE.set(size)
    POOL_IN_USE.set(size - pool.get_idle_size())
    # asyncpg queues waiters on its internal asyncio queue of free connections
    POOL_WAITING.set(len(getattr(getattr(pool, "_queue", None), "_getters", ())))


async def sample_pool_forever() -> None:
    while True:
        sample_pool()
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


# --- scraping --------------------------------------------------------------------------------


class LiveFacts(Collector):
    """Facts of the installation, not of a process, read at scrape time."""

    def __init__(self, facts: Mapping[str, tuple[str, float]]):
        self.facts = facts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (documentation, value) in self.facts.items():
            yield GaugeMetricFamily(name, documentation, value=value)


async def live_facts(redis: Any) -> dict[str, tuple[str, float]]:
    from tortoise import connections

    row = (
        await connections.get("default").execute_query_dict(
            "SELECT coalesce((SELECT max(id) FROM outbox), 0) AS newest, "
            "coalesce((SELECT published_up_to FROM outbox_relay WHERE id = 1), 0) AS relayed, "
            "coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox WHERE id > "
            "coalesce((SELECT published_up_to FROM outbox_relay WHERE id = 1), 0) "
            "ORDER BY id LIMIT 1)), 0) AS age"
        )
    )[0]
    depth = await redis.zcard(JOB_QUEUE)
    return {
        "gridgov_outbox_lag_rows": (
            "Committed outbox rows not yet relayed (newest sequence − relayed).",
            max(0, int(row["newest"]) - int(row["relayed"])),
        ),
        "gridgov_outbox_lag_seconds": (
            "Age of the oldest outbox row not yet relayed (0: none).",
            max(0.0, float(row["age"])),
        ),
        "gridgov_arq_queue_depth": ("Jobs waiting in the worker queue.", float(depth)),
    }


def exposition(facts: Mapping[str, tuple[str, float]]) -> bytes:
    """Every process's samples (or this process's, outside multiprocess mode) and the facts."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    extra = CollectorRegistry()
    extra.register(LiveFacts(facts))
    return generate_latest(registry) + generate_latest(extra)


def endpoint(*, token: str | None, production: bool) -> Callable[[Request], Awaitable[Response]]:
    """`/metrics`: open in development; in production only with `GRIDGOV_METRICS_TOKEN` as a
    bearer token (unset: not served at all, 404, as if there were no such route)."""

    async def metrics(request: Request) -> Response:
        if production or token:
            given = request.headers.get("authorization", "")
            if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return PlainTextResponse("not found", status_code=404)
        sample_pool()
        try:
            facts = await asyncio.wait_for(live_facts(request.app.state.resources.redis), 5)
        except Exception as error:  # a scrape still shows the processes' own samples
            log.warning("metrics: live facts unavailable", error=repr(error))
            facts = {}
        return Response(exposition(facts), media_type=CONTENT_TYPE_LATEST)

    return metrics


def process_exited() -> None:
    """Drop this process's live gauges from the shared directory (a clean exit)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())
