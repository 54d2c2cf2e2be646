"""What every editable code table (字典/代码表) shares: event categories and the registry's code
tables alike. A code is added, renamed or retired, never deleted; a region's own extension is
used in its subtree only; every change takes the table's next version under a lock held to the
commit, so a client caching the table by its version sees every change."""

from __future__ import annotations

import re

from tortoise import connections
from tortoise.models import Model

from api.auth import Principal
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from api.i18n import _
from api.regions import Level, in_subtree
from policies.enforcer import authorize, get_enforcer

CODE = re.compile(r"[0-9A-Za-z]{1,16}")
MAX_NAME = 100
EXTENDABLE_AT = frozenset({Level.CITY, Level.DISTRICT, Level.TOWNSHIP})


def clean_code(code: str, *, max_length: int = 16, field: str = "code") -> str:
    """1–`max_length` letters or digits."""
    if not CODE.fullmatch(code) or len(code) > max_length:
        raise ValidationFailed(
            _("a code is 1–{max_length} letters or digits", max_length=max_length), field=field
        )
    return code


def fits(model: type[Model], column: str, value: str) -> bool:
    """Whether `value` could be stored in the text column (a longer one names no row there; the
    ORM would refuse to compare it rather than find nothing)."""
    return len(value) <= getattr(model._meta.fields_map[column], "max_length", len(value))


def clean_name(name: str, *, field: str = "name") -> str:
    """A code's name: 1–100 characters, trimmed."""
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME or "\x00" in cleaned:
        raise ValidationFailed(
            _("a name is 1–{MAX_NAME} characters", MAX_NAME=MAX_NAME), field=field
        )
    return cleaned


async def extension_region(
    region_code: str, *, extendable_at: frozenset[Level] = EXTENDABLE_AT
) -> str:
    """The active region a code is extended for, at a level that extends codes."""
    level = Level.of_code(region_code)
    if level is None or not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    if level not in extendable_at:
        names = ", ".join(sorted(level.value for level in extendable_at))
        raise ValidationFailed(
            _("codes are extended at these levels: {names}", names=names), field="regionCode"
        )
    return region_code


def authorize_change(actor: Principal, obj: str, region_code: str | None) -> str:
    """A table's own (citywide) codes are a city administrator's to change (`update` at the city);
    a region's extension its administrators' (`extend` there). Returns the region the change is
    audited under."""
    if region_code is not None:
        authorize(actor.assignments, obj, "extend", at=region_code)
        return region_code
    enforcer = get_enforcer()
    for assignment in actor.assignments:
        if Level.of_code(assignment.region_code) is Level.CITY and enforcer.allows(
            assignment.role, Level.CITY, obj, "update", at=assignment.region_code
        ):
            return assignment.region_code
    raise PermissionDenied(
        _("only a city administrator may change the {replace}s", replace=obj.replace("_", " "))
    )


async def table_version(table: str, *, where: str = "", arguments: tuple[object, ...] = ()) -> int:
    """A table's version: the highest version of its rows (0: as loaded)."""
    rows = await connections.get("default").execute_query_dict(
        f"SELECT coalesce(max(version), 0) AS version FROM {table} {where}", list(arguments)
    )
    return int(rows[0]["version"])


async def next_version(table: str) -> int:
    """The table's next version, taken under a lock held to the commit (one change at a time);
    call inside the change's transaction."""
    connection = connections.get("default")
    await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext($1))", [table])
    return await table_version(table) + 1


def usable_at(code_region: str | None, region_code: str | None) -> bool:
    """A code of the whole table is used everywhere; a region's extension in its subtree."""
    return code_region is None or (region_code is not None and in_subtree(region_code, code_region))


def in_use(what: str, uses: str, *, field: str = "key") -> Conflict:
    """The refusal to retire a code still in use."""
    return Conflict(
        _("{what} is in use: {uses}", what=what, uses=uses), field=field, code=ErrorCode.IN_USE
    )
