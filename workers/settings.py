"""The arq worker: one WorkerSettings for every job (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool

from api import db, jobs
from api.domains.grants.watcher import PermissionWatcher
from api.settings import get_settings
from policies.enforcer import get_enforcer
from workers.accounts import prune_sessions
from workers.announcements import push_announcement, push_overdue_announcements
from workers.care import export_hazard_ledger, requeue_exports
from workers.diaries import assess_diary_quotas
from workers.events import (
    enforce_deadlines,
    investigation_reminders,
    open_indicator_months,
    seed_national_calendar,
)
from workers.history import maintain_history
from workers.imports import purge_imports, requeue_imports, run_import
from workers.ledgers import export_event_ledger, requeue_ledger_exports
from workers.points import credit_event_points, credit_meeting_points, freeze_points_periods
from workers.services import remind_appointments
from workers.stats import freeze_rankings
from workers.triage import detect_spikes, merge_duplicates, train_classifier
from workers.webhooks import deliver_webhook, dispatch_webhooks


def redis_settings() -> RedisSettings:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL must be set (the CLI starts an embedded Redis)")
    return RedisSettings.from_dsn(url)


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    assert settings.database_url is not None
    # Jobs run on a migrated database only, exactly like the API.
    await db.open_database(settings.database_url, pool_size=settings.gridgov_db_pool_size)
    # jobs check permissions as the API does: with the rules granted at run time
    ctx["permissions"] = PermissionWatcher(settings.database_url, get_enforcer())
    await ctx["permissions"].start()


async def shutdown(ctx: dict[str, Any]) -> None:
    if "permissions" in ctx:
        await ctx["permissions"].stop()
    await db.close_database()


class WorkerSettings:
    """Jobs are JSON (never pickle), crons are unique across workers, failures are retried."""

    functions: ClassVar[list[Any]] = [
        prune_sessions,
        enforce_deadlines,
        investigation_reminders,
        open_indicator_months,
        dispatch_webhooks,
        deliver_webhook,
        freeze_rankings,
        run_import,  # a million-row file takes about a minute, well inside job_timeout
        requeue_imports,
        purge_imports,
        assess_diary_quotas,
        seed_national_calendar,
        push_announcement,
        push_overdue_announcements,
        freeze_points_periods,
        export_hazard_ledger,  # a year of a district's hazards writes in seconds
        train_classifier,
        detect_spikes,
        merge_duplicates,
        credit_meeting_points,
        credit_event_points,
        requeue_exports,
        export_event_ledger,
        requeue_ledger_exports,
        remind_appointments,
        maintain_history,
    ]
    cron_jobs: ClassVar[list[Any]] = [
        cron(prune_sessions, hour={3}, minute={17}, unique=True, run_at_startup=False),
        # every minute; `unique` keeps one run per tick across workers, and the sweep itself
        # is safe to overlap (row locks with SKIP LOCKED, enforcement levels recorded)
        cron(enforce_deadlines, second={0}, unique=True, run_at_startup=True, timeout=55),
        # 08:00 China time (00:00 UTC), and at start-up in case the machine was down at eight
        cron(investigation_reminders, hour={0}, minute={0}, unique=True, run_at_startup=True),
        # daily (idempotent): last month's indicator values, opened early on the 1st
        cron(open_indicator_months, hour={0}, minute={5}, unique=True, run_at_startup=True),
        cron(dispatch_webhooks, second={0, 10, 20, 30, 40, 50}, unique=True, timeout=9),
        # 01:30 China time (17:30 UTC), after the day closed; at start-up too, in case the
        # machine was down then (frozen periods are skipped, so a rerun costs little)
        cron(freeze_rankings, hour={17}, minute={30}, unique=True, run_at_startup=True),
        # 01:45 China time (17:45 UTC): the quarter that ended, once per community
        # 01:20 China time (17:20 UTC), before the quarter's freeze; at start-up too
        cron(credit_meeting_points, hour={17}, minute={20}, unique=True, run_at_startup=True),
        cron(credit_event_points, hour={17}, minute={25}, unique=True, run_at_startup=True),
        cron(freeze_points_periods, hour={17}, minute={45}, unique=True, run_at_startup=True),
        cron(requeue_imports, second={30}, unique=True, timeout=50),
        cron(requeue_exports, second={40}, unique=True, timeout=50),
        cron(requeue_ledger_exports, second={45}, unique=True, timeout=50),
        # 03:37 China time (19:37 UTC), away from the day's imports
        cron(purge_imports, hour={19}, minute={37}, unique=True, run_at_startup=False),
        # 01:10 China time (17:10 UTC), once the week or month closed; at start-up too
        cron(assess_diary_quotas, hour={17}, minute={10}, unique=True, run_at_startup=True),
        # 02:50 China time (18:50 UTC) daily and at start-up: a new year is seeded as soon as
        # it begins or an upgraded library knows its arrangement (the State Council publishes
        # the next year's in November)
        cron(seed_national_calendar, hour={18}, minute={50}, unique=True, run_at_startup=True),
        cron(push_overdue_announcements, second={45}, unique=True, timeout=50),
        # 02:50 China time (18:50 UTC), on the day's closed events; at start-up too, so a new
        # installation suggests once it has history (too little: nothing is written)
        # every quarter of an hour: a spike is told while it is news
        cron(detect_spikes, minute={7, 22, 37, 52}, unique=True, timeout=300),
        cron(train_classifier, hour={18}, minute={50}, unique=True, run_at_startup=True),
        # every minute: a report repeating an earlier one above its rule's merge score
        cron(merge_duplicates, second={20}, unique=True, timeout=50),
        # every five minutes: a booking is reminded a day before its slot, once
        cron(remind_appointments, minute=set(range(2, 60, 5)), unique=True, timeout=240),
        # 04:23 China time (20:23 UTC) and at start-up: next months' partitions of every
        # partitioned history (positions, timeline, outbox, audit, webhook deliveries) made well
        # ahead (a missing one is never an insert error: the default partition takes the rows,
        # and the next run moves them), months past each table's retention dropped whole
        cron(maintain_history, hour={20}, minute={23}, unique=True, run_at_startup=True),
    ]
    queue_name = jobs.QUEUE
    on_startup = startup
    on_shutdown = shutdown
    job_serializer = jobs.serialize
    job_deserializer = jobs.deserialize
    max_tries = jobs.MAX_TRIES
    retry_jobs = True
    health_check_interval = 30
    health_check_key = "gridgov:worker:health"
    max_jobs = 20
    job_timeout = 600
    keep_result = 3600


async def job_pool() -> ArqRedis:
    """A connection that enqueues jobs the way the worker reads them (JSON, our queue)."""
    return await create_pool(
        redis_settings(),
        job_serializer=jobs.serialize,
        job_deserializer=jobs.deserialize,
        default_queue_name=jobs.QUEUE,
    )
