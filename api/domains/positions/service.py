"""Where grid workers are: positions reported by the app, latest per worker, pushed live.

Positions are a stream, not history that must never be lost: they are published straight to the
live feed (no outbox), and kept in the database only for the latest-position query and audits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from tortoise import connections

from api import clock
from api.auth import Principal
from api.domains.positions.models import WorkerPosition
from api.errors import NotAllowed, ValidationFailed
from api.i18n import _
from api.realtime import Hub, ancestor_channels
from api.regions import Level
from policies.enforcer import authorize, get_enforcer

log = structlog.get_logger("gridgov.positions")

MAX_AGE = timedelta(hours=1)  # a fix older than this is a stale upload, not a position
MAX_FUTURE = timedelta(minutes=5)
RETENTION = timedelta(days=7)


def _worker_grid(actor: Principal) -> str:
    enforcer = get_enforcer()
    for assignment in actor.assignments:
        level = Level.of_code(assignment.region_code)
        if level is not None and enforcer.allows(
            assignment.role, level, "position", "report", at=assignment.region_code
        ):
            return assignment.region_code
    raise NotAllowed(_("only grid staff report positions"))


async def report(
    *, actor: Principal, lat: float, lng: float, accuracy: float, at: datetime, hub: Hub | None
) -> WorkerPosition:
    """Store the fix and push it to the command centres above the worker's grid."""
    if actor.user_id is None:
        raise NotAllowed(_("only a signed-in worker reports a position"))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(_("lat/lng must be WGS-84"), field="lat")
    if not 0 <= accuracy <= 10_000:
        raise ValidationFailed(_("accuracy is 0 to 10,000 metres"), field="accuracy")
    now = clock.now()
    if at.tzinfo is None or not now - MAX_AGE <= at <= now + MAX_FUTURE:
        raise ValidationFailed(_("at must be a recent timezone-aware time"), field="at")
    grid = _worker_grid(actor)
    position = await WorkerPosition.create(
        user_id=actor.user_id, region_code=grid, lat=lat, lng=lng, accuracy=accuracy, at=at
    )
    if hub is not None and hub.healthy:
        message = orjson.dumps({"sequence": position.id, **payload(position, actor.display_name)})
        try:
            for name in ancestor_channels("position", grid):
                await hub.publish(name, message)
        except ConnectionError as error:  # stored all the same; the next fix goes live
            log.warning("position not pushed", error=repr(error))
    return position


def payload(position: WorkerPosition, name: str) -> dict[str, Any]:
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
    *, actor: Principal, scope: str, since: timedelta = timedelta(hours=12)
) -> list[WorkerPosition]:
    """The latest fix of each worker under `scope` within `since`."""
    if Level.of_code(scope) is None:
        raise ValidationFailed(_("scope must be a region code"), field="scope")
    authorize(actor.assignments, "position", "read", at=scope)
    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        "SELECT DISTINCT ON (user_id) id, user_id, region_code, lat, lng, accuracy, at, received_at "
        "FROM worker_positions WHERE region_code LIKE $1 AND at >= $2 "
        "ORDER BY user_id, at DESC LIMIT 5000",
        [f"{scope}%", clock.now() - since],
    )
    return [WorkerPosition(**row) for row in rows]


async def prune(*, older_than: timedelta = RETENTION) -> int:
    return int(await WorkerPosition.filter(received_at__lt=clock.now() - older_than).delete())
