"""Reviewed data entry (审核): a community holds its grid workers' edits; its staff return,
approve; imports in REVIEW mode wait as a batch."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from api.domains.registry.models import Person, RegistryChange
from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, REGISTER_PERSON, id_number

COMMUNITY = GRID[:12]

SET_REVIEW = """
mutation($c: String!, $r: Boolean!) {
  setRegistryReview(regionCode: $c, required: $r) {
    __typename ... on RegistryReviewRule { regionCode required } ... on Error { code message }
  }
}"""
UPDATE = """
mutation($id: ID!, $input: PersonFieldsInput!) {
  updatePerson(id: $id, input: $input) {
    __typename
    ... on PersonPayload { person { name phone version }
      pendingChange { id status changes submittedByLabel } }
    ... on Error { code field message }
  }
}"""
REVIEW = """
mutation($id: ID!, $approve: Boolean!, $note: String!) {
  reviewRegistryChange(id: $id, approve: $approve, note: $note) {
    __typename
    ... on RegistryPendingChangePayload { pendingChange { status note reviewedByLabel version } }
    ... on Error { code field message }
  }
}"""
PERSON = """
query($id: ID!) { person(id: $id) { name version pendingChange { status changes } } }
"""
PENDING = """
query($region: String!) {
  registryPendingChanges(filter: {regionCode: $region}) {
    totalCount edges { node { status recordKind } }
  }
  registryPendingCounts(regionCode: $region) { regionCode pending returned }
}"""
HISTORY = """
query($id: ID!) {
  registryHistory(kind: PERSON, id: $id) { edges { node { action actorLabel approvedByLabel changes } } }
}"""
DEREGISTER = """
mutation($id: ID!) {
  deregisterRecord(kind: PERSON, id: $id, reason: "moved away") { __typename }
}"""
REVIEW_IMPORT = """
mutation($id: ID!, $approve: Boolean!, $note: String!) {
  reviewImport(jobId: $id, approve: $approve, note: $note) {
    __typename
    ... on ImportReviewPayload { job { state reviewedByLabel } }
    ... on Error { code message }
  }
}"""


async def _setup(client: httpx.AsyncClient) -> dict[str, Any]:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, other_staff = await factories.signed_in("community_staff", COMMUNITY)
    _, worker = await factories.signed_in("grid_worker", GRID)
    created = await gql(
        client,
        REGISTER_PERSON,
        {
            "input": {
                "regionCode": GRID,
                "idNumber": id_number(),
                "personType": "REGISTERED",
                "name": "张三",
            }
        },
        token=worker,
    )
    person = created["data"]["registerPerson"]["person"]
    rule = await gql(client, SET_REVIEW, {"c": COMMUNITY, "r": True}, token=staff)
    assert rule["data"]["setRegistryReview"] == {
        "__typename": "RegistryReviewRule",
        "regionCode": COMMUNITY,
        "required": True,
    }
    return {"staff": staff, "other": other_staff, "worker": worker, "person": person}


async def test_a_grid_workers_edit_is_returned_fixed_and_approved(
    client: httpx.AsyncClient, db: None
) -> None:
    s = await _setup(client)
    person_id = s["person"]["id"]

    held = await gql(
        client, UPDATE, {"id": person_id, "input": {"name": "张叁"}}, token=s["worker"]
    )
    payload = held["data"]["updatePerson"]
    assert payload["person"]["name"] == "张三"  # unchanged until approved
    change = payload["pendingChange"]
    assert change["status"] == "PENDING"
    assert change["changes"] == {"name": {"old": "张三", "new": "张叁"}}

    seen = await gql(client, PERSON, {"id": person_id}, token=s["staff"])
    assert seen["data"]["person"]["pendingChange"]["status"] == "PENDING"
    listed = await gql(client, PENDING, {"region": COMMUNITY}, token=s["staff"])
    assert listed["data"]["registryPendingChanges"]["totalCount"] == 1
    assert listed["data"]["registryPendingCounts"] == [
        {"regionCode": GRID, "pending": 1, "returned": 0}
    ]

    # the author may not approve their own; a return needs a note
    own = await gql(
        client, REVIEW, {"id": change["id"], "approve": True, "note": ""}, token=s["worker"]
    )
    assert "errors" in own or own["data"]["reviewRegistryChange"]["__typename"] != (
        "RegistryPendingChangePayload"
    )
    no_note = await gql(
        client, REVIEW, {"id": change["id"], "approve": False, "note": ""}, token=s["staff"]
    )
    assert no_note["data"]["reviewRegistryChange"]["__typename"] == "ValidationError"

    returned = await gql(
        client, REVIEW, {"id": change["id"], "approve": False, "note": "名字写错"}, token=s["staff"]
    )
    assert returned["data"]["reviewRegistryChange"]["pendingChange"]["status"] == "RETURNED"

    # the worker fixes it by editing again: the same change, back to review
    fixed = await gql(
        client, UPDATE, {"id": person_id, "input": {"name": "张山"}}, token=s["worker"]
    )
    again = fixed["data"]["updatePerson"]["pendingChange"]
    assert (again["id"], again["status"]) == (change["id"], "PENDING")
    assert again["changes"] == {"name": {"old": "张三", "new": "张山"}}

    approved = await gql(
        client, REVIEW, {"id": change["id"], "approve": True, "note": ""}, token=s["other"]
    )
    assert approved["data"]["reviewRegistryChange"]["pendingChange"]["status"] == "APPROVED"
    after = await gql(client, PERSON, {"id": person_id}, token=s["staff"])
    assert after["data"]["person"]["name"] == "张山"
    assert after["data"]["person"]["version"] == s["person"]["version"] + 1
    assert after["data"]["person"]["pendingChange"] is None

    history = await gql(client, HISTORY, {"id": person_id}, token=s["staff"])
    update = history["data"]["registryHistory"]["edges"][-1]["node"]
    assert update["action"] == "UPDATE"
    assert (
        update["approvedByLabel"] is not None and update["actorLabel"] != update["approvedByLabel"]
    )
    assert update["changes"] == {"name": {"old": "张三", "new": "张山"}}

    # a reviewer's own edit goes straight in
    direct = await gql(
        client, UPDATE, {"id": person_id, "input": {"name": "张珊"}}, token=s["staff"]
    )
    assert direct["data"]["updatePerson"]["pendingChange"] is None
    assert direct["data"]["updatePerson"]["person"]["name"] == "张珊"


async def test_conflicts_deleted_records_and_racing_reviewers(
    client: httpx.AsyncClient, db: None
) -> None:
    s = await _setup(client)
    person_id = s["person"]["id"]
    _, second_worker = await factories.signed_in("grid_worker", GRID)
    first = await gql(client, UPDATE, {"id": person_id, "input": {"name": "甲"}}, token=s["worker"])
    change_id = first["data"]["updatePerson"]["pendingChange"]["id"]

    clash = await gql(
        client, UPDATE, {"id": person_id, "input": {"name": "乙"}}, token=second_worker
    )
    assert clash["data"]["updatePerson"]["__typename"] == "ConflictError"

    # two reviewers approve at once: one wins, the other is told
    results = await asyncio.gather(
        *(
            gql(client, REVIEW, {"id": change_id, "approve": True, "note": ""}, token=token)
            for token in (s["staff"], s["other"])
        )
    )
    kinds = sorted(r["data"]["reviewRegistryChange"]["__typename"] for r in results)
    assert kinds == ["ConflictError", "RegistryPendingChangePayload"]
    assert (await Person.get(id=s["person"]["uuid"])).name == "甲"
    approvals = await RegistryChange.filter(
        record_id=s["person"]["uuid"], approved_by_id__isnull=False
    ).count()
    assert approvals == 1

    # a change held for a record deregistered meanwhile cannot be approved
    held = await gql(client, UPDATE, {"id": person_id, "input": {"name": "丙"}}, token=s["worker"])
    pending_id = held["data"]["updatePerson"]["pendingChange"]["id"]
    gone = await gql(client, DEREGISTER, {"id": person_id}, token=s["staff"])
    assert gone["data"]["deregisterRecord"]["__typename"] == "DeregisterPayload"
    refused = await gql(
        client, REVIEW, {"id": pending_id, "approve": True, "note": ""}, token=s["staff"]
    )
    error = refused["data"]["reviewRegistryChange"]
    assert (error["__typename"], error["code"]) == ("ConflictError", "INACTIVE")
    assert (await Person.get(id=s["person"]["uuid"])).name == "甲"
