"""The GraphQL schema: Query and Mutation composed from per-domain classes."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from api.settings import Settings
from schema import bounds
from schema.accounts.mutations import AccountsMutation
from schema.accounts.queries import AccountsQuery
from schema.announcements.messages import MessagesMutation, MessagesQuery, MessagesSubscription
from schema.announcements.posts import PostsMutation, PostsQuery
from schema.announcements.schema import AnnouncementsMutation, AnnouncementsQuery
from schema.approvals.mutations import ApprovalsMutation
from schema.approvals.queries import ApprovalsQuery
from schema.approvals.subscriptions import ApprovalsSubscription
from schema.audit.queries import AuditQuery
from schema.care.schema import CareMutation, CareQuery
from schema.diaries.mutations import DiariesMutation
from schema.diaries.queries import DiariesQuery
from schema.economy.mutations import EconomyMutation
from schema.economy.queries import EconomyQuery
from schema.emergencies.mutations import EmergenciesMutation
from schema.emergencies.queries import EmergenciesQuery
from schema.emergencies.subscriptions import EmergenciesSubscription
from schema.engagement.citizens import CitizensMutation, CitizensQuery
from schema.engagement.schema import EngagementMutation, EngagementQuery
from schema.errors import map_domain_errors
from schema.events.categories import CategoriesMutation
from schema.events.mutations import EventsMutation
from schema.events.queries import EventsQuery
from schema.extensions import ErrorCodes, LimitsAndCaches
from schema.fast import install as install_fast_path
from schema.grants.schema import PermissionsMutation, PermissionsQuery
from schema.hierarchy.mutations import HierarchyMutation
from schema.hierarchy.queries import HierarchyQuery
from schema.imports.schema import ImportsMutation, ImportsQuery, ImportsSubscription
from schema.intake.schema import IntakeMutation, IntakeQuery
from schema.ledgers.schema import LedgersMutation, LedgersQuery, LedgersSubscription
from schema.maps.mutations import MapsMutation
from schema.maps.queries import MapsQuery
from schema.meetings.schema import MeetingsMutation, MeetingsQuery
from schema.node import Node
from schema.nodes import NodeQuery
from schema.notices.schema import NoticesMutation, NoticesQuery
from schema.partywork.schema import PartyWorkMutation, PartyWorkQuery
from schema.points.schema import PointsMutation, PointsQuery
from schema.positions.schema import PositionsMutation, PositionsQuery
from schema.realtime.sharing import SharedResultExecutor
from schema.realtime.subscriptions import RealtimeSubscription
from schema.registry.files import FilesMutation, FilesQuery
from schema.registry.filings import FilingsMutation, FilingsQuery
from schema.registry.mutations import RegistryMutation
from schema.registry.queries import RegistryQuery
from schema.registry.review import ReviewMutation, ReviewQuery
from schema.replicas import ReplicaReads
from schema.services.mutations import ServicesMutation
from schema.services.queries import ServicesQuery
from schema.stats.mutations import StatsMutation
from schema.stats.norms import NormsMutation, NormsQuery
from schema.stats.public import PublicRankingsMutation, PublicRankingsQuery
from schema.stats.queries import StatsQuery
from schema.supervision.schema import SupervisionMutation, SupervisionQuery
from schema.triage.schema import TriageMutation, TriageQuery
from schema.webhooks.schema import WebhooksMutation, WebhooksQuery


@strawberry.type(description="Everything a client can read.")
class Query(
    NodeQuery,
    HierarchyQuery,
    AccountsQuery,
    EventsQuery,
    NoticesQuery,
    PositionsQuery,
    WebhooksQuery,
    AuditQuery,
    ImportsQuery,
    RegistryQuery,
    ReviewQuery,
    FilingsQuery,
    FilesQuery,
    IntakeQuery,
    EngagementQuery,
    CitizensQuery,
    StatsQuery,
    EmergenciesQuery,
    DiariesQuery,
    ApprovalsQuery,
    AnnouncementsQuery,
    MeetingsQuery,
    MessagesQuery,
    PostsQuery,
    PointsQuery,
    EconomyQuery,
    PublicRankingsQuery,
    CareQuery,
    PartyWorkQuery,
    TriageQuery,
    MapsQuery,
    LedgersQuery,
    SupervisionQuery,
    ServicesQuery,
    PermissionsQuery,
    NormsQuery,
):
    pass


@strawberry.type(description="Everything a client can change.")
class Mutation(
    HierarchyMutation,
    AccountsMutation,
    EventsMutation,
    NoticesMutation,
    PositionsMutation,
    WebhooksMutation,
    ImportsMutation,
    RegistryMutation,
    ReviewMutation,
    FilingsMutation,
    FilesMutation,
    IntakeMutation,
    EngagementMutation,
    CitizensMutation,
    StatsMutation,
    EmergenciesMutation,
    DiariesMutation,
    ApprovalsMutation,
    AnnouncementsMutation,
    MeetingsMutation,
    MessagesMutation,
    PostsMutation,
    PointsMutation,
    EconomyMutation,
    PublicRankingsMutation,
    CareMutation,
    PartyWorkMutation,
    TriageMutation,
    MapsMutation,
    LedgersMutation,
    SupervisionMutation,
    ServicesMutation,
    PermissionsMutation,
    NormsMutation,
    CategoriesMutation,
):
    pass


@strawberry.type(description="Live feeds over graphql-transport-ws.")
class Subscription(
    RealtimeSubscription,
    ImportsSubscription,
    EmergenciesSubscription,
    ApprovalsSubscription,
    MessagesSubscription,
    LedgersSubscription,
):
    pass


# Once, here: every result-union field of Query and Mutation returns a DomainError as its member.
map_domain_errors(Query, Mutation)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the limits and caches of DESIGN.md §7 (production: no introspection)."""
    # Factories, not instances: an extension keeps per-request state, so each request needs its
    # own. The caches are module-level in graphql-core/strawberry, so they survive regardless.
    # The limiters' rule classes are made once here: strawberry's limiters make new classes per
    # instance, and a new class per request misses the validation cache (keyed by the rules)
    # every time, validating every request afresh.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.gridgov_max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.gridgov_max_aliases).validation_rules,
        bounds.BoundedLiterals,
    ]
    if settings.is_production:
        # what strawberry's DisableIntrospection adds
        limit_rules.append(NoSchemaIntrospectionCustomRule)
    # strawberry's own caches, which its ParserCache and ValidationCache use
    parse = ParserCache(maxsize=1024).cached_parse_document
    validate = ValidationCache(maxsize=1024).cached_validate_document
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: LimitsAndCaches(
            validation_rules=limit_rules,
            max_tokens=settings.gridgov_max_tokens,
            parse=parse,
            validate=validate,
        ),
        lambda: ErrorCodes(mask=settings.is_production),
        # its execute phase ends inside ErrorCodes' operation phase: a replica's failure is
        # taken back (the view runs the operation again on the primary) before errors are coded
        ReplicaReads,
    ]
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Node],
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
        scalar_overrides=dict(bounds.SCALAR_OVERRIDES),
    )
    bounds.install(schema._schema)
    return install_fast_path(
        schema, enabled=settings.gridgov_fast_execution, executor=SharedResultExecutor
    )
