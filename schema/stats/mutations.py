"""Mutations of assessment: the points rules and exemptions on appeal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.domains.stats import grades, service
from api.domains.stats.enums import Fact, Metric, SubjectKind
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.stats.types import ExemptionType, RankingGradeBands, ScoringRulesType
from schema.types import Info


@strawberry.input(description="Points per occurrence of a fact (negative: a deduction).")
class FactPointsInput:
    fact: Fact
    points: float


@strawberry.input(description="A new version of the points rules; unlisted facts count 0.")
class ScoringRulesInput:
    points: list[FactPointsInput]
    minimum_cases: int = strawberry.field(description="Fewer cases: listed, not ranked.")
    note: str = ""


@strawberry.input(description="A grade and the lowest score that earns it.")
class GradeBandInput:
    minimum: float = strawberry.field(description="Lower bound of the score, inclusive.")
    grade: str = strawberry.field(description="The grade's name, e.g. 优; 1 to 20 characters.")


@strawberry.input(description="A new version of a kind of subject's grade bands.")
class GradeBandsInput:
    subject: SubjectKind
    metric: Metric = strawberry.field(
        description="The metric whose value is graded (one where higher is better)."
    )
    bands: list[GradeBandInput] = strawberry.field(description="1 to 10, in any order.")
    effective_from: date = strawberry.field(description="In force for periods ending from then.")
    note: str = ""


@strawberry.type(description="The new version of the grade bands.")
class GradeBandsPayload:
    grade_bands: RankingGradeBands


@strawberry.type(description="The rules now in force.")
class ScoringRulesPayload:
    rules: ScoringRulesType


@strawberry.type(description="The exemption granted.")
class ExemptionPayload:
    exemption: ExemptionType


@strawberry.type(description="The exemption withdrawn: its cards count in rankings again.")
class ExemptionWithdrawnPayload:
    id: strawberry.ID


ScoringRulesResult = Annotated[
    ScoringRulesPayload | ValidationError | NotFoundError,
    strawberry.union("ScoringRulesResult", description="Outcome of changing the points rules."),
]
ExemptionResult = Annotated[
    ExemptionPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ExemptionResult", description="Outcome of granting an exemption."),
]
GradeBandsResult = Annotated[
    GradeBandsPayload | ValidationError | NotFoundError,
    strawberry.union("GradeBandsResult", description="Outcome of setting grade bands."),
]
WithdrawExemptionResult = Annotated[
    ExemptionWithdrawnPayload | ValidationError | NotFoundError,
    strawberry.union("WithdrawExemptionResult", description="Outcome of withdrawing an exemption."),
]


@strawberry.type
class StatsMutation:
    @strawberry.mutation(
        description="Set the points rules (city administrators); earlier frozen rankings keep "
        "the rules they were made by.",
        extensions=allow("scoring_rules", "update"),
    )
    async def set_scoring_rules(self, info: Info, input: ScoringRulesInput) -> ScoringRulesResult:
        facts = [item.fact for item in input.points]
        if len(set(facts)) != len(facts):
            raise ValidationFailed(_("a fact is priced twice"), field="points")
        rules = await service.set_rules(
            actor=info.context.principal,
            points={item.fact.value: item.points for item in input.points},
            minimum_cases=input.minimum_cases,
            note=input.note,
        )
        return ScoringRulesPayload(rules=ScoringRulesType.from_rules(rules))

    @strawberry.mutation(
        description="Set a new version of the grade bands (评价等级) of a kind of subject (city "
        "administrators and command); rankings frozen earlier keep the bands they were frozen with.",
        extensions=allow("grade_bands", "update"),
    )
    async def set_grade_bands(self, info: Info, input: GradeBandsInput) -> GradeBandsResult:
        if len(input.bands) > grades.MAX_BANDS:
            raise ValidationFailed(
                _("give 1 to {MAX_BANDS} bands", MAX_BANDS=grades.MAX_BANDS), field="bands"
            )
        bands = await grades.set_bands(
            actor=info.context.principal,
            subject_kind=input.subject,
            metric=input.metric,
            bands=[(band.minimum, band.grade) for band in input.bands],
            effective_from=input.effective_from,
            note=input.note,
        )
        return GradeBandsPayload(grade_bands=RankingGradeBands.of(bands))

    @strawberry.mutation(
        description="申诉免责: exempt a card of an event (or, without cardId, all its overdue "
        "facts) from rankings, with a reason; the cards stay visible.",
        extensions=allow("exemption", "grant"),
    )
    async def grant_exemption(
        self, info: Info, event_id: strawberry.ID, reason: str, card_id: strawberry.ID | None = None
    ) -> ExemptionResult:
        parsed_event = parse_uuid(event_id, "Event")
        if parsed_event is None:
            raise NotFound("event", event_id, field="eventId")
        parsed_card: int | None = None
        if card_id is not None:
            if not (str(card_id).isdigit() and len(str(card_id)) <= 18):
                raise NotFound("card", card_id, field="cardId")
            parsed_card = int(card_id)
        exemption = await service.grant_exemption(
            actor=info.context.principal,
            event_id=parsed_event,
            card_id=parsed_card,
            reason=reason,
        )
        return ExemptionPayload(exemption=ExemptionType.from_model(exemption))

    @strawberry.mutation(
        description="Withdraw an exemption granted in error, with a reason: its cards count in "
        "rankings again (frozen rankings keep theirs). Who may grant may withdraw.",
        extensions=allow("exemption", "grant"),
    )
    async def withdraw_exemption(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> WithdrawExemptionResult:
        exemption_id = parse_uuid(id, "Exemption")
        if exemption_id is None:
            raise NotFound("exemption", id, field="id")
        await service.withdraw_exemption(
            actor=info.context.principal, exemption_id=exemption_id, reason=reason
        )
        return ExemptionWithdrawnPayload(id=id)
