"""Reviewed data entry (审核): a community's review switch, the held edits, their review."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.registry import review
from api.domains.registry.enums import PendingStatus, RecordKind
from api.errors import NotFound
from api.pagination import page_request
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.registry.mutations.base import optional_id, required_id
from schema.registry.types import PendingChangeType
from schema.scalars import parse_uuid
from schema.types import Info

READ = allow("registry_change", "read")
REVIEW = allow("registry_change", "review")


@strawberry.type(name="RegistryReviewRule", description="Whether a community reviews edits.")
class ReviewRuleType:
    region_code: str = strawberry.field(description="The community.")
    required: bool = strawberry.field(
        description="Grid workers' registry edits and imports wait for the community's review."
    )
    set_by_label: str


ReviewRuleResult = Annotated[
    ReviewRuleType | ValidationError | NotFoundError,
    strawberry.union("RegistryReviewRuleResult", description="Outcome of setting review."),
]


@strawberry.type(description="The held edit after the step.")
class RegistryPendingChangePayload:
    pending_change: PendingChangeType


PendingChangeResult = Annotated[
    RegistryPendingChangePayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | NotAllowedError,
    strawberry.union("RegistryPendingChangeResult", description="Outcome of a review step."),
]


@strawberry.input(description="Which held edits.")
class RegistryPendingFilterInput:
    region_code: str | None = None
    status: PendingStatus | None = None
    record_kind: RecordKind | None = None
    record_id: strawberry.ID | None = None


@strawberry.type(description="Open held edits of one grid.")
class RegistryPendingCount:
    region_code: str
    pending: int = strawberry.field(description="Awaiting review.")
    returned: int = strawberry.field(description="Returned to their authors.")


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="A held edit in your scope; null otherwise.", extensions=READ)
    async def registry_pending_change(
        self, info: Info, id: strawberry.ID
    ) -> PendingChangeType | None:
        change_id = parse_uuid(id, "RegistryPendingChange")
        if change_id is None:
            return None
        try:
            found = await review.get_change(actor=info.context.principal, change_id=change_id)
        except NotFound:
            return None
        return PendingChangeType.from_model(found, info)

    @strawberry.field(description="Held edits in your scope (审核).", extensions=READ)
    async def registry_pending_changes(
        self,
        info: Info,
        filter: RegistryPendingFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PendingChangeType]:
        given = filter or RegistryPendingFilterInput()
        page, filtered = await review.list_changes(
            actor=info.context.principal,
            page=page_request(first, after),
            filters=review.PendingFilter(
                region_code=given.region_code,
                status=given.status,
                record_kind=given.record_kind,
                record_id=optional_id(given.record_id, None, "filter.recordId"),
            ),
        )
        return connection(page, filtered, lambda change: PendingChangeType.from_model(change, info))

    @strawberry.field(
        description="Open held edits per grid under a region, grids in code order (those with "
        "none left out); page with `after` (the last grid's code).",
        extensions=READ,
    )
    async def registry_pending_counts(
        self, info: Info, region_code: str, first: int = 100, after: str | None = None
    ) -> list[RegistryPendingCount]:
        counts = await review.pending_counts(
            actor=info.context.principal, region_code=region_code, first=first, after=after
        )
        return [
            RegistryPendingCount(region_code=c.region_code, pending=c.pending, returned=c.returned)
            for c in counts
        ]


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(
        description="审核: a community requires (or stops requiring) review of its grids' "
        "registry edits and imports.",
        extensions=allow("registry_change", "configure"),
    )
    async def set_registry_review(
        self, info: Info, region_code: str, required: bool
    ) -> ReviewRuleResult:
        rule = await review.set_review(
            actor=info.context.principal, region_code=region_code, required=required
        )
        return ReviewRuleType(
            region_code=rule.region_code, required=rule.required, set_by_label=rule.set_by_label
        )

    @strawberry.mutation(
        description="Approve a held edit (applied to the record at once) or return it with a "
        "note; the author fixes a returned edit by editing the record again.",
        extensions=REVIEW,
    )
    async def review_registry_change(
        self,
        info: Info,
        id: strawberry.ID,
        approve: bool,
        note: str = "",
        expected_version: int | None = None,
    ) -> PendingChangeResult:
        change = await review.review_change(
            actor=info.context.principal,
            change_id=required_id(id, "RegistryPendingChange"),
            approve=approve,
            note=note,
            expected_version=expected_version,
        )
        return RegistryPendingChangePayload(
            pending_change=PendingChangeType.from_model(change, info)
        )

    @strawberry.mutation(
        description="The author drops their own held edit.",
        extensions=allow("registry", "update"),
    )
    async def withdraw_registry_change(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> PendingChangeResult:
        change = await review.withdraw_change(
            actor=info.context.principal,
            change_id=required_id(id, "RegistryPendingChange"),
            expected_version=expected_version,
        )
        return RegistryPendingChangePayload(
            pending_change=PendingChangeType.from_model(change, info)
        )
