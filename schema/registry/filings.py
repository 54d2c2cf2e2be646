"""Filing of self-help organisations (备案): submit, decide, read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import strawberry

from api.domains.registry import filings
from api.domains.registry.enums import FilingStatus
from api.domains.registry.models import OrganisationFiling
from api.errors import NotFound
from api.pagination import page_request
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.node import Node
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.registry.mutations.base import optional_id, provided, required_id
from schema.registry.types import build
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(
    FilingStatus, name="OrganisationFilingStatus", description="Where a filing (备案) stands."
)


@strawberry.type(description="A member of a filed organisation.")
class OrganisationFilingMember:
    name: str
    role: str | None
    phone: str | None


@strawberry.type(
    name="OrganisationFiling",
    description="A social organisation's filing (群众自助服务组织备案), decided by the township.",
)
class OrganisationFilingType(Node):
    uuid: UUID
    organisation_id: UUID
    region_code: str
    status: FilingStatus
    filing_number: str | None = strawberry.field(description="备案号, once filed.")
    charter: str = strawberry.field(description="章程")
    members: list[OrganisationFilingMember]
    submitted_by_label: str
    reviewed_by_label: str | None
    reviewed_at: dt.datetime | None
    note: str = strawberry.field(description="The township's reason or remark.")
    due_at: dt.datetime | None = strawberry.field(description="When the decision is due.")
    version: int
    created_at: dt.datetime

    def node_key(self) -> str:
        return str(self.uuid)

    @classmethod
    def from_model(cls, filing: OrganisationFiling) -> OrganisationFilingType:
        return build(
            cls,
            filing,
            uuid=filing.id,
            status=FilingStatus(filing.status),
            members=[
                OrganisationFilingMember(name=m["name"], role=m.get("role"), phone=m.get("phone"))
                for m in filing.members
            ],
        )


@strawberry.input(description="A member of the organisation being filed.")
class OrganisationFilingMemberInput:
    name: str
    role: str | None = None
    phone: str | None = None


@strawberry.input(description="File a social organisation (备案).")
class SubmitOrganisationFilingInput:
    organisation_id: strawberry.ID
    charter: str = strawberry.field(description="章程, at most 20000 characters.")
    members: list[OrganisationFilingMemberInput] = strawberry.field(description="1 to 200 members.")


@strawberry.type(description="The filing after the step.")
class OrganisationFilingPayload:
    filing: OrganisationFilingType


OrganisationFilingResult = Annotated[
    OrganisationFilingPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("OrganisationFilingResult", description="Outcome of a filing step."),
]


@strawberry.input(description="Which filings.")
class OrganisationFilingFilterInput:
    region_code: str | None = None
    status: FilingStatus | None = None
    organisation_id: strawberry.ID | None = None


READ = allow("organisation_filing", "read")


@strawberry.type
class FilingsQuery:
    @strawberry.field(description="A filing in your scope; null otherwise.", extensions=READ)
    async def organisation_filing(
        self, info: Info, id: strawberry.ID
    ) -> OrganisationFilingType | None:
        filing_id = parse_uuid(id, "OrganisationFiling")
        if filing_id is None:
            return None
        try:
            found = await filings.get_filing(actor=info.context.principal, filing_id=filing_id)
        except NotFound:
            return None
        return OrganisationFilingType.from_model(found)

    @strawberry.field(description="Organisation filings (备案) in your scope.", extensions=READ)
    async def organisation_filings(
        self,
        info: Info,
        filter: OrganisationFilingFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OrganisationFilingType]:
        given = filter or OrganisationFilingFilterInput()
        page, filtered = await filings.list_filings(
            actor=info.context.principal,
            page=page_request(first, after),
            filters=filings.FilingFilter(
                region_code=given.region_code,
                status=given.status,
                organisation_id=optional_id(
                    given.organisation_id, "Organisation", "filter.organisationId"
                ),
            ),
        )
        return connection(page, filtered, OrganisationFilingType.from_model)


@strawberry.type
class FilingsMutation:
    @strawberry.mutation(
        description="备案: file a social organisation with its charter and members for the "
        "township's decision.",
        extensions=allow("organisation_filing", "submit"),
    )
    async def submit_organisation_filing(
        self, info: Info, input: SubmitOrganisationFilingInput
    ) -> OrganisationFilingResult:
        filing = await filings.submit_filing(
            actor=info.context.principal,
            organisation_id=required_id(input.organisation_id, "Organisation", "organisationId"),
            charter=input.charter,
            members=[provided(member) for member in input.members],
        )
        return OrganisationFilingPayload(filing=OrganisationFilingType.from_model(filing))

    @strawberry.mutation(
        description="The township files the organisation (with the next 备案号) or refuses it "
        "with the reason.",
        extensions=allow("organisation_filing", "review"),
    )
    async def decide_organisation_filing(
        self,
        info: Info,
        id: strawberry.ID,
        file: bool,
        note: str = "",
        expected_version: int | None = None,
    ) -> OrganisationFilingResult:
        filing = await filings.decide_filing(
            actor=info.context.principal,
            filing_id=required_id(id, "OrganisationFiling"),
            file=file,
            note=note,
            expected_version=expected_version,
        )
        return OrganisationFilingPayload(filing=OrganisationFilingType.from_model(filing))
