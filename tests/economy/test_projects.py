"""A project followed through its milestones (one reached late, carded by the shared sweep)
and a month's progress signed off by the level above, whose investment then counts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.domains.economy.models import Milestone, Project
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard
from api.settings import Settings
from tests import factories
from tests.diaries.helpers import person, run
from tests.economy.helpers import ERROR, at
from tests.factories import error_codes, gql

TOWNSHIP = "410611001"
MILESTONE_FIELDS = "id title dueOn status doneLate card"
PROJECT_FIELDS = (
    "id name categoryCode regionCode investorName status"
    " plannedInvestment { amount currency } actualInvestment { amount currency }"
    f" milestones {{ {MILESTONE_FIELDS} }}"
    " progressReports { id month status investmentToDate { amount currency } progressPercent }"
)
CREATE = (
    "mutation($input: CreateProjectInput!) { createProject(input: $input) { __typename"
    f" ... on ProjectPayload {{ project {{ {PROJECT_FIELDS} }} }} {ERROR} }} }}"
)
PROJECT = f"query($id: ID!) {{ project(id: $id) {{ {PROJECT_FIELDS} }} }}"
COMPLETE = (
    'mutation($id: ID!) { completeMilestone(id: $id, note: "主体结构封顶") { __typename'
    f" ... on MilestonePayload {{ milestone {{ {MILESTONE_FIELDS} }} }} {ERROR} }} }}"
)
SUBMIT = (
    "mutation($id: ID!, $input: ProgressInput!) {"
    " submitProjectProgress(projectId: $id, input: $input) { __typename"
    f" ... on ProgressPayload {{ report {{ id status dueAt }} }} {ERROR} }} }}"
)
REVIEW = (
    'mutation($id: ID!, $accept: Boolean!, $remark: String! = "") {'
    " reviewProjectProgress(id: $id, accept: $accept, remark: $remark) { __typename"
    f" ... on ProgressPayload {{ report {{ id status remark }} }} {ERROR} }} }}"
)
RESUBMIT = (
    "mutation($id: ID!, $input: ProgressInput!) {"
    " resubmitProjectProgress(id: $id, input: $input) { __typename"
    f" ... on ProgressPayload {{ report {{ id status }} }} {ERROR} }} }}"
)
PROJECT_INPUT = {
    "name": "金山街道智能制造产业园一期",
    "categoryCode": "industrial",
    "regionCode": TOWNSHIP,
    "plannedInvestment": {"amount": "120000000.10", "currency": "CNY"},
    "startsOn": "2026-11-01",
    "endsOn": "2027-12-31",
    "investorName": "鹤壁市某智能装备有限公司",
    "status": "UNDER_CONSTRUCTION",
    "milestones": [
        {"title": "土地平整完成", "dueOn": "2026-12-10"},
        {"title": "主体结构封顶", "dueOn": "2026-12-20"},
    ],
}
DECEMBER = {
    "month": "2026-12-01",
    "investmentToDate": "30000000.20",
    "progressPercent": "25.5",
    "problems": "施工用电增容需供电公司协调",
}


async def test_a_project_through_its_milestones_one_late_and_a_month_signed_off(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    at(datetime(2026, 11, 25, 9, 0, tzinfo=LOCAL))
    _, township = await person("township_centre", TOWNSHIP)
    _, district = await person("district_command", "410611")
    _, other_township = await person("township_centre", "410611002")

    # Bad input: nothing written.
    negative = await run(
        client,
        CREATE,
        township,
        input={**PROJECT_INPUT, "plannedInvestment": {"amount": "-1", "currency": "CNY"}},
    )
    unknown = await run(client, CREATE, township, input={**PROJECT_INPUT, "categoryCode": "x"})
    money = await run(
        client,
        CREATE,
        township,
        input={**PROJECT_INPUT, "plannedInvestment": {"amount": "1", "currency": "BTC"}},
    )
    elsewhere = await run(
        client, CREATE, other_township, input={**PROJECT_INPUT, "regionCode": TOWNSHIP}
    )
    assert (negative["__typename"], negative["field"]) == ("ValidationError", "plannedInvestment")
    for typed in ("abc", "NaN", "Infinity", "1e6", "0.001", "1" * 17):
        refused = await run(
            client,
            CREATE,
            township,
            input={**PROJECT_INPUT, "plannedInvestment": {"amount": typed, "currency": "CNY"}},
        )
        assert (refused["__typename"], refused["field"]) == (
            "ValidationError",
            "plannedInvestment",
        ), typed
    assert (unknown["field"], unknown["code"]) == ("categoryCode", "INVALID_CODE")
    assert money["field"] == "currency"
    assert elsewhere["code"] == "OUTSIDE_AREA"
    assert await Project.all().count() == 0

    created = await run(client, CREATE, township, input=PROJECT_INPUT)
    project = created["project"]
    assert project["plannedInvestment"] == {"amount": "120000000.10", "currency": "CNY"}
    assert project["actualInvestment"] == {"amount": "0.00", "currency": "CNY"}
    first, second = project["milestones"]
    assert [m["status"] for m in (first, second)] == ["PENDING", "PENDING"]

    # The first milestone is reached in time; the second's due day passes and the shared sweep
    # cards it (once); reached late, it keeps its card.
    at(datetime(2026, 12, 9, 16, 0, tzinfo=LOCAL))
    in_time = await run(client, COMPLETE, township, id=first["id"])
    assert (in_time["milestone"]["status"], in_time["milestone"]["doneLate"]) == ("DONE", False)
    twice = await run(client, COMPLETE, township, id=first["id"])
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "INVALID_TRANSITION")
    # Nine tenths of its time gone, the shared sweep reminds the township and the district.
    at(datetime(2026, 12, 19, 9, 0, tzinfo=LOCAL))
    await sweep()
    reminders = await Notice.filter(kind="reminder").values_list("title", flat=True)
    assert set(reminders) == {"即将超时 项目节点 主体结构封顶"} and len(reminders) >= 2
    assert not await FlowCard.filter(flow="project_milestone").exists()
    at(datetime(2026, 12, 21, 9, 0, tzinfo=LOCAL))
    await sweep()
    await sweep()
    cards = await FlowCard.filter(flow="project_milestone").values_list("card", "record_id")
    assert cards == [("yellow", (await Milestone.get(title="主体结构封顶")).id)]
    late = await run(client, COMPLETE, township, id=second["id"])
    assert late["milestone"] | {"id": None} == {
        "id": None,
        "title": "主体结构封顶",
        "dueOn": "2026-12-20",
        "status": "DONE",
        "doneLate": True,
        "card": "YELLOW",
    }

    # December's progress goes up; a second report of the month is refused; the district
    # returns it with a remark, the township corrects it, the district signs it off.
    bad_percent = await run(
        client, SUBMIT, township, id=project["id"], input={**DECEMBER, "progressPercent": "101"}
    )
    assert bad_percent["field"] == "progressPercent"
    for name, typed in (("progressPercent", "abc"), ("investmentToDate", "NaN")):
        refused = await run(
            client, SUBMIT, township, id=project["id"], input={**DECEMBER, name: typed}
        )
        assert (refused["__typename"], refused["field"]) == ("ValidationError", name), typed
    submitted = await run(client, SUBMIT, township, id=project["id"], input=DECEMBER)
    report_id = submitted["report"]["id"]
    assert submitted["report"]["status"] == "SUBMITTED" and submitted["report"]["dueAt"]
    again = await run(client, SUBMIT, township, id=project["id"], input=DECEMBER)
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_EXISTS")
    no_remark = await run(client, REVIEW, district, id=report_id, accept=False)
    assert no_remark["field"] == "remark"
    returned = await run(
        client, REVIEW, district, id=report_id, accept=False, remark="投资额与财务报表不符"
    )
    assert returned["report"]["status"] == "RETURNED"
    corrected = {**DECEMBER, "investmentToDate": "30000000.30"}
    resubmitted = await run(client, RESUBMIT, township, id=report_id, input=corrected)
    assert resubmitted["report"]["status"] == "SUBMITTED"
    # the township signs off nothing of its own
    self_review = await gql(client, REVIEW, {"id": report_id, "accept": True}, token=township)
    assert error_codes(self_review) == ["FORBIDDEN"]
    accepted = await run(client, REVIEW, district, id=report_id, accept=True)
    assert accepted["report"]["status"] == "ACCEPTED"

    seen = (await gql(client, PROJECT, {"id": project["id"]}, token=district))["data"]["project"]
    assert seen["actualInvestment"] == {"amount": "30000000.30", "currency": "CNY"}
    assert seen["progressReports"] == [
        {
            "id": report_id,
            "month": "2026-12-01",
            "status": "ACCEPTED",
            "investmentToDate": {"amount": "30000000.30", "currency": "CNY"},
            "progressPercent": "25.50",
        }
    ]
    assert [m["card"] for m in seen["milestones"]] == ["NONE", "YELLOW"]

    # The project goes on: completed; a stale version or a bad amount changes nothing.
    update = (
        "mutation($id: ID!, $input: UpdateProjectInput!, $v: Int) {"
        " updateProject(id: $id, input: $input, version: $v) { __typename"
        f" ... on ProjectPayload {{ project {{ status plannedInvestment {{ amount }} }} }} {ERROR} }} }}"
    )
    stale = await run(
        client, update, township, id=project["id"], input={"status": "COMPLETED"}, v=0
    )
    bad = await run(client, update, township, id=project["id"], input={"plannedInvestment": "-2"})
    not_a_number = await run(
        client, update, township, id=project["id"], input={"plannedInvestment": "lots"}
    )
    assert (not_a_number["__typename"], not_a_number["field"]) == (
        "ValidationError",
        "plannedInvestment",
    )
    done = await run(client, update, township, id=project["id"], input={"status": "COMPLETED"})
    assert (stale["__typename"], bad["field"]) == ("ConflictError", "plannedInvestment")
    assert done["project"] == {
        "status": "COMPLETED",
        "plannedInvestment": {"amount": "120000000.10"},
    }
    # another township's centre does not see it at all
    hidden = await gql(client, PROJECT, {"id": project["id"]}, token=other_township)
    assert hidden["data"]["project"] is None


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
ATTACH = (
    "mutation($id: ID!, $files: [Upload!]!) { attachProjectFiles(id: $id, files: $files) {"
    " __typename ... on ProjectPayload { project { attachments { id filename contentType size"
    f" url }} }} }} {ERROR} }} }}"
)


async def _attach(
    client: httpx.AsyncClient, token: str, project_id: str, files: list[tuple[str, bytes]]
) -> dict[str, Any]:
    operations = {"query": ATTACH, "variables": {"id": project_id, "files": [None] * len(files)}}
    mapping = {str(i): [f"variables.files.{i}"] for i in range(len(files))}
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
        files={str(i): (name, content) for i, (name, content) in enumerate(files)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["attachProjectFiles"]  # type: ignore[no-any-return]


async def test_project_files_are_kept_and_served_only_in_scope(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")
    await factories.region_tree()
    _, township = await person("township_centre", TOWNSHIP)
    _, other_township = await person("township_centre", "410611002")
    created = await run(client, CREATE, township, input={**PROJECT_INPUT, "milestones": []})
    project_id = created["project"]["id"]

    attached = await _attach(client, township, project_id, [("../site.png", PNG)])
    refused = await _attach(client, township, project_id, [("virus.exe", b"MZ\x90\x00")])
    elsewhere = await _attach(client, other_township, project_id, [("site.png", PNG)])

    [file] = attached["project"]["attachments"]
    assert (file["filename"], file["contentType"], file["size"]) == (
        "site.png",
        "image/png",
        len(PNG),
    )
    assert refused["__typename"] == "ValidationError"
    assert elsewhere["__typename"] == "NotFoundError"
    mine = await client.get(file["url"], headers={"Authorization": f"Bearer {township}"})
    theirs = await client.get(file["url"], headers={"Authorization": f"Bearer {other_township}"})
    assert (mine.status_code, mine.content, theirs.status_code) == (200, PNG, 404)
