"""Event categories as an editable code table (字典/代码表): a city adds, renames and retires
codes of either dictionary, and a region extends a national code with codes of its own, used in
its subtree only. A code is never deleted, and one still in use (open events, active codes below
it) is not retired. Every change bumps the table's version (`version`), by which clients cache
it (the `vocabulary` query carries it), and is audited; reports validate against the live table."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.audit.service import record
from api.domains.codes import service as code_tables
from api.domains.events.enums import OPEN_STATUSES, CategoryScheme
from api.domains.events.models import Category, Event
from api.domains.events.reference import category_key
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _

TABLE = "event_categories"


async def table_version() -> int:
    """The version of the categories table: changes whenever any code does."""
    return await code_tables.table_version(TABLE)


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
        await code_tables.extension_region(region_code)
        if parent_key is None:
            raise ValidationFailed(_("an extension lies below a national code"), field="parentKey")
    audited_at = code_tables.authorize_change(actor, "category", region_code)
    code_tables.clean_code(code)
    cleaned = code_tables.clean_name(name)
    async with in_transaction():
        version = await code_tables.next_version(TABLE)
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
    if not code_tables.fits(Category, "key", key):
        raise NotFound("category", key, field="key")
    category = await Category.filter(key=key).select_for_update().first()
    if category is None:
        raise NotFound("category", key, field="key")
    audited_at = code_tables.authorize_change(actor, "category", category.region_code)
    return category, audited_at, await code_tables.next_version(TABLE)


async def rename_category(*, actor: Principal, key: str, name: str) -> Category:
    """Give a code another name (its key and the events filed under it stay)."""
    cleaned = code_tables.clean_name(name)
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
            raise code_tables.in_use(
                key, f"{open_events} open events, {children} active codes below it"
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
    return code_tables.usable_at(category.region_code, region_code)
