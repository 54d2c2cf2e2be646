"""Limits that protect the service: depth, aliases, tokens, body size; production hardening."""

from __future__ import annotations

import httpx

from api.app import create_app
from api.domains.events.models import Event
from api.settings import Environment, Settings
from tests import factories
from tests.factories import error_codes, gql


async def test_deep_queries_are_refused(db: None, settings: Settings) -> None:
    shallow = settings.model_copy(update={"gridgov_max_query_depth": 3})
    app = create_app(shallow)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        body = await gql(http, "{ regions { edges { node { centre { lat } } } } }")

    assert body.get("data") is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_many_aliases_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(settings.gridgov_max_aliases + 1))

    body = await gql(client, "{ " + aliases + " }")

    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"]


async def test_huge_documents_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    fields = " ".join("__typename" for _ in range(settings.gridgov_max_tokens))

    body = await gql(client, "{ " + fields + " }")

    assert body.get("data") is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_oversized_bodies_are_refused_before_parsing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    padding = "x" * (settings.gridgov_max_body_bytes + 1)

    response = await client.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"p": padding}}
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_production_hides_introspection_suggestions_and_bugs(
    db: None, settings: Settings
) -> None:
    production = settings.model_copy(update={"gridgov_env": Environment.PRODUCTION})
    app = create_app(production)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        introspection = await gql(http, "{ __schema { queryType { name } } }")
        typo = await gql(http, "{ regoins { totalCount } }")
        ide = await http.get("/graphql", headers={"accept": "text/html"})

    assert introspection.get("data") is None
    assert "introspection" in introspection["errors"][0]["message"].lower()
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert ide.status_code != 200 or "graphiql" not in ide.text.lower()


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": "ok", "redis": "ok"}}


async def test_bad_variables_are_a_client_error_not_a_crash(client: httpx.AsyncClient) -> None:
    body = await gql(client, "query($f: Int) { regions(first: $f) { totalCount } }", {"f": "many"})

    assert body["errors"] and error_codes(body)[0] != "INTERNAL_SERVER_ERROR"


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    for body in (b'{"query": ', b"\xff\xfe", b'{"query": "{ __typename }", "variables": NaN}'):
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert "Unable to parse request body as JSON" in response.text


async def test_text_with_a_nul_character_is_the_clients_error_and_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    """PostgreSQL stores no NUL in text: refused before anything runs, wherever it is sent."""
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    report = "mutation($input: ReportEventInput!) { reportEvent(input: $input) { __typename } }"
    sent = {
        "title": "井盖\x00缺失",
        "categoryKey": "city.0601",
        "regionCode": "410611001001001",
    }

    in_variables = await gql(client, report, {"input": sent}, token=worker)
    in_a_list = await gql(
        client,
        "query($s: [EventStatus!]) { events(filter: {statuses: $s}) { totalCount } }",
        {"s": ["FILED"], "unused": ["a", {"b\x00": 1}]},
        token=worker,
    )
    in_the_document = await gql(
        client, '{ events(filter: {text: "a\\u0000b"}) { totalCount } }', token=worker
    )

    for body in (in_variables, in_a_list, in_the_document):
        assert body.get("data") is None, body
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert "NUL" in body["errors"][0]["message"]
    assert in_the_document["errors"][0]["locations"] == [{"line": 1, "column": 25}]
    assert await Event.all().count() == 0
    assert (
        error_codes(
            await gql(client, report, {"input": {**sent, "title": "井盖缺失"}}, token=worker)
        )
        == []
    )
    assert await Event.all().count() == 1
