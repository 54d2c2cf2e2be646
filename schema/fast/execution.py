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
that resolve (middleware) turn the short path off for the whole request.

A selection plain down to its leaves (a list page's `edges { node { … } }`) is compiled, once
per shape, into a Python function that builds the result dicts straight from the attributes,
with no dispatch per field. That function takes only the case where nothing can go wrong: at a
null where the type forbids one, a leaf its type refuses, an awaitable, an object `is_type_of`
refuses, or anything that raises, it gives up, and the per-field path above executes the
selection again and reports it as graphql-core does. Reading plain attributes twice is harmless:
they have no resolvers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from types import CoroutineType, GeneratorType
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
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import get_strawberry_type_cast

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


# the coercers that return a `str` as it is: compiled selections test for `str` inline
_TEXT_COERCERS: set[Callable[[Any], Any]] = set()
# the coercers of strawberry enums, with their enum: its members are surely not awaitable
_ENUM_COERCERS: dict[Callable[[Any], Any], type] = {}


def _coercer(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf's `coerce_output_value`, shortened where it is a pure type test: a `str` for
    String and ID is itself; a strawberry enum member maps to its name (strawberry scans the
    values, reading each `.value` through the enum's descriptor); a UUID, and a datetime in
    UTC, are written by orjson (tests/test_execution.py checks the texts are the same)."""
    general = leaf.coerce_output_value
    if leaf is GraphQLString or leaf is GraphQLID:

        def coerce_text(value: Any) -> Any:
            return value if type(value) is str else general(value)

        _TEXT_COERCERS.add(coerce_text)
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

    _ENUM_COERCERS[coerce] = wrapped
    return coerce


def plan(field: GraphQLField) -> _Plan:
    entry = _plans.get(id(field))
    if entry is not None and entry[0] is field:
        return entry[1]
    found = _plan_of(field)
    _plans[id(field)] = (field, found)  # holding the field keeps its id from being reused
    return found


# A compiled selection: its function, and its shape (the key it is compiled under).
_Compiled = tuple[Callable[[Any], dict[str, Any]], tuple[Any, ...]]
# A selection's plan: (response name, field name, field plan, its details) per field, in order.
_Selection = tuple[tuple[str, str, _Plan, FieldDetailsList], ...]


_COMPLETED = (dict, list, type(None))  # results that are surely not awaitable
# values that are surely not awaitable (graphql-core awaits an attribute that holds a coroutine)
_PLAIN_VALUES = frozenset((str, int, float, bool, datetime, date, Decimal, UUID))


# ---------------------------------------------------------------- compiled selections

# Compiled selections by shape: (object type, ((response name, field name, sub-shape), …)).
# Shapes come from documents, which clients repeat; the bound keeps a stream of distinct
# documents from growing it without end.
_compiled: dict[tuple[Any, ...], Callable[[Any], dict[str, Any]]] = {}
_COMPILED_LIMIT = 2000


class _GiveUp(Exception):
    """The compiled function met something only the per-field path handles correctly."""


def _give_up() -> Any:
    raise _GiveUp


# classes whose instances are surely not awaitable, learnt as objects of them come by
_INERT_TYPES: set[type] = set()


def _inert_or_give_up(value: Any) -> None:
    if optimized_is_awaitable(value):
        raise _GiveUp
    kind = type(value)
    if not hasattr(kind, "__await__") and not issubclass(kind, CoroutineType | GeneratorType):
        _INERT_TYPES.add(kind)


def _compile(
    object_type: GraphQLObjectType,
    fields: list[tuple[str, Any, Callable[[Any], dict[str, Any]] | None]],
) -> Callable[[Any], dict[str, Any]]:
    """A function building the selection's result from one object, raising when in doubt.

    Generated as source: a plain field costs one attribute read and, for text, one type test,
    which is what hand-written serialisation would do."""
    constants: dict[str, Any] = {
        "_GiveUp": _GiveUp,
        "_give_up": _give_up,
        "_is_awaitable": optimized_is_awaitable,
        "_Undefined": Undefined,
    }
    lines = ["def run(obj):"]
    check = object_type.is_type_of
    if check is not None:
        # strawberry's check passes an instance of the type itself that is not cast to another
        # type without further tests: asked first, that saves a call per row
        definition = (object_type.extensions or {}).get("strawberry-definition")
        constants.update(_check=check, _origin=getattr(definition, "origin", None))
        constants["_cast"] = get_strawberry_type_cast
        lines.append("    if type(obj) is not _origin or _cast(obj) is not None:")
        lines.append("        if not _check(obj, None): raise _GiveUp")
    else:
        # graphql-core awaits an awaitable object before completing it
        constants.update(_inert=_INERT_TYPES, _inert_or_give_up=_inert_or_give_up)
        lines.append("    if type(obj) not in _inert: _inert_or_give_up(obj)")
    entries = []
    for index, (response_name, found, sub) in enumerate(fields):
        kind, attribute, nullable, target = found[0], found[1], found[2], found[3]
        value, result = f"v{index}", f"r{index}"
        entries.append(f"{response_name!r}: {result}")
        lines.append(f"    {value} = obj.{attribute}")
        lines.append(f"    if {value} is None:")
        lines.append(f"        {result} = None" if nullable else "        raise _GiveUp")
        lines.append("    else:")
        if kind == LEAF:
            constants[f"c{index}"] = target
            if target in _TEXT_COERCERS:
                lines.append(
                    f"        {result} = {value} if type({value}) is str else c{index}({value})"
                )
            else:
                enum = _ENUM_COERCERS.get(target)
                constants[f"p{index}"] = _PLAIN_VALUES | {enum} if enum else _PLAIN_VALUES
                lines.append(
                    f"        if type({value}) not in p{index} and _is_awaitable({value}):"
                    " raise _GiveUp"
                )
                lines.append(f"        {result} = c{index}({value})")
            lines.append(f"        if {result} is None or {result} is _Undefined: raise _GiveUp")
        elif kind == OBJECT:
            constants[f"s{index}"] = sub
            lines.append(f"        {result} = s{index}({value})")
        else:
            constants[f"s{index}"] = sub
            item = "None" if not is_non_null_type(found[5]) else "_give_up()"
            lines.append(
                f"        if type({value}) is not list and type({value}) is not tuple:"
                " raise _GiveUp"
            )
            lines.append(
                f"        {result} = [{item} if x is None else s{index}(x) for x in {value}]"
            )
    lines.append("    return {" + ", ".join(entries) + "}")
    namespace = dict(constants)
    exec("\n".join(lines), namespace)  # noqa: S102 - the source is built here from schema names
    return cast("Callable[[Any], dict[str, Any]]", namespace["run"])


class _Fallback(Exception):
    """The short path cannot give graphql-core's outcome: take the general path."""


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the short path for plain fields."""

    # (what, id of the grouped field set) → (the set, kept so its id stays its own, the result)
    _per_request_memo: dict[tuple[str, int], tuple[GroupedFieldSet, Any]]

    def _per_request(
        self,
        make: Callable[[GraphQLObjectType, GroupedFieldSet], Any],
        parent_type: GraphQLObjectType,
        grouped_field_set: GroupedFieldSet,
    ) -> Any:
        # graphql-core collects a selection once per request and type, so every row of a list
        # comes with the same grouped field set: what is worked out from it is kept per request
        try:
            memo = self._per_request_memo
        except AttributeError:
            memo = self._per_request_memo = {}
        key = (make.__name__, id(grouped_field_set))
        entry = memo.get(key)
        if entry is not None and entry[0] is grouped_field_set:
            return entry[1]
        found = make(parent_type, grouped_field_set)
        memo[key] = (grouped_field_set, found)
        return found

    def _selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Selection:
        return cast(
            "_Selection", self._per_request(self._plan_selection, parent_type, grouped_field_set)
        )

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

    def _compiled_selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Compiled | None:
        """The selection's compiled function and shape when every field in it is plain, down
        to the leaves; planned once per request, compiled once per shape."""
        return cast(
            "_Compiled | None",
            self._per_request(self._compile_selection, parent_type, grouped_field_set),
        )

    def _compile_selection(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Compiled | None:
        fields: list[tuple[str, Any, Callable[[Any], dict[str, Any]] | None]] = []
        shape: list[tuple[str, str, tuple[Any, ...] | None]] = []
        for response_name, name, found, details in self._selection(parent_type, grouped_field_set):
            if found is None:
                return None
            run, sub_shape = None, None
            if found[0] != LEAF:
                below = self.collect_subfields(found[3], details)[0]
                compiled = self._compiled_selection(found[3], below)
                if compiled is None:
                    return None
                run, sub_shape = compiled
            fields.append((response_name, found, run))
            shape.append((response_name, name, sub_shape))
        key = (parent_type, tuple(shape))
        function = _compiled.get(key)
        if function is None:
            if len(_compiled) >= _COMPILED_LIMIT:
                _compiled.clear()
            function = _compiled[key] = _compile(parent_type, fields)
        return function, key

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
        compiled = self._compiled_selection(parent_type, grouped_field_set)
        if compiled is not None:
            try:
                return compiled[0](source_value)
            except Exception:  # noqa: S110 - the per-field path below reports it properly
                pass
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
