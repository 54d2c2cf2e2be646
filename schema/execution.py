"""Execution with a short path for plain leaf fields.

graphql-core executes every field the same way: a Path, a resolve-info object, the resolver
(strawberry's wrapper around `getattr`), an awaitable check, and the leaf completion — some
fifteen calls for each scalar of each row, about half of a 50-row list page's time. Most
fields of our types are plain attributes: no resolver, no arguments, no field extensions
(permissions are field extensions), a scalar or enum type. For those this executor reads the
attribute and coerces it with the type's own `coerce_output_value`, which is what the general
path ends up doing. Whenever the short path would not give the same outcome — a null for a
non-null field, a value the type refuses, any exception — the field goes through the general
path instead, so errors, their paths and null propagation stay exactly graphql-core's. Schema
extensions that resolve (middleware) turn the short path off for the whole request."""

from __future__ import annotations

from typing import Any, cast

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLScalarType,
    get_nullable_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Plan of one field: (attribute name, leaf type, nullable); None when it needs the general path.
_Plan = tuple[str, GraphQLLeafType, bool] | None
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
    leaf = get_nullable_type(field.type)
    if not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return definition.python_name, leaf, not is_non_null_type(field.type)


def plan(field: GraphQLField) -> _Plan:
    entry = _plans.get(id(field))
    if entry is not None and entry[0] is field:
        return entry[1]
    found = _plan_of(field)
    _plans[id(field)] = (field, found)  # holding the field keeps its id from being reused
    return found


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the short path for plain leaf fields."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        manager = self.middleware_manager
        if manager is not None and manager._middleware_resolvers is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        plain: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, details in grouped_field_set.items():
            field = fields.get(details[0].node.name.value)
            found = plan(field) if field is not None else None
            if found is not None:
                try:
                    value = getattr(source_value, found[0])
                    if value is None:
                        if found[2]:
                            plain[response_name] = None
                            continue
                    else:
                        coerced = found[1].coerce_output_value(value)
                        if coerced is not None and coerced is not Undefined:
                            plain[response_name] = coerced
                            continue
                except Exception:  # noqa: S110 - the general path reports it properly
                    pass
            rest[response_name] = details
        if not rest:
            return plain
        if not plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # The general path for the others; the response keeps the selection's order.
        completed = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(completed):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, plain, await completed)

            return merged()
        return _in_order(grouped_field_set, plain, cast("dict[str, Any]", completed))


def _in_order(
    grouped_field_set: GroupedFieldSet, plain: dict[str, Any], completed: dict[str, Any]
) -> dict[str, Any]:
    return {
        name: plain[name] if name in plain else completed[name]
        for name in grouped_field_set
        if name in plain or name in completed
    }
