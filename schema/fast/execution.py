"""Execution with a short path for plain fields.

graphql-core executes every field the same way: a Path, a resolve-info object, the resolver
(strawberry's wrapper around `getattr`), an awaitable check, then completion through a chain of
type tests — some fifteen to thirty calls for each field of each row, most of a 50-row list
page's time. Most fields of our types are plain attributes: no resolver, no arguments, no field
extensions (permissions are field extensions), no directives. For those this executor reads the
attribute and completes it inline: a scalar or enum through the type's own coercion; an object,
or a list of objects, by executing its sub-selection directly. It does what graphql-core's
completion does and in the same order — the same `is_type_of` check, the same null checks and
messages, the same error handling (`handle_field_error`) at the same paths — and hands anything
else to graphql-core: resolvers, arguments, abstract types, nested lists, awaitables, deferred
or streamed selections, a value that is an exception or not a list, a leaf its type refuses. A
side-by-side test keeps both executors' data, errors and key order equal. Schema extensions
that resolve (middleware) turn the short path off for the whole request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import orjson
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    get_nullable_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import invalid_return_type_error
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

LEAF, OBJECT, OBJECTS = 0, 1, 2
# Plan of one field: (kind, attribute, nullable, leaf coercion | object type, the field's type,
# its list's item type), None when it takes the general path. The types are what errors are
# handled against, taken once here rather than looked up again for every row.
_Plan = tuple[int, str, bool, Any, GraphQLOutputType, GraphQLOutputType | None] | None
_plans: dict[int, tuple[GraphQLField, _Plan]] = {}


def _plan_of(field: GraphQLField) -> _Plan:
    resolve = field.resolve
    if resolve is None or not getattr(resolve, "_is_default", False) or field.args:
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    if definition.default_resolver is not getattr:
        return None
    attribute, nullable = definition.python_name, not is_non_null_type(field.type)
    inner = get_nullable_type(field.type)
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return LEAF, attribute, nullable, _coercer(inner), field.type, None
    if isinstance(inner, GraphQLObjectType) and _plain_type_check(inner):
        return OBJECT, attribute, nullable, inner, field.type, None
    if isinstance(inner, GraphQLList):
        item = get_nullable_type(inner.of_type)
        if isinstance(item, GraphQLObjectType) and _plain_type_check(item):
            return OBJECTS, attribute, nullable, item, field.type, inner.of_type
    return None


def _plain_type_check(object_type: GraphQLObjectType) -> bool:
    """No `is_type_of`, or strawberry's, which is synchronous and never reads its info."""
    check = object_type.is_type_of
    return check is None or check.__module__ == "strawberry.schema.schema_converter"


def _coercer(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf's `coerce_output_value`, shortened where it is a pure type test: a `str` for
    String and ID is itself; a strawberry enum member maps to its name (strawberry scans the
    values, reading each `.value` through the enum's descriptor); a UUID, and a datetime in
    UTC, are written by orjson (tests/test_execution.py checks the texts are the same)."""
    general = leaf.coerce_output_value
    if leaf is GraphQLString or leaf is GraphQLID:

        def coerce_text(value: Any) -> Any:
            return value if type(value) is str else general(value)

        return coerce_text
    if general is str and leaf.name == "UUID":
        # strawberry's UUID scalar: orjson writes the same text three times faster
        def coerce_uuid(value: Any) -> Any:
            return orjson.dumps(value)[1:-1].decode() if type(value) is UUID else general(value)

        return coerce_uuid
    if leaf.name == "DateTime" and repr(general) == "operator.methodcaller('isoformat')":
        # strawberry's DateTime scalar: for a UTC time (what the driver returns) orjson writes
        # exactly `isoformat()`'s text, three times faster
        def coerce_datetime(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is UTC:
                return orjson.dumps(value)[1:-1].decode()
            return general(value)

        return coerce_datetime
    wrapped = getattr(leaf, "wrapped_cls", None)
    if not isinstance(leaf, GraphQLEnumType) or not isinstance(wrapped, type):
        return general
    names: dict[Any, str] = {}
    for member in cast("Iterable[Any]", wrapped):
        for name, value in leaf.values.items():
            if member.value == value.value:
                names.setdefault(member, name)
                break

    def coerce(value: Any) -> Any:
        if type(value) is wrapped:
            return names[value]  # a KeyError sends the field down the general path
        return general(value)

    return coerce


def plan(field: GraphQLField) -> _Plan:
    entry = _plans.get(id(field))
    if entry is not None and entry[0] is field:
        return entry[1]
    found = _plan_of(field)
    _plans[id(field)] = (field, found)  # holding the field keeps its id from being reused
    return found


# A selection's plan: (response name, field name, field plan, its details) per field, in order.
_Selection = tuple[tuple[str, str, _Plan, FieldDetailsList], ...]


_COMPLETED = (dict, list, type(None))  # results that are surely not awaitable
# values that are surely not awaitable (graphql-core awaits an attribute that holds a coroutine)
_PLAIN_VALUES = frozenset((str, int, float, bool, datetime, date, Decimal, UUID))


class _Fallback(Exception):
    """The short path cannot give graphql-core's outcome: take the general path."""


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the short path for plain fields."""

    # id of a grouped field set → (the set, kept so its id stays its own, its plan)
    _selection_memo: dict[int, tuple[GroupedFieldSet, _Selection]]

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection:
        # graphql-core collects a selection once per request and type, so every row of a list
        # comes with the same grouped field set: its plan is made once per request
        try:
            memo = self._selection_memo
        except AttributeError:
            memo = self._selection_memo = {}
        entry = memo.get(id(grouped_field_set))
        if entry is not None and entry[0] is grouped_field_set:
            return entry[1]
        found = self._plan_selection(parent_type, grouped_field_set)
        memo[id(grouped_field_set)] = (grouped_field_set, found)
        return found

    def _plan_selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection:
        fields = parent_type.fields
        planned = []
        for response_name, details in grouped_field_set.items():
            name = details[0].node.name.value
            field = fields.get(name)
            found = plan(field) if field is not None else None
            if found is not None and found[0] != LEAF and not self._plain_selection(found, details):
                found = None
            planned.append((response_name, name, found, details))
        return tuple(planned)

    def _plain_selection(self, found: Any, details: FieldDetailsList) -> bool:
        """No directives on the field (stream, or anything a later version adds) and nothing
        deferred below it."""
        if any(detail.node.directives for detail in details):
            return False
        return not self.collect_subfields(found[3], details)[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        manager = self.middleware_manager
        if position_context is not None or (
            manager is not None and manager._middleware_resolvers is not None
        ):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, name, found, details in self._selection(
                parent_type, grouped_field_set
            ):
                if found is not None:
                    if found[0] == LEAF:
                        try:
                            value = getattr(source_value, found[1])
                            if value is None:
                                if found[2]:
                                    results[response_name] = None
                                    continue
                            elif type(value) in _PLAIN_VALUES or not is_awaitable(value):
                                coerced = found[3](value)
                                if coerced is not None and coerced is not Undefined:
                                    results[response_name] = coerced
                                    continue
                        except Exception:  # noqa: S110 - the general path reports it properly
                            pass
                    else:
                        try:
                            result = self._composite(
                                found,
                                details,
                                Path(path, response_name, parent_type.name),
                                source_value,
                                parent_type,
                                name,
                            )
                        except _Fallback:
                            pass
                        else:
                            results[response_name] = result
                            if type(result) not in _COMPLETED and is_awaitable(result):
                                awaitable_fields.append(response_name)
                            continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            for name in awaitable_fields:
                results[name] = await results[name]
            return results

        if len(awaitable_fields) == 1:
            return get_results()
        return self._gathered(results, awaitable_fields)

    async def _gathered(self, results: dict[str, Any], names: list[str]) -> dict[str, Any]:
        awaited = await gather_with_cancel(*(results[name] for name in names))
        results.update(zip(names, awaited, strict=True))
        return results

    def _composite(
        self,
        found: Any,
        details: FieldDetailsList,
        path: Path,
        source: Any,
        parent_type: GraphQLObjectType,
        name: str,
    ) -> Any:
        """An object or list of objects, as `execute_field` + `complete_value` do it."""
        kind, attribute, nullable, object_type, field_type, item_return_type = found
        try:
            value = getattr(source, attribute)
        except Exception as error:
            raise _Fallback from error
        if (
            isinstance(value, Exception)
            or (kind == OBJECTS and not isinstance(value, list | tuple))
            or (kind == OBJECT and self.is_awaitable(value))
        ):
            raise _Fallback
        if kind == OBJECTS and any(self.is_awaitable(item) for item in value):
            raise _Fallback
        # from here on, exactly graphql-core's error handling of a field
        try:
            if value is None or value is Undefined:
                if nullable:
                    return None
                raise TypeError(
                    f"Cannot return null for non-nullable field {parent_type.name}.{name}."
                )
            if kind == OBJECT:
                completed = self._object(object_type, details, path, value)
            else:
                completed = self._objects(
                    object_type, item_return_type, details, path, value, parent_type, name
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, path)
            return None
        if self.is_awaitable(completed):
            return self._guarded(completed, field_type, details, path)
        return completed

    async def _guarded(
        self, completed: Awaitable[Any], return_type: Any, details: FieldDetailsList, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

    def _object(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, path: Path, value: Any
    ) -> AwaitableOrValue[Any]:
        if object_type.is_type_of is not None and not object_type.is_type_of(value, None):  # type: ignore[arg-type]
            raise invalid_return_type_error(object_type, value, details)
        grouped_field_set = self.collect_subfields(object_type, details)[0]
        return self.execute_fields(object_type, value, path, grouped_field_set, None)

    def _objects(
        self,
        item_type: GraphQLObjectType,
        item_return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
        items: list[Any] | tuple[Any, ...],
        parent_type: GraphQLObjectType,
        name: str,
    ) -> AwaitableOrValue[list[Any]]:
        items_nullable = not is_non_null_type(item_return_type)
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                try:
                    if item is None or item is Undefined:
                        if items_nullable:
                            completed.append(None)
                            continue
                        raise TypeError(
                            f"Cannot return null for non-nullable field {parent_type.name}.{name}."
                        )
                    if isinstance(item, Exception):
                        raise item
                    result = self._object(item_type, details, item_path, item)
                    if is_awaitable(result):
                        completed.append(
                            self._guarded(result, item_return_type, details, item_path)
                        )
                        awaitable_indices.append(index)
                    else:
                        completed.append(result)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_return_type, details, item_path)
                    completed.append(None)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[index] for index in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed
        return self._gathered_items(completed, awaitable_indices)

    async def _gathered_items(self, completed: list[Any], indices: list[int]) -> list[Any]:
        awaited = await gather_with_cancel(*(completed[index] for index in indices))
        for index, value in zip(indices, awaited, strict=True):
            completed[index] = value
        return completed
