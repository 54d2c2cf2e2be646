"""Emergency queries: the classification, plans, incidents, statistics."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import strawberry

from api.domains.emergencies import plans, service
from api.domains.emergencies.enums import IncidentStatus
from api.errors import NotFound, PermissionDenied
from api.flows.calendar import LOCAL
from api.pagination import page_request
from schema.emergencies.types import (
    EmergencyCategory,
    EmergencyPlanType,
    EmergencyStatistics,
    IncidentType,
    categories,
)
from schema.pagination import Connection, connection
from schema.permissions import allow, signed_in
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type
class EmergenciesQuery:
    @strawberry.field(
        description="The classification of emergencies (GB/T 35561): categories and sub-types.",
        extensions=signed_in(),
    )
    def emergency_types(self) -> list[EmergencyCategory]:
        return categories()

    @strawberry.field(
        description="The current version of each plan under `scope`, by code.",
        extensions=allow("emergency_plan", "read"),
    )
    async def emergency_plans(
        self,
        info: Info,
        scope: str,
        type_code: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[EmergencyPlanType]:
        page, filtered = await plans.list_plans(
            actor=info.context.principal,
            scope=scope,
            page=page_request(first, after),
            type_code=type_code,
        )
        return connection(page, filtered, EmergencyPlanType.from_model)

    @strawberry.field(
        description="A plan version by id; null if absent or outside your scope.",
        extensions=allow("emergency_plan", "read"),
    )
    async def emergency_plan(self, info: Info, id: strawberry.ID) -> EmergencyPlanType | None:
        plan_id = parse_uuid(id, "EmergencyPlan")
        if plan_id is None:
            return None
        try:
            return EmergencyPlanType.from_model(
                await plans.get_plan(actor=info.context.principal, plan_id=plan_id)
            )
        except NotFound:
            return None

    @strawberry.field(
        description="Incidents under `scope`, newest report first.",
        extensions=allow("incident", "read"),
    )
    async def incidents(
        self,
        info: Info,
        scope: str,
        status: IncidentStatus | None = None,
        drill: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[IncidentType]:
        page, filtered = await service.list_incidents(
            actor=info.context.principal,
            scope=scope,
            page=page_request(first, after),
            status=status,
            drill=drill,
        )
        return connection(page, filtered, IncidentType.from_model)

    @strawberry.field(
        description="An incident by id; null if absent or outside your scope.",
        extensions=allow("incident", "read"),
    )
    async def incident(self, info: Info, id: strawberry.ID) -> IncidentType | None:
        incident_id = parse_uuid(id, "Incident")
        if incident_id is None:
            return None
        try:
            return IncidentType.from_model(
                await service.get_incident(actor=info.context.principal, incident_id=incident_id)
            )
        except (NotFound, PermissionDenied):
            return None

    @strawberry.field(
        description="The incident an event became (linked both ways), if any.",
        extensions=allow("incident", "read"),
    )
    async def incident_of_event(self, info: Info, event_id: strawberry.ID) -> IncidentType | None:
        parsed = parse_uuid(event_id, "Event")
        if parsed is None:
            return None
        found = await service.incident_of_event(actor=info.context.principal, event_id=parsed)
        return IncidentType.from_model(found) if found else None

    @strawberry.field(
        description="Incidents reported under `scope` from `from` to `to` (local dates, both "
        "included): real ones by type and level, the mean response time; drills apart.",
        extensions=allow("incident", "read"),
    )
    async def emergency_statistics(
        self,
        info: Info,
        scope: str,
        first_day: Annotated[date, strawberry.argument(name="from")],
        last_day: Annotated[date, strawberry.argument(name="to")],
    ) -> EmergencyStatistics:
        start = datetime.combine(first_day, time.min, tzinfo=LOCAL)
        end = datetime.combine(last_day, time.min, tzinfo=LOCAL)
        result = await service.statistics(
            actor=info.context.principal, scope=scope, start=start, end=end + timedelta(days=1)
        )
        return EmergencyStatistics.from_result(result)
