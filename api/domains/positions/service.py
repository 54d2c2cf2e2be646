"""Where grid workers are: positions reported by the app, latest per worker, pushed live.

Positions are a stream, not history that must never be lost: they are published straight to the
live feed (no outbox), and kept in the database for tracks, the latest-position query and audits.

A phone sends one live fix (`report`) or, after a spell without network, its buffered track at
once (`report_many`). Either way the fixes go in with one statement: the history rows, and the
worker's row in `worker_latest_positions` moved forward only by a newer fix, so "where are my
workers now" reads one row per worker whatever the history holds. A fix already stored (same
worker, same instant: a track re-sent after a lost answer) is counted as repeated, not stored
twice; invalid fixes are listed by index and the valid ones kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from tortoise import connections

from api import clock, geo, partitions
from api.auth import Principal
from api.domains.positions.models import LatestPosition, WorkerPosition
from api.errors import NotAllowed, ValidationFailed
from api.i18n import Message, _
from api.query import Parameters
from api.realtime import Hub, ancestor_channels
from api.regions import Level
from policies.enforcer import authorize, get_enforcer

log = structlog.get_logger("gridgov.positions")

MAX_AGE = timedelta(hours=1)  # a live fix older than this is a stale upload, not a position
MAX_BUFFERED_AGE = timedelta(hours=24)  # a track buffered through a working day offline
MAX_FUTURE = timedelta(minutes=5)
MAX_FIXES = 1000  # a batch: 8 hours at one fix every 30 s is 960


@dataclass(frozen=True)
class Fix:
    lat: float
    lng: float
    accuracy: float
    at: datetime


@dataclass(frozen=True)
class Rejected:
    index: int
    field: str
    message: Message  # rendered in the reader's language where it leaves the API


@dataclass(frozen=True)
class Batch:
    stored: int  # fixes new to the history
    repeated: int  # fixes the history already held (a re-sent track)
    rejected: list[Rejected]
    newest: WorkerPosition | None  # the newest fix this batch stored


def _worker_grid(actor: Principal) -> str:
    enforcer = get_enforcer()
    for assignment in actor.assignments:
        level = Level.of_code(assignment.region_code)
        if level is not None and enforcer.allows(
            assignment.role, level, "position", "report", at=assignment.region_code
        ):
            return assignment.region_code
    raise NotAllowed(_("only grid staff report positions"))


def _problem(fix: Fix, now: datetime, max_age: timedelta) -> tuple[str, Message] | None:
    """The field and message of what is wrong with a fix, None when it may be stored."""
    if not (-90 <= fix.lat <= 90 and -180 <= fix.lng <= 180):  # NaN fails both
        return "lat", _("lat/lng must be WGS-84")
    if not 0 <= fix.accuracy <= 10_000:
        return "accuracy", _("accuracy is 0 to 10,000 metres")
    if fix.at.tzinfo is None or not now - max_age <= fix.at <= now + MAX_FUTURE:
        hours = int(max_age.total_seconds() // 3600)
        return "at", _("at must be a timezone-aware time within the last {hours} h", hours=hours)
    return None


# One statement: the history rows (a fix already held is skipped), then the worker's latest row
# moved forward only when the newest stored fix is newer than the one it holds.
_INSERT = """
WITH fix AS (
    SELECT * FROM unnest($3::float8[], $4::float8[], $5::float8[], $6::timestamptz[])
        AS f(lat, lng, accuracy, at)
), stored AS (
    INSERT INTO worker_positions (user_id, region_code, lat, lng, accuracy, at, received_at)
    SELECT $1, $2, lat, lng, accuracy, at, $7 FROM fix
    ON CONFLICT (user_id, at) DO NOTHING
    RETURNING id, lat, lng, accuracy, at
), newest AS (
    SELECT * FROM stored ORDER BY at DESC LIMIT 1
), moved AS (
    INSERT INTO worker_latest_positions
        (user_id, position_id, region_code, lat, lng, accuracy, at, received_at)
    SELECT $1, id, $2, lat, lng, accuracy, at, $7 FROM newest
    ON CONFLICT (user_id) DO UPDATE SET
        position_id = EXCLUDED.position_id, region_code = EXCLUDED.region_code,
        lat = EXCLUDED.lat, lng = EXCLUDED.lng, accuracy = EXCLUDED.accuracy,
        at = EXCLUDED.at, received_at = EXCLUDED.received_at
    WHERE worker_latest_positions.at < EXCLUDED.at
    RETURNING position_id
)
SELECT (SELECT count(*) FROM stored) AS stored, (SELECT count(*) FROM moved) AS moved,
    newest.id, newest.lat, newest.lng, newest.accuracy, newest.at
FROM (SELECT 1) AS one LEFT JOIN newest ON true
"""


async def report_many(
    *,
    actor: Principal,
    fixes: Sequence[Fix],
    hub: Hub | None,
    max_age: timedelta = MAX_BUFFERED_AGE,
) -> Batch:
    """Store a phone's fixes at once (the valid ones; the others listed by index) and push the
    newest to the command centres above the worker's grid when it is the worker's newest fix and
    recent enough to say where they are now."""
    if actor.user_id is None:
        raise NotAllowed(_("only a signed-in worker reports a position"))
    if not fixes:
        raise ValidationFailed(_("send at least one fix"), field="fixes")
    if len(fixes) > MAX_FIXES:
        raise ValidationFailed(
            _("at most {MAX_FIXES} fixes at once", MAX_FIXES=MAX_FIXES), field="fixes"
        )
    grid = _worker_grid(actor)
    now = clock.now()
    rejected: list[Rejected] = []
    valid: dict[datetime, Fix] = {}  # one fix per instant: the first the phone sent
    for index, fix in enumerate(fixes):
        problem = _problem(fix, now, max_age)
        if problem is not None:
            rejected.append(Rejected(index, *problem))
        else:
            valid.setdefault(fix.at, fix)
    stored, newest = 0, None
    if valid:
        kept = list(valid.values())
        row = (
            await connections.get("default").execute_query_dict(
                _INSERT,
                [
                    actor.user_id,
                    grid,
                    [fix.lat for fix in kept],
                    [fix.lng for fix in kept],
                    [fix.accuracy for fix in kept],
                    [fix.at for fix in kept],
                    now,
                ],
            )
        )[0]
        stored = int(row["stored"])
        if row["id"] is not None:
            newest = WorkerPosition(
                id=row["id"],
                user_id=actor.user_id,
                region_code=grid,
                lat=row["lat"],
                lng=row["lng"],
                accuracy=row["accuracy"],
                at=row["at"],
                received_at=now,
            )
        if row["moved"] and newest is not None and newest.at >= now - MAX_AGE:
            await _push(hub, newest, actor.display_name)
    return Batch(
        stored=stored,
        repeated=len(fixes) - len(rejected) - stored,
        rejected=rejected,
        newest=newest,
    )


async def report(
    *, actor: Principal, lat: float, lng: float, accuracy: float, at: datetime, hub: Hub | None
) -> WorkerPosition:
    """Store one live fix and push it to the command centres above the worker's grid; the
    same fix sent again returns the row stored the first time."""
    batch = await report_many(
        actor=actor, fixes=[Fix(lat, lng, accuracy, at)], hub=hub, max_age=MAX_AGE
    )
    if batch.rejected:
        raise ValidationFailed(batch.rejected[0].message, field=batch.rejected[0].field)
    if batch.newest is not None:
        return batch.newest
    return await WorkerPosition.get(user_id=actor.user_id, at=at)  # sent before: that row


async def _push(hub: Hub | None, position: WorkerPosition, name: str) -> None:
    if hub is None or not hub.healthy:
        return
    message = orjson.dumps({"sequence": position.id, **payload(position, name)})
    try:
        for channel in ancestor_channels("position", position.region_code):
            await hub.publish(channel, message)
    except ConnectionError as error:  # stored all the same; the next fix goes live
        log.warning("position not pushed", error=repr(error))


def payload(position: WorkerPosition | LatestPosition, name: str) -> dict[str, Any]:
    return {
        "user_id": str(position.user_id),
        "name": name,
        "region_code": position.region_code,
        "lat": position.lat,
        "lng": position.lng,
        "accuracy": position.accuracy,
        "at": position.at.isoformat(),
    }


async def latest(
    *,
    actor: Principal,
    scope: str,
    since: timedelta = timedelta(hours=12),
    area: geo.Area | None = None,
    limit: int = 5000,
) -> list[LatestPosition]:
    """The latest fix of each worker under `scope` within `since` (and in `area`, if given):
    one row per worker read from the latest-position table, never the history."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, "position", "read", at=scope)
    bind = Parameters()
    conditions = [f"region_code LIKE {bind(f'{scope}%')}", f"at >= {bind(clock.now() - since)}"]
    if area is not None:
        conditions.append(geo.area_condition(area, bind))
    rows = await connections.get("default").execute_query_dict(
        "SELECT user_id, position_id, region_code, lat, lng, accuracy, at, received_at"
        f" FROM worker_latest_positions WHERE {' AND '.join(conditions)}"
        f" ORDER BY user_id LIMIT {int(limit)}",
        bind.values,
    )
    return [LatestPosition(**row) for row in rows]


def history(retention_days: int) -> partitions.Partitioned:
    """The positions' history as a table partitioned by the month of `at`."""
    return partitions.Partitioned("worker_positions", "at", timedelta(days=retention_days))


async def maintain_history(*, retention_days: int) -> tuple[list[str], list[str]]:
    """Make the coming months' partitions of the history; drop those past retention (whole
    months: a fix is kept at least `retention_days`, at most a month longer)."""
    return await partitions.maintain(history(retention_days), now=clock.now())
