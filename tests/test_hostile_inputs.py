"""Inputs an attacker or a careless client sends: every one is a typed client error
(BAD_USER_INPUT), never an internal error, whether written in the document or in variables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.domains.events.models import Category
from api.domains.hierarchy import service as hierarchy_service
from api.domains.hierarchy.models import Region
from api.domains.intake import open311
from api.settings import Environment, Settings
from schema import bounds, build_schema
from tests import factories
from tests.factories import error_codes, gql


@pytest.fixture
async def worker(db: None) -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", "410611001001001")
    return token


@pytest.fixture
async def admin(db: None) -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("admin", "4106")
    return token


def refused(body: dict[str, Any]) -> str:
    """The message of a request refused as the client's error before anything ran."""
    assert body.get("data") is None, body
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    return str(body["errors"][0]["message"])


async def test_text_longer_than_its_column_is_refused_in_the_document(
    client: httpx.AsyncClient, worker: str
) -> None:
    key = "k" * (Category._meta.fields_map["key"].max_length + 3)  # type: ignore[attr-defined]

    body = await gql(client, f'{{ categories(parentKey: "{key}") {{ key }} }}', token=worker)

    assert "longer than 40" in refused(body)


async def test_text_longer_than_its_column_is_refused_in_variables(
    client: httpx.AsyncClient, worker: str
) -> None:
    report = """mutation($input: ReportEventInput!) { reportEvent(input: $input) { __typename } }"""
    event = {
        "title": "井盖缺失",
        "description": "x",
        "categoryKey": "c" * 92,
        "regionCode": "410611001001001",
    }

    body = await gql(client, report, {"input": event}, token=worker)

    assert "$input.categoryKey" in refused(body)


async def test_a_scalar_variable_takes_the_bound_of_where_it_is_used(
    client: httpx.AsyncClient, admin: str
) -> None:
    query = "query($a: String) { auditLog(action: $a) { totalCount } }"

    body = await gql(client, query, {"a": "a" * 65}, token=admin)

    assert "longer than 64" in refused(body)


async def test_nul_anywhere_in_text_is_refused(client: httpx.AsyncClient, admin: str) -> None:
    query = "query($f: PersonFilterInput) { people(filter: $f) { totalCount } }"

    in_variables = await gql(client, query, {"f": {"text": "\u0000张"}}, token=admin)
    in_document = await gql(
        client, '{ people(filter: {text: "\\u0000"}) { totalCount } }', token=admin
    )

    assert "NUL" in refused(in_variables)
    assert "NUL" in refused(in_document)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"], ids=str)
async def test_dates_outside_the_documented_range_are_refused(
    client: httpx.AsyncClient, worker: str, day: str
) -> None:
    query = "query($from: Date!, $to: Date!) { myFigures(from: $from, to: $to) { __typename } }"

    in_variables = await gql(client, query, {"from": day, "to": "2026-01-01"}, token=worker)
    in_document = await gql(
        client, f'{{ myFigures(from: "{day}", to: "2026-01-01") {{ __typename }} }}', token=worker
    )

    assert "1900-01-01 to 2199-12-31" in refused(in_variables)
    assert "1900-01-01 to 2199-12-31" in refused(in_document)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"], ids=str
)
async def test_datetimes_outside_the_range_are_refused_in_filters(
    client: httpx.AsyncClient, worker: str, moment: str
) -> None:
    query = "query($f: EventFilterInput) { events(filter: $f) { totalCount } }"

    for key in ("reportedFrom", "reportedTo"):
        body = await gql(client, query, {"f": {key: moment}}, token=worker)
        assert "2199-12-31" in refused(body)


async def test_the_range_ends_are_accepted(client: httpx.AsyncClient, worker: str) -> None:
    query = "query($f: EventFilterInput) { events(filter: $f) { totalCount } }"
    window = {
        "reportedFrom": "1900-01-01T00:00:00+14:00",
        "reportedTo": "2199-12-31T23:59:59-12:00",
    }

    body = await gql(client, query, {"f": window}, token=worker)

    assert body["data"]["events"]["totalCount"] == 0


@pytest.mark.parametrize("levels", [bounds.MAX_NESTING + 2, 400, 900])
async def test_deeply_nested_variables_are_refused(
    client: httpx.AsyncClient, admin: str, levels: int
) -> None:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    query = "query($t: [String!]) { people(filter: {tags: $t}) { totalCount } }"

    body = await gql(client, query, {"t": value}, token=admin)

    assert "nested deeper" in refused(body)


async def test_deeply_nested_literals_are_refused(client: httpx.AsyncClient, admin: str) -> None:
    nested = "[" * 600 + '"x"' + "]" * 600

    response = await client.post(
        "/graphql",
        json={"query": f"{{ people(filter: {{tags: {nested}}}) {{ totalCount }} }}"},
        headers={"Authorization": f"Bearer {admin}"},
    )

    assert response.status_code in (200, 400)
    refused(response.json())


async def test_bounds_come_from_the_columns(settings: Settings) -> None:
    schema = build_schema(settings)._schema
    code = Region._meta.fields_map["code"].max_length  # type: ignore[attr-defined]

    report = schema.type_map["ReportEventInput"].fields  # type: ignore[union-attr]
    assert bounds.limit_of(report["title"]) == 200
    assert bounds.limit_of(report["regionCode"]) == code
    assert bounds.limit_of(schema.query_type.fields["region"].args["code"]) == code  # type: ignore[union-attr]
    assert bounds.limit_of(report["description"]) == bounds.MAX_TEXT


@pytest.fixture
async def production_client(db: None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"gridgov_env": Environment.PRODUCTION}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as http:
        yield http


async def test_production_suggests_no_names(production_client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("admin", "4106")
    typos = [
        "{ regoins { totalCount } }",
        "{ regions(levle: CITY) { totalCount } }",
        "{ regions(level: CITTY) { totalCount } }",
        "query($f: EventFiltreInput) { events(filter: $f) { totalCount } }",
    ]

    for typo in typos:
        body = await gql(production_client, typo, token=token)
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "Did you mean" not in body["errors"][0]["message"], body


async def test_a_bug_is_masked_with_the_request_id(
    production_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    _, token = await factories.signed_in("admin", "4106")

    async def broken(**_: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'code'")

    monkeypatch.setattr(hierarchy_service, "list_regions", broken)
    response = await production_client.post(
        "/graphql",
        json={"query": "{ regions { totalCount } }"},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-0123456789"},
    )

    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-0123456789"}
    assert "NoneType" not in response.text and "req-0123456789" in error["message"]


async def test_a_bug_outside_graphql_is_masked_too(
    db: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(request: Any) -> Any:
        raise KeyError("secret internals")

    monkeypatch.setattr(open311, "list_services", broken)
    answers = {}
    for env in (Environment.PRODUCTION, Environment.DEVELOPMENT):
        app = create_app(settings.model_copy(update={"gridgov_env": env}))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            answers[env] = await http.get("/open311/v2/services.json")

    production, development = answers[Environment.PRODUCTION], answers[Environment.DEVELOPMENT]
    assert production.status_code == 500
    assert production.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret internals" not in production.text and "KeyError" not in production.text
    assert "KeyError" in development.json()["errors"][0]["extensions"]["exception"]


async def test_json_answers_are_not_sniffed(client: httpx.AsyncClient) -> None:
    graphql = await client.post("/graphql", json={"query": "{ __typename }"})
    health = await client.get("/healthz")
    open311_answer = await client.get("/open311/v2/services.json")

    for response in (graphql, health, open311_answer):
        assert response.headers["x-content-type-options"] == "nosniff"
