"""What a client sees of a probable duplicate (重复件)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.domains.events.enums import EventStatus
from api.domains.triage.service import Candidate


@strawberry.type(
    name="DuplicateCandidate",
    description="An open event the report probably repeats (重复件), with how alike they are.",
)
class DuplicateCandidateType:
    event_id: strawberry.ID = strawberry.field(description="The open event's UUID.")
    case_number: str
    title: str
    category_key: str
    status: EventStatus
    region_code: str
    reported_at: datetime
    score: float = strawberry.field(description="Text similarity, 0 (nothing shared) to 1.")
    distance_m: float | None = strawberry.field(
        description="Metres apart; null when either has no location (then: the same region)."
    )

    @classmethod
    def from_candidate(cls, candidate: Candidate) -> DuplicateCandidateType:
        return cls(
            event_id=strawberry.ID(str(candidate.event_id)),
            case_number=candidate.case_number,
            title=candidate.title,
            category_key=candidate.category_key,
            status=candidate.status,
            region_code=candidate.region_code,
            reported_at=candidate.reported_at,
            score=candidate.score,
            distance_m=candidate.distance_m,
        )


@strawberry.type(description="The probable duplicates of an event, best first.")
class DuplicateCandidates:
    candidates: list[DuplicateCandidateType]
