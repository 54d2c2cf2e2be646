"""Inputs an attacker or a careless client sends: every one is a typed client error
(BAD_USER_INPUT), never an internal error, whether written in the document or in variables."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from defusedxml import ElementTree
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from api.domains.events.models import Category
from api.domains.hierarchy import service as hierarchy_service
from api.domains.hierarchy.models import Region
from api.domains.intake import open311
from api.settings import Environment, Settings
from schema import bounds, build_schema
from tests import factories
from tests.accounts.test_websocket import ws_url  # noqa: F401 - the fixture
from tests.factories import error_codes, gql
from tests.intake.helpers import api_key
from tests.registry.helpers import household_input


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


# ---------------------------------------------------------------- Open311


@pytest.fixture
async def hotline_key(db: None) -> str:
    await factories.region_tree()
    return await api_key("410611")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/open311/v2/requests/%00.json", {}),
        ("/open311/v2/requests/" + "1" * 40 + ".json", {}),
        ("/open311/v2/services/" + "s" * 200 + ".json", {}),
        ("/open311/v2/requests.json", {"jurisdiction_id": "4" * 200}),
        ("/open311/v2/requests.json", {"service_code": "c" * 200}),
        ("/open311/v2/requests.json", {"service_request_id": "r" * 200}),
        ("/open311/v2/requests.json", {"start_date": "0001-01-01T00:00:00+14:00"}),
        ("/open311/v2/requests.json", {"end_date": "9999-12-31T23:59:59-12:00"}),
    ],
    ids=str,
)
async def test_open311_bad_parameters_get_the_specs_400(
    client: httpx.AsyncClient, hotline_key: str, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params={**params, "api_key": hotline_key})

    assert response.status_code == 400, response.text
    [error] = response.json()
    assert error["code"] == 400 and error["description"]


@pytest.mark.parametrize(
    "form",
    [
        {"lat": "NaN", "long": "114.3"},
        {"lat": "35.7", "long": "1e999"},
        {"attribute[title]": "t" * 201, "lat": "35.7", "long": "114.3"},
        {"address_string": "a" * 201},
    ],
    ids=str,
)
async def test_open311_bad_requests_are_refused(
    client: httpx.AsyncClient, hotline_key: str, form: dict[str, str]
) -> None:
    response = await client.post(
        "/open311/v2/requests.json",
        data={"service_code": "city.0601", "description": "井盖", **form, "api_key": hotline_key},
    )

    assert response.status_code == 400, response.text
    assert response.json()[0]["code"] == 400


async def test_open311_xml_leaves_out_what_xml_forbids(
    client: httpx.AsyncClient, hotline_key: str
) -> None:
    created = await client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "city.0601",
            "description": "井盖\x01缺失\x1b[31m\ufffe",
            "address_string": "淇河路",
            "api_key": hotline_key,
        },
    )
    case = created.json()[0]["service_request_id"]

    response = await client.get(f"/open311/v2/requests/{case}.xml", params={"api_key": hotline_key})

    document = ElementTree.fromstring(response.content)
    assert document.find("request/description").text == "井盖缺失[31m"  # type: ignore[union-attr]


# ---------------------------------------------------------------- multipart


async def _multipart(
    client: httpx.AsyncClient,
    token: str | None,
    files_map: Any,
    *,
    files: dict[str, Any] | None = None,
    data: dict[str, str] | None = None,
) -> httpx.Response:
    operations = {
        "query": "mutation($id: ID!, $files: [Upload!]!) { attachToEvent(id: $id, files: $files) { __typename } }",
        "variables": {"id": "RXZlbnQ6eA==", "files": [None]},
    }
    return await client.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps(files_map).decode(),
            **(data or {}),
        },
        files=files if files is not None else {"0": ("a.jpg", b"\xff\xd8\xff")},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


@pytest.mark.parametrize(
    ("files_map", "says"),
    [
        ({"0": ["variables.files.7"]}, "names nothing"),
        ([1, 2], "JSON object"),
        ({"0": ["variables.files.0.a.b.c"]}, "names nothing"),
        ({"0": ["variables.id"]}, "null placeholder"),
        ({"0": ["query"]}, "into variables"),
        ({"0": "variables.files.0"}, "paths"),
        ({"9": ["variables.files.0"]}, "not a file part"),
    ],
    ids=str,
)
async def test_malformed_multipart_maps_are_a_400(
    client: httpx.AsyncClient, worker: str, files_map: Any, says: str
) -> None:
    response = await _multipart(client, worker, files_map)

    assert response.status_code == 400 and says in response.text, response.text


async def test_a_text_part_where_a_file_belongs_is_a_400(
    client: httpx.AsyncClient, worker: str
) -> None:
    response = await _multipart(
        client, worker, {"f": ["variables.files.0"]}, files={"x": ("a", b"")}, data={"f": "text"}
    )

    assert response.status_code == 400 and "not a file part" in response.text


async def test_anonymous_uploads_are_refused_before_the_body_is_read(
    app: Any, settings: Settings
) -> None:
    read: list[int] = []
    body = b"--b\r\n" + b"x" * 65536

    async def receive() -> dict[str, Any]:
        read.append(1)
        return {"type": "http.request", "body": body, "more_body": len(read) < 1000}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "headers": [
            (b"content-type", b"multipart/form-data; boundary=b"),
            (b"content-length", str(60 * 1_048_576).encode()),
        ],
    }
    await app(scope, receive, send)

    assert sent[0]["status"] == 401
    assert len(read) <= 1  # nothing of the 60 MiB was read


# ---------------------------------------------------------------- smaller ones


async def test_exported_cells_never_run_as_formulas(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    household = household_input()
    household["members"][0]["person"]["currentAddress"] = '=HYPERLINK("http://evil/","点我")'
    household["members"][1]["person"]["currentAddress"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    registered = await gql(
        client,
        "mutation($input: RegisterHouseholdInput!) { registerHousehold(input: $input) { __typename } }",
        {"input": household},
        token=worker,
    )
    assert registered["data"]["registerHousehold"]["__typename"] == "HouseholdPayload", registered

    _, township = await factories.signed_in("township_centre", "410611001")
    body = await gql(client, "{ exportPeople { csv } }", token=township)

    rows = list(csv.DictReader(io.StringIO(body["data"]["exportPeople"]["csv"])))
    addresses = sorted(row["current_address"] for row in rows)
    assert addresses == ['\'=HYPERLINK("http://evil/","点我")', "'@SUM(1+1)*cmd|' /C calc'!A0"]


async def test_a_websocket_frame_of_the_wrong_shape_closes_with_4400(ws_url: str) -> None:  # noqa: F811
    for frame in ("[1,2,3]", '"text"', '{"type": 7}', "{}"):
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(frame)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400, frame


@pytest.mark.parametrize(
    ("document", "variables", "path"),
    [
        (
            "mutation($input: ReportEventInput!) { reportEvent(input: $input) { __typename } }",
            {
                "input": {
                    "title": "x" * 201,
                    "categoryKey": "city.0601",
                    "regionCode": "410611001001001",
                }
            },
            "$input.title",
        ),
        (
            'mutation($input: UpdateRegionInput!) { updateRegion(code: "410611001001001", input: $input) { __typename } }',
            {"input": {"name": "x" * 101}},
            "$input.name",
        ),
    ],
    ids=["event title", "region name"],
)
async def test_column_lengths_hold_for_every_input(
    client: httpx.AsyncClient, admin: str, document: str, variables: dict[str, Any], path: str
) -> None:
    body = await gql(client, document, variables, token=admin)

    assert path in refused(body)
