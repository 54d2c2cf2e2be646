"""An application through every kind of step, through the public API: review, return and
resubmit, passing up past the township's ceiling, approval at the district, registration,
handover at the community; and one refused."""

from __future__ import annotations

from typing import Any

import httpx

from api.domains.notices.models import Notice
from api.flows.models import FlowStep
from api.settings import Settings
from tests.approvals.helpers import (
    COMMUNITY,
    DISTRICT,
    HAND_OVER,
    RESUBMIT,
    SUBMIT,
    TOWNSHIP,
    application_input,
    id_card,
    people,
    published_item,
    step_document,
)
from tests.factories import gql


async def act(
    client: httpx.AsyncClient, token: str, mutation: str, application: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    body = await gql(
        client,
        step_document(mutation),
        {"id": application["id"], "v": application["version"], **extra},
        token=token,
    )
    result = body["data"][mutation]
    return dict(result.get("application") or result)


async def test_one_application_through_every_kind_of_step(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.citizen)

    submitted = await gql(
        client, SUBMIT, {"input": application_input(item_id, card)}, token=p.citizen
    )
    app = submitted["data"]["submitApplication"]["application"]
    assert (app["status"], app["holderRegionCode"], app["waitingRole"], app["onBehalf"]) == (
        "IN_REVIEW",
        COMMUNITY,
        "community_staff",
        False,
    )

    # The community reviews; the township returns it for correction.
    app = await act(client, p.community, "reviewApplication", app, note="材料齐全")
    assert (app["stepIndex"], app["holderRegionCode"]) == (1, TOWNSHIP)
    tasks = await gql(client, "{ myApprovalTasks { edges { node { uuid } } } }", token=p.township)
    assert [e["node"]["uuid"] for e in tasks["data"]["myApprovalTasks"]["edges"]] == [app["uuid"]]
    app = await act(client, p.township, "returnApplication", app, note="请补充家庭人数证明")
    assert (app["status"], app["waitingRole"]) == ("RETURNED", None)

    # The citizen corrects it: the same application goes back to the township's step.
    fixed = await gql(
        client,
        RESUBMIT,
        {
            "id": app["id"],
            "v": app["version"],
            "form": {"householdSize": 4, "reason": "因病致贫"},
            "materials": [{"key": "idCard", "fileIds": [card]}],
        },
        token=p.citizen,
    )
    app = fixed["data"]["resubmitApplication"]["application"]
    assert (app["status"], app["stepIndex"], app["holderRegionCode"]) == ("IN_REVIEW", 1, TOWNSHIP)

    # The township may not decide this item: approving passes it up to the district.
    app = await act(client, p.township, "approveApplication", app, note="同意，报区审批")
    assert (app["status"], app["stepIndex"], app["holderRegionCode"], app["waitingRole"]) == (
        "IN_REVIEW",
        2,
        DISTRICT,
        "district_command",
    )
    app = await act(client, p.district, "approveApplication", app, note="批准")
    assert (app["status"], app["stepIndex"]) == ("APPROVED", 3)
    app = await act(client, p.district, "registerApplication", app, number="民低保〔2026〕0012号")
    assert (app["status"], app["certificateNumber"], app["holderRegionCode"]) == (
        "READY_FOR_COLLECTION",
        "民低保〔2026〕0012号",
        COMMUNITY,
    )

    # The resident's grid worker records the handover.
    handed = await gql(
        client, HAND_OVER, {"id": app["id"], "v": app["version"]}, token=p.grid_worker
    )
    app = handed["data"]["handOverApplication"]["application"]
    assert app["status"] == "COLLECTED"

    mine = await gql(
        client,
        "{ myApplications { edges { node { uuid status timeline { action toStatus } } } } }",
        token=p.citizen,
    )
    [node] = [e["node"] for e in mine["data"]["myApplications"]["edges"]]
    assert [(s["action"], s["toStatus"]) for s in node["timeline"]] == [
        ("submit", "in_review"),
        ("review", "in_review"),
        ("return", "returned"),
        ("resubmit", "in_review"),
        ("pass_up", "in_review"),
        ("approve", "approved"),
        ("register", "ready_for_collection"),
        ("hand_over", "collected"),
    ]
    told = await Notice.filter(kind__startswith="application").order_by("created_at")
    assert [n.kind for n in told if n.kind != "application_waiting"] == [
        "application_returned",
        "application_ready",
    ]
    # who each step waits for heard of it: community, township ×2 (on arrival and on
    # resubmission), district ×2 (decision, registration), community staff for the handover
    waiting = [n.region_code for n in told if n.kind == "application_waiting"]
    assert len(waiting) == 6
    assert await FlowStep.filter(flow="approval").count() == 8


async def test_refused_at_the_deciding_level_with_its_reason(
    client: httpx.AsyncClient, file_settings: Settings
) -> None:
    p = await people()
    item_id = await published_item(client, p.admin)
    card = await id_card(client, p.community)
    # 代办: community staff file for a resident without an account
    submitted = await gql(
        client,
        SUBMIT,
        {
            "input": application_input(
                item_id, card, applicantName="王大爷", applicantPhone="13800000000"
            )
        },
        token=p.community,
    )
    app = submitted["data"]["submitApplication"]["application"]
    assert app["onBehalf"] is True
    app = await act(client, p.community, "reviewApplication", app)
    early = await act(client, p.township, "refuseApplication", app, note="不符合条件")
    assert early["code"] == "NOT_ALLOWED"  # the township may not decide: it passes up or returns
    app = await act(client, p.township, "approveApplication", app)
    missing = await act(client, p.district, "refuseApplication", app)
    assert (missing["code"], missing["field"]) == ("INVALID", "note")
    app = await act(client, p.district, "refuseApplication", app, note="家庭收入超过标准")
    assert (app["status"], app["refusalReason"], app["waitingRole"]) == (
        "REFUSED",
        "家庭收入超过标准",
        None,
    )
    late = await act(client, p.district, "approveApplication", app)
    assert late["code"] == "INVALID_TRANSITION"
    filed = await gql(client, "{ myApplications { edges { node { status } } } }", token=p.community)
    assert [e["node"]["status"] for e in filed["data"]["myApplications"]["edges"]] == ["REFUSED"]
