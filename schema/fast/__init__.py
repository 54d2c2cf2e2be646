"""The fast path: everything that exists only for speed, behind one switch.

- `execution`: graphql-core's executor with a short path for plain fields, and selections plain
  down to their leaves compiled into functions;
- `inputs`: input objects converted by a plan made once per type;
- `selection`: the fields a client selected, read from the document, so a list reads only the
  columns it shows;
- the shared results of live messages (`schema/realtime/sharing.py`) build on `execution`.

Each piece gives what strawberry and graphql-core give on their own (side-by-side tests hold
them to it). `GRIDGOV_FAST_EXECUTION=false` builds the schema without any of them: stock
execution, stock input conversion, every column read. CI runs the GraphQL-facing tests once
more that way, so a wrong answer can be placed inside or outside this package.
"""

from __future__ import annotations

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.fast.execution import Executor
from schema.fast.inputs import install_input_converters
from schema.fast.switch import is_on, turn

__all__ = ["Executor", "install", "is_on"]


def install(
    schema: strawberry.Schema, *, enabled: bool, executor: type[Executor] = Executor
) -> strawberry.Schema:
    """Put the fast path into a schema just built, or leave the schema stock when not `enabled`.

    `executor` is the execution context class to use, `Executor` or a subclass of it (the
    shared live results)."""
    turn(schema.config, on=enabled)
    if not enabled:
        schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
        return schema
    schema.execution_context_class = executor
    install_input_converters(schema)
    return schema
