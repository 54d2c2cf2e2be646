"""Enterprises and social organisations: register, correct."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.registry import service
from api.domains.registry.enums import (
    OrganisationKind,
)
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.registry.mutations.base import (
    CREATE,
    UNSET,
    UPDATE,
    ClientId,
    held,
    optional_id,
    provided,
    required_id,
)
from schema.registry.types import (
    OrganisationType,
    PendingChangeType,
)
from schema.types import Info


@strawberry.input(description="An organisation's fields; on update, leave out what stays.")
class OrganisationFieldsInput:
    kind: OrganisationKind | None = UNSET
    name: str | None = UNSET
    credit_code: str | None = strawberry.field(default=UNSET, description="统一社会信用代码")
    enterprise_category: str | None = strawberry.field(default=UNSET, description="5.44")
    social_organisation_type: str | None = strawberry.field(default=UNSET, description="5.47")
    registration_type: str | None = strawberry.field(default=UNSET, description="5.51")
    legal_person_name: str | None = UNSET
    legal_person_id_number: str | None = UNSET
    legal_person_phone: str | None = UNSET
    address: str | None = UNSET
    employee_count: int | None = UNSET
    safety_hazard_type: str | None = strawberry.field(default=UNSET, description="5.45")
    attention_level: str | None = strawberry.field(default=UNSET, description="5.46")


@strawberry.type(description="The organisation after the change.")
class OrganisationPayload:
    organisation: OrganisationType
    pending_change: PendingChangeType | None = strawberry.field(
        default=None,
        description="Set when the edit was held for the community's review (审核); the record is then unchanged.",
    )


OrganisationResult = Annotated[
    OrganisationPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("OrganisationResult", description="Outcome of a registry change."),
]


@strawberry.type
class OrganisationsMutation:
    @strawberry.mutation(
        description="Register an enterprise or a social organisation.", extensions=CREATE
    )
    async def register_organisation(
        self,
        info: Info,
        region_code: str,
        input: OrganisationFieldsInput,
        building_id: strawberry.ID | None = None,
        client_id: ClientId = None,
    ) -> OrganisationResult:
        organisation = await service.register_organisation(
            actor=info.context.principal,
            region_code=region_code,
            values=provided(input),
            building_id=optional_id(building_id, "Building", "buildingId"),
            client_id=client_id,
        )
        return OrganisationPayload(
            organisation=OrganisationType.from_model(organisation),
            pending_change=held(info, organisation),
        )

    @strawberry.mutation(description="Correct an organisation's fields.", extensions=UPDATE)
    async def update_organisation(
        self,
        info: Info,
        id: strawberry.ID,
        input: OrganisationFieldsInput,
        expected_version: int | None = None,
    ) -> OrganisationResult:
        organisation = await service.update_organisation(
            actor=info.context.principal,
            organisation_id=required_id(id, "Organisation"),
            values=provided(input),
            expected_version=expected_version,
        )
        return OrganisationPayload(
            organisation=OrganisationType.from_model(organisation),
            pending_change=held(info, organisation),
        )
