"""What a client sees of a probable duplicate (重复件)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.domains.events.enums import EventStatus
from api.domains.triage.service import Candidate, Suggestions


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


@strawberry.type(description="A suggested label with the classifier's probability.")
class ScoredLabel:
    key: str = strawberry.field(description="A category key, or a department's id.")
    score: float = strawberry.field(description="Probability, 0–1.")


@strawberry.type(
    description="智能分拨: the top three categories and departments suggested for an event."
)
class CategorySuggestions:
    classifier_version: int
    categories: list[ScoredLabel]
    departments: list[ScoredLabel] = strawberry.field(
        description="Empty while too few events were dispatched to departments."
    )

    @classmethod
    def from_suggestions(cls, found: Suggestions) -> CategorySuggestions:
        return cls(
            classifier_version=found.classifier_version,
            categories=[ScoredLabel(key=k, score=s) for k, s in found.categories],
            departments=[ScoredLabel(key=k, score=s) for k, s in found.departments],
        )


@strawberry.type(description="How often the desk chose what was suggested (shares 0–1).")
class SuggestionAcceptance:
    suggested: int = strawberry.field(description="Events shown a suggestion.")
    category_top1: float | None
    category_top3: float | None
    dispatched: int = strawberry.field(description="Of those, dispatched to a department.")
    department_top1: float | None
    department_top3: float | None
    classifier_version: int | None = strawberry.field(description="The newest trained version.")
    held_out_top1: float | None = strawberry.field(description="Its accuracy on held-out events.")
    held_out_top3: float | None
