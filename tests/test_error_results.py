"""The one place domain errors become union members: DomainErrorResults on a schema of its own,
with sync and async resolvers, a member missing at run time and one missing at start-up."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
import strawberry

from api.errors import Conflict, DomainError, NotAllowed, NotFound, RateLimited, ValidationFailed
from schema.errors import (
    ConflictError,
    DomainErrorResults,
    NotFoundError,
    UndeclaredErrorResult,
    ValidationError,
    map_domain_errors,
    result_type,
)


@strawberry.type
class Done:
    value: int


Outcome = Annotated[
    Done | ValidationError | NotFoundError | ConflictError, strawberry.union("Outcome")
]

RAISED: dict[str, DomainError] = {
    "invalid": ValidationFailed("bad input", field="value"),
    "missing": NotFound("thing", 7, field="id"),
    "conflict": Conflict("changed meanwhile"),
    "not-allowed": NotAllowed("not at your level"),  # its member is not in Outcome
}


def _outcome(error: str | None) -> Done:
    if error is not None:
        raise RAISED[error]
    return Done(value=1)


@strawberry.type
class Query:
    @strawberry.field
    def sync_step(self, error: str | None = None) -> Outcome:
        return _outcome(error)

    @strawberry.field
    async def async_step(self, error: str | None = None) -> Outcome:
        return _outcome(error)

    @strawberry.field
    def plain(self) -> int:
        return 1


map_domain_errors(Query)
SCHEMA = strawberry.Schema(query=Query)

DOCUMENT = """
query ($error: String) {
  syncStep(error: $error) { __typename ...Fields }
  asyncStep(error: $error) { __typename ...Fields }
}
fragment Fields on Outcome {
  ... on Done { value }
  ... on ValidationError { code field }
  ... on NotFoundError { code field }
  ... on ConflictError { code }
}
"""


@pytest.mark.parametrize(
    ("error", "typename", "code"),
    [
        (None, "Done", None),
        ("invalid", "ValidationError", "INVALID"),
        ("missing", "NotFoundError", "NOT_FOUND"),
        ("conflict", "ConflictError", "CONFLICT"),
    ],
)
async def test_a_raised_domain_error_is_its_union_member_sync_and_async(
    error: str | None, typename: str, code: str | None
) -> None:
    result = await SCHEMA.execute(DOCUMENT, variable_values={"error": error})
    assert result.errors is None
    assert result.data is not None
    for name in ("syncStep", "asyncStep"):
        assert result.data[name]["__typename"] == typename
        assert result.data[name].get("code") == code
    if error == "missing":
        assert result.data["syncStep"]["field"] == "id"


@pytest.mark.parametrize("field", ["syncStep", "asyncStep"])
async def test_an_error_whose_member_the_union_lacks_is_a_bug_not_a_wrong_type(field: str) -> None:
    result = await SCHEMA.execute(f'{{ {field}(error: "not-allowed") {{ __typename }} }}')
    assert result.errors is not None
    [error] = result.errors
    assert error.path == [field]
    assert isinstance(error.original_error, UndeclaredErrorResult)
    assert isinstance(error.original_error.__cause__, NotAllowed)


def test_only_fields_with_an_error_union_get_the_extension() -> None:
    definition = strawberry.types.get_object_definition(Query, strict=True)
    wrapped = {
        field.python_name
        for field in definition.fields
        if any(isinstance(extension, DomainErrorResults) for extension in field.extensions)
    }
    assert wrapped == {"sync_step", "async_step"}
    map_domain_errors(Query)  # a second call adds nothing
    assert all(len(field.extensions) <= 1 for field in definition.fields)


def test_a_union_lacking_a_declared_error_is_refused_when_the_schema_is_built() -> None:
    @strawberry.type
    class Throttled:
        @strawberry.field(extensions=[DomainErrorResults(raises=(RateLimited,))])
        def step(self) -> Outcome:
            return Done(value=1)

    with pytest.raises(TypeError, match="Outcome lacks RateLimitedError"):
        strawberry.Schema(query=Throttled)


def test_a_plain_result_type_is_refused_when_the_schema_is_built() -> None:
    @strawberry.type
    class Plain:
        @strawberry.field(extensions=[DomainErrorResults()])
        def step(self) -> Done:
            return Done(value=1)

    with pytest.raises(TypeError, match="needs a union result type"):
        strawberry.Schema(query=Plain)


def test_each_domain_error_maps_to_its_member() -> None:
    subclass: Any = type("Throttle", (RateLimited,), {})
    assert result_type(subclass).__name__ == "RateLimitedError"
    assert result_type(DomainError) is ValidationError
    assert result_type(ValidationFailed) is ValidationError
