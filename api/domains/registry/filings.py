"""Filing of self-help organisations (群众自助服务组织备案): the community files a social
organisation with its charter and members, the township reviews it and marks it filed, with a
number of its own sequence (备案号), or refused with the reason (flow `organisation_filing`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from tortoise import connections
from tortoise.exceptions import IntegrityError

from api import clock
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.registry.enums import (
    FilingAction,
    FilingStage,
    FilingStatus,
    OrganisationKind,
    RecordKind,
    RecordStatus,
)
from api.domains.registry.models import Organisation, OrganisationFiling
from api.domains.registry.records import keyset_page, readable, readable_record, within_region
from api.domains.registry.review_flow import mark_decided
from api.domains.registry.validation import Rule, text
from api.errors import Conflict, NotAllowed, NotFound, PermissionDenied, ValidationFailed
from api.flows import Flow, Store, Transition, moves, register, snapshot_of, table_limits
from api.flows import Rule as LimitRule
from api.flows.calendar import DeadlineUnit
from api.flows.holders import Place, RoleHolders
from api.flows.models import FlowCard, FlowStep
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, ancestor_at
from policies.enforcer import authorize

MAX_CHARTER: Final = 20_000
MAX_MEMBERS: Final = 200
MAX_NOTE: Final = 500
MEMBER_RULES: Final[Mapping[str, Rule]] = {
    "name": text(50, required=True),
    "role": text(50),
    "phone": Rule("phone"),
}


class FilingSnapshot(TypedDict):
    """What a live change message shows of a filing."""

    id: str
    organisation_id: str
    region_code: str
    status: str
    filing_number: str | None
    stage: str | None
    due_at: str | None
    card: str
    version: int


def township_of(filing: OrganisationFiling) -> Sequence[Place]:
    """Who reviews a filing: the township centre above the organisation."""
    return [(Role.TOWNSHIP_CENTRE.value, ancestor_at(filing.region_code, Level.TOWNSHIP))]


FILINGS: Flow[OrganisationFiling] = register(
    Flow(
        name="organisation_filing",
        noun="an organisation filing",
        model=OrganisationFiling,
        states=FilingStatus,
        transitions={
            FilingAction.FILE: Transition(frozenset({FilingStatus.SUBMITTED}), FilingStatus.FILED),
            FilingAction.REFUSE: Transition(
                frozenset({FilingStatus.SUBMITTED}), FilingStatus.REFUSED
            ),
        },
        open_states=frozenset({FilingStatus.SUBMITTED}),
        timeline=Store(FlowStep, record_column="record_id", flow_column="flow"),
        cards=Store(FlowCard, record_column="record_id", flow_column="flow"),
        kind=lambda filing: "social",
        # decided within ten working days (a city sets its own in flow_limits)
        limits=table_limits(
            "organisation_filing",
            {FilingStage.REVIEW.value: LimitRule(10, DeadlineUnit.WORKING_DAYS)},
        ),
        label=lambda filing: f"社会组织备案 {filing.id}",
        topic="organisation_filing",
        subject="filing",
        snapshot=lambda filing: snapshot_of(FilingSnapshot, filing),
        deadlines=RoleHolders(township_of),
    )
)


def _members(members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not 1 <= len(members) <= MAX_MEMBERS:
        raise ValidationFailed(
            _("give 1 to {MAX_MEMBERS} members", MAX_MEMBERS=MAX_MEMBERS), field="members"
        )
    cleaned = []
    for index, member in enumerate(members):
        row: dict[str, Any] = {}
        for name, rule in MEMBER_RULES.items():
            row[name] = rule.clean(member.get(name), field=f"members.{index}.{name}")
        cleaned.append(row)
    return cleaned


def readable_filings(actor: Principal) -> Any:
    return readable(actor, "organisation_filing")


async def submit_filing(
    *,
    actor: Principal,
    organisation_id: uuid.UUID,
    charter: str,
    members: Sequence[Mapping[str, Any]],
) -> OrganisationFiling:
    """File a registered social organisation for 备案 with its charter and members; one filing
    at a time (a refused one may be filed again)."""
    organisation = await readable_record(
        actor, Organisation, organisation_id, kind=RecordKind.ORGANISATION, field="organisationId"
    )
    try:
        authorize(actor.assignments, "organisation_filing", "submit", at=organisation.region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not file organisations here")) from error
    if organisation.kind is not OrganisationKind.SOCIAL:
        raise ValidationFailed(_("only a social organisation is filed"), field="organisationId")
    if organisation.status is not RecordStatus.ACTIVE:
        raise ValidationFailed(_("the organisation is deregistered"), field="organisationId")
    cleaned_charter = text(MAX_CHARTER, required=True).clean(charter, field="charter")
    filing = OrganisationFiling(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        region_code=organisation.region_code,
        charter=cleaned_charter,
        members=_members(members),
        status=FilingStatus.SUBMITTED,
        submitted_by_id=actor.user_id or actor.api_key_id,
        submitted_by_label=actor.label[:100],
        created_at=clock.now(),
    )
    try:
        await moves.start(
            FILINGS, filing, actor=actor, action=FilingAction.SUBMIT, stage=FilingStage.REVIEW
        )
    except IntegrityError as error:
        raise Conflict(
            _("the organisation is filed already or its filing awaits the township"),
            field="organisationId",
        ) from error
    return filing


async def _next_number(township: str, year: int) -> str:
    """The township's next filing number of the year (备案号), under a lock per township."""
    client = connections.get("default")
    prefix = f"{township}-{year}-"
    await client.execute_query(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [f"filing:{prefix}"]
    )
    _unused, rows = await client.execute_query(
        "SELECT count(*) AS n FROM registry_organisation_filings WHERE filing_number LIKE $1",
        [prefix + "%"],
    )
    return f"{prefix}{int(rows[0]['n']) + 1:04d}"


def _check_township(actor: Principal, filing: OrganisationFiling) -> None:
    try:
        authorize(actor.assignments, "organisation_filing", "review", at=filing.region_code)
    except PermissionDenied as error:
        raise NotAllowed(_("your roles may not decide filings here")) from error


async def decide_filing(
    *,
    actor: Principal,
    filing_id: uuid.UUID,
    file: bool,
    note: str = "",
    expected_version: int | None = None,
) -> OrganisationFiling:
    """The township files (with the next number) or refuses (with the reason); of two deciding
    at once one wins."""
    cleaned = text(MAX_NOTE, required=not file).clean(note, field="note") or ""
    async with moves.transition(
        FILINGS,
        actor=actor,
        record_id=filing_id,
        action=FilingAction.FILE if file else FilingAction.REFUSE,
        note=cleaned,
        scope=readable_filings(actor),
        expected_version=expected_version,
        authorize=lambda filing: _check_township(actor, filing),
    ) as move:
        filing = move.record
        if file:
            filing.filing_number = await _next_number(
                ancestor_at(filing.region_code, Level.TOWNSHIP), move.now.year
            )
        mark_decided(filing, actor, move.now, cleaned)
        if filing.submitted_by_id is not None:
            await move.tell(
                [filing.submitted_by_id],
                kind="organisation_filing",
                title=_("Social organisation filing: filed")
                if file
                else _("Social organisation filing: not filed"),
                body=filing.filing_number or cleaned,
            )
    return move.record


async def get_filing(*, actor: Principal, filing_id: uuid.UUID) -> OrganisationFiling:
    found = await OrganisationFiling.filter(readable_filings(actor), id=filing_id).first()
    if found is None:
        raise NotFound("organisation filing", filing_id)
    return found


@dataclass(frozen=True, slots=True)
class FilingFilter:
    region_code: str | None = None
    status: FilingStatus | None = None
    organisation_id: uuid.UUID | None = None


async def list_filings(
    *, actor: Principal, page: PageRequest, filters: FilingFilter
) -> tuple[Page[OrganisationFiling], Any]:
    """Filings in scope, by region, status or organisation."""
    query = within_region(OrganisationFiling.filter(readable_filings(actor)), filters.region_code)
    if filters.status is not None:
        query = query.filter(status=filters.status.value)
    if filters.organisation_id is not None:
        query = query.filter(organisation_id=filters.organisation_id)
    return await keyset_page(query, page), query
