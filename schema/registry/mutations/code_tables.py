"""The registry's code tables as editable data: add a local code or a region's extension,
rename it, retire it (never one in use); the national standards' codes stay as they are."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.domains.registry import code_tables, codes
from api.domains.registry.models import RegistryCode
from schema.errors import ConflictError, NotFoundError, ValidationError
from schema.permissions import allow
from schema.registry.types import CodeEntry
from schema.types import Info


@strawberry.input(description="A new code of a registry code table: the city's, or a region's.")
class AddRegistryCodeInput:
    table_key: str = strawberry.field(description='The table: "5.11", "ethnicity" …')
    code: str = strawberry.field(description="Digits, as many as the standard's codes have.")
    name: str = strawberry.field(description="1–100 characters.")
    region_code: str | None = strawberry.field(
        default=None,
        description="A city or district whose own code this is, used in its subtree only"
        " (none: the whole city's local code).",
    )


@strawberry.type(description="The code after the change, and the tables' version.")
class RegistryCodePayload:
    table_key: str
    entry: CodeEntry


RegistryCodeResult = Annotated[
    RegistryCodePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RegistryCodeResult", description="The code, or why not."),
]


def _payload(row: RegistryCode) -> RegistryCodePayload:
    code = codes.Code(
        code=row.code,
        name=row.name,
        is_national=row.is_national,
        region_code=row.region_code,
        is_active=row.is_active,
        version=row.version,
    )
    return RegistryCodePayload(table_key=row.table_key, entry=CodeEntry.from_code(code))


@strawberry.type
class CodeTablesMutation:
    @strawberry.mutation(
        description="Add a code to a registry code table: a local code of the whole city (its"
        " administrator), or a city's or district's own (its administrator); used at once in"
        " registration and imports.",
        extensions=allow("code_table", "extend"),
    )
    async def add_registry_code(
        self, info: Info, input: AddRegistryCodeInput
    ) -> RegistryCodeResult:
        added = await code_tables.add_code(
            actor=info.context.principal,
            table_key=input.table_key,
            code=input.code,
            name=input.name,
            region_code=input.region_code,
        )
        return _payload(added)

    @strawberry.mutation(
        description="Rename a local code or a region's extension (records keep the code); the"
        " national standards' codes are not renamed.",
        extensions=allow("code_table", "extend"),
    )
    async def rename_registry_code(
        self, info: Info, table_key: str, code: str, name: str
    ) -> RegistryCodeResult:
        renamed = await code_tables.rename_code(
            actor=info.context.principal, table_key=table_key, code=code, name=name
        )
        return _payload(renamed)

    @strawberry.mutation(
        description="Retire a local code or a region's extension: refused on new values, still"
        " shown on old records; one that active records carry is refused with IN_USE. Codes are"
        " never deleted.",
        extensions=allow("code_table", "extend"),
    )
    async def retire_registry_code(
        self, info: Info, table_key: str, code: str
    ) -> RegistryCodeResult:
        retired = await code_tables.retire_code(
            actor=info.context.principal, table_key=table_key, code=code
        )
        return _payload(retired)
