"""What a client sees of a probable duplicate (重复件)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.domains.events.enums import EventStatus
from api.domains.triage.models import SpikeWarning
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


@strawberry.type(
    name="SpikeWarning",
    description="预警: a community's count of a category far above its usual rate, with evidence.",
)
class SpikeWarningType:
    id: strawberry.ID
    region_code: str = strawberry.field(description="The community.")
    category_key: str
    window_start: datetime
    window_end: datetime
    count: int = strawberry.field(description="Events in the window (merged reports once).")
    baseline: float = strawberry.field(description="The usual count in a window this long.")
    baseline_days: int = strawberry.field(description="The days before the window it comes from.")
    p_value: float = strawberry.field(description="P(at least `count` | the usual rate).")
    detected_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str

    @classmethod
    def from_model(cls, warning: SpikeWarning) -> SpikeWarningType:
        return cls(
            id=strawberry.ID(str(warning.id)),
            region_code=warning.region_code,
            category_key=warning.category_key,
            window_start=warning.window_start,
            window_end=warning.window_end,
            count=warning.count,
            baseline=warning.baseline,
            baseline_days=warning.baseline_days,
            p_value=warning.p_value,
            detected_at=warning.detected_at,
            acknowledged_at=warning.acknowledged_at,
            acknowledged_by=warning.acknowledged_by_label,
            note=warning.note,
        )


@strawberry.type(description="An acknowledged spike warning.")
class SpikeWarningPayload:
    warning: SpikeWarningType
