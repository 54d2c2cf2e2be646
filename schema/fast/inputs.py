"""Input objects built from their GraphQL value by a plan made once per type, not per request.

Strawberry converts an input object field by field, and for every field of the type (graphql-core
fills in each omitted field's published default, so all of them arrive) it works out the field's
GraphQL name and resolves its type again, before finding that a scalar or an enum passes through
unchanged: ~120 µs for the event list's 13 filters, on every request. The plan keeps, per field,
its name, its type and whether its value passes as it is; only the fields of other kinds (nested
inputs, lists of them, global ids) go through strawberry's own conversion, so coercion and its
errors stay strawberry's. A schema built with the fast path off (several schemas of one process
share the input classes, and so their converters) gets strawberry's conversion itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

import strawberry
from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

from schema.fast.switch import is_on

# How a field's input value becomes its Python value.
AS_IS: Final = 0  # a scalar or enum: strawberry returns the value itself
LIST_COPY: Final = 1  # a list of those: a copy of the list (graphql-core shares defaults)
CONVERT: Final = 2  # anything else: strawberry's convert_argument


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    definition: StrawberryObjectDefinition
    config: object
    scalar_registry: object
    implicit_none: Mapping[str, None]
    # (GraphQL name, Python name, how, resolved type) per field
    fields: tuple[tuple[str, str, int, Any], ...]


class InputConverter:
    """The `from_input` hook of one input type (strawberry calls it to build the type's value)."""

    __slots__ = ("plan",)

    def __init__(self) -> None:
        self.plan: Plan | None = None

    def __call__(self, cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not is_on(context.config):
            return stock(cls, value, context)
        plan = self.plan
        # One schema per process in production; in tests another schema (its own config and
        # registry) may use the same type, and gets a plan of its own.
        if (
            plan is None
            or plan.config is not context.config
            or plan.scalar_registry is not context.scalar_registry
            or plan.definition is not cls.__strawberry_definition__  # type: ignore[attr-defined]
        ):
            plan = self.plan = make_plan(cls.__strawberry_definition__, context)  # type: ignore[attr-defined]
        kwargs: dict[str, Any] = dict(plan.implicit_none)
        for graphql_name, python_name, how, field_type in plan.fields:
            if graphql_name not in value:
                continue
            field_value = value[graphql_name]
            if how == AS_IS:
                kwargs[python_name] = field_value
            elif how == LIST_COPY:
                kwargs[python_name] = (
                    field_value
                    if field_value is None or field_value is UNSET
                    else list(field_value)
                )
            else:
                kwargs[python_name] = convert_argument(
                    field_value,
                    field_type,
                    context.scalar_registry,
                    context.config,
                    context.info,
                    path=(*context.path, graphql_name),
                )
        return cls(**kwargs)


def stock(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    """Strawberry's own conversion: what it does for a type without a `from_input` hook.

    The hook is set aside for the call (conversion is synchronous: nothing else runs meanwhile);
    nested inputs meet their own converters, which step aside likewise."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    hook, definition.from_input = definition.from_input, None
    try:
        return convert_argument(
            value, cls, context.scalar_registry, context.config, context.info, path=context.path
        )
    finally:
        definition.from_input = hook


def make_plan(definition: StrawberryObjectDefinition, context: InputContext) -> Plan:
    registry = context.scalar_registry
    fields = []
    for field in definition.fields:
        field_type = field.resolve_type(type_definition=definition)
        if passes_as_is(field_type, registry):
            how = AS_IS
        elif copies_list(field_type, registry):
            how = LIST_COPY
        else:
            how = CONVERT
        graphql_name = context.config.name_converter.from_field(field)
        fields.append((graphql_name, field.python_name, how, field_type))
    return Plan(
        definition=definition,
        config=context.config,
        scalar_registry=registry,
        # like strawberry: a nullable field without a default of its own is None when omitted
        implicit_none={
            field.python_name: None
            for field in definition.fields
            if field.default_value is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        },
        fields=tuple(fields),
    )


def passes_as_is(field_type: Any, registry: Mapping[object, Any]) -> bool:
    """convert_argument gives back the value itself: a scalar or an enum, or null, of any value."""
    if isinstance(field_type, StrawberryOptional) and not isinstance(field_type, StrawberryMaybe):
        field_type = field_type.of_type
    if field_type is GlobalID or isinstance(field_type, LazyType):  # decoded; resolved first
        return False
    return (
        isinstance(field_type, StrawberryEnumDefinition)
        or has_enum_definition(field_type)
        or is_scalar(field_type, registry)
    )


def copies_list(field_type: Any, registry: Mapping[object, Any]) -> bool:
    """convert_argument gives back a copy of the list: a list of scalars or enums."""
    if isinstance(field_type, StrawberryOptional) and not isinstance(field_type, StrawberryMaybe):
        field_type = field_type.of_type
    return isinstance(field_type, StrawberryList) and passes_as_is(field_type.of_type, registry)


def install_input_converters(schema: strawberry.Schema) -> None:
    """Give every input type of the schema its converter (once; later schemas reuse it)."""
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition) or not definition.is_input:
            continue
        if isinstance(definition.from_input, InputConverter):
            continue
        # A type that builds itself keeps its hook; a Maybe field is validated by strawberry only
        # for types without one, so such types keep strawberry's conversion too.
        if definition.from_input is not None or any(
            isinstance(field.type, StrawberryMaybe) for field in definition.fields
        ):
            continue
        definition.from_input = InputConverter()
