"""Self-registration of in-service party members (在职党员双报到) and volunteers: a phone-verified
account, linked to their registry record by ID number, or pending until the community confirms
them; they report to the community where they live, with their employer's party organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock, resident_ids
from api.auth import Principal
from api.domains.accounts.throttle import LoginThrottle
from api.domains.audit.service import record
from api.domains.diaries.scope import check, readable, subtree
from api.domains.engagement import service as engagement
from api.domains.engagement.verification import PhoneVerifier
from api.domains.hierarchy.models import Region
from api.domains.points.enums import MemberKind, MemberStatus
from api.domains.points.ledger import entries_of
from api.domains.points.models import LedgerEntry, PointsMember
from api.domains.registry.enums import RecordKind
from api.domains.registry.models import PartyMember, Person, Volunteer
from api.domains.registry.records import finish_update
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level

MAX_NAME = 50
MAX_EMPLOYER = 200
ACTIVE = (MemberStatus.LINKED, MemberStatus.CONFIRMED)


@dataclass(frozen=True, slots=True)
class Joining:
    """What a member tells the community when reporting to it (双报到)."""

    name: str
    id_number: str
    community_code: str
    employer_organisation: str = ""
    consents_to_publish: bool = False


@dataclass(frozen=True, slots=True)
class SignUp:
    """A new phone account (the citizens' channel) for a member joining."""

    phone: str
    password: str
    verification_code: str


async def _cleaned(joining: Joining) -> Joining:
    name = " ".join(joining.name.split())
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(
            _("give your name (at most {MAX_NAME} characters)", MAX_NAME=MAX_NAME), field="name"
        )
    try:
        number = resident_ids.validate(joining.id_number)
    except resident_ids.InvalidResidentId as error:
        raise ValidationFailed(_("ID number {error}", error=error), field="idNumber") from None
    employer = " ".join(joining.employer_organisation.split())
    if len(employer) > MAX_EMPLOYER:
        raise ValidationFailed(
            _(
                "the employer's organisation is at most {MAX_EMPLOYER} characters",
                MAX_EMPLOYER=MAX_EMPLOYER,
            ),
            field="employerOrganisation",
        )
    if Level.of_code(joining.community_code) is not Level.COMMUNITY or not await Region.exists(
        code=joining.community_code, is_active=True
    ):
        raise NotFound("community", joining.community_code, field="communityCode")
    return Joining(name, number, joining.community_code, employer, joining.consents_to_publish)


async def _join(user_id: uuid.UUID, joining: Joining, actor: Principal) -> PointsMember:
    """Link or create the member of `user_id`, in the caller's transaction."""
    if await PointsMember.exists(user_id=user_id):
        raise Conflict(_("you have registered already"), code=ErrorCode.ALREADY_EXISTS)
    person = await Person.get_or_none(id_number=joining.id_number)
    if person is not None and " ".join(person.name.split()) != joining.name:
        # an ID number is no secret: with another name it links nothing (and says nothing of
        # the record); the member waits, unlinked, for the community to confirm them
        person = None
    party = await PartyMember.get_or_none(person_id=person.id) if person else None
    volunteer = await Volunteer.get_or_none(person_id=person.id) if person else None
    now = clock.now()
    if party is None and volunteer is not None:
        # a volunteer's member row exists from the ledger's opening entries: it gets an account
        member = await PointsMember.filter(volunteer_id=volunteer.id).select_for_update().first()
        if member is not None:
            if member.user_id is not None:
                raise Conflict(_("this record is linked to another account"), field="idNumber")
            member.user_id = user_id
            member.name = joining.name
            member.id_number = joining.id_number
            member.region_code = joining.community_code
            member.employer_organisation = joining.employer_organisation
            member.consents_to_publish = joining.consents_to_publish
            member.status = MemberStatus.LINKED
            await member.save()
            return member
    member = PointsMember(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=MemberKind.PARTY_MEMBER
        if party is not None or volunteer is None
        else MemberKind.VOLUNTEER,
        status=MemberStatus.LINKED if party or volunteer else MemberStatus.PENDING,
        party_member_id=party.id if party else None,
        volunteer_id=volunteer.id if volunteer and not party else None,
        name=joining.name,
        id_number=joining.id_number,
        region_code=joining.community_code,
        employer_organisation=joining.employer_organisation,
        consents_to_publish=joining.consents_to_publish,
        created_at=now,
    )
    try:
        async with in_transaction():
            await member.save(force_create=True)
    except IntegrityError as error:
        raise Conflict(
            _("this record is linked to another account"),
            field="idNumber",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    if party is not None:
        # 双报到: the registry notes where the member reported, and that they are in service
        await finish_update(
            actor,
            RecordKind.PARTY_MEMBER,
            party,
            {
                "registered_community_code": joining.community_code,
                "is_in_service": True,
                "workplace": joining.employer_organisation or party.workplace,
            },
        )
    await record(
        actor=actor,
        action="points.member.join",
        object_type="points_member",
        object_id=str(member.id),
        region_code=joining.community_code,
    )
    return member


async def sign_up(
    *,
    account: SignUp,
    joining: Joining,
    verifier: PhoneVerifier,
    throttle: LoginThrottle,
    ip: str | None = None,
) -> PointsMember:
    """注册: a phone account (the citizens' channel and its verifier) and the member, together."""
    cleaned = await _cleaned(joining)
    async with in_transaction():
        user = await engagement.register(
            phone=account.phone,
            password=account.password,
            verification_code=account.verification_code,
            verifier=verifier,
            throttle=throttle,
            ip=ip,
            display_name=cleaned.name,
        )
        actor = Principal(user_id=user.id, username=user.username, display_name=cleaned.name)
        return await _join(user.id, cleaned, actor)


async def join(*, actor: Principal, joining: Joining) -> PointsMember:
    """A signed-in citizen reports to their community as a member."""
    user_id = engagement.citizen_of(actor)
    cleaned = await _cleaned(joining)
    async with in_transaction():
        return await _join(user_id, cleaned, actor)


async def me(actor: Principal) -> PointsMember:
    """The caller's member record (any status)."""
    if actor.user_id is None:
        raise NotAllowed(_("only a signed-in member may do this"))
    member = await PointsMember.get_or_none(user_id=actor.user_id)
    if member is None:
        raise NotAllowed(_("register as a member of your community first"))
    return member


async def active_member(actor: Principal) -> PointsMember:
    """The caller as a member the community has linked or confirmed."""
    member = await me(actor)
    if member.status not in ACTIVE:
        raise NotAllowed(_("your community has not confirmed you yet"))
    return member


async def confirm(*, actor: Principal, member_id: uuid.UUID) -> PointsMember:
    """The community confirms a member whose record it could not find."""
    async with in_transaction():
        member = (
            await PointsMember.filter(readable(actor, "points_member"), id=member_id)
            .select_for_update()
            .first()
        )
        if member is None:
            raise NotFound("points member", member_id)
        check(actor, "points_member", "confirm", at=member.region_code, what="the member")
        if member.status != MemberStatus.PENDING:
            raise Conflict(
                _("the member is {status}, not pending", status=member.status),
                code=ErrorCode.INVALID_TRANSITION,
            )
        member.status = MemberStatus.CONFIRMED
        member.confirmed_by_id = actor.user_id
        await member.save()
        await record(
            actor=actor,
            action="points.member.confirm",
            object_type="points_member",
            object_id=str(member.id),
            region_code=member.region_code,
        )
    return member


async def set_consent(*, actor: Principal, consents: bool) -> PointsMember:
    """The member says whether their name may be shown on the public leaderboard."""
    member = await me(actor)
    member.consents_to_publish = consents
    await member.save(update_fields=["consents_to_publish", "updated_at"])
    return member


async def readable_member(actor: Principal, member_id: uuid.UUID) -> PointsMember:
    member = await PointsMember.filter(readable(actor, "points_member"), id=member_id).first()
    if member is None:
        raise NotFound("points member", member_id)
    return member


async def list_members(
    *, actor: Principal, region_code: str, status: MemberStatus | None, page: PageRequest
) -> tuple[Page[PointsMember], QuerySet[PointsMember]]:
    """A community's (or an area's) members, by name."""
    check(actor, "points_member", "read", at=region_code, what="the area")
    query = PointsMember.filter(readable(actor, "points_member"), subtree([region_code]))
    if status is not None:
        query = query.filter(status=status)
    filtered = query
    if page.after is not None:
        name, _unused, last = page.after.rpartition("|")
        query = query.filter(Q(name__gt=name) | Q(name=name, id__gt=last))
    rows = await query.order_by("name", "id").limit(page.first + 1)
    return make_page(rows, page, lambda m: f"{m.name}|{m.id}"), filtered


async def member_entries(
    *, actor: Principal, member_id: uuid.UUID, page: PageRequest
) -> tuple[Page[LedgerEntry], QuerySet[LedgerEntry]]:
    """A member's ledger, read by their community."""
    member = await readable_member(actor, member_id)
    check(actor, "points", "read", at=member.region_code, what="the member")
    return await entries_of(member_id=member.id, page=page), LedgerEntry.filter(member_id=member.id)
