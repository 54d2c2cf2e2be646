"""Bad input and faults: each a typed error (or a tested rule), nothing half-written."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from api.domains.approvals.models import Application, ApprovalFile
from api.flows.models import FlowStep
from api.settings import Settings
from tests import factories
from tests.approvals.helpers import (
    PNG,
    SAVE_FLOW,
    SAVE_ITEM,
    STEPS,
    SUBMIT,
    TEMPLATE,
    TOWNSHIP,
    application_input,
    id_card,
    item_input,
    people,
    published_item,
    step_document,
    upload,
)
from tests.factories import error_codes, gql

GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def _submitted(body: dict[str, Any]) -> dict[str, Any]:
    result = body["data"]["submitApplication"]
    return dict(result.get("application") or result)


async def _act(
    client: httpx.AsyncClient, token: str, mutation: str, app: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    body = await gql(
        client,
        step_document(mutation),
        {"id": app["id"], "v": app["version"], **extra},
        token=token,
    )
    result = body["data"][mutation]
    return dict(result.get("application") or result)


async def test_form_data_materials_and_files_are_checked_with_field_errors(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)

    async def submit(**changes: Any) -> dict[str, Any]:
        data = application_input(item_id, card, **changes)
        return _submitted(await gql(client, SUBMIT, {"input": data}, token=p.citizen))

    wrong_type = await submit(form={"householdSize": "three", "reason": "因病"})
    assert (wrong_type["code"], wrong_type["field"]) == ("INVALID", "form.householdSize")
    missing = await submit(form={"householdSize": 3})
    assert (missing["code"], missing["field"]) == ("INVALID", "form.reason")
    extra = await submit(form={"householdSize": 3, "reason": "x", "salary": 1})
    assert (extra["code"], extra["field"]) == ("INVALID", "form")
    no_material = await submit(materials=[])
    assert (no_material["code"], no_material["field"]) == ("INVALID", "materials.idCard")
    unknown = await submit(materials=[{"key": "passport", "fileIds": [card]}])
    assert unknown["field"] == "materials.passport"

    # A file of a type no material takes is refused at upload; one the material refuses, at submit.
    refused = await upload(client, p.citizen, [("scan.gif", GIF)])
    assert (refused["code"], refused["field"]) == ("UNSUPPORTED_FILE", "files")
    png = (await upload(client, p.citizen, [("id.png", PNG)]))["files"][0]["uuid"]
    wrong_file = await submit(materials=[{"key": "idCard", "fileIds": [png]}])
    assert (wrong_file["code"], wrong_file["field"]) == ("UNSUPPORTED_FILE", "materials.idCard")
    # Someone else's upload is not the caller's to list.
    other = await id_card(client, p.other_citizen)
    stolen = await submit(materials=[{"key": "idCard", "fileIds": [other]}])
    assert (stolen["code"], stolen["field"]) == ("NOT_FOUND", "materials.idCard")

    assert await Application.all().count() == 0  # nothing half-written
    assert await ApprovalFile.filter(application_id__not_isnull=True).count() == 0

    # A retried submission with the client's id is the same application.
    chosen = str(uuid.uuid4())
    first = await submit(id=chosen)
    again = await submit(id=chosen)
    assert first["uuid"] == again["uuid"] == chosen
    assert await Application.all().count() == 1


async def test_templates_and_flows_are_checked_when_saved(client: httpx.AsyncClient) -> None:
    p = await people()

    async def save(**changes: Any) -> dict[str, Any]:
        body = await gql(client, SAVE_ITEM, {"input": item_input(**changes)}, token=p.admin)
        return dict(body["data"]["saveApprovalItem"])

    bad_schema = await save(formTemplate={"type": "object", "properties": {"a": {"type": "strin"}}})
    assert (bad_schema["code"], bad_schema["field"]) == ("INVALID", "formTemplate")
    deep: dict[str, Any] = {"type": "object"}
    for _ in range(6):  # 13 levels: inside the edge's bound on input nesting (16), over ours
        deep = {"type": "object", "properties": {"x": deep}}
    too_deep = await save(formTemplate=deep)
    assert too_deep["field"] == "formTemplate"
    for unusable in (
        {"type": "object", "$ref": "#"},  # endless
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/none"}}},
        {"type": "object", "properties": {"a": {"$ref": "https://example.org/s.json"}}},
        {"type": "object", "properties": {"a": {"type": "string", "pattern": "["}}},
    ):
        refused = await save(formTemplate=unusable)
        assert (refused.get("code"), refused.get("field")) == ("INVALID", "formTemplate"), unusable
    not_object = await save(formTemplate={"type": "string"})
    assert not_object["field"] == "formTemplate"
    bad_material = await save(
        materials=[{"key": "idCard", "name": "身份证", "fileTypes": ["application/zip"]}]
    )
    assert bad_material["field"] == "materials.0.fileTypes"
    unknown_department = await save(departmentId=str(uuid.uuid4()))
    assert (unknown_department["code"], unknown_department["field"]) == (
        "NOT_FOUND",
        "departmentId",
    )
    # A township may not keep items of the district's catalogue (outside its subtree: not
    # found), a community none at all.
    outside = await gql(client, SAVE_ITEM, {"input": item_input()}, token=p.township)
    assert outside["data"]["saveApprovalItem"]["code"] == "NOT_FOUND"
    community = item_input(regionCode="410611001001", decidesAt="COMMUNITY")
    denied = await gql(client, SAVE_ITEM, {"input": community}, token=p.community)
    assert error_codes(denied) == ["FORBIDDEN"]

    item = (await save())["item"]
    assert (await save())["code"] == "ALREADY_EXISTS"
    publish_early = await gql(
        client, SAVE_ITEM, {"id": item["id"], "input": item_input(published=True)}, token=p.admin
    )
    assert publish_early["data"]["saveApprovalItem"]["field"] == "published"

    async def flow(steps: list[dict[str, Any]]) -> dict[str, Any]:
        body = await gql(client, SAVE_FLOW, {"item": item["id"], "steps": steps}, token=p.admin)
        return dict(body["data"]["saveApprovalFlow"])

    community_decides = [{**STEPS[0], "actions": ["APPROVE"]}]
    assert (await flow(community_decides))["field"] == "steps.0.role"
    nobody_decides = [STEPS[0], {**STEPS[1], "actions": ["REVIEW", "APPROVE"]}]
    assert (await flow(nobody_decides))["field"] == "steps"  # the district decides this item
    downwards = [STEPS[1], STEPS[0], STEPS[2]]
    assert (await flow(downwards))["field"] == "steps.1.level"
    register_early = [{**STEPS[1], "actions": ["REGISTER"]}, STEPS[2]]
    assert (await flow(register_early))["field"] == "steps.0.actions"
    assert (await flow(STEPS))["flow"]["version"] == 1


async def test_steps_are_taken_only_as_the_flow_allows_and_by_whom_it_waits_for(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)
    app = _submitted(
        await gql(client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen)
    )

    not_allowed_here = await _act(client, p.community, "approveApplication", app)
    assert (not_allowed_here["code"], not_allowed_here["field"]) == ("INVALID_TRANSITION", "action")
    by_applicant = await _act(client, p.citizen, "reviewApplication", app)
    assert by_applicant["code"] == "NOT_ALLOWED"  # their own, but not theirs to review
    by_other_citizen = await _act(client, p.other_citizen, "reviewApplication", app)
    assert by_other_citizen["code"] == "NOT_FOUND"
    out_of_scope = await _act(client, p.other_township, "reviewApplication", app)
    assert out_of_scope["code"] == "NOT_FOUND"
    not_yet = await _act(client, p.township, "reviewApplication", app)
    assert not_yet["code"] == "NOT_ALLOWED"  # it waits at the community
    read_by_other = await gql(
        client,
        "query($id: ID!) { application(id: $id) { uuid } }",
        {"id": app["id"]},
        token=p.other_citizen,
    )
    assert read_by_other["data"]["application"] is None
    resubmit_other = await gql(
        client,
        "mutation($id: ID!) { resubmitApplication(id: $id, form: {}, materials: []) {"
        " __typename ... on Error { code } } }",
        {"id": app["id"]},
        token=p.other_citizen,
    )
    assert resubmit_other["data"]["resubmitApplication"]["code"] == "NOT_FOUND"
    citizens_list = await gql(client, "{ applications { totalCount } }", token=p.citizen)
    assert error_codes(citizens_list) == ["FORBIDDEN"]
    elsewhere = await gql(client, "{ applications { totalCount } }", token=p.other_township)
    assert elsewhere["data"]["applications"]["totalCount"] == 0
    listed = await gql(
        client,
        '{ applications(status: IN_REVIEW, regionCode: "410611001") { totalCount } }',
        token=p.township,
    )
    assert listed["data"]["applications"]["totalCount"] == 1
    assert await FlowStep.filter(flow="approval").count() == 1  # none of that wrote a step


async def test_two_approvers_at_once_exactly_one_wins(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)
    app = _submitted(
        await gql(client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen)
    )
    app = await _act(client, p.community, "reviewApplication", app)
    app = await _act(client, p.township, "approveApplication", app)
    _, second_district = await factories.signed_in("district_command", "410611")

    results = await asyncio.gather(
        _act(client, p.district, "approveApplication", app),
        _act(client, second_district, "approveApplication", app),
    )
    outcomes = sorted(r.get("status") or r.get("code") for r in results)
    assert outcomes == ["APPROVED", "CONFLICT"]
    assert await FlowStep.filter(flow="approval", action="approve").count() == 1


async def test_a_new_flow_version_leaves_running_applications_on_theirs(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)
    running = _submitted(
        await gql(client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen)
    )
    # Version 2: no community step, the township reviews first.
    saved = await gql(client, SAVE_FLOW, {"item": item_id, "steps": STEPS[1:]}, token=p.admin)
    assert saved["data"]["saveApprovalFlow"]["flow"]["version"] == 2
    card2 = await id_card(client, p.citizen)
    newer = _submitted(
        await gql(client, SUBMIT, {"input": application_input(item_id, card2)}, token=p.citizen)
    )
    assert (newer["flowVersion"], newer["holderRegionCode"]) == (2, TOWNSHIP)
    assert (running["flowVersion"], running["holderRegionCode"]) == (1, "410611001001")
    running = await _act(client, p.community, "reviewApplication", running)
    assert (running["flowVersion"], running["stepIndex"], running["holderRegionCode"]) == (
        1,
        1,
        TOWNSHIP,
    )
    old_steps = await gql(
        client,
        "query($id: ID!) { approvalFlow(itemId: $id, version: 1) { steps { name } } }",
        {"id": item_id},
    )
    assert len(old_steps["data"]["approvalFlow"]["steps"]) == 4
    assert TEMPLATE["type"] == "object"
