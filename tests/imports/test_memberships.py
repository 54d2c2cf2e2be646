"""Importing records about registered people: special groups (特殊人群), party members (党员) and
volunteers (志愿者), each naming its person by ID number."""

from __future__ import annotations

from typing import Any

import httpx

from api.domains.imports.models import ImportJob
from api.domains.registry.models import (
    PartyMember,
    Person,
    RegistryChange,
    SpecialGroupRecord,
    Volunteer,
)
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, problems, run_import, start, xlsx_bytes
from tests.imports.people import bad_checksum, id_number

GRID = "410611001001001"
OTHER_GRID = "410611001001010"
ELSEWHERE = "410602001001001"  # another district
COMMUNITY = GRID[:12]

PARTY_ORGANISATION = """
mutation($input: PartyOrganisationInput!) {
  registerPartyOrganisation(input: $input) {
    __typename
    ... on PartyOrganisationPayload { partyOrganisation { uuid } }
    ... on Error { code field message }
  }
}"""


async def _people(client: httpx.AsyncClient) -> None:
    """Residents 1, 2 and 6 in GRID, 4 in OTHER_GRID (same community), 9 in another district,
    7 deregistered; registered by import as a city would."""
    _, admin = await factories.signed_in("admin", "4106")
    rows = [[id_number(n), f"居民{n}", grid] for n, grid in ((1, GRID), (2, GRID), (6, GRID))]
    rows += [[id_number(4), "居民4", OTHER_GRID], [id_number(9), "居民9", ELSEWHERE]]
    rows += [[id_number(7), "居民7", GRID]]
    done = await run_import(
        client, admin, "RESIDENTS", csv_bytes([["身份证号", "姓名", "网格编码"], *rows])
    )
    assert done["rowsInserted"] == 6, done
    await Person.filter(id_number=id_number(7)).update(status="deregistered")


def _changed(result: dict[str, Any]) -> tuple[int, int, int]:
    return result["rowsInserted"], result["rowsUpdated"], result["rowsUnchanged"]


async def test_special_groups_are_checked_like_add_to_special_group(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await _people(client)
    worker_user, worker = await factories.signed_in("grid_worker", GRID)
    header = ["身份证号", "特殊人群类型", "风险等级", "管控情况", "帮扶人", "罪名", "释放日期"]
    header += ["是否累犯", "矫正类别"]
    good = [
        [id_number(1), "刑满释放人员", "01", "01", "王五、赵六", "01", "2024-05-01", "否", ""],
        [id_number(2), "community_correction", "02", "", "", "", "", "", "01"],
    ]
    bad = [
        [id_number(1), "刑满释放人员", "02", "", "", "", "", "", ""],  # the same (person, group)
        [id_number(3), "吸毒人员", "", "", "", "", "", "", ""],  # not registered
        [id_number(4), "吸毒人员", "", "", "", "", "", "", ""],  # outside the worker's grid
        [id_number(2), "艾滋病危险人员", "", "", "", "03", "", "", ""],  # another group's field
        [id_number(2), "吸毒人员", "09", "", "", "", "", "", ""],  # not a risk level of 5.60
        [bad_checksum(id_number(6)), "吸毒人员", "", "", "", "", "", "", ""],
        [id_number(7), "吸毒人员", "", "", "", "", "", "", ""],  # deregistered
        [id_number(6), "吸毒人员", "", "", "", "", "", "", "真"],  # not a yes/no… nor its field
        [id_number(6), "不存在的人群", "", "", "", "", "", "", ""],
    ]

    first = await run_import(
        client, worker, "SPECIAL_GROUPS", xlsx_bytes([header, *good, *bad]), atomicity="BEST_EFFORT"
    )
    again = await run_import(client, worker, "SPECIAL_GROUPS", csv_bytes([header, *good]))

    assert (first["state"], _changed(first)) == ("COMPLETED", (2, 0, 0)), problems(first)
    assert problems(first) == [
        (4, "id_number", "DUPLICATE"),
        (5, "id_number", "UNKNOWN_REFERENCE"),
        (6, "id_number", "OUT_OF_SCOPE"),
        (7, "crime_type", "INVALID"),
        (8, "risk_level", "INVALID_CODE"),
        (9, "id_number", "INVALID_ID_NUMBER"),
        (10, "id_number", "UNKNOWN_REFERENCE"),
        (11, "correction_type", "INVALID"),
        (12, "special_group", "INVALID"),
    ]
    reasons = {e["node"]["row"]: e["node"]["reason"] for e in first["errors"]["edges"]}
    assert reasons[7] == "not a field of aids_risk"
    assert reasons[6].endswith("is outside your region")
    assert (again["state"], _changed(again)) == ("COMPLETED", (0, 0, 2))
    released = await SpecialGroupRecord.get(
        person__id_number=id_number(1), group="released_prisoner"
    )
    assert (released.region_code, released.risk_level, released.helpers) == (
        GRID,
        "01",
        ["王五", "赵六"],
    )
    assert released.details == {
        "crime_type": "01",
        "released_on": "2024-05-01",
        "is_recidivist": False,
    }
    correction = await SpecialGroupRecord.get(person__id_number=id_number(2))
    assert (correction.group, correction.details) == (
        "community_correction",
        {"correction_type": "01"},
    )

    # a follow-up file: the columns it has are written, those it lacks are left as they are
    follow_up = [
        ["身份证号", "特殊人群类型", "管控情况", "释放日期"],
        [id_number(1), "刑满释放人员", "02", "2024-06-01"],
    ]
    third = await run_import(client, worker, "SPECIAL_GROUPS", csv_bytes(follow_up))

    assert _changed(third) == (0, 1, 0)
    released = await SpecialGroupRecord.get(id=released.id)
    assert (released.management_status, released.risk_level, released.version) == ("02", "01", 2)
    assert released.details == {
        "crime_type": "01",
        "released_on": "2024-06-01",
        "is_recidivist": False,
    }
    history = await RegistryChange.filter(record_kind="special_group").order_by("id")
    assert [(h.record_id, h.action, h.actor_label) for h in history] == [
        (released.id, "update", worker_user.username)
    ]
    assert history[0].changes["management_status"] == {"old": "01", "new": "02"}
    assert history[0].changes["details"]["new"]["released_on"] == "2024-06-01"


async def test_party_members_name_their_organisation_over_their_grid(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await _people(client)
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    organisations: dict[str, str] = {}
    parent = None
    for region, level, name in (
        (COMMUNITY, "COMMUNITY_COMMITTEE", "金山社区党委"),
        (GRID, "LARGE_GRID_BRANCH", "第1网格党支部"),
    ):
        fields = {"regionCode": region, "level": level, "name": name, "parentId": parent}
        body = await factories.gql(client, PARTY_ORGANISATION, {"input": fields}, token=staff)
        parent = organisations[name] = body["data"]["registerPartyOrganisation"][
            "partyOrganisation"
        ]["uuid"]
    committee_id, branch_id = organisations["金山社区党委"], organisations["第1网格党支部"]
    header = ["身份证号", "所属党组织", "工作单位", "专业特长", "联系电话", "是否在职党员"]
    header += ["报到社区"]
    rows = [
        [id_number(1), "第1网格党支部", "淇滨区人民医院", "03、01", "13803920001", "是", COMMUNITY],
        [id_number(6), "金山社区党委", "", "", "", "", ""],
        [id_number(4), "第1网格党支部", "", "", "", "", ""],  # the branch is not over grid 10
        [id_number(2), "金山社区党委", "", "01、77", "", "", ""],  # 77: not of 5.5
        [id_number(9), "", "", "", "", "", ""],  # registered in another district
        [id_number(1), "", "", "", "", "", ""],  # the same person again
        [id_number(2), "", "", "", "", "", "4106"],  # not a community's code
    ]

    first = await run_import(
        client, staff, "PARTY_MEMBERS", csv_bytes([header, *rows]), atomicity="BEST_EFFORT"
    )
    again = await run_import(client, staff, "PARTY_MEMBERS", csv_bytes([header, *rows[:2]]))

    assert (first["state"], _changed(first)) == ("COMPLETED", (2, 0, 0)), problems(first)
    assert problems(first) == [
        (4, "party_organisation", "UNKNOWN_REFERENCE"),
        (5, "specialties", "INVALID_CODE"),
        (6, "id_number", "OUT_OF_SCOPE"),
        (7, "id_number", "DUPLICATE"),
        (8, "registered_community_code", "INVALID_CODE"),
    ]
    assert _changed(again) == (0, 0, 2)
    member = await PartyMember.get(person__id_number=id_number(1))
    assert (str(member.party_organisation_id), member.region_code) == (branch_id, GRID)
    assert (member.specialties, member.contact_phone, member.is_in_service) == (
        ["01", "03"],
        "+8613803920001",
        True,
    )
    plain = await PartyMember.get(person__id_number=id_number(6))
    assert (str(plain.party_organisation_id), plain.specialties, plain.is_in_service) == (
        committee_id,
        [],
        False,
    )


async def test_volunteers_are_one_per_person_and_a_rerun_changes_nothing(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await _people(client)
    staff_user, staff = await factories.signed_in("community_staff", COMMUNITY)
    # 服务时长 is no column of the registry any more: hours are the points ledger's (双岗双争), so
    # a register that still carries it gets the column listed as ignored, not written
    header = ["身份证号", "志愿服务队", "专业特长", "服务时长"]
    good = [[id_number(1), "金山志愿服务队", "01", "12.5"], [id_number(2), "", "", ""]]
    bad = [
        [id_number(2), "", "", ""],  # the same person again
        [id_number(3), "", "", ""],  # not registered
        [id_number(6), "", "X9", ""],  # no such specialty
        [id_number(7), "", "", ""],  # deregistered
    ]

    first = await run_import(
        client, staff, "VOLUNTEERS", csv_bytes([header, *good, *bad]), atomicity="BEST_EFFORT"
    )
    rejected = await run_import(client, staff, "VOLUNTEERS", csv_bytes([header, *good, *bad]))
    again = await run_import(client, staff, "VOLUNTEERS", csv_bytes([header, *good]))

    assert (first["state"], _changed(first)) == ("COMPLETED", (2, 0, 0)), problems(first)
    assert problems(first) == [
        (4, "id_number", "DUPLICATE"),
        (5, "id_number", "UNKNOWN_REFERENCE"),
        (6, "specialties", "INVALID_CODE"),
        (7, "id_number", "UNKNOWN_REFERENCE"),
    ]
    assert first["ignoredColumns"] == ["服务时长"]
    assert (rejected["state"], rejected["rowsFailed"]) == ("REJECTED", 4)
    assert _changed(again) == (0, 0, 2)
    volunteer = await Volunteer.get(person__id_number=id_number(1))
    assert (volunteer.team, volunteer.specialties, str(volunteer.service_hours)) == (
        "金山志愿服务队",
        ["01"],
        "0.0",
    )

    more = await run_import(
        client,
        staff,
        "VOLUNTEERS",
        csv_bytes([["身份证号", "志愿服务队"], [id_number(1), "桃园志愿服务队"]]),
    )

    assert _changed(more) == (0, 1, 0)
    volunteer = await Volunteer.get(id=volunteer.id)
    assert (volunteer.team, str(volunteer.service_hours), volunteer.version) == (
        "桃园志愿服务队",
        "0.0",
        2,
    )
    history = await RegistryChange.filter(record_kind="volunteer").order_by("id")
    assert [(h.action, h.actor_label) for h in history] == [("update", staff_user.username)]
    assert history[0].changes == {
        "import_job": more["id"],
        "team": {"old": "金山志愿服务队", "new": "桃园志愿服务队"},
    }


async def test_callers_without_the_import_policy_are_refused(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    """Special groups come from those who may add people to a group (not an administrator);
    party members and volunteers from community staff and administrators (not a grid worker)."""
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    _, worker = await factories.signed_in("grid_worker", GRID)
    content = csv_bytes([["身份证号"], [id_number(1)]])

    refused = [
        await start(client, admin, "SPECIAL_GROUPS", content),
        await start(client, worker, "PARTY_MEMBERS", content),
        await start(client, worker, "VOLUNTEERS", content),
    ]

    for body in refused:
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await ImportJob.all().count() == 0


async def test_special_group_jobs_are_read_only_where_special_groups_are(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    """An administrator reads every import of the city, but not a special-groups one: its rows
    name people under management, which administrators may not read."""
    await factories.region_tree()
    await _people(client)
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, admin = await factories.signed_in("admin", "4106")
    header = ["身份证号", "特殊人群类型"]
    done = await run_import(
        client,
        worker,
        "SPECIAL_GROUPS",
        csv_bytes([header, [id_number(1), "吸毒人员"], [id_number(3), "吸毒人员"]]),
        atomicity="BEST_EFFORT",
    )
    jobs = "{ importJobs(first: 50) { edges { node { id kind } } } }"

    def kinds(body: dict[str, Any]) -> list[str]:
        return [edge["node"]["kind"] for edge in body["data"]["importJobs"]["edges"]]

    seen_by = {
        name: kinds(
            (
                await client.post(
                    "/graphql", json={"query": jobs}, headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
        )
        for name, token in (("worker", worker), ("staff", staff), ("admin", admin))
    }
    errors_csv = await client.get(
        f"/imports/{done['id']}/errors.csv", headers={"Authorization": f"Bearer {admin}"}
    )

    assert seen_by["worker"] == ["SPECIAL_GROUPS"]  # their own
    # may read imports and special groups in the community (the residents' job is the city's)
    assert seen_by["staff"] == ["SPECIAL_GROUPS"]
    assert seen_by["admin"] == ["RESIDENTS"]
    assert await job(client, admin, done["id"]) is None
    assert errors_csv.status_code == 404
