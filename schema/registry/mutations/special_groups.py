"""Special groups (特殊人群): put a person under management, record follow-ups (随访)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    SpecialGroup,
)
from api.errors import ValidationFailed
from api.i18n import _
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.registry.mutations.base import UNSET, provided, required_id
from schema.registry.types import (
    SpecialGroupRecordType,
)
from schema.types import Info


@strawberry.input(description="刑满释放人员 fields.")
class ReleasedPrisonerDetailsInput:
    crime_type: str | None = UNSET
    original_sentence: str | None = UNSET
    released_on: dt.date | None = UNSET
    prison: str | None = UNSET
    handover: str | None = UNSET
    placement: str | None = UNSET
    is_recidivist: bool | None = UNSET


@strawberry.input(description="社区矫正人员 fields.")
class CommunityCorrectionDetailsInput:
    correction_type: str | None = UNSET
    reception_method: str | None = UNSET
    histories: list[str] | None = UNSET
    involvements: list[str] | None = UNSET
    team_composition: list[str] | None = UNSET
    starts_on: dt.date | None = UNSET
    ends_on: dt.date | None = UNSET
    termination_type: str | None = UNSET


@strawberry.input(description="严重精神障碍患者 fields.")
class MentalDisorderDetailsInput:
    family_economy: str | None = UNSET
    diagnosis: str | None = UNSET
    treatment: str | None = UNSET
    hospitalisation_reason: str | None = UNSET
    managers: list[str] | None = UNSET
    assistance: list[str] | None = UNSET
    guardian_name: str | None = UNSET


@strawberry.input(description="吸毒人员 fields.")
class DrugUserDetailsInput:
    first_found_on: dt.date | None = UNSET
    drug_type: str | None = UNSET
    control_status: str | None = UNSET
    has_criminal_record: bool | None = UNSET


@strawberry.input(description="重点青少年 fields.")
class KeyYouthDetailsInput:
    youth_type: str | None = UNSET
    family_situation: str | None = UNSET
    guardian_name: str | None = UNSET
    assistance_means: list[str] | None = UNSET


@strawberry.input(description="艾滋病危险人员 fields.")
class AidsRiskDetailsInput:
    infection_route: str | None = UNSET
    attention_type: str | None = UNSET
    treatment: str | None = UNSET
    has_criminal_record: bool | None = UNSET


@strawberry.input(description="农村留守儿童 fields: guardian and the parents' whereabouts.")
class LeftBehindChildDetailsInput:
    guardian_name: str | None = UNSET
    guardian_relation: str | None = UNSET
    father_whereabouts: str | None = UNSET
    mother_whereabouts: str | None = UNSET
    school: str | None = UNSET


@strawberry.input(description="独居、孤寡老人 fields.")
class ElderlyAloneDetailsInput:
    is_childless: bool | None = UNSET
    carer_name: str | None = UNSET
    carer_relation: str | None = UNSET
    health: str | None = UNSET


@strawberry.input(description="残疾人 fields.")
class DisabledDetailsInput:
    disability_category: str | None = UNSET
    disability_grade: str | None = UNSET
    carer_name: str | None = UNSET
    carer_relation: str | None = UNSET


@strawberry.input(description="The group's own fields: fill the one member matching the group.")
class SpecialGroupDetailsInput:
    released_prisoner: ReleasedPrisonerDetailsInput | None = None
    community_correction: CommunityCorrectionDetailsInput | None = None
    mental_disorder: MentalDisorderDetailsInput | None = None
    drug_user: DrugUserDetailsInput | None = None
    key_youth: KeyYouthDetailsInput | None = None
    aids_risk: AidsRiskDetailsInput | None = None
    left_behind_child: LeftBehindChildDetailsInput | None = None
    elderly_alone: ElderlyAloneDetailsInput | None = None
    disabled: DisabledDetailsInput | None = None


@strawberry.input(description="Follow-up fields common to every special group.")
class FollowUpInput:
    risk_level: str | None = strawberry.field(
        default=UNSET, description="Code of the group's risk table (5.21, 5.32 or 5.60)."
    )
    management_status: str | None = strawberry.field(default=UNSET, description="5.37")
    attention_level: str | None = strawberry.field(default=UNSET, description="5.46")
    helpers: list[str] | None = strawberry.field(default=UNSET, description="帮扶人员")
    follow_up_note: str | None = UNSET


@strawberry.input(description="Put a registered person under special-group management.")
class AddToSpecialGroupInput:
    person_id: strawberry.ID
    group: SpecialGroup
    follow_up: FollowUpInput | None = None
    details: SpecialGroupDetailsInput | None = None


def _details(group: SpecialGroup, value: SpecialGroupDetailsInput | None) -> dict[str, Any]:
    if value is None:
        return {}
    chosen = provided(value)
    other = next(
        (name for name, v in chosen.items() if v is not None and name != group.value), None
    )
    if other is not None:
        raise ValidationFailed(
            _("details.{other} does not fit group {value}", other=other, value=group.value),
            field="details",
        )
    return provided(chosen.get(group.value))


@strawberry.type(description="The special-group record after the change.")
class SpecialGroupRecordPayload:
    record: SpecialGroupRecordType


SpecialGroupRecordResult = Annotated[
    SpecialGroupRecordPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("SpecialGroupRecordResult", description="Outcome of a registry change."),
]


@strawberry.type
class SpecialGroupsMutation:
    @strawberry.mutation(
        description="Put a registered person under special-group management (特殊人群).",
        extensions=allow("special_group", "create"),
    )
    async def add_to_special_group(
        self, info: Info, input: AddToSpecialGroupInput
    ) -> SpecialGroupRecordResult:
        record = await service.add_to_special_group(
            actor=info.context.principal,
            person_id=required_id(input.person_id, "Person", "personId"),
            group=input.group,
            values=provided(input.follow_up),
            details=_details(input.group, input.details),
        )
        return SpecialGroupRecordPayload(record=SpecialGroupRecordType.from_model(record))

    @strawberry.mutation(
        description="Record a follow-up (随访) of a special-group record.",
        extensions=allow("special_group", "update"),
    )
    async def record_follow_up(
        self,
        info: Info,
        id: strawberry.ID,
        input: FollowUpInput,
        group: SpecialGroup,
        details: SpecialGroupDetailsInput | None = None,
        expected_version: int | None = None,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Chosen by the phone per follow-up (at most 64 characters): a retry "
                "with it is recorded once and returns the record as the first left it."
            ),
        ] = None,
    ) -> SpecialGroupRecordResult:
        record = await service.record_follow_up(
            actor=info.context.principal,
            record_id=required_id(id, "SpecialGroupRecord"),
            values=provided(input),
            details=_details(group, details) if details is not None else None,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
        return SpecialGroupRecordPayload(record=SpecialGroupRecordType.from_model(record))
