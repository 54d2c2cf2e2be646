"""Import jobs are listed and read within the caller's scope, newest first, paginated."""

from __future__ import annotations

import httpx

from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, queued_job, start

JOBS = """
query($first: Int, $after: String, $state: ImportState) {
  importJobs(first: $first, after: $after, state: $state) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id regionCode state } }
  }
}"""


async def _list(client: httpx.AsyncClient, token: str, **variables: object) -> dict:
    response = await client.post(
        "/graphql",
        json={"query": JOBS, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["importJobs"]


async def test_jobs_are_scoped_paginated_and_a_repeat_of_a_waiting_file_is_the_same_job(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    await factories.user("admin", "4106", username="admin.city")
    qibin = [
        await queued_job("admin.city", csv_bytes([["code", "name"], [f"41061100100{n}", "x"]]))
        for n in range(3)
    ]
    other = await queued_job("admin.city", csv_bytes([["code", "name"]]), region_code="410602")
    _, district = await factories.signed_in("admin", "410611")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")

    first = await _list(client, district, first=2)
    second = await _list(client, district, first=2, after=first["pageInfo"]["endCursor"])
    city = await _list(client, (await factories.signed_in("admin", "4106"))[1], first=100)

    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    listed = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert listed == list(reversed(qibin))
    assert other in {e["node"]["id"] for e in city["edges"]}
    assert (await _list(client, worker))["totalCount"] == 0
    too_many = await client.post(
        "/graphql",
        json={"query": JOBS, "variables": {"first": 101}},
        headers={"Authorization": f"Bearer {district}"},
    )
    assert too_many.json()["errors"][0]["extensions"]["code"] == "INVALID"

    # the same file again while the first is waiting: the same job, not a second one
    content = csv_bytes([["code", "name"], ["410611001001002", "第2网格"]])
    again = [
        (await start(client, district, "REGIONS", content))["data"]["startImport"] for _ in range(2)
    ]
    assert [r["isNew"] for r in again] == [True, False]
    assert again[0]["job"]["id"] == again[1]["job"]["id"]
    mine = await _list(client, worker)
    assert mine["totalCount"] == 0
