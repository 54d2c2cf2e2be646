"""Patrols (巡查): a grid worker starts and ends one; the positions reported meanwhile through
`reportPosition` are its track, packed into the patrol when it ends (tracks.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point, shape
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.enums import PatrolStatus
from api.domains.diaries.models import HouseholdVisit, Patrol
from api.domains.diaries.scope import (
    check,
    home_grid,
    newest_first,
    readable,
    retried,
    signed_in_user,
)
from api.domains.diaries.tracks import (
    TrackPoint,
    distance,
    metres_between,
    pack,
    unpack,
    unpack_columns,
)
from api.domains.events.models import Event
from api.domains.hierarchy.models import Region
from api.domains.positions.models import WorkerPosition
from api.errors import Conflict, NotFound
from api.i18n import _
from api.pagination import Page, PageRequest

FAR_OUTSIDE_M = 500.0  # beyond this from the grid's boundary a fix is flagged (kept all the same)
FAR_FROM_CENTRE_M = 3000.0  # for a grid with a centre but no boundary drawn yet
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class GridShape:
    """What flags a point as far outside a grid: its boundary, else its centre, else nothing."""

    boundary: object | None
    centre: tuple[float, float] | None

    def far_outside(self, lat: float, lng: float) -> bool:
        if self.boundary is not None:
            # degrees to metres at the grid's latitude is exact enough for a 500 m threshold
            degrees = self.boundary.distance(Point(lng, lat))  # type: ignore[attr-defined]
            return bool(degrees * METRES_PER_DEGREE > FAR_OUTSIDE_M)
        if self.centre is not None:
            return metres_between(lat, lng, *self.centre) > FAR_FROM_CENTRE_M
        return False


async def grid_shape(code: str) -> GridShape:
    region = await Region.get_or_none(code=code)
    if region is None:
        return GridShape(None, None)
    centre = (
        (region.centre_lat, region.centre_lng)
        if region.centre_lat is not None and region.centre_lng is not None
        else None
    )
    return GridShape(shape(region.boundary) if region.boundary else None, centre)


async def start(*, actor: Principal, client_id: uuid.UUID | None = None) -> Patrol:
    """Start a patrol of the caller's grid; one already running is a conflict (patrols of one
    worker never overlap). A client-chosen id makes a retry (sequential or concurrent) return
    the same patrol."""
    user_id = signed_in_user(actor)
    if (earlier := await retried(Patrol, client_id, owner_id=user_id, noun="patrol")) is not None:
        return earlier
    grid = home_grid(actor, "patrol", "run")
    now = clock.now()
    running = await Patrol.filter(user_id=user_id, status=PatrolStatus.ACTIVE.value).first()
    if running is not None and running.id == client_id:
        return running  # a concurrent retry of this start committed after the check above
    if running is not None:
        raise Conflict(_("patrol {id} is still running: end it first", id=running.id))
    try:
        return await Patrol.create(
            id=client_id or uuid.uuid4(),
            user_id=user_id,
            region_code=grid,
            status=PatrolStatus.ACTIVE.value,
            started_at=now,
            created_at=now,
        )
    except IntegrityError as error:  # a start at the same moment won (patrols_one_running)
        # a concurrent retry of the same start committed first: it is this one
        if (
            earlier := await retried(Patrol, client_id, owner_id=user_id, noun="patrol")
        ) is not None:
            return earlier
        raise Conflict(_("a patrol of yours is already running: end it first")) from error


async def _points(patrol: Patrol, shape_: GridShape) -> list[TrackPoint]:
    """The positions reported during the patrol, in time order, flagged where far outside."""
    rows = (
        await WorkerPosition.filter(
            user_id=patrol.user_id,
            at__gte=patrol.started_at,
            **({"at__lte": patrol.ended_at} if patrol.ended_at else {}),
        )
        .order_by("at", "id")
        .values_list("at", "lat", "lng")
    )
    return [TrackPoint(at, lat, lng, shape_.far_outside(lat, lng)) for at, lat, lng in rows]


async def end(*, actor: Principal, patrol_id: uuid.UUID) -> Patrol:
    """End the caller's running patrol: its track is packed, its distance measured."""
    user_id = signed_in_user(actor)
    async with in_transaction():
        patrol = await Patrol.filter(id=patrol_id, user_id=user_id).select_for_update().first()
        if patrol is None:
            raise NotFound("patrol", patrol_id)
        if patrol.status != PatrolStatus.ACTIVE.value:
            raise Conflict(_("the patrol has already ended"))
        patrol.ended_at = clock.now()
        points = await _points(patrol, await grid_shape(patrol.region_code))
        patrol.track = pack(points)
        patrol.point_count = len(points)
        patrol.flagged_points = sum(point.flagged for point in points)
        patrol.distance_m = round(distance(points), 1)
        patrol.status = PatrolStatus.ENDED.value
        await patrol.save()
    return patrol


async def track(patrol: Patrol) -> list[TrackPoint]:
    """The patrol's track: packed once it ended, else read from the positions so far."""
    if patrol.track is not None:
        return unpack(bytes(patrol.track))
    return await _points(patrol, await grid_shape(patrol.region_code))


async def track_columns(patrol: Patrol) -> tuple[list[int], list[float], list[float], list[int]]:
    """The track as columns (epoch seconds, latitudes, longitudes, flagged indexes)."""
    if patrol.track is not None:
        return unpack_columns(bytes(patrol.track))
    points = await _points(patrol, await grid_shape(patrol.region_code))
    return (
        [int(point.at.timestamp()) for point in points],
        [point.lat for point in points],
        [point.lng for point in points],
        [index for index, point in enumerate(points) if point.flagged],
    )


def readable_patrols(actor: Principal) -> Q:
    return readable(actor, "patrol", own_column="user_id")


async def get(*, actor: Principal, patrol_id: uuid.UUID) -> Patrol:
    patrol = await Patrol.filter(readable_patrols(actor), id=patrol_id).first()
    if patrol is None:
        raise NotFound("patrol", patrol_id)
    return patrol


async def mine(*, actor: Principal, page: PageRequest) -> tuple[Page[Patrol], QuerySet[Patrol]]:
    return await newest_first(
        Patrol.filter(user_id=signed_in_user(actor)), page, column="started_at"
    )


async def of_region(
    *, actor: Principal, scope: str, page: PageRequest
) -> tuple[Page[Patrol], QuerySet[Patrol]]:
    check(actor, "patrol", "read", at=scope, what="the region")
    return await newest_first(
        Patrol.filter(region_code__startswith=scope), page, column="started_at"
    )


async def events_reported(patrol: Patrol) -> Sequence[Event]:
    """Events the worker reported while on the patrol."""
    query = Event.filter(reporter_id=patrol.user_id, reported_at__gte=patrol.started_at)
    if patrol.ended_at is not None:
        query = query.filter(reported_at__lte=patrol.ended_at)
    return await query.order_by("reported_at").limit(500)


async def visits_during(patrol: Patrol) -> Sequence[HouseholdVisit]:
    return await HouseholdVisit.filter(patrol_id=patrol.id).order_by("visited_at").limit(500)
