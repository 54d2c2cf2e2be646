"""Which schemas of this process take the fast path (GRIDGOV_FAST_EXECUTION).

Input converters are hooks on the input classes, which every schema of the process shares; they,
and selection reading, ask here whether the schema at hand is fast. A schema is known by its
config, which each schema has of its own and which an input's context and a resolver's info both
reach. One schema per process in production; tests build others, with the switch either way."""

from __future__ import annotations

from strawberry.schema.config import StrawberryConfig

# id(config) → the config, held so its id stays its own
_on: dict[int, StrawberryConfig] = {}


def turn(config: StrawberryConfig, *, on: bool) -> None:
    if on:
        _on[id(config)] = config
    else:
        _on.pop(id(config), None)


def is_on(config: StrawberryConfig) -> bool:
    """Whether the schema of this config (`info.schema.config`, an input's context) is fast."""
    return _on.get(id(config)) is config
