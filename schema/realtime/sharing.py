"""Fan-out done once per group: a live message is executed and encoded once for every subscriber
in this process that sent the same subscription document, not once per subscriber.

The hub hands every listener of a channel the same converted payload object (`share` marks it).
The executor keeps each result on that payload, keyed by the operation and the values of the
variables its selection uses, so the next subscriber with the same selection gets the same
result; the view encodes that result once and splices each subscriber's operation id around it.
This is sound because a feed's payload types have no resolvers of their own: what a subscriber
sees of a message depends on the message and the selection alone (a test keeps it so), while the
subscription's arguments (scope, after) only choose which messages arrive."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, TypeVar

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    visit,
)

from schema.fast.execution import Executor

T = TypeVar("T")
_RESULTS = "_gridgov_shared_results"
# Bounds on what is remembered across messages: selections seen, and encoded results in flight.
_MAX_SELECTIONS = 1024
_MAX_FRAMES = 1024


def share(payload: T) -> T:
    """Mark a payload that every subscriber of a channel receives as one and the same object."""
    payload.__dict__[_RESULTS] = {}
    return payload


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names.add(node.name.value)


_selection_variables: OrderedDict[int, tuple[OperationDefinitionNode, tuple[str, ...]]] = (
    OrderedDict()
)


def selection_variables(
    operation: OperationDefinitionNode, fragments: dict[str, Any]
) -> tuple[str, ...]:
    """Variables that shape the result of one event: those under the root fields (and on their
    directives, and in fragments), not the root fields' own arguments."""
    entry = _selection_variables.get(id(operation))
    if entry is not None and entry[0] is operation:
        return entry[1]
    collector = _VariableNames()
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            for directive in selection.directives or ():
                visit(directive, collector)
            if selection.selection_set is not None:
                visit(selection.selection_set, collector)
        else:
            visit(selection, collector)
    for fragment in fragments.values():
        visit(fragment, collector)
    names = tuple(sorted(collector.names))
    _selection_variables[id(operation)] = (operation, names)
    if len(_selection_variables) > _MAX_SELECTIONS:
        _selection_variables.popitem(last=False)
    return names


def group_key(
    operation: OperationDefinitionNode, fragments: dict[str, Any], coerced: dict[str, Any]
) -> tuple[int, bytes]:
    """Subscribers with one key see the same result of a shared payload: the same operation
    (one object per document: the parser cache) and the same values of its selection's
    variables."""
    names = selection_variables(operation, fragments)
    values = orjson.dumps([coerced.get(name) for name in names], default=str) if names else b""
    return id(operation), values


@dataclass(frozen=True)
class Selection:
    """What one subscription selects, enough to execute it on a payload without Strawberry's
    per-event pipeline (api.feeds.wire's fast path)."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any] | None  # as the client sent them
    key: tuple[int, bytes]


# group key → (its operation, kept so the id stays its own; an executor for its selection)
_executors: OrderedDict[tuple[int, bytes], tuple[OperationDefinitionNode, Any]] = OrderedDict()


def _executor(selection: Selection) -> Any:
    entry = _executors.get(selection.key)
    if entry is not None and entry[0] is selection.operation:
        _executors.move_to_end(selection.key)
        return entry[1]
    document = DocumentNode(definitions=(selection.operation, *selection.fragments.values()))
    # No context: a feed's payload types have no resolvers of their own (see the module's
    # docstring), so the result depends on the payload and the selection alone.
    built = SharedResultExecutor.build(
        selection.schema, document, raw_variable_values=selection.variables
    )
    if isinstance(built, list):  # the variables did not coerce: leave it to the ordinary path
        return None
    _executors[selection.key] = (selection.operation, built)
    if len(_executors) > _MAX_SELECTIONS:
        _executors.popitem(last=False)
    return built


def shared_frame(payload: object, selection: Selection) -> str | None:
    """The encoded `data` of a shared payload for a selection: executed and encoded once per
    process (by whichever subscriber of the selection comes first, here or through Strawberry),
    None when it cannot be shared (an unshared payload, errors, an awaitable result)."""
    results = getattr(payload, _RESULTS, None)
    if results is None:
        return None
    hit = results.get(selection.key)
    if hit is None or hit[0] is not selection.operation:
        executor = _executor(selection)
        if executor is None:
            return None
        result = executor.build_per_event_executor(payload).execute_operation(False)
        if isawaitable(result):
            if hasattr(result, "close"):
                result.close()
            return None
        hit = results.get(selection.key)
        if hit is None or hit[1] is not result:
            return None  # not stored: it had errors
    data = hit[1].data
    encoded = frames.encoded(data)
    if encoded is None:
        encoded = frames.encode_data(data)
    return encoded


class SharedResultExecutor(Executor):
    """Executes a shared live message once per (operation, selection variables) per process."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        results = getattr(self.root_value, _RESULTS, None)
        operation = self.operation
        if results is None or operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = group_key(operation, self.fragments, self.variable_values.coerced)
        hit = results.get(key)
        if hit is not None and hit[0] is operation:
            return hit[1]
        result = super().execute_operation(serially)
        if isinstance(result, ExecutionResult) and not result.errors and result.data is not None:
            results[key] = (operation, result)
            frames.expect(result.data)
        return result


class Frames:
    """Encodes a shared result once; every subscriber's `next` frame is spliced around it."""

    def __init__(self, size: int = _MAX_FRAMES):
        self._size = size
        # id(data) → (data, its encoding): holding `data` keeps the id from being reused
        self._encoded: OrderedDict[int, tuple[Any, str | None]] = OrderedDict()

    def expect(self, data: Any) -> None:
        self._encoded[id(data)] = (data, None)
        if len(self._encoded) > self._size:
            self._encoded.popitem(last=False)

    def encoded(self, data: Any) -> str | None:
        entry = self._encoded.get(id(data))
        if entry is None or entry[0] is not data:
            return None
        return entry[1]

    def encode_data(self, data: Any) -> str:
        encoded = orjson.dumps(data).decode()
        self._encoded[id(data)] = (data, encoded)
        if len(self._encoded) > self._size:
            self._encoded.popitem(last=False)
        return encoded

    def encode(self, message: object) -> str:
        shared = self._shared_next(message)
        if shared is None:
            return orjson.dumps(message).decode()
        operation_id, data = shared
        entry = self._encoded[id(data)]
        encoded = entry[1]
        if encoded is None:
            encoded = orjson.dumps(data).decode()
            self._encoded[id(data)] = (data, encoded)
        return (
            f'{{"id":{orjson.dumps(operation_id).decode()},"type":"next",'
            f'"payload":{{"data":{encoded}}}}}'
        )

    def _shared_next(self, message: object) -> tuple[str, Any] | None:
        if not isinstance(message, dict) or message.get("type") != "next" or len(message) != 3:
            return None
        payload = message.get("payload")
        if not isinstance(payload, dict) or len(payload) != 1 or "data" not in payload:
            return None
        data = payload["data"]
        entry = self._encoded.get(id(data))
        if entry is None or entry[0] is not data:
            return None
        return message["id"], data


frames = Frames()
