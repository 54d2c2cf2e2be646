"""Worker jobs run as the worker runs them, against real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from arq.worker import Worker

from api import clock
from api.domains.accounts.models import UserSession
from api.domains.events.deadlines import LOCAL
from api.domains.notices.models import Notice
from api.domains.notices.rounds import rounds_due
from api.settings import Settings
from tests import factories
from workers.accounts import prune_sessions
from workers.events import investigation_reminders
from workers.settings import WorkerSettings, redis_settings


def test_rounds_fall_weekly_for_communities_and_twice_a_month_for_townships() -> None:
    monday, first, sixteenth = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 16)

    assert [r.key for r in rounds_due(monday, community_weekday=0, township_days=[1, 16])] == [
        "investigation:community:2026-W49"
    ]
    assert [r.key for r in rounds_due(first, community_weekday=0, township_days=[1, 16])] == [
        "investigation:township:2026-12-上"
    ]
    assert [r.key for r in rounds_due(sixteenth, community_weekday=2, township_days=[1, 16])] == [
        "investigation:community:2026-W51",
        "investigation:township:2026-12-下",
    ]


async def test_investigation_reminders_reach_each_responsible_user_once(db: None) -> None:
    await factories.region_tree()
    staff = [
        await factories.user("community_staff", code) for code in ("410611001001", "410611001010")
    ]
    centre = await factories.user("township_centre", "410611001")
    clock.move(datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL) - clock.now())  # a Monday

    first = await investigation_reminders({})
    again = await investigation_reminders({})

    assert (first, again) == (2, 0)
    assert {n.user_id for n in await Notice.filter(kind="investigation")} == {s.id for s in staff}
    clock.move(timedelta(days=1))  # Tuesday 1 December: the townships' round
    assert await investigation_reminders({}) == 1
    assert await Notice.filter(kind="investigation", user_id=centre.id).count() == 1


async def test_old_sessions_are_pruned(db: None) -> None:
    await factories.region_tree()
    account = await factories.user("grid_worker", "410611001001001")
    await factories.token_for(account)  # a live session
    old = await UserSession.create(
        user=account, refresh_token_hash="x" * 64, expires_at=clock.now() - timedelta(days=40)
    )

    assert await prune_sessions({}) == 1
    assert not await UserSession.exists(id=old.id)
    assert await UserSession.filter(user=account).count() == 1


def test_worker_settings_are_json_and_crons_are_unique(settings: Settings) -> None:
    assert WorkerSettings.job_serializer(WorkerSettings.job_deserializer(b'{"a": 1}')) == b'{"a":1}'
    assert all(job.unique for job in WorkerSettings.cron_jobs)
    assert {f.__name__ for f in WorkerSettings.functions} >= {
        job.coroutine.__name__ for job in WorkerSettings.cron_jobs
    }
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=redis_settings(),
        burst=True,
        job_serializer=WorkerSettings.job_serializer,
        job_deserializer=WorkerSettings.job_deserializer,
    )
    assert worker.queue_name  # builds with our settings against the test Redis
