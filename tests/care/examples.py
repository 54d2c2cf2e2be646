"""The care, inspection and party-work records graphql_examples/ operate on, and their
placeholders (regions and the grid worker `worker.grid` must exist)."""

from __future__ import annotations

from datetime import timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.accounts.models import User
from api.domains.care import inspections
from api.domains.care.enums import HazardLevel, TargetKind
from api.domains.partywork import appraisals
from api.domains.registry.enums import PartyOrganisationLevel, PersonType, SpecialGroup
from api.domains.registry.models import (
    House,
    Household,
    PartyMember,
    PartyOrganisation,
    Person,
    SpecialGroupRecord,
)
from tests.care.helpers import COMMUNITY, GRID
from tests.registry.helpers import id_number


async def care_fixtures() -> dict[str, str]:
    """An elderly person living alone in a household of grid 410611001001001, a house there with
    an inspection and one hazard being rectified, a party branch with a member and an open
    appraisal round of last year."""
    worker = await User.get(username="worker.grid")
    actor = Principal(
        user_id=worker.id,
        username=worker.username,
        assignments=(Assignment("grid_worker", GRID), Assignment("community_staff", COMMUNITY)),
    )
    household = await Household.create(
        household_number="HH-CARE-1", region_code=GRID, head_name="赵大爷", address="金山社区5号楼"
    )
    elder = await Person.create(
        id_number=id_number("19400101", 135),
        region_code=GRID,
        person_type=PersonType.REGISTERED,
        name="赵大爷",
        sex="1",
        birth_date="1940-01-01",
        household=household,
    )
    record = await SpecialGroupRecord.create(
        person=elder,
        group=SpecialGroup.ELDERLY_ALONE,
        region_code=GRID,
        details={"is_childless": True},
    )
    house = await House.create(house_code="H-CARE-1", region_code=GRID, address="金山社区5号楼")
    _, hazards = await inspections.record(
        actor=actor,
        target_kind=TargetKind.HOUSE,
        target_id=house.id,
        inspected_at=clock.now(),
        note="消防安全检查",
        hazards=[
            inspections.HazardInput(
                hazard_type="01",
                level=HazardLevel.GENERAL,
                description="楼道堆放杂物",
                owner_name="物业 王经理",
                deadline=clock.now() + timedelta(days=3),
            )
        ],
    )
    branch = await PartyOrganisation.create(
        region_code=GRID, level=PartyOrganisationLevel.LARGE_GRID_BRANCH, name="第一网格党支部"
    )
    member = await PartyMember.create(person=elder, region_code=GRID, party_organisation=branch)
    round_ = await appraisals.open_round(
        actor=actor, organisation_id=branch.id, year=clock.now().year - 1
    )
    return {
        "<care_record_id>": str(record.id),
        "<care_household_id>": str(household.id),
        "<elder_id>": str(elder.id),
        "<house_id>": str(house.id),
        "<hazard_id>": str(hazards[0].id),
        "<party_branch_id>": str(branch.id),
        "<party_member_id>": str(member.id),
        "<appraisal_round_id>": str(round_.id),
        "<last_year>": str(clock.now().year - 1),
    }
