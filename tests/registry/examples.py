"""The registry records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid

from api.auth import Assignment, Principal
from api.domains.registry import filings, service
from api.domains.registry.enums import PartyOrganisationLevel, PersonType, SpecialGroup
from api.domains.registry.models import Person, ReviewRule
from api.domains.registry.records import held_change
from tests.registry.helpers import GRID, credit_code, id_number


async def registry_fixtures() -> dict[str, str]:
    """A building, a rental house, a household with its head, an enterprise, a special-group
    record and a community party committee in grid 410611001001001 (regions must exist)."""
    staff = Principal(
        user_id=uuid.uuid4(),
        username="community.staff",
        assignments=(Assignment("community_staff", GRID[:12]),),
    )
    building = await service.register_building(
        actor=staff,
        region_code=GRID,
        values={
            "building_code": "410611001001001-B01",
            "name": "金山花园1号楼",
            "address": "淇滨区金山路1号",
            "floors_above": 18,
            "lat": 35.7412,
            "lng": 114.2981,
        },
    )
    house = await service.register_house(
        actor=staff,
        region_code=GRID,
        values={
            "house_code": "410611001001001-B01-1-0101",
            "address": "金山花园1号楼1单元101",
            "unit": "1",
            "floor": 1,
            "number": "101",
            "area": "89.5",
            "use": "01",
            "is_rental": True,
            "landlord_name": "王五",
            "landlord_phone": "13600001234",
            "rental_use": "02",
            "hazard_type": "00",
        },
        building_id=building.id,
    )
    household = await service.register_household(
        actor=staff,
        region_code=GRID,
        values={"household_number": "HB410611-000123", "address": "金山花园1号楼1单元101"},
        house_id=house.id,
        members=[
            service.MemberInput(
                relation_to_head="02",
                person={
                    "id_number": id_number("19750520", 311),
                    "person_type": PersonType.REGISTERED,
                    "name": "刘强",
                    "phone": "13912340000",
                    "ethnicity": "01",
                },
            ),
            service.MemberInput(
                relation_to_head="10",
                person={
                    "id_number": id_number("19770311", 422),
                    "person_type": PersonType.REGISTERED,
                    "name": "郑丽",
                },
            ),
        ],
    )
    person = await Person.get(household_id=household.id, relation_to_head="02")
    spouse = await Person.get(household_id=household.id, relation_to_head="10")
    organisation = await service.register_organisation(
        actor=staff,
        region_code=GRID,
        values={
            "kind": "enterprise",
            "name": "鹤壁市金山商贸有限公司",
            "credit_code": credit_code(),
            "enterprise_category": "01",
            "attention_level": "03",
        },
        building_id=building.id,
    )
    record = await service.add_to_special_group(
        actor=staff,
        person_id=person.id,
        group=SpecialGroup.RELEASED_PRISONER,
        values={"risk_level": "02", "management_status": "01"},
        details={"crime_type": "05", "released_on": "2025-06-30"},
    )
    committee = await service.register_party_organisation(
        actor=staff,
        region_code=GRID[:12],
        values={"name": "金山社区党委", "level": PartyOrganisationLevel.COMMUNITY_COMMITTEE},
    )
    member = await service.register_party_member(
        actor=staff,
        person_id=person.id,
        values={"workplace": "淇滨区人民医院", "is_in_service": True},
        party_organisation_id=committee.id,
    )
    volunteer = await service.register_volunteer(
        actor=staff, person_id=person.id, values={"team": "金山社区志愿服务队"}
    )
    # 审核: a grid worker's correction of the spouse, held while 金山社区 required review
    await ReviewRule.create(region_code=GRID[:12], required=True, set_by_label="金山社区")
    worker = Principal(
        user_id=uuid.uuid4(),
        username="grid.worker",
        assignments=(Assignment("grid_worker", GRID),),
    )
    held = await service.update_person(
        actor=worker, person_id=spouse.id, values={"occupation": "教师"}
    )
    pending = held_change(held)
    await ReviewRule.filter(region_code=GRID[:12]).update(required=False)
    # 备案: a social organisation filed with the township, and one not yet filed
    social = await service.register_organisation(
        actor=staff,
        region_code=GRID,
        values={"kind": "social", "name": "金山社区老年互助会", "social_organisation_type": "01"},
    )
    unfiled = await service.register_organisation(
        actor=staff, region_code=GRID, values={"kind": "social", "name": "金山社区读书会"}
    )
    filing = await filings.submit_filing(
        actor=staff,
        organisation_id=social.id,
        charter="第一条 本会名称为金山社区老年互助会。",
        members=[{"name": "王秀兰", "role": "会长"}, {"name": "陈建国", "role": "会员"}],
    )
    return {
        "<pending_change_id>": str(pending.id),
        "<organisation_filing_id>": str(filing.id),
        "<social_organisation_id>": str(unfiled.id),
        "<party_member_id>": str(member.id),
        "<second_person_id>": str(spouse.id),
        "<volunteer_id>": str(volunteer.id),
        "<building_id>": str(building.id),
        "<house_id>": str(house.id),
        "<household_id>": str(household.id),
        "<person_id>": str(person.id),
        "<organisation_id>": str(organisation.id),
        "<special_group_record_id>": str(record.id),
        "<party_organisation_id>": str(committee.id),
        "<new_id_number>": id_number("19920808", 462),
        "<spouse_id_number>": id_number("19930909", 573),
    }
