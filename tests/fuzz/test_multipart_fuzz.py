"""Fuzzing GraphQL multipart requests (operations / map / parts) as a signed-in grid worker:
whatever the map names, the answer is a 400 with a message or a typed result, never a 5xx."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.fuzz.strategies import leaks

EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "3")) * 30
RANDOM = os.environ.get("GRIDGOV_FUZZ_RANDOM") == "1"

ATTACH = """mutation($id: ID!, $files: [Upload!]!, $note: String!) {
  attachToEvent(id: $id, files: $files, note: $note) { __typename }
}"""
APPEAL = """mutation($input: AppealInput!, $photos: [Upload!]) {
  submitAppeal(input: $input, photos: $photos) { __typename }
}"""

SEGMENTS = st.sampled_from(
    ["variables", "files", "photos", "0", "1", "7", "a", "b", "c", "note", ""]
)
PATHS = st.lists(SEGMENTS, min_size=0, max_size=6).map(".".join)
JSON_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
MAPS = st.one_of(
    st.dictionaries(st.sampled_from(["0", "1", "2", "x"]), st.lists(PATHS, max_size=3), max_size=3),
    st.dictionaries(st.sampled_from(["0", "1"]), JSON_JUNK, max_size=2),
    JSON_JUNK,
)
OPERATIONS = st.one_of(
    st.builds(
        lambda files, document: {
            "query": document,
            "variables": {
                "id": "RXZlbnQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw",
                "files": files,
                "photos": files,
                "note": "n",
                "input": {"title": "t", "description": "d", "categoryKey": "city.0601"},
            },
        },
        st.lists(st.none() | st.integers() | st.just({"a": None}), max_size=3),
        st.sampled_from([ATTACH, APPEAL]),
    ),
    JSON_JUNK,
)
PARTS = st.dictionaries(
    st.sampled_from(["0", "1", "2", "x", "operations", "map"]),
    st.tuples(st.booleans(), st.binary(max_size=64)),
    max_size=3,
)


@pytest.fixture
async def worker(db: None) -> str:
    await factories.region_tree()
    _, token = await factories.signed_in("grid_worker", "410611001001001")
    return token


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(operations=OPERATIONS, files_map=MAPS, parts=PARTS, raw_map=st.booleans())
async def test_multipart_requests_never_fail_on_our_side(
    client: httpx.AsyncClient,
    worker: str,
    operations: Any,
    files_map: Any,
    parts: dict[str, tuple[bool, bytes]],
    raw_map: bool,
) -> None:
    data = {
        "operations": json.dumps(operations),
        "map": "{not json" if raw_map and not files_map else json.dumps(files_map),
    }
    files = {name: ("f.jpg", content) for name, (is_file, content) in parts.items() if is_file}
    for name, (is_file, content) in parts.items():
        if not is_file and name not in data:
            data[name] = content.decode("latin-1")
    response = await client.post(
        "/graphql",
        data=data,
        files=files or {"unused": ("u", b"")},
        headers={"Authorization": f"Bearer {worker}"},
    )

    assert response.status_code < 500, (data, list(files), response.text[:300])
    assert not leaks(response.text) or response.status_code == 200, response.text[:300]
    if response.status_code == 200:
        for error in response.json().get("errors") or []:
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error
            assert not leaks(error["message"]), error
