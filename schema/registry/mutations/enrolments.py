"""Programme enrolments (低保, 特困, 优抚 …): enrol a person or household, change the terms."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.domains.registry import enrolments
from api.domains.registry.enums import Programme
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.registry.mutations.base import optional_id, required_id
from schema.registry.types import EnrolmentType
from schema.types import Info


@strawberry.input(description="What an enrolment grants.")
class EnrolmentTermsInput:
    starts_on: date
    ends_on: date | None = strawberry.field(default=None, description="Last day, inclusive.")
    benefit_amount: str | None = strawberry.field(
        default=None, description="Per month: exact decimal as text, at most 2 places, ≥ 0."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217; default CNY.")
    granting_department_id: strawberry.ID | None = None
    note: str | None = None


@strawberry.input(description="Enrol a person or a household (one of them) in a programme.")
class EnrolInput:
    programme: Programme
    person_id: strawberry.ID | None = None
    household_id: strawberry.ID | None = None
    terms: EnrolmentTermsInput


@strawberry.type(description="The enrolment as stored.")
class EnrolmentPayload:
    enrolment: EnrolmentType


EnrolmentResult = Annotated[
    EnrolmentPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("EnrolmentResult", description="Outcome of a change to an enrolment."),
]


def _terms(value: EnrolmentTermsInput) -> enrolments.Terms:
    return enrolments.Terms(
        starts_on=value.starts_on,
        ends_on=value.ends_on,
        benefit_amount=value.benefit_amount,
        currency=value.currency,
        granting_department_id=optional_id(
            value.granting_department_id, None, "grantingDepartmentId"
        ),
        note=value.note,
    )


@strawberry.type
class EnrolmentsMutation:
    @strawberry.mutation(
        description="Enrol a person or household in a programme; one active enrolment per "
        "programme at any day.",
        extensions=allow("enrolment", "create"),
    )
    async def enrol(self, info: Info, input: EnrolInput) -> EnrolmentResult:
        record = await enrolments.enrol(
            actor=info.context.principal,
            person_id=optional_id(input.person_id, "Person", "personId"),
            household_id=optional_id(input.household_id, "Household", "householdId"),
            programme=input.programme,
            terms=_terms(input.terms),
        )
        return EnrolmentPayload(enrolment=EnrolmentType.from_model(record))

    @strawberry.mutation(
        description="Change an active enrolment's terms (kept in its history); end it with "
        "deregisterRecord(kind: ENROLMENT).",
        extensions=allow("enrolment", "update"),
    )
    async def change_enrolment(
        self,
        info: Info,
        id: strawberry.ID,
        terms: EnrolmentTermsInput,
        expected_version: int | None = None,
    ) -> EnrolmentResult:
        record = await enrolments.change_enrolment(
            actor=info.context.principal,
            enrolment_id=required_id(id, "Enrolment"),
            terms=_terms(terms),
            expected_version=expected_version,
        )
        return EnrolmentPayload(enrolment=EnrolmentType.from_model(record))
