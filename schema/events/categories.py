"""Event categories as an editable code table: add, rename, retire, regional extensions."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.events import codes
from api.domains.events.enums import CategoryScheme
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.events.types import CategoryType
from schema.permissions import allow
from schema.types import Info


@strawberry.input(description="A new code: national, or a region's extension of a national code.")
class AddCategoryInput:
    scheme: CategoryScheme
    code: str = strawberry.field(description="1–16 letters or digits; below a parent, extends it.")
    name: str = strawberry.field(description="1–100 characters.")
    parent_key: str | None = strawberry.field(default=None, description="The code it lies below.")
    region_code: str | None = strawberry.field(
        default=None,
        description="A city, district or township whose own code this is (none: national).",
    )


@strawberry.type(description="The category after the change.")
class CategoryPayload:
    category: CategoryType


CategoryResult = Annotated[
    CategoryPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CategoryResult", description="The category, or why not."),
]


@strawberry.type
class CategoriesMutation:
    @strawberry.mutation(
        description="Add an event category: a national code (the city's administrator), or a"
        " region's own below a national one (its administrator); used in reports at once.",
        extensions=allow("category", "extend"),
    )
    async def add_category(self, info: Info, input: AddCategoryInput) -> CategoryResult:
        category = await codes.add_category(
            actor=info.context.principal,
            scheme=input.scheme,
            code=input.code,
            name=input.name,
            parent_key=input.parent_key,
            region_code=input.region_code,
        )
        return CategoryPayload(category=CategoryType.from_model(category))

    @strawberry.mutation(
        description="Rename an event category (its key and its events stay).",
        extensions=allow("category", "extend"),
    )
    async def rename_category(self, info: Info, key: str, name: str) -> CategoryResult:
        category = await codes.rename_category(actor=info.context.principal, key=key, name=name)
        return CategoryPayload(category=CategoryType.from_model(category))

    @strawberry.mutation(
        description="Retire an event category: no new reports use it; one in use (open events,"
        " active codes below it) is refused with IN_USE. Codes are never deleted.",
        extensions=allow("category", "extend"),
    )
    async def retire_category(self, info: Info, key: str) -> CategoryResult:
        category = await codes.retire_category(actor=info.context.principal, key=key)
        return CategoryPayload(category=CategoryType.from_model(category))
