"""Imports in REVIEW mode (审核): the batch waits for the community's review, is written on
approval (checked again) and never when returned."""

from __future__ import annotations

import uuid

import httpx

from api.domains.imports import pipeline
from api.domains.registry.models import Person
from api.settings import Settings
from tests import factories
from tests.factories import gql
from tests.imports.helpers import csv_bytes, job, start
from tests.imports.people import id_number as import_id

GRID = "410611001001001"
COMMUNITY = GRID[:12]
REVIEW_IMPORT = """
mutation($id: ID!, $approve: Boolean!, $note: String!) {
  reviewImport(jobId: $id, approve: $approve, note: $note) {
    __typename
    ... on ImportReviewPayload { job { state reviewedByLabel } }
    ... on Error { code message }
  }
}"""


async def test_an_import_batch_waits_for_review(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, uploader = await factories.signed_in("community_staff", COMMUNITY)
    _, reviewer = await factories.signed_in("community_staff", COMMUNITY)
    header = ["身份证号", "姓名", "网格编码", "人口类型"]
    content = csv_bytes([header, [import_id(1), "王五", GRID, "户籍"]])

    body = await start(client, uploader, "RESIDENTS", content, mode="REVIEW")
    job_id = body["data"]["startImport"]["job"]["id"]
    await pipeline.run(uuid.UUID(job_id))
    held = await job(client, uploader, job_id)
    assert (held["state"], held["rowsValid"], held["rowsInserted"]) == ("AWAITING_REVIEW", 1, 0)
    assert not await Person.exists(id_number=import_id(1))

    own = await gql(
        client, REVIEW_IMPORT, {"id": job_id, "approve": True, "note": ""}, token=uploader
    )
    assert own["data"]["reviewImport"]["__typename"] == "NotAllowedError"

    approved = await gql(
        client, REVIEW_IMPORT, {"id": job_id, "approve": True, "note": ""}, token=reviewer
    )
    assert approved["data"]["reviewImport"]["job"]["state"] == "QUEUED"
    twice = await gql(
        client, REVIEW_IMPORT, {"id": job_id, "approve": True, "note": ""}, token=reviewer
    )
    assert twice["data"]["reviewImport"]["__typename"] == "ConflictError"
    await pipeline.run(uuid.UUID(job_id))
    done = await job(client, uploader, job_id)
    assert (done["state"], done["rowsInserted"]) == ("COMPLETED", 1)
    assert await Person.exists(id_number=import_id(1))

    # a returned batch writes nothing
    other = csv_bytes([header, [import_id(2), "赵六", GRID, "户籍"]])
    second = await start(client, uploader, "RESIDENTS", other, mode="REVIEW")
    second_id = second["data"]["startImport"]["job"]["id"]
    await pipeline.run(uuid.UUID(second_id))
    returned = await gql(
        client, REVIEW_IMPORT, {"id": second_id, "approve": False, "note": "核对"}, token=reviewer
    )
    assert returned["data"]["reviewImport"]["job"]["state"] == "RETURNED"
    await pipeline.run(uuid.UUID(second_id))
    assert not await Person.exists(id_number=import_id(2))


async def test_a_grid_workers_import_is_held_where_the_community_reviews(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    _, worker = await factories.signed_in("grid_worker", GRID)
    content = csv_bytes([["身份证号", "特殊人群类型"], [import_id(1), "吸毒人员"]])
    before = await start(client, worker, "SPECIAL_GROUPS", content, region_code=GRID)
    assert before["data"]["startImport"]["job"]["mode"] == "COMMIT"

    switched = await gql(
        client,
        'mutation { setRegistryReview(regionCode: "410611001001", required: true) { __typename } }',
        token=staff,
    )
    assert switched["data"]["setRegistryReview"]["__typename"] == "RegistryReviewRule"
    other = csv_bytes([["身份证号", "特殊人群类型"], [import_id(2), "吸毒人员"]])
    held = await start(client, worker, "SPECIAL_GROUPS", other, region_code=GRID)
    assert held["data"]["startImport"]["job"]["mode"] == "REVIEW"
    # the community's own staff are not held
    own = await start(client, staff, "RESIDENTS", other, region_code=GRID)
    assert own["data"]["startImport"]["job"]["mode"] == "COMMIT"


async def test_review_is_for_a_community_or_grid(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    content = csv_bytes([["身份证号", "姓名", "网格编码", "人口类型"]])
    body = await start(client, admin, "RESIDENTS", content, mode="REVIEW", region_code="410611")
    assert body["data"]["startImport"]["field"] == "regionCode"
