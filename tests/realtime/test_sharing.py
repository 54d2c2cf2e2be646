"""Fan-out once per group: a shared live message is executed and encoded once per selection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

from api.settings import Environment, Settings
from schema import build_schema
from schema.realtime.sharing import Frames, SharedResultExecutor, share
from tests import factories
from tests.realtime.servers import ApiProcess, Feed
from tests.realtime.test_event_feed import _report


@strawberry.type
class Reading:
    value: int
    label: str


@strawberry.type
class _Query:
    ok: bool = True


def _probe_schema(payloads: list[Reading]) -> strawberry.Schema:
    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def readings(self, after: int = 0) -> AsyncGenerator[Reading, None]:
            for payload in payloads:
                yield payload

    # As in the real schema, the parser cache makes one document one object for every subscriber.
    return strawberry.Schema(
        query=_Query,
        subscription=Subscription,
        execution_context_class=SharedResultExecutor,
        extensions=[lambda: ParserCache(maxsize=16)],
    )


async def _results(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> list[Any]:
    stream = await schema.subscribe(query, variable_values=variables)
    assert not hasattr(stream, "errors"), stream
    return [result async for result in stream]  # type: ignore[union-attr]


READINGS = """subscription($after: Int!, $withLabel: Boolean!) {
  readings(after: $after) { value label @include(if: $withLabel) }
}"""


async def test_subscribers_with_one_selection_share_one_result() -> None:
    payload = share(Reading(value=7, label="seven"))
    schema = _probe_schema([payload])

    # Root arguments choose events, not their shape: different cursors still share.
    first = await _results(schema, READINGS, {"after": 1, "withLabel": True})
    second = await _results(schema, READINGS, {"after": 2, "withLabel": True})
    without_label = await _results(schema, READINGS, {"after": 1, "withLabel": False})

    assert first[0].data == {"readings": {"value": 7, "label": "seven"}}
    assert second[0].data is first[0].data
    assert without_label[0].data == {"readings": {"value": 7}}
    assert without_label[0].data is not first[0].data


async def test_unshared_payloads_are_executed_per_subscriber() -> None:
    schema = _probe_schema([Reading(value=1, label="one")])
    first = await _results(schema, READINGS, {"after": 0, "withLabel": True})
    second = await _results(schema, READINGS, {"after": 0, "withLabel": True})
    assert first[0].data == second[0].data == {"readings": {"value": 1, "label": "one"}}
    assert first[0].data is not second[0].data


def test_a_shared_frame_is_the_same_json_as_an_unshared_one() -> None:
    frames = Frames(size=2)
    data = {"eventChanges": {"sequence": 3, "note": '已受理 "quoted"', "at": None}}
    frames.expect(data)
    for operation_id in ("1", 'odd"id'):
        message = {"id": operation_id, "type": "next", "payload": {"data": data}}
        assert json.loads(frames.encode(message)) == message
    other = {"id": "2", "type": "next", "payload": {"data": {"x": 1}, "errors": []}}
    assert json.loads(frames.encode(other)) == other
    # Forgotten once the bound is passed: encoded plainly again, still correct.
    frames.expect({"a": 1})
    frames.expect({"b": 2})
    message = {"id": "1", "type": "next", "payload": {"data": data}}
    assert json.loads(frames.encode(message)) == message


def _payload_types(type_: Any, seen: set[type]) -> None:
    while isinstance(type_, StrawberryOptional | StrawberryList):
        type_ = type_.of_type
    if not has_object_definition(type_) or type_ in seen:
        return
    seen.add(type_)
    for field in type_.__strawberry_definition__.fields:
        _payload_types(field.type, seen)


def test_feed_payloads_have_no_resolvers_that_could_differ_per_viewer() -> None:
    """Sharing one result between subscribers is sound only while this holds."""
    schema = build_schema(Settings(gridgov_env=Environment.TEST))
    subscription = schema.subscription
    assert subscription is not None
    seen: set[type] = set()
    for field in subscription.__strawberry_definition__.fields:
        assert field.base_resolver is not None
        _payload_types(field.type, seen)  # strawberry unwraps AsyncGenerator[T, None] to T
    assert seen, "no payload types found"
    for type_ in seen:
        for field in type_.__strawberry_definition__.fields:
            where = f"{type_.__name__}.{field.name}"
            assert field.base_resolver is None, f"{where} has a resolver"
            assert not field.permission_classes and not field.extensions, f"{where} is guarded"


CHANGES_WITH_NOTE = """
subscription($scope: String!, $withNote: Boolean!) {
  eventChanges(scope: $scope) { sequence action note @include(if: $withNote) event { uuid status } }
}"""


async def test_many_subscribers_of_one_process_each_get_their_own_selection(
    db: None, two_apis: tuple[ApiProcess, ApiProcess]
) -> None:
    api, _ = two_apis
    await factories.region_tree()
    _, township = await factories.signed_in("township_centre", "410611001")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    with_note = [Feed(api.ws, township) for _ in range(3)]
    without_note = [Feed(api.ws, township) for _ in range(2)]
    for feed in with_note:
        await feed.open(CHANGES_WITH_NOTE, {"scope": "410611001", "withNote": True})
    for feed in without_note:
        await feed.open(CHANGES_WITH_NOTE, {"scope": "410611001", "withNote": False})
    await asyncio.sleep(0.3)

    event = await _report(api, worker)

    for feed in with_note:
        message = await feed.next()
        assert message["payload"]["data"]["eventChanges"]["event"]["uuid"] == event["uuid"]
        assert "note" in message["payload"]["data"]["eventChanges"]
        assert message["id"] == "1"
    for feed in without_note:
        message = await feed.next()
        assert message["payload"]["data"]["eventChanges"]["event"]["uuid"] == event["uuid"]
        assert "note" not in message["payload"]["data"]["eventChanges"]
    for feed in [*with_note, *without_note]:
        await feed.close()
