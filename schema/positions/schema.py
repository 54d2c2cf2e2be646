"""Grid workers' positions."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

import strawberry

from api import geo, i18n
from api.domains.positions import models, service
from schema.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from schema.permissions import allow
from schema.types import Info


@strawberry.type(name="WorkerPosition", description="A grid worker's latest known position.")
class WorkerPositionType:
    user_id: strawberry.ID
    region_code: str
    lat: float
    lng: float
    accuracy: float = strawberry.field(description="Metres.")
    at: datetime

    @classmethod
    def from_model(
        cls, position: models.WorkerPosition | models.LatestPosition
    ) -> WorkerPositionType:
        return cls(
            user_id=strawberry.ID(str(position.user_id)),
            region_code=position.region_code,
            lat=position.lat,
            lng=position.lng,
            accuracy=position.accuracy,
            at=position.at,
        )


@strawberry.type(description="The stored position.")
class PositionPayload:
    position: WorkerPositionType


@strawberry.input(description="A fix the phone measured (WGS-84).")
class PositionFixInput:
    lat: float
    lng: float
    accuracy: float = strawberry.field(description="Metres, 0 to 10,000.")
    at: datetime = strawberry.field(description="When the phone measured it.")
    datum: geo.Datum = strawberry.field(
        default=geo.Datum.WGS84,
        description="Datum of lat/lng; converted to WGS-84 at the edge.",
    )


@strawberry.type(description="A fix of a batch that was not stored, and why.")
class RejectedFix:
    index: int = strawberry.field(description="Its place in the batch, from 0.")
    field: str
    message: str


@strawberry.type(description="What a batch of fixes did.")
class PositionBatchPayload:
    stored: int = strawberry.field(description="Fixes new to the history.")
    repeated: int = strawberry.field(
        description="Fixes already stored (a re-sent track, or one instant sent twice)."
    )
    rejected: list[RejectedFix]
    newest: WorkerPositionType | None = strawberry.field(
        description="The newest fix this batch stored."
    )


PositionBatchResult = Annotated[
    PositionBatchPayload | ValidationError | NotAllowedError,
    strawberry.union("PositionBatchResult", description="Outcome of reporting a batch of fixes."),
]

PositionResult = Annotated[
    PositionPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("PositionResult", description="Outcome of reporting a position."),
]


@strawberry.type
class PositionsQuery:
    @strawberry.field(
        description="Each worker's latest position under scope (last 12 hours).",
        extensions=allow("position", "read"),
    )
    async def latest_worker_positions(self, info: Info, scope: str) -> list[WorkerPositionType]:
        rows = await service.latest(actor=info.context.principal, scope=scope)
        return [WorkerPositionType.from_model(row) for row in rows]


@strawberry.type
class PositionsMutation:
    @strawberry.mutation(
        description="The app's GPS fix (WGS-84, or GCJ-02 as `datum` says), pushed to centres "
        "above.",
        extensions=allow("position", "report"),
    )
    async def report_position(
        self,
        info: Info,
        lat: float,
        lng: float,
        accuracy: float,
        at: datetime,
        datum: Annotated[
            geo.Datum,
            strawberry.argument(description="Datum of lat/lng; converted to WGS-84 at the edge."),
        ] = geo.Datum.WGS84,
    ) -> PositionResult:
        if math.isfinite(lat) and math.isfinite(lng):
            lat, lng = geo.to_wgs84(lat, lng, datum)
        position = await service.report(
            actor=info.context.principal,
            lat=lat,
            lng=lng,
            accuracy=accuracy,
            at=at,
            hub=info.context.hub,
        )
        return PositionPayload(position=WorkerPositionType.from_model(position))

    @strawberry.mutation(
        description=(
            "A phone's buffered track at once (at most 1,000 fixes, up to 24 hours old): the valid"
            " fixes are stored, the others listed; a re-sent track stores nothing twice. The"
            " newest fix goes live when it is the worker's newest and under an hour old."
        ),
        extensions=allow("position", "report"),
    )
    async def report_positions(
        self, info: Info, fixes: list[PositionFixInput]
    ) -> PositionBatchResult:
        batch = await service.report_many(
            actor=info.context.principal,
            fixes=[service.Fix(*_wgs84(f.lat, f.lng, f.datum), f.accuracy, f.at) for f in fixes],
            hub=info.context.hub,
        )
        return PositionBatchPayload(
            stored=batch.stored,
            repeated=batch.repeated,
            rejected=[
                RejectedFix(index=r.index, field=r.field, message=i18n.render(r.message))
                for r in batch.rejected
            ],
            newest=None if batch.newest is None else WorkerPositionType.from_model(batch.newest),
        )


def _wgs84(lat: float, lng: float, datum: geo.Datum) -> tuple[float, float]:
    # a non-finite coordinate is left for the service to list as rejected
    return (
        geo.to_wgs84(lat, lng, datum) if math.isfinite(lat) and math.isfinite(lng) else (lat, lng)
    )
