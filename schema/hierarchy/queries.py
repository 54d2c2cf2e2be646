"""Hierarchy queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.hierarchy import service
from api.errors import NotFound
from api.pagination import page_request
from api.regions import Level
from schema.hierarchy.types import DepartmentType, RegionType
from schema.pagination import Connection, connection
from schema.permissions import allow
from schema.scalars import parse_uuid
from schema.types import Info


@strawberry.type
class HierarchyQuery:
    @strawberry.field(
        description="A region by code; null if absent or outside your scope.",
        extensions=allow("region", "read"),
    )
    async def region(self, info: Info, code: str) -> RegionType | None:
        try:
            return RegionType.from_model(
                await service.get_region(actor=info.context.principal, code=code)
            )
        except NotFound:
            return None

    @strawberry.field(
        description="Regions in your scope, ordered by code.", extensions=allow("region", "read")
    )
    async def regions(
        self,
        info: Info,
        parent_code: str | None = None,
        level: Level | None = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Name part, code prefix, or pinyin (full or initials) of the name or"
                " an alias (拼音检索; traditional characters folded); exact characters first."
            ),
        ] = None,
        include_inactive: bool = False,
        first: Annotated[
            int | None, strawberry.argument(description="Page size, 1–100 (default 20).")
        ] = None,
        after: str | None = None,
    ) -> Connection[RegionType]:
        page, filtered = await service.list_regions(
            actor=info.context.principal,
            page=page_request(first, after),
            parent_code=parent_code,
            level=level,
            search=search,
            include_inactive=include_inactive,
        )
        return connection(page, filtered, RegionType.from_model)

    @strawberry.field(
        description="The region and its ancestors, city first; empty if outside your scope.",
        extensions=allow("region", "read"),
    )
    async def region_path(self, info: Info, code: str) -> list[RegionType]:
        try:
            path = await service.region_path(actor=info.context.principal, code=code)
        except NotFound:
            return []
        return [RegionType.from_model(region) for region in path]

    @strawberry.field(
        description="A department; null if absent or outside your scope.",
        extensions=allow("department", "read"),
    )
    async def department(self, info: Info, id: strawberry.ID) -> DepartmentType | None:
        department_id = parse_uuid(id)
        if department_id is None:
            return None
        try:
            department = await service.get_department(
                actor=info.context.principal, department_id=department_id
            )
        except NotFound:
            return None
        return DepartmentType.from_model(department)

    @strawberry.field(
        description="Departments in your scope.", extensions=allow("department", "read")
    )
    async def departments(
        self,
        info: Info,
        region_code: str | None = None,
        category: Annotated[
            str | None, strawberry.argument(description="Only those handling this category.")
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Name part, or pinyin (full or initials) of the name (拼音检索);"
                " exact characters first."
            ),
        ] = None,
        include_inactive: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DepartmentType]:
        page, filtered = await service.list_departments(
            actor=info.context.principal,
            page=page_request(first, after),
            region_code=region_code,
            category=category,
            search=search,
            include_inactive=include_inactive,
        )
        return connection(page, filtered, DepartmentType.from_model)
