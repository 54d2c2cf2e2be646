"""Schema-driven fuzzing (hypothesis-graphql) of every root Query and Mutation field, as a grid
worker and as a city administrator, against a production-mode app: whatever the arguments,
the answer is a typed client error or data, never a 5xx, never INTERNAL_SERVER_ERROR, and no
message carries Python's own text.

Bounded for the normal suite (GRIDGOV_FUZZ_EXAMPLES rounds over every field, derandomized so
CI is repeatable); set GRIDGOV_FUZZ_EXAMPLES higher and GRIDGOV_FUZZ_RANDOM=1 to hunt."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from graphql import GraphQLNonNull, get_named_type
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from api.app import create_app
from api.settings import Environment, Settings
from schema import build_schema
from tests import factories
from tests.fuzz.strategies import CUSTOM_SCALARS, leaks

ROUNDS = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "3"))
# Every root field is fuzzed in one of these slices (every CHUNKS-th field), one Hypothesis run
# each: a single run drawing a document for each of two hundred fields outgrows Hypothesis's
# choice buffer, and every overrun example is thrown away after most of its requests were sent.
CHUNKS = 12
RANDOM = os.environ.get("GRIDGOV_FUZZ_RANDOM") == "1"


def _root_fields(schema: Any) -> list[tuple[str, str]]:
    """(operation, field) for every root field that a document can call (fields that need a
    file part are the multipart fuzzer's)."""
    found = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            needs_file = any(
                isinstance(argument.type, GraphQLNonNull)
                and get_named_type(argument.type).name == "Upload"
                for argument in field.args.values()
            )
            if not needs_file:
                found.append((operation, name))
    return found


@pytest.fixture
async def production(db: None, settings: Settings) -> Any:
    return create_app(settings.model_copy(update={"gridgov_env": Environment.PRODUCTION}))


@pytest.fixture(scope="module")
def graphql_schema(settings: Settings) -> Any:
    production = settings.model_copy(update={"gridgov_env": Environment.PRODUCTION})
    return build_schema(production)._schema


@pytest.fixture(params=["grid_worker", "admin"])
async def caller(db: None, request: pytest.FixtureRequest) -> Any:
    await factories.region_tree()
    region = "410611001001001" if request.param == "grid_worker" else "4106"
    return await factories.user(request.param, region)


_STRATEGIES: dict[tuple[int, str, str], st.SearchStrategy[str]] = {}


def _strategy(schema: Any, operation: str, name: str) -> st.SearchStrategy[str]:
    """One field's document strategy, built once per schema: building it walks the schema's
    types, which costs more than drawing from it once the schema has a few hundred fields."""
    key = (id(schema), operation, name)
    if key not in _STRATEGIES:
        build = gql_st.queries if operation == "query" else gql_st.mutations
        _STRATEGIES[key] = build(schema, fields=[name], custom_scalars=CUSTOM_SCALARS)
    return _STRATEGIES[key]


@settings(
    max_examples=ROUNDS,
    deadline=None,
    derandomize=not RANDOM,
    phases=[Phase.explicit, Phase.generate],  # every failure is listed; no shrinking
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
@pytest.mark.parametrize("chunk", range(CHUNKS))
async def test_no_field_answers_with_a_server_error(
    production: Any, graphql_schema: Any, caller: Any, chunk: int, data: st.DataObject
) -> None:
    failures: list[str] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=production), base_url="http://fuzz"
    ) as http:
        for operation, name in _root_fields(graphql_schema)[chunk::CHUNKS]:
            document = data.draw(_strategy(graphql_schema, operation, name), label=name)
            # a fresh session each time: an earlier call may have signed this one out
            token = await factories.token_for(caller)
            response = await http.post(
                "/graphql",
                json={"query": document},
                headers={"Authorization": f"Bearer {token}"},
            )
            failure = _failure(response)
            if failure:
                failures.append(f"{name}: {failure}\n    {document[:400]}")
    assert not failures, "\n".join(failures)


def _failure(response: httpx.Response) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code} {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {response.text[:300]}"
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        message = str(error.get("message"))
        if code == "INTERNAL_SERVER_ERROR" or code is None:
            return f"{code}: {message}"
        if leaks(message):
            return f"leaks Python text: {message[:300]}"
    return None
