"""Grid workers' positions."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

import strawberry

from api import geo
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
    def from_model(cls, position: models.WorkerPosition) -> WorkerPositionType:
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
