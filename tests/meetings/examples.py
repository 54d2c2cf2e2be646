"""The meetings graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.accounts.models import User
from api.domains.meetings import service
from api.domains.meetings.enums import MeetingKind
from api.domains.meetings.models import PartyStanding
from api.domains.registry.enums import PartyOrganisationLevel, PersonType
from api.domains.registry.models import PartyMember, PartyOrganisation, Person
from tests.registry.helpers import id_number

GRID = "410611001001001"


async def meeting_fixtures() -> dict[str, str]:
    """A branch in grid 410611001001001 whose member signs in as the grid worker `worker.grid`
    (the `recipient` of the examples), a branch assembly starting in 20 minutes (sign-in open)
    and a theme party day in two days (leave may be asked for); users and regions must exist."""
    staff = Principal(
        user_id=uuid.uuid4(),
        username="community.staff",
        display_name="金山社区",
        assignments=(Assignment("community_staff", GRID[:12]),),
    )
    committee = await PartyOrganisation.create(
        id=uuid.uuid4(),
        region_code=GRID[:12],
        level=PartyOrganisationLevel.COMMUNITY_COMMITTEE,
        name="金山社区第二党委",
    )
    branch = await PartyOrganisation.create(
        id=uuid.uuid4(),
        region_code=GRID,
        level=PartyOrganisationLevel.LARGE_GRID_BRANCH,
        name="金山第一网格党支部",
        parent_id=committee.id,
    )
    person = await Person.create(
        id=uuid.uuid4(),
        id_number=id_number("19850315", 217),
        region_code=GRID,
        person_type=PersonType.REGISTERED,
        name="李明",
        sex="1",
        birth_date=date(1985, 3, 15),
    )
    member = await PartyMember.create(
        id=uuid.uuid4(), person_id=person.id, region_code=GRID, party_organisation_id=branch.id
    )
    worker = await User.get(username="worker.grid")
    await PartyStanding.create(
        party_member_id=member.id,
        joined_on=date(2010, 7, 1),
        user_id=worker.id,
        updated_at=clock.now(),
    )
    soon = clock.now() + timedelta(minutes=20)
    assembly = await service.schedule(
        actor=staff,
        kind=MeetingKind.BRANCH_ASSEMBLY,
        title="第四季度支部党员大会",
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
        place="金山社区党群服务中心",
        agenda="学习传达上级精神；民主评议党员",
        organisation_id=branch.id,
    )
    later = clock.now() + timedelta(days=2)
    theme_day = await service.schedule(
        actor=staff,
        kind=MeetingKind.THEME_PARTY_DAY,
        title="主题党日：走访困难群众",
        starts_at=later,
        ends_at=later + timedelta(hours=3),
        place="金山社区",
        agenda="分组走访辖区困难群众",
        organisation_id=branch.id,
    )
    return {
        "<party_branch_id>": str(branch.id),
        "<meeting_id>": str(assembly.id),
        "<later_meeting_id>": str(theme_day.id),
        "<meeting_starts>": (clock.now() + timedelta(days=3)).isoformat(),
        "<meeting_ends>": (clock.now() + timedelta(days=3, hours=2)).isoformat(),
    }
