"""The executor's short path for plain fields gives what graphql-core's own path gives:
the same data, the same errors with the same paths, the same null propagation, for the same
documents — checked side by side on a schema with every kind of field the short path meets."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import pytest
import strawberry
from graphql import GraphQLScalarType
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.fast import execution
from schema.fast.execution import Executor, plan


@strawberry.enum
class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class Never(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.interface
class Named:
    label: str


@strawberry.type
class Inner(Named):
    code: str
    optional: int | None = None

    @strawberry.field
    async def shout(self) -> str:
        return self.code.upper()

    @strawberry.field
    async def fails(self) -> str | None:
        raise ValueError(f"no {self.code}")

    @strawberry.field
    async def fails_hard(self) -> str:
        raise ValueError(f"never {self.code}")


@strawberry.type
class Other:
    code: str


@strawberry.type
class Row:
    name: str
    colour: Colour
    maybe: int | None
    at: datetime
    broken_required: str  # holds None on some rows: a non-null error
    wrong_enum: Colour  # holds a value the enum refuses on some rows
    inner: Inner | None
    required_inner: Inner
    children: list[Inner]  # holds a None on one row: a non-null item error
    maybe_children: list[Inner | None] | None
    mistyped: Inner | None  # holds an Other on one row
    tags: list[str]
    pending: str  # holds a coroutine: graphql-core awaits plain attributes too
    pending_inner: Inner | None  # likewise
    pending_other: Other | None  # likewise, of a type without `is_type_of`
    cast_away: Inner | None  # an Inner cast to Other on one row: `is_type_of` refuses it
    tuple_children: list[Inner]  # a tuple, not a list
    big: int  # out of Int's range on one row
    key: UUID
    secret: str = strawberry.field(permission_classes=[Never])

    @strawberry.field
    def computed(self, times: int = 1) -> str:
        return self.name * times

    @strawberry.field
    async def later(self) -> str:
        return self.name.upper()


class _Eventually:
    """An awaitable that, unlike a coroutine, may stay unawaited (rows are built for every
    document, and most documents don't select the fields that hold one)."""

    def __init__(self, value: Any):
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from ()
        return self.value


def _row(index: int) -> Row:
    return Row(
        name=f"r{index}",
        colour=Colour.GREEN if index % 2 else Colour.RED,
        maybe=None if index % 3 == 0 else index,
        at=datetime(2026, 1, 1, index, tzinfo=UTC),
        broken_required=None if index == 2 else f"b{index}",  # type: ignore[arg-type]
        wrong_enum="purple" if index == 1 else Colour.RED,  # type: ignore[arg-type]
        inner=Inner(label="i", code=f"c{index}") if index % 2 else None,
        required_inner=Inner(label="r", code=f"r{index}", optional=index),
        children=[Inner(label="k", code=f"k{index}{k}") for k in range(3)]
        + ([None] if index == 3 else []),  # type: ignore[list-item]
        maybe_children=None
        if index == 0
        else [Inner(label="m", code="m"), None, Inner(label="n", code=str(index))],
        mistyped=Other(code="o") if index == 1 else Inner(label="t", code="t"),  # type: ignore[arg-type]
        tags=["a", str(index)],
        pending=_Eventually(f"p{index}"),  # type: ignore[arg-type]
        pending_inner=_Eventually(Inner(label="p", code=f"p{index}")),  # type: ignore[arg-type]
        pending_other=_Eventually(Other(code=f"o{index}")) if index == 2 else Other(code="o"),  # type: ignore[arg-type]
        cast_away=strawberry.cast(Other, Inner(label="c", code="c"))
        if index == 3
        else Inner(label="c", code="c"),
        tuple_children=(Inner(label="t", code=f"t{index}"),),  # type: ignore[arg-type]
        big=2**40 if index == 1 else index,
        key=UUID(int=index),
        secret="s",
    )


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [_row(i) for i in range(4)]

    @strawberry.field
    def row(self) -> Row:
        return _row(2)


class Uppercase(SchemaExtension):
    """A resolving extension (middleware): the short path must step aside."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


def _schemas(extensions: list[Any]) -> tuple[strawberry.Schema, strawberry.Schema]:
    return (
        strawberry.Schema(
            query=Query,
            extensions=extensions,
            execution_context_class=StrawberryGraphQLCoreExecutionContext,
        ),
        strawberry.Schema(query=Query, extensions=extensions, execution_context_class=Executor),
    )


DOCUMENTS = [
    "{ rows { name pending pendingInner { code shout } } }",
    "{ rows { inner { code label optional } requiredInner { code label optional } } }",
    "{ rows { children { code shout } } }",
    "{ rows { maybeChildren { code shout optional } name } }",
    "{ rows { maybeChildren { code fails } name } }",
    "{ rows { maybeChildren { code failsHard } name } }",
    "{ rows { requiredInner { failsHard } name } }",
    "{ rows { name mistyped { code } } }",
    "{ row { children { code } name } }",
    "{ rows { name children { __typename ... on Named { label } code } } }",
    "{ rows { name maybeChildren @include(if: true) { code } } }",
    "{ rows { name colour maybe at } }",
    "{ rows { a: name b: name name colour c: colour } }",
    "{ rows { __typename name inner { code } tags } }",
    "{ rows { name computed computed3: computed(times: 3) later } }",
    "{ rows { name broken_required: brokenRequired maybe } }",
    "{ rows { name wrongEnum at } }",
    "{ row { name brokenRequired } }",
    "{ rows { name secret } }",
    "query($skip: Boolean!) { rows { name @skip(if: $skip) colour @include(if: $skip) maybe } }",
    "{ rows { ...F colour } } fragment F on Row { name maybe name }",
    "{ rows { ... on Row { name } later name } }",
    # selections plain down to their leaves, with something on the way the short path refuses
    "{ rows { maybeChildren { code optional } requiredInner { code label } } }",
    "{ rows { children { code label } name } }",
    "{ rows { castAway { code } tupleChildren { code } name } }",
    "{ rows { name big key at } }",
    "{ rows { pendingOther { code } name } }",
    "{ rows { name mistyped { code label } inner { code } } }",
    "{ row { requiredInner { code label optional } tags at colour } }",
]


def _outcome(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = sorted((error.message, error.path) for error in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("extensions", [[], [Uppercase]], ids=["plain", "middleware"])
async def test_same_outcome_as_graphql_core(document: str, extensions: list[Any]) -> None:
    reference, short = _schemas(extensions)
    variables = {"skip": True}
    expected = await reference.execute(document, variable_values=variables)
    got = await short.execute(document, variable_values=variables)
    assert _outcome(got) == _outcome(expected)
    # key order of every object too, as clients may show it
    assert repr(got.data) == repr(expected.data)


async def test_errors_of_the_general_path_still_arise() -> None:
    _, short = _schemas([])
    result = await short.execute("{ rows { name brokenRequired } }")
    assert result.data is None  # a non-null row field nulls the non-null list, then the root
    assert [error.path for error in result.errors or []] == [["rows", 2, "brokenRequired"]]
    result = await short.execute("{ rows { wrongEnum } }")
    assert result.errors and result.errors[0].path == ["rows", 1, "wrongEnum"]


def test_which_fields_take_the_short_path() -> None:
    _, short = _schemas([])
    fields = short._schema.type_map["Row"].fields  # type: ignore[attr-defined]
    short_path = {name for name, field in fields.items() if plan(field) is not None}
    # plain scalars, enums, objects and lists of objects: not lists of scalars, resolvers,
    # arguments or permissions
    assert short_path == {
        "name",
        "colour",
        "maybe",
        "at",
        "brokenRequired",
        "wrongEnum",
        "inner",
        "requiredInner",
        "children",
        "maybeChildren",
        "mistyped",
        "pending",
        "pendingInner",
        "pendingOther",
        "castAway",
        "tupleChildren",
        "big",
        "key",
    }


def test_shortened_coercions_write_the_same_text() -> None:
    _, short = _schemas([])
    types = short._schema.type_map
    moments = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 25, 13, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8))),  # not UTC: the general path
        datetime(2026, 1, 1),  # noqa: DTZ001 - naive: likewise
    ]
    ids = [UUID(int=0), UUID(int=2**128 - 1), uuid4(), uuid4()]
    for name, values in (("DateTime", moments), ("UUID", ids), ("String", ["a", 1])):
        leaf = types[name]
        assert isinstance(leaf, GraphQLScalarType)
        coerce = execution._coercer(leaf)
        assert [coerce(value) for value in values] == [
            leaf.coerce_output_value(value) for value in values
        ]
