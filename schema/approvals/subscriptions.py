"""Live changes of applications and risk assessments, resumable with `after` like eventChanges."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from api.domains.approvals.enums import (
    Action,
    ApplicationStatus,
    AssessmentAction,
    AssessmentStatus,
    RiskLevel,
)
from api.feeds import approvals as feeds
from schema.approvals import types as approval_types  # noqa: F401  (the enums as GraphQL knows them)
from schema.events import types as event_types  # noqa: F401  (the feeds' enums registered first)
from schema.permissions import signed_in
from schema.realtime.subscriptions import feed
from schema.types import Info

strawberry.enum(Action, name="ApplicationAction", description="A step of an application.")
strawberry.enum(AssessmentAction, description="A step of a risk assessment.")


@strawberry.type(description="An application's state right after a change.")
class ApplicationSnapshot:
    uuid: str
    number: str
    item_id: str
    flow_version: int
    status: ApplicationStatus
    region_code: str
    holder_region_code: str
    waiting_role: str | None
    step_index: int
    due_at: datetime | None
    card: str
    version: int


@strawberry.type(description="A change of an application, in sequence order.")
class ApplicationChange:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    action: Action
    at: datetime
    actor_label: str
    note: str
    application: ApplicationSnapshot


@strawberry.type(description="A risk assessment's state right after a change.")
class RiskAssessmentSnapshot:
    uuid: str
    title: str
    decision_type: str
    region_code: str
    status: AssessmentStatus
    final_level: RiskLevel | None
    due_at: datetime | None
    card: str
    version: int


@strawberry.type(description="A change of a risk assessment, in sequence order.")
class RiskAssessmentChange:
    sequence: int = strawberry.field(description="Pass as `after` to resume from here.")
    action: AssessmentAction
    at: datetime
    actor_label: str
    note: str
    assessment: RiskAssessmentSnapshot


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _application_change(message: dict[str, Any]) -> ApplicationChange:
    a = message["application"]
    return ApplicationChange(
        sequence=message["sequence"],
        action=Action(message["action"]),
        at=datetime.fromisoformat(message["at"]),
        actor_label=message["actor"],
        note=message.get("note", ""),
        application=ApplicationSnapshot(
            uuid=a["id"],
            number=a["number"],
            item_id=a["item_id"],
            flow_version=a["flow_version"],
            status=ApplicationStatus(a["status"]),
            region_code=a["region_code"],
            holder_region_code=a["holder_region_code"],
            waiting_role=a["waiting_role"],
            step_index=a["step_index"],
            due_at=_time(a["due_at"]),
            card=a["card"],
            version=a["version"],
        ),
    )


def _assessment_change(message: dict[str, Any]) -> RiskAssessmentChange:
    a = message["assessment"]
    return RiskAssessmentChange(
        sequence=message["sequence"],
        action=AssessmentAction(message["action"]),
        at=datetime.fromisoformat(message["at"]),
        actor_label=message["actor"],
        note=message.get("note", ""),
        assessment=RiskAssessmentSnapshot(
            uuid=a["id"],
            title=a["title"],
            decision_type=a["decision_type"],
            region_code=a["region_code"],
            status=AssessmentStatus(a["status"]),
            final_level=RiskLevel(a["final_level"]) if a["final_level"] else None,
            due_at=_time(a["due_at"]),
            card=a["card"],
            version=a["version"],
        ),
    )


@strawberry.type
class ApprovalsSubscription:
    @strawberry.subscription(
        description="Every change of an application made under `scope`; with `after`, what was "
        "missed is replayed first (as eventChanges).",
        extensions=signed_in(),
    )
    async def application_changes(
        self, info: Info, scope: str, after: int | None = None
    ) -> AsyncGenerator[ApplicationChange, None]:
        principal = info.context.principal
        async for change in feed(
            info.context,
            lambda: feeds.application_changes(actor=principal, scope=scope),
            _application_change,
            after=after,
        ):
            yield change

    @strawberry.subscription(
        description="Every change of a risk assessment kept under `scope`, resumable with `after`.",
        extensions=signed_in(),
    )
    async def risk_assessment_changes(
        self, info: Info, scope: str, after: int | None = None
    ) -> AsyncGenerator[RiskAssessmentChange, None]:
        principal = info.context.principal
        async for change in feed(
            info.context,
            lambda: feeds.assessment_changes(actor=principal, scope=scope),
            _assessment_change,
            after=after,
        ):
            yield change
