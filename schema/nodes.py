"""`node(id)`: any object by its global id, scoped like everything else."""

from __future__ import annotations

import uuid

import strawberry

from api.domains.accounts import service as accounts
from api.domains.events import service as events
from api.domains.hierarchy import service as hierarchy
from api.domains.registry import service as registry
from api.errors import NotFound, PermissionDenied
from schema.accounts.types import UserType
from schema.events.types import EventType
from schema.hierarchy.types import DepartmentType, RegionType
from schema.node import Node, parse_global_id
from schema.permissions import signed_in
from schema.registry.types import CONVERTERS, NODE_NAMES
from schema.types import Info


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="An object by global id; null if absent, outside your scope or not yours to read.",
        extensions=signed_in(),
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        if parsed is None:
            return None
        type_name, key = parsed
        actor = info.context.principal
        try:
            if type_name == "Region":
                return RegionType.from_model(await hierarchy.get_region(actor=actor, code=key))
            if type_name == "Department":
                department = await hierarchy.get_department(
                    actor=actor, department_id=uuid.UUID(key)
                )
                return DepartmentType.from_model(department)
            if type_name == "Event":
                return EventType.from_model(
                    await events.get_event(actor=actor, event_id=uuid.UUID(key))
                )
            if type_name in NODE_NAMES:
                kind = NODE_NAMES[type_name]
                record = await registry.get_record(actor=actor, kind=kind, record_id=uuid.UUID(key))
                return CONVERTERS[kind](record)
            if type_name == "User":
                return UserType.from_model(
                    await accounts.get_user(actor=actor, user_id=uuid.UUID(key))
                )
        except (NotFound, PermissionDenied, ValueError):
            # Without the read permission it is as absent as out of scope: no existence oracle.
            return None
        return None
