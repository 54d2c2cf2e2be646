"""GraphQL types of diaries, patrols, household visits and investigation round_service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.domains.diaries import models, patrols, service
from api.domains.diaries import rounds as round_service
from api.domains.diaries.enums import (
    DiaryKind,
    DiaryStatus,
    PatrolStatus,
    ProblemType,
    QuotaPeriod,
    RoundKind,
    RoundStatus,
)
from api.domains.diaries.tracks import TrackPoint
from api.domains.diaries.visits import Coverage, Unvisited
from schema.events.types import Card

strawberry.enum(DiaryKind, description="心得 notes, 民生动态 residents' news, 走访 visit.")
strawberry.enum(ProblemType, description="A kind of problem a diary counts.")
strawberry.enum(DiaryStatus, description="Submitted for review, approved, or returned.")
strawberry.enum(PatrolStatus, description="Running or ended.")
strawberry.enum(QuotaPeriod, description="ISO week or calendar month (China time).")
strawberry.enum(RoundKind, description="Weekly community or half-monthly township round.")
strawberry.enum(RoundStatus, description="Open (to be submitted) or submitted.")


def _id(value: uuid.UUID | str | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(description="How many problems of a kind a diary noted.")
class ProblemCount:
    type: ProblemType
    count: int


@strawberry.type(description="A problem of a diary that became an event.")
class DiaryEventLink:
    event_id: strawberry.ID
    problem_type: ProblemType


@strawberry.type(description="Where the author was: the nearest reported position.")
class PositionEvidence:
    lat: float
    lng: float
    at: datetime


@strawberry.type(name="DiaryAttachment", description="A photo or file of a diary.")
class DiaryAttachmentType:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    url: str = strawberry.field(description="Download with the same credentials as /graphql.")

    @classmethod
    def from_model(cls, file: models.DiaryAttachment) -> DiaryAttachmentType:
        return cls(
            id=strawberry.ID(str(file.id)),
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
            url=f"/diary-attachments/{file.id}",
        )


@strawberry.type(name="Diary", description="A work diary entry (民情日记).")
class DiaryType:
    id: strawberry.ID
    author_id: strawberry.ID
    author_name: str
    region_code: str = strawberry.field(description="The author's grid.")
    day: date
    kind: DiaryKind
    text: str
    problems: list[ProblemCount]
    household_ids: list[strawberry.ID] = strawberry.field(description="Households visited.")
    attachments: list[DiaryAttachmentType]
    position: PositionEvidence | None
    status: DiaryStatus
    remark: str = strawberry.field(description="The reviewer's latest remark (点评).")
    reviewed_at: datetime | None
    due_at: datetime | None = strawberry.field(description="When its review is due.")
    card: Card
    version: int
    created_at: datetime
    events: list[DiaryEventLink] = strawberry.field(description="Events raised from it.")

    @classmethod
    def from_model(
        cls,
        diary: models.Diary,
        links: Sequence[models.DiaryEvent] = (),
        files: Sequence[models.DiaryAttachment] = (),
    ) -> DiaryType:
        return cls(
            id=strawberry.ID(str(diary.id)),
            author_id=strawberry.ID(str(diary.author_id)),
            author_name=diary.author_label,
            region_code=diary.region_code,
            day=diary.day,
            kind=DiaryKind(diary.kind),
            text=diary.text,
            problems=[
                ProblemCount(type=ProblemType(name), count=count)
                for name, count in sorted(diary.problems.items())
            ],
            household_ids=[strawberry.ID(h) for h in diary.household_ids],
            attachments=[DiaryAttachmentType.from_model(file) for file in files],
            position=PositionEvidence(lat=diary.lat, lng=diary.lng, at=diary.position_at)
            if diary.lat is not None and diary.lng is not None and diary.position_at
            else None,
            status=DiaryStatus(diary.status),
            remark=diary.remark,
            reviewed_at=diary.reviewed_at,
            due_at=diary.due_at,
            card=Card(diary.card),
            version=diary.version,
            created_at=diary.created_at,
            events=[
                DiaryEventLink(
                    event_id=strawberry.ID(str(link.event_id)),
                    problem_type=ProblemType(link.problem_type),
                )
                for link in links
            ],
        )


async def present(diaries: Sequence[models.Diary]) -> list[DiaryType]:
    """The diaries with their events and files (two queries for the lot)."""
    ids = [diary.id for diary in diaries]
    links = await service.events_of(ids)
    files = await service.attachments_of(ids)
    return [DiaryType.from_model(d, links[d.id], files[d.id]) for d in diaries]


@strawberry.type(name="TrackPoint", description="A point of a patrol's track.")
class TrackPointType:
    at: datetime
    lat: float
    lng: float
    far_outside: bool = strawberry.field(description="Far outside the grid: kept, flagged.")

    @classmethod
    def from_point(cls, point: TrackPoint) -> TrackPointType:
        return cls(at=point.at, lat=point.lat, lng=point.lng, far_outside=point.flagged)


@strawberry.type(name="HouseholdVisit", description="A visit to a household (走访).")
class HouseholdVisitType:
    id: strawberry.ID
    household_id: strawberry.ID
    user_id: strawberry.ID
    region_code: str
    visited_at: datetime
    minutes: int
    purpose: str
    notes: str
    follow_up_needed: bool
    patrol_id: strawberry.ID | None
    care_record_id: strawberry.ID | None = strawberry.field(
        description="The care-group record the visit was paid to, if any."
    )

    @classmethod
    def from_model(cls, visit: models.HouseholdVisit) -> HouseholdVisitType:
        return cls(
            id=strawberry.ID(str(visit.id)),
            household_id=strawberry.ID(str(visit.household_id)),
            user_id=strawberry.ID(str(visit.user_id)),
            region_code=visit.region_code,
            visited_at=visit.visited_at,
            minutes=visit.minutes,
            purpose=visit.purpose,
            notes=visit.notes,
            follow_up_needed=visit.follow_up_needed,
            patrol_id=_id(visit.patrol_id),
            care_record_id=_id(visit.care_record_id),
        )


@strawberry.type(name="Patrol", description="A grid worker's patrol (巡查).")
class PatrolType:
    id: strawberry.ID
    user_id: strawberry.ID
    region_code: str
    status: PatrolStatus
    started_at: datetime
    ended_at: datetime | None
    distance_metres: float = strawberry.field(
        description="Along the track, flagged points left out."
    )
    point_count: int
    far_outside_points: int
    model: strawberry.Private[models.Patrol]

    @strawberry.field(description="Seconds from start to end; null while it runs.")
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())

    @strawberry.field(
        description="Its track: packed once ended, the positions so far while it runs."
    )
    async def track(self) -> list[TrackPointType]:
        return [TrackPointType.from_point(point) for point in await patrols.track(self.model)]

    @strawberry.field(
        description="Its track as one GeoJSON Feature: a LineString of [lng, lat]; properties "
        "`start` (the first point's time), `seconds` (each point's seconds after it) and "
        "`farOutside` (indexes of points far outside the grid). What a map draws, in one value "
        "instead of an object per point."
    )
    async def track_line(self) -> JSON:
        times, lats, lngs, flagged = await patrols.track_columns(self.model)
        start = times[0] if times else 0
        line: Any = {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [list(p) for p in zip(lngs, lats, strict=True)],
            },
            "properties": {
                "start": datetime.fromtimestamp(start, UTC).isoformat() if times else None,
                "seconds": [t - start for t in times],
                "farOutside": flagged,
            },
        }
        return line

    @strawberry.field(description="Ids of the events the worker reported during it.")
    async def event_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(str(e.id)) for e in await patrols.events_reported(self.model)]

    @strawberry.field(description="Household visits recorded during it.")
    async def visits(self) -> list[HouseholdVisitType]:
        return [HouseholdVisitType.from_model(v) for v in await patrols.visits_during(self.model)]

    @classmethod
    def from_model(cls, patrol: models.Patrol) -> PatrolType:
        return cls(
            id=strawberry.ID(str(patrol.id)),
            user_id=strawberry.ID(str(patrol.user_id)),
            region_code=patrol.region_code,
            status=PatrolStatus(patrol.status),
            started_at=patrol.started_at,
            ended_at=patrol.ended_at,
            distance_metres=patrol.distance_m,
            point_count=patrol.point_count,
            far_outside_points=patrol.flagged_points,
            model=patrol,
        )


@strawberry.type(name="HouseholdAssignment", description="A household assigned to a person (包户).")
class HouseholdAssignmentType:
    household_id: strawberry.ID
    user_id: strawberry.ID
    region_code: str
    created_at: datetime

    @classmethod
    def from_model(cls, row: models.HouseholdAssignment) -> HouseholdAssignmentType:
        return cls(
            household_id=strawberry.ID(str(row.household_id)),
            user_id=strawberry.ID(str(row.user_id)),
            region_code=row.region_code,
            created_at=row.created_at,
        )


@strawberry.type(
    description="A household due a visit: assigned, or home to floating or special-group people."
)
class UnvisitedHousehold:
    household_id: strawberry.ID
    household_number: str
    head_name: str | None
    address: str | None
    region_code: str
    floating_people: int
    special_group_people: int
    assigned_to: int = strawberry.field(description="People it is assigned to.")
    last_visited_at: datetime | None

    @classmethod
    def from_row(cls, row: Unvisited) -> UnvisitedHousehold:
        return cls(
            household_id=strawberry.ID(str(row.household_id)),
            household_number=row.household_number,
            head_name=row.head_name,
            address=row.address,
            region_code=row.region_code,
            floating_people=row.floating_people,
            special_group_people=row.special_group_people,
            assigned_to=row.assigned_to,
            last_visited_at=row.last_visited_at,
        )


@strawberry.type(description="How much of a grid its visits reached in a period.")
class VisitCoverage:
    region_code: str
    households: int
    visited: int = strawberry.field(description="Households visited at least once.")
    visits: int
    minutes: int

    @strawberry.field(description="visited / households; null for a grid without households.")
    def share(self) -> float | None:
        return self.visited / self.households if self.households else None

    @classmethod
    def from_row(cls, row: Coverage) -> VisitCoverage:
        return cls(
            region_code=row.region_code,
            households=row.households,
            visited=row.visited,
            visits=row.visits,
            minutes=row.minutes,
        )


strawberry.enum(
    round_service.Standing,
    name="RoundStanding",
    description="How a round stands for the level above.",
)


@strawberry.type(name="InvestigationRound", description="A dispute investigation round (排查).")
class InvestigationRoundType:
    id: strawberry.ID
    kind: RoundKind
    period_key: str
    period_start: date
    period_end: date
    region_code: str
    title: str
    status: RoundStatus
    standing: round_service.Standing
    disputes_found: int
    resolved_on_the_spot: int
    escalated_as_events: int
    hidden_dangers: int
    notes: str
    submitted_at: datetime | None
    due_at: datetime | None
    card: Card
    version: int

    @classmethod
    def from_model(cls, round_: models.InvestigationRound) -> InvestigationRoundType:
        return cls(
            id=strawberry.ID(str(round_.id)),
            kind=RoundKind(round_.kind),
            period_key=round_.period_key,
            period_start=round_.period_start,
            period_end=round_.period_end,
            region_code=round_.region_code,
            title=round_.title,
            status=RoundStatus(round_.status),
            standing=round_service.standing(round_),
            disputes_found=round_.disputes_found,
            resolved_on_the_spot=round_.resolved_on_the_spot,
            escalated_as_events=round_.escalated_as_events,
            hidden_dangers=round_.hidden_dangers,
            notes=round_.notes,
            submitted_at=round_.submitted_at,
            due_at=round_.due_at,
            card=Card(round_.card),
            version=round_.version,
        )


@strawberry.type(description="What a subtree's rounds of a period add up to (排查汇总).")
class RoundReport:
    scope: str
    kind: RoundKind
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    rounds: int
    submitted: int = strawberry.field(description="Submitted, in time or late.")
    late: int
    missing: int = strawberry.field(description="Past the deadline, not submitted (carded).")
    open: int
    disputes_found: int
    resolved_on_the_spot: int
    escalated_as_events: int
    hidden_dangers: int
    missing_regions: list[str]

    @classmethod
    def from_report(cls, report: round_service.RoundReport) -> RoundReport:
        return cls(
            scope=report.scope,
            kind=report.kind,
            first_day=report.first_day,
            last_day=report.last_day,
            rounds=report.rounds,
            submitted=report.submitted,
            late=report.late,
            missing=report.missing,
            open=report.open,
            disputes_found=report.disputes_found,
            resolved_on_the_spot=report.resolved_on_the_spot,
            escalated_as_events=report.escalated_as_events,
            hidden_dangers=report.hidden_dangers,
            missing_regions=list(report.missing_regions),
        )


@strawberry.type(name="DiaryQuota", description="One version of a diary and visit quota.")
class DiaryQuotaType:
    id: strawberry.ID
    role: str
    region_code: str
    period: QuotaPeriod
    version: int
    min_diaries: int
    min_visits: int
    min_visit_minutes: int
    created_at: datetime

    @classmethod
    def from_model(cls, quota: models.DiaryQuota) -> DiaryQuotaType:
        return cls(
            id=strawberry.ID(str(quota.id)),
            role=quota.role,
            region_code=quota.region_code,
            period=QuotaPeriod(quota.period),
            version=quota.version,
            min_diaries=quota.min_diaries,
            min_visits=quota.min_visits,
            min_visit_minutes=quota.min_visit_minutes,
            created_at=quota.created_at,
        )


@strawberry.type(description="A person's period assessed under a quota version.")
class QuotaAssessment:
    user_id: strawberry.ID
    period: QuotaPeriod
    period_start: date
    period_end: date
    quota: DiaryQuotaType
    diaries: int
    visits: int
    visit_minutes: int
    missed: int = strawberry.field(description="Minimums missed (0 to 3): the shortfall fact.")

    @classmethod
    def from_model(cls, row: models.QuotaShortfall) -> QuotaAssessment:
        return cls(
            user_id=strawberry.ID(str(row.user_id)),
            period=QuotaPeriod(row.period),
            period_start=row.period_start,
            period_end=row.period_end,
            quota=DiaryQuotaType.from_model(row.quota),
            diaries=row.diaries,
            visits=row.visits,
            visit_minutes=row.visit_minutes,
            missed=row.missed,
        )
