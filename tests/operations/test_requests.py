"""Every request has an id (response header, GraphQL errors) and one log line."""

from __future__ import annotations

import httpx
import structlog

from tests.factories import region_tree, signed_in


async def test_an_error_carries_the_request_id_of_its_response(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "query Broken { noSuchField }"})

    request_id = response.headers["x-request-id"]
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "requestId": request_id}
    assert len(request_id) == 16


async def test_an_id_given_by_a_proxy_is_kept_and_a_strange_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c21-0001"})
    replaced = await client.get("/healthz", headers={"X-Request-Id": "<script>"})

    assert kept.headers["x-request-id"] == "lb-7f3a9c21-0001"
    assert replaced.headers["x-request-id"] not in ("<script>", "")


async def test_refusals_before_graphql_have_an_id_too(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["x-request-id"]


async def test_one_log_line_per_request_names_operation_principal_and_outcome(
    db: None, client: httpx.AsyncClient
) -> None:
    await region_tree()
    account, token = await signed_in("admin", "4106")

    with structlog.testing.capture_logs() as lines:
        ok = await client.post(
            "/graphql",
            json={"query": "query WhoAmI { me { username } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        failed = await client.post("/graphql", json={"query": "mutation Nope { nope }"})
        await client.get("/healthz")

    requests = [line for line in lines if line["event"] == "request"]
    assert [(line["operation"], line["type"], line["outcome"]) for line in requests] == [
        ("WhoAmI", "query", "ok"),
        ("Nope", "mutation", "BAD_USER_INPUT"),
        ("healthz", "http", "ok"),
    ]
    assert requests[0]["principal"] == str(account.id)
    assert requests[1]["principal"] is None
    assert requests[0]["request_id"] == ok.headers["x-request-id"]
    assert requests[1]["request_id"] == failed.headers["x-request-id"]
    assert all(line["duration_ms"] >= 0 and line["status"] == 200 for line in requests)
