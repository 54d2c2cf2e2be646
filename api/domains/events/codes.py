"""Event categories as an editable code table (字典/代码表): a city adds, renames and retires
codes of either dictionary, and a region extends a national code with codes of its own, used in
its subtree only. A code is never deleted, and one still in use (open events, active codes below
it) is not retired. Every change bumps the table's version (`version`), by which clients cache
it (the `vocabulary` query carries it), and is audited; reports validate against the live table."""

from __future__ import annotations

import re

from tortoise import connections
from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.audit.service import record
from api.domains.events.enums import OPEN_STATUSES, CategoryScheme
from api.domains.events.models import Category, Event
from api.domains.events.reference import _authorize_citywide, category_key
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.regions import Level, in_subtree
from policies.enforcer import authorize

CODE = re.compile(r"[0-9A-Za-z]{1,16}")
MAX_NAME = 100
EXTENDABLE_AT = frozenset({Level.CITY, Level.DISTRICT, Level.TOWNSHIP})


async def table_version() -> int:
    """The version of the categories table: changes whenever any code does."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT coalesce(max(version), 0) AS version FROM event_categories"
    )
    return int(rows[0]["version"])


def _name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME or "\x00" in cleaned:
        raise ValidationFailed(
            _("a name is 1–{MAX_NAME} characters", MAX_NAME=MAX_NAME), field="name"
        )
    return cleaned


async def _authorize(actor: Principal, region_code: str | None) -> str:
    """A national code is the city's to change; a region's extension its administrators'.
    Returns the region the change is audited under."""
    if region_code is None:
        return _authorize_citywide(actor, "category")
    authorize(actor.assignments, "category", "extend", at=region_code)
    return region_code


async def _next_version() -> int:
    """The table's next version, taken under a lock held to the commit (one change at a time)."""
    connection = connections.get("default")
    await connection.execute_query("SELECT pg_advisory_xact_lock(hashtext('event_categories'))")
    return await table_version() + 1


async def add_category(
    *,
    actor: Principal,
    scheme: CategoryScheme,
    code: str,
    name: str,
    parent_key: str | None = None,
    region_code: str | None = None,
) -> Category:
    """Add a code: national (the city), or a region's extension below a national code."""
    if region_code is not None:
        level = Level.of_code(region_code)
        if level is None or not await Region.exists(code=region_code, is_active=True):
            raise NotFound("region", region_code, field="regionCode")
        if level not in EXTENDABLE_AT:
            raise ValidationFailed(
                _("codes are extended by a city, district or township"), field="regionCode"
            )
        if parent_key is None:
            raise ValidationFailed(_("an extension lies below a national code"), field="parentKey")
    audited_at = await _authorize(actor, region_code)
    if not CODE.fullmatch(code):
        raise ValidationFailed(_("a code is 1–16 letters or digits"), field="code")
    cleaned = _name(name)
    async with in_transaction():
        version = await _next_version()
        if parent_key is not None:
            parent = await Category.get_or_none(key=parent_key, is_active=True)
            if parent is None or parent.scheme != scheme:
                raise NotFound("category", parent_key, field="parentKey")
            if region_code is not None and parent.region_code is not None:
                raise ValidationFailed(
                    _("an extension lies below a national code"), field="parentKey"
                )
            if not code.startswith(parent.code) or code == parent.code:
                raise ValidationFailed(
                    _("a code below {code} extends it ({code}…)", code=parent.code), field="code"
                )
        key = category_key(scheme, code)
        if await Category.exists(key=key):
            raise Conflict(_("{key} exists", key=key), field="code", code=ErrorCode.ALREADY_EXISTS)
        category = await Category.create(
            key=key,
            scheme=scheme,
            code=code,
            name=cleaned,
            parent_key=parent_key,
            region_code=region_code,
            version=version,
        )
        await record(
            actor=actor,
            action="category.add",
            object_type="category",
            object_id=key,
            region_code=audited_at,
            detail={"name": cleaned, "parent_key": parent_key, "region_code": region_code},
        )
    return category


async def _changing(actor: Principal, key: str) -> tuple[Category, str, int]:
    category = await Category.filter(key=key).select_for_update().first()
    if category is None:
        raise NotFound("category", key, field="key")
    audited_at = await _authorize(actor, category.region_code)
    return category, audited_at, await _next_version()


async def rename_category(*, actor: Principal, key: str, name: str) -> Category:
    """Give a code another name (its key and the events filed under it stay)."""
    cleaned = _name(name)
    async with in_transaction():
        category, audited_at, version = await _changing(actor, key)
        before = category.name
        category.name, category.version = cleaned, version
        await category.save(update_fields=["name", "version"])
        await record(
            actor=actor,
            action="category.rename",
            object_type="category",
            object_id=key,
            region_code=audited_at,
            detail={"before": before, "after": cleaned},
        )
    return category


async def retire_category(*, actor: Principal, key: str) -> Category:
    """Take a code out of use for new reports; one still in use stays (IN_USE)."""
    async with in_transaction():
        category, audited_at, version = await _changing(actor, key)
        if not category.is_active:
            return category
        children = await Category.filter(parent_key=key, is_active=True).count()
        open_events = await Event.filter(
            category_key=key, status__in=list(OPEN_STATUSES), merged_into_id=None
        ).count()
        if children or open_events:
            raise Conflict(
                _(
                    "{key} is in use: {open_events} open events, {children} active codes below it",
                    key=key,
                    open_events=open_events,
                    children=children,
                ),
                field="key",
                code=ErrorCode.IN_USE,
            )
        category.is_active, category.version = False, version
        await category.save(update_fields=["is_active", "version"])
        await record(
            actor=actor,
            action="category.retire",
            object_type="category",
            object_id=key,
            region_code=audited_at,
            detail={},
        )
    return category


def usable_at(category: Category, region_code: str) -> bool:
    """A national code is used everywhere; an extension in its region's subtree."""
    return category.region_code is None or in_subtree(region_code, category.region_code)
