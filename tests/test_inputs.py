"""Input objects built by their per-type plan (schema/fast/inputs.py) are what strawberry's own
conversion builds: the same values, the same errors with the same paths, for the same documents
— checked side by side on two copies of a schema with every kind of input field, one with the
converters installed and one without."""

import dataclasses
import datetime
import uuid
from enum import StrEnum
from typing import Any

import pytest
import strawberry
from strawberry.relay import GlobalID
from strawberry.scalars import JSON
from strawberry.types.base import StrawberryObjectDefinition

from schema.fast import install
from schema.fast.inputs import InputConverter


@strawberry.enum
class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def build(*, converters: bool) -> strawberry.Schema:
    """A fresh set of input classes (a converter is installed on a class, so each schema gets its
    own) and a schema whose fields answer with the repr of what their resolver received."""

    @strawberry.input
    class Leaf:
        name: str
        weight: float = 1.5
        tags: list[str] = strawberry.field(default_factory=list)

    @strawberry.input
    class Probe:
        """Builds itself (like a pydantic input) and records where in the arguments it was."""

        name: str
        path: str | None = None

    Probe.__strawberry_definition__.from_input = lambda cls, value, context: cls(  # type: ignore[attr-defined]
        name=value["name"], path=".".join(map(str, context.path))
    )

    @strawberry.input
    class Everything:
        colour: Colour | None = None
        colours: list[Colour] | None = None
        maybe_colours: list[Colour | None] | None = None
        required_text: str = strawberry.field(description="no default")
        count: int = 3
        flag: bool | None = None
        ratio: float | None = None
        id: strawberry.ID | None = None
        ids: list[strawberry.ID] | None = None
        global_id: GlobalID | None = None
        uuid_value: uuid.UUID | None = None
        when: datetime.datetime | None = None
        day: datetime.date | None = None
        blob: JSON | None = None
        renamed: str | None = strawberry.field(default=None, name="otherName")
        leaf: Leaf | None = None
        leaves: list[Leaf] | None = None
        nested_lists: list[list[int]] | None = None
        probe: Probe | None = None
        probes: list[Probe] | None = None
        implicit: str | None

    @strawberry.input
    class Range:
        low: int = 0
        high: int = 10

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    def show(value: Any) -> str:
        if dataclasses.is_dataclass(value):
            fields = ", ".join(
                f"{f.name}={show(getattr(value, f.name))}" for f in dataclasses.fields(value)
            )
            return f"{type(value).__name__}({fields})"
        if isinstance(value, list):
            return "[" + ", ".join(show(item) for item in value) + "]"
        return f"{type(value).__name__}:{value!r}"

    @strawberry.type
    class Query:
        @strawberry.field
        def everything(self, value: Everything) -> str:
            return show(value)

        @strawberry.field
        def optional(self, value: Everything | None = None) -> str:
            return show(value)

        @strawberry.field
        def many(self, values: list[Leaf], probes: list[Probe] | None = None) -> str:
            return show(values) + show(probes)

        @strawberry.field
        def range(self, value: Range = Range(low=1, high=2)) -> str:  # noqa: B008
            return show(value)

    schema = install(strawberry.Schema(query=Query), enabled=converters)
    if converters:
        assert isinstance(Everything.__strawberry_definition__.from_input, InputConverter)  # type: ignore[attr-defined]
    return schema


PLAIN = build(converters=False)
PLANNED = build(converters=True)

GID = str(GlobalID("Thing", "42"))
DOCUMENTS: list[tuple[str, dict[str, Any] | None]] = [
    ('{ everything(value: {requiredText: "a"}) }', None),
    (
        """{ everything(value: {requiredText: "a", colour: RED, colours: [RED, GREEN],
             maybeColours: [null, GREEN], count: 7, flag: false, ratio: 0.25, id: "x",
             ids: ["1", "2"], globalId: "$gid", uuidValue: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
             when: "2026-01-02T03:04:05+00:00", day: "2026-01-02", blob: {a: [1, "b"]},
             otherName: "r", leaf: {name: "n"}, leaves: [{name: "p", tags: ["t"]},
             {name: "q", weight: 2}], nestedLists: [[1, 2], []], implicit: "i",
             probe: {name: "one"}, probes: [{name: "two"}, {name: "three"}]}) }""".replace(
            "$gid", GID
        ),
        None,
    ),
    (
        """{ everything(value: {requiredText: "a", colour: null, colours: null, leaf: null,
             leaves: null, implicit: null, flag: null, globalId: null}) }""",
        None,
    ),
    ("query($v: Everything!) { everything(value: $v) }", {"v": {"requiredText": "v"}}),
    (
        "query($v: Everything!) { everything(value: $v) }",
        {
            "v": {
                "requiredText": "v",
                "colours": ["GREEN"],
                "ids": ["3"],
                "leaves": [{"name": "x", "tags": ["a", "b"]}],
                "globalId": GID,
                "blob": {"k": None},
                "when": "2026-05-06T07:08:09+08:00",
            }
        },
    ),
    ("query($v: Everything) { optional(value: $v) }", {"v": None}),
    ("query($v: Everything) { optional(value: $v) }", {}),
    ("{ optional }", None),
    ('{ many(values: [{name: "a"}, {name: "b", weight: 3, tags: []}]) }', None),
    ('{ many(values: [], probes: [{name: "x"}]) }', None),
    ("query($v: [Leaf!]!) { many(values: $v) }", {"v": {"name": "single"}}),
    ("{ range }", None),
    ("{ range(value: {high: 5}) }", None),
    ("query($v: Range!) { range(value: $v) }", {"v": {"low": 3}}),
    # bad inputs: rejected by graphql-core before conversion, or by the conversion itself
    ('{ everything(value: {requiredText: "a", globalId: "not-a-global-id"}) }', None),
    ("query($v: Everything!) { everything(value: $v) }", {"v": {"globalId": GID}}),
    (
        "query($v: Everything!) { everything(value: $v) }",
        {"v": {"requiredText": "a", "colour": "BLUE"}},
    ),
    ('{ everything(value: {requiredText: "a", uuidValue: "nope"}) }', None),
    ('{ everything(value: {requiredText: "a", count: "three"}) }', None),
    ("{ range(value: {low: 9, high: 1}) }", None),
    ("query($v: Range!) { range(value: $v) }", {"v": {"low": 11}}),
    ('{ a: range(value: {low: 9, high: 1}) b: many(values: [{name: "ok"}]) }', None),
]


def outcome(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    return result.data, [(error.message, error.path) for error in result.errors or []]


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
async def test_planned_inputs_match_strawberrys(
    document: str, variables: dict[str, Any] | None
) -> None:
    plain = outcome(await PLAIN.execute(document, variable_values=variables))
    planned = outcome(await PLANNED.execute(document, variable_values=variables))

    assert planned == plain
    assert plain[0] is not None or plain[1]  # every document gives data or an error


@pytest.mark.parametrize(("document", "variables"), DOCUMENTS)
async def test_a_schema_with_the_fast_path_off_converts_as_strawberry_does(
    document: str, variables: dict[str, Any] | None
) -> None:
    # the input classes of PLANNED, whose converters are installed, in a schema that is stock
    stock = install(strawberry.Schema(query=PLANNED.query), enabled=False)
    definition = stock.get_type_by_name("Everything")
    assert isinstance(definition, StrawberryObjectDefinition)
    converter = definition.from_input
    assert isinstance(converter, InputConverter)  # the hook stays installed, and steps aside

    got = outcome(await stock.execute(document, variable_values=variables))

    assert got == outcome(await PLAIN.execute(document, variable_values=variables))
    assert converter.plan is None or converter.plan.config is not stock.config


async def test_the_bad_inputs_fail_and_the_good_ones_arrive() -> None:
    good = outcome(
        await PLANNED.execute(
            "query($v: Everything!) { everything(value: $v) }",
            variable_values={"v": {"requiredText": "a", "colours": ["RED"], "globalId": GID}},
        )
    )
    bad = outcome(await PLANNED.execute("{ range(value: {low: 9, high: 1}) }"))
    probed = outcome(await PLANNED.execute(DOCUMENTS[1][0]))

    assert "colours=[Colour:<Colour.RED: 'red'>]" in good[0]["everything"]
    assert "global_id=GlobalID(type_name=str:'Thing', node_id=str:'42')" in good[0]["everything"]
    assert bad == (None, [("low above high", ["range"])])
    assert "Probe(name=str:'three', path=str:'value.probes.1')" in probed[0]["everything"]


async def test_a_list_default_is_not_shared_between_requests() -> None:
    @strawberry.input
    class Tags:
        # a default published in the schema: graphql-core hands the same list to every request
        tags: list[str] = ("a",)  # type: ignore[assignment]

    seen: list[list[str]] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def tag(self, value: Tags) -> int:
            seen.append(value.tags)
            value.tags.append("changed")
            return len(value.tags)

    schema = install(strawberry.Schema(query=Query), enabled=True)
    first = await schema.execute("{ tag(value: {}) }")
    second = await schema.execute("{ tag(value: {}) }")

    assert first.data == second.data == {"tag": 2}
    assert seen[0] is not seen[1]
