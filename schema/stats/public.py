"""Rankings published to the public (考核排队信息公开): the owning level publishes or withdraws
a frozen ranking; anyone reads the published ones of a region without signing in. The query
here is the canonical public one (boards of other features read it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry

from api.domains.stats import models, service
from api.domains.stats.enums import Metric, PeriodKind, SubjectKind
from api.errors import NotFound
from api.pagination import page_request
from schema.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from schema.pagination import Connection, Counted, connection
from schema.permissions import allow, public
from schema.scalars import parse_uuid
from schema.stats.types import RankingEntryType
from schema.types import Info


@strawberry.type(
    description="A frozen ranking of departments or regions shown to the public: no personal "
    "data (rankings of workers are never published)."
)
class PublishedRanking:
    id: strawberry.ID
    scope: str = strawberry.field(description="The region whose level owns and published it.")
    subject: SubjectKind
    period: PeriodKind
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    formula_version: str
    published_at: datetime
    snapshot: strawberry.Private[models.RankingSnapshot]

    @strawberry.field(
        description="Departments or regions, best first by `by`, with their figures "
        "(satisfaction among them)."
    )
    async def entries(
        self, by: Metric = Metric.POINTS, first: int | None = None, after: str | None = None
    ) -> Connection[RankingEntryType]:
        ranking = await service.published_ranking(self.snapshot, by)
        page = service.page_of(ranking.entries, page_request(first, after))
        return connection(
            page,
            Counted(len(ranking.entries)),
            lambda entry: RankingEntryType.from_entry(entry, ranking.rules),
        )

    @classmethod
    def from_model(cls, snapshot: models.RankingSnapshot) -> PublishedRanking:
        assert snapshot.published_at is not None
        return cls(
            id=strawberry.ID(str(snapshot.id)),
            scope=snapshot.scope_code,
            subject=snapshot.subject_kind,
            period=snapshot.period_kind,
            first_day=snapshot.period_start,
            last_day=snapshot.period_end,
            formula_version=snapshot.formula_version,
            published_at=snapshot.published_at,
            snapshot=snapshot,
        )


@strawberry.type(description="The ranking as it now stands.")
class RankingPublicationPayload:
    id: strawberry.ID
    published_at: datetime | None = strawberry.field(description="null: not published.")
    withdrawn_at: datetime | None


RankingPublicationResult = Annotated[
    RankingPublicationPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union(
        "RankingPublicationResult", description="Outcome of publishing or withdrawing a ranking."
    ),
]


def _payload(snapshot: models.RankingSnapshot) -> RankingPublicationPayload:
    return RankingPublicationPayload(
        id=strawberry.ID(str(snapshot.id)),
        published_at=snapshot.published_at,
        withdrawn_at=snapshot.withdrawn_at,
    )


def _snapshot_id(id: strawberry.ID) -> uuid.UUID:
    parsed = parse_uuid(id)
    if parsed is None:
        raise NotFound("ranking snapshot", id, field="id")
    return parsed


@strawberry.type
class PublicRankingsQuery:
    @strawberry.field(
        description="Published rankings of a region and the levels above it, newest period "
        "first; no sign-in needed.",
        extensions=public(),
    )
    async def public_rankings(
        self,
        info: Info,
        region_code: str,
        subject: SubjectKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublishedRanking]:
        page, filtered = await service.public_rankings(
            region_code=region_code, subject_kind=subject, page=page_request(first, after)
        )
        return connection(page, filtered, PublishedRanking.from_model)


@strawberry.type
class PublicRankingsMutation:
    @strawberry.mutation(
        description="Publish a frozen ranking of departments or regions (the level that owns it).",
        extensions=allow("ranking", "publish"),
    )
    async def publish_ranking(self, info: Info, id: strawberry.ID) -> RankingPublicationResult:
        snapshot = await service.publish_snapshot(
            actor=info.context.principal, snapshot_id=_snapshot_id(id)
        )
        return _payload(snapshot)

    @strawberry.mutation(
        description="Withdraw a published ranking from the public (it stays frozen).",
        extensions=allow("ranking", "publish"),
    )
    async def withdraw_ranking(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> RankingPublicationResult:
        snapshot = await service.withdraw_snapshot(
            actor=info.context.principal, snapshot_id=_snapshot_id(id), reason=reason
        )
        return _payload(snapshot)
