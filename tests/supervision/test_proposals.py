"""Accountability proposals (责任查究建议): the district raises one against a township on an
event, the township answers (two answers at once: one wins), the district closes it; one
against a grid worker's account, answered by the worker; one against a department on a frozen
ranking; scope of the lists; the reply deadline carded by the shared sweep; bad inputs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.notices.models import Notice
from api.domains.supervision.models import AccountabilityProposal
from api.flows import sweep
from api.flows.models import FlowCard
from tests import factories
from tests.factories import error_codes, gql
from tests.stats import dataset
from tests.supervision.helpers import CLOSE, PROPOSALS, RAISE, REPLY, result
from tests.test_policy_matrix import ranking_snapshot

TOWNSHIP = "410611001"


def proposal(target: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "target": target,
            "reason": "e2 超期未处置，群众多次投诉",
            "requestedAction": "CIRCULATED_CRITICISM",
            **extra,
        }
    }


async def test_raised_by_the_district_answered_by_the_township_and_closed(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, district = await factories.signed_in("district_command", "410611")
    centre_user, centre = await factories.signed_in("township_centre", TOWNSHIP)
    _, second_centre = await factories.signed_in("township_centre", TOWNSHIP)
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, other_district = await factories.signed_in("district_command", "410602")
    e2 = str(world.events["e2"].id)

    raised = await result(
        client,
        RAISE,
        district,
        **proposal({"kind": "REGION", "regionCode": TOWNSHIP}, eventIds=[e2]),
    )
    assert raised["__typename"] == "AccountabilityProposalPayload", raised
    held = raised["proposal"]
    assert (held["status"], held["targetLabel"], held["raisedRegionCode"]) == (
        "RAISED",
        "金山街道",
        "410611",
    )
    assert (held["eventIds"], held["dueAt"] is not None) == ([e2], True)
    assert await Notice.filter(user_id=centre_user.id).count() == 1  # the target is told

    # within scope: the township and the district list it; a community below and another
    # district do not
    for token, expected in ((centre, 1), (district, 1), (community, 0), (other_district, 0)):
        listed = await gql(client, PROPOSALS, {}, token=token)
        assert listed["data"]["accountabilityProposals"]["totalCount"] == expected
    mine = await gql(client, PROPOSALS, {"mine": True}, token=district)
    assert mine["data"]["accountabilityProposals"]["totalCount"] == 1

    # the raising side may not close before the reply except to withdraw
    early = await result(client, CLOSE, district, id=held["id"], outcome="ADOPTED", note="已通报")
    assert (early["__typename"], early["field"]) == ("ValidationError", "outcome")

    # two answers at once: one wins
    answers = await asyncio.gather(
        result(client, REPLY, centre, id=held["id"], reply="已约谈责任网格员，限期整改"),
        result(client, REPLY, second_centre, id=held["id"], reply="情况属实"),
    )
    assert sorted(a["__typename"] for a in answers) == [
        "AccountabilityProposalPayload",
        "ConflictError",
    ]
    # the township does not close its own proposal
    own = await gql(
        client, CLOSE, {"id": held["id"], "outcome": "ADOPTED", "note": "好"}, token=centre
    )
    assert error_codes(own) == ["FORBIDDEN"]

    closed = await result(
        client, CLOSE, district, id=held["id"], outcome="ADOPTED", note="已通报批评"
    )
    done = closed["proposal"]
    assert (done["status"], done["outcome"], done["card"]) == ("CLOSED", "ADOPTED", "NONE")
    assert [step["action"] for step in done["timeline"]] == ["raise", "reply", "close"]
    again = await result(client, CLOSE, district, id=held["id"], outcome="ADOPTED", note="再次")
    assert (again["__typename"], again["code"]) == ("ConflictError", "INVALID_TRANSITION")


async def test_an_account_and_a_department_answer_for_themselves(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    _, city = await factories.signed_in("city_command", "4106")
    worker_token = await factories.token_for(world.worker)

    against_worker = await result(
        client,
        RAISE,
        centre,
        **proposal(
            {"kind": "ACCOUNT", "userId": str(world.worker.id)},
            eventIds=[str(world.events["e3"].id)],
            requestedAction="ADMONITORY_TALK",
        ),
    )
    held = against_worker["proposal"]
    assert (held["targetKind"], held["targetRegionCode"]) == ("ACCOUNT", dataset.GRID)
    listed = await gql(client, PROPOSALS, {}, token=worker_token)
    assert listed["data"]["accountabilityProposals"]["totalCount"] == 1
    answered = await result(client, REPLY, worker_token, id=held["id"], reply="接受批评")
    assert answered["proposal"]["status"] == "REPLIED"

    snapshot = await ranking_snapshot("410611")
    against_police = await result(
        client,
        RAISE,
        city,
        **proposal(
            {"kind": "DEPARTMENT", "departmentId": str(world.police.id)},
            rankingSnapshotId=str(snapshot.id),
            requestedAction="ASSESSMENT_DEDUCTION",
        ),
    )
    held = against_police["proposal"]
    assert (held["targetLabel"], held["rankingSnapshotId"]) == ("公安分局", str(snapshot.id))
    # the housing bureau's staff are not the police
    _, housing = await factories.signed_in(
        "department_staff", "410611", department_id=world.housing.id
    )
    wrong = await result(client, REPLY, housing, id=held["id"], reply="不是我们")
    assert (wrong["__typename"], wrong["code"]) == ("ValidationError", "NOT_ALLOWED")
    _, police = await factories.signed_in(
        "department_staff", "410611", department_id=world.police.id
    )
    replied = await result(client, REPLY, police, id=held["id"], reply="已整改")
    assert replied["proposal"]["status"] == "REPLIED"


async def test_an_unanswered_proposal_is_carded_by_the_sweep(client: httpx.AsyncClient) -> None:
    world = await dataset.build()
    _, district = await factories.signed_in("district_command", "410611")
    centre_user, _ = await factories.signed_in("township_centre", TOWNSHIP)
    raised = await result(
        client,
        RAISE,
        district,
        **proposal(
            {"kind": "REGION", "regionCode": TOWNSHIP}, eventIds=[str(world.events["e3"].id)]
        ),
    )
    record = await AccountabilityProposal.get(id=raised["proposal"]["id"])
    assert record.due_at is not None
    clock.move(record.due_at - clock.now() + timedelta(minutes=1))
    await sweep()
    cards = await FlowCard.filter(record_id=record.id).values_list("card", flat=True)
    assert list(cards) == ["yellow"]
    assert await Notice.filter(user_id=centre_user.id).count() >= 2  # raised, then carded


async def test_bad_proposals_are_typed_errors_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    world = await dataset.build()
    _, district = await factories.signed_in("district_command", "410611")
    _, district_leader = await factories.signed_in("leader", "410611")
    _, worker = await factories.signed_in("grid_worker", dataset.GRID)
    e1 = str(world.events["e1"].id)
    e8 = str(world.events["e8"].id)

    async def raise_(token: str, target: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return await result(client, RAISE, token, **proposal(target, **extra))

    # out of scope: another district's township
    outside = await raise_(district, {"kind": "REGION", "regionCode": "410602001"}, eventIds=[e1])
    assert (outside["__typename"], outside["code"]) == ("ValidationError", "OUTSIDE_AREA")
    # not a lower level: a district leader against its own district
    same = await raise_(district_leader, {"kind": "REGION", "regionCode": "410611"}, eventIds=[e1])
    assert (same["__typename"], same["code"]) == ("ValidationError", "NOT_ALLOWED")
    # wrong role: a grid worker raises nothing; a district centre not against a district
    assert error_codes(
        await gql(
            client, RAISE, proposal({"kind": "REGION", "regionCode": dataset.GRID}), token=worker
        )
    ) == ["FORBIDDEN"]
    assert error_codes(
        await gql(
            client,
            RAISE,
            proposal({"kind": "DEPARTMENT", "departmentId": str(world.police.id)}, eventIds=[e1]),
            token=district,
        )
    ) == ["FORBIDDEN"]
    unlinked = await raise_(district, {"kind": "REGION", "regionCode": TOWNSHIP})
    assert (unlinked["__typename"], unlinked["field"]) == ("ValidationError", "eventIds")
    # an event the raiser cannot read is not found
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    hidden = await raise_(township, {"kind": "REGION", "regionCode": "410611001001"}, eventIds=[e8])
    assert (hidden["__typename"], hidden["field"]) == ("NotFoundError", "eventIds")
    no_region = await raise_(district, {"kind": "REGION"}, eventIds=[e1])
    assert (no_region["__typename"], no_region["field"]) == ("ValidationError", "target.regionCode")
    no_user = await raise_(
        district, {"kind": "ACCOUNT", "userId": str(uuid.uuid4())}, eventIds=[e1]
    )
    assert no_user["__typename"] == "NotFoundError"
    blank = await raise_(
        district, {"kind": "REGION", "regionCode": TOWNSHIP}, eventIds=[e1], reason=" "
    )
    assert (blank["__typename"], blank["field"]) == ("ValidationError", "reason")
    many = await raise_(
        district,
        {"kind": "REGION", "regionCode": TOWNSHIP},
        eventIds=[str(uuid.uuid4()) for _ in range(21)],
    )
    assert (many["__typename"], many["field"]) == ("ValidationError", "eventIds")
    wrong_ranking = await raise_(
        district, {"kind": "REGION", "regionCode": TOWNSHIP}, rankingSnapshotId=str(uuid.uuid4())
    )
    assert (wrong_ranking["__typename"], wrong_ranking["field"]) == (
        "NotFoundError",
        "rankingSnapshotId",
    )
    assert await AccountabilityProposal.all().count() == 0  # nothing half-written

    # a unit the proposal is not against does not answer it (out of its scope: not found)
    held = (await raise_(district, {"kind": "REGION", "regionCode": TOWNSHIP}, eventIds=[e1]))[
        "proposal"
    ]
    _, other = await factories.signed_in("township_centre", "410611002")
    stranger = await result(client, REPLY, other, id=held["id"], reply="与我无关")
    assert stranger["__typename"] == "NotFoundError"
    # the level above is not the target unit either
    _, community = await factories.signed_in("community_staff", "410611001001")
    below = await result(client, REPLY, community, id=held["id"], reply="下级代答")
    assert below["__typename"] == "NotFoundError"
    empty = await result(client, REPLY, township, id=held["id"], reply="")
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "reply")
    withdrawn = await result(
        client, CLOSE, district, id=held["id"], outcome="WITHDRAWN", note="误报"
    )
    assert withdrawn["proposal"]["status"] == "CLOSED"
