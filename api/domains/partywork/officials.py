"""The roster of college-graduate village officials (大学生村官): who, the village (community)
served, the post and term, and a yearly appraisal by the township; listed per township or
district."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.domains.diaries.scope import newest_first, subtree
from api.domains.partywork.appraisals import _note, _year
from api.domains.partywork.enums import Grade
from api.domains.partywork.models import VillageOfficial, VillageOfficialAppraisal
from api.domains.registry.enums import RecordKind, RecordStatus
from api.domains.registry.models import Person
from api.domains.registry.records import readable_record
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level
from policies.enforcer import authorize, scope_prefixes

MAX_POST = 50
MAX_TERM_YEARS = 6  # a term is three years, renewed once


async def register(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    community_code: str,
    post: str,
    term_start: date,
    term_end: date,
) -> VillageOfficial:
    """Put a registered person on the roster for a village and term."""
    if Level.of_code(community_code) is not Level.COMMUNITY:
        raise ValidationFailed(
            _("communityCode must be a community's (village's) code"),
            field="communityCode",
            code=ErrorCode.INVALID_CODE,
        )
    authorize(actor.assignments, "village_official", "register", at=community_code)
    person = await readable_record(
        actor, Person, person_id, kind=RecordKind.PERSON, field="personId"
    )
    if person.status is not RecordStatus.ACTIVE:
        raise ValidationFailed(_("the person is deregistered"), field="personId")
    post = post.strip()
    if not post or len(post) > MAX_POST:
        raise ValidationFailed(
            _("post is 1 to {MAX_POST} characters", MAX_POST=MAX_POST), field="post"
        )
    if term_end <= term_start or (term_end - term_start).days > MAX_TERM_YEARS * 366:
        raise ValidationFailed(
            _(
                "the term ends after it starts, within {MAX_TERM_YEARS} years",
                MAX_TERM_YEARS=MAX_TERM_YEARS,
            ),
            field="termEnd",
        )
    try:
        return await VillageOfficial.create(
            id=uuid.uuid4(),
            person_id=person.id,
            person_name=person.name,
            community_code=community_code,
            post=post,
            term_start=term_start,
            term_end=term_end,
            created_by_id=actor.user_id,
            created_at=clock.now(),
        )
    except IntegrityError as error:
        raise ValidationFailed(
            _("the person already has a term starting then"),
            field="termStart",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


def _roster(actor: Principal) -> QuerySet[VillageOfficial]:
    prefixes = scope_prefixes(actor.assignments, "village_official", "read")
    return VillageOfficial.filter(subtree(prefixes, "community_code"))


async def get(*, actor: Principal, official_id: uuid.UUID) -> VillageOfficial:
    official = await _roster(actor).filter(id=official_id).first()
    if official is None:
        raise NotFound("village official", official_id, field="id")
    return official


async def appraise(
    *, actor: Principal, official_id: uuid.UUID, year: int, grade: Grade, note: str
) -> VillageOfficialAppraisal:
    """The township's appraisal of an official for a year (once a year)."""
    official = await get(actor=actor, official_id=official_id)
    authorize(actor.assignments, "village_official", "register", at=official.community_code)
    year = _year(year)
    if not official.term_start.year <= year <= official.term_end.year:
        raise ValidationFailed(_("the year lies outside the official's term"), field="year")
    try:
        return await VillageOfficialAppraisal.create(
            id=uuid.uuid4(),
            official_id=official.id,
            year=year,
            grade=grade,
            note=_note(note),
            appraised_by_id=actor.user_id,
            appraised_at=clock.now(),
        )
    except IntegrityError as error:
        raise ValidationFailed(
            _("the official is already appraised for {year}", year=year),
            field="year",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


async def roster(
    *, actor: Principal, region_code: str, serving_on: date | None, page: PageRequest
) -> tuple[Page[VillageOfficial], QuerySet[VillageOfficial]]:
    """The officials serving villages under a township or district (or any region)."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "village_official", "read", at=region_code)
    query = _roster(actor).filter(community_code__startswith=region_code)
    if serving_on is not None:
        query = query.filter(term_start__lte=serving_on, term_end__gte=serving_on)
    return await newest_first(query, page, column="created_at")


async def appraisals_of(
    official_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[VillageOfficialAppraisal]]:
    found: dict[uuid.UUID, list[VillageOfficialAppraisal]] = {i: [] for i in official_ids}
    for row in await VillageOfficialAppraisal.filter(official_id__in=list(official_ids)).order_by(
        "year"
    ):
        found[row.official_id].append(row)
    return found
