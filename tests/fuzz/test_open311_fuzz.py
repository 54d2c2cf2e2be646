"""Fuzzing the Open311 facade as a client with a valid key would (and one without): any path
name, any query string or form, always the spec's error body or an answer, never a 5xx."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.fuzz.strategies import DATETIMES, TEXT, leaks
from tests.intake.helpers import api_key

EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "3")) * 40
RANDOM = os.environ.get("GRIDGOV_FUZZ_RANDOM") == "1"

PARAMETERS = [
    "jurisdiction_id",
    "service_code",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
    "lat",
    "long",
    "address_string",
    "description",
    "attribute[urgency]",
    "attribute[title]",
    "first_name",
    "last_name",
    "phone",
    "address_id",
]
VALUES = st.one_of(
    TEXT,
    DATETIMES,
    st.sampled_from(["4106", "city.0601", "open,closed", "NaN", "inf", "1e999", "-91", "114.3"]),
    st.text(min_size=150, max_size=250),
)
RESOURCES = st.sampled_from(
    ["services", "services/{name}", "requests", "requests/{name}", "{name}"]
)
NAMES = st.one_of(TEXT, st.sampled_from(["%00", "x" * 30, "city.0601", "a.xml", "b.json"]))
FORMATS = st.sampled_from([".json", ".xml", "", ".html", ".%00"])


@pytest.fixture
async def key(db: None) -> str:
    await factories.region_tree()
    return await api_key("410611")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(
    resource=RESOURCES,
    name=NAMES,
    suffix=FORMATS,
    method=st.sampled_from(["GET", "POST"]),
    params=st.dictionaries(st.sampled_from(PARAMETERS), VALUES, max_size=6),
    with_key=st.booleans(),
)
async def test_open311_never_fails_on_its_side(
    client: httpx.AsyncClient,
    key: str,
    resource: str,
    name: str,
    suffix: str,
    method: str,
    params: dict[str, str],
    with_key: bool,
) -> None:
    if with_key:
        params = {**params, "api_key": key}
    path = "/open311/v2/" + resource.format(name=quote(name, safe="")) + suffix
    if method == "GET":
        response = await client.get(path, params=params)
    else:
        response = await client.post(path, data=params)

    assert response.status_code < 500, (path, params, response.text[:300])
    if 400 <= response.status_code < 500 and "/open311/v2/" in path and response.status_code != 405:
        body = _errors(response)
        if body is not None:
            assert not leaks(body[0]["description"]), body
    if response.headers.get("content-type", "").startswith("text/xml"):
        ElementTree.fromstring(response.content)  # well-formed


def _errors(response: httpx.Response) -> Any:
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        assert isinstance(body, list) and {"code", "description"} <= set(body[0]), body
        return body
    return None
