"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

import orjson
from tortoise.expressions import Q

from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.errors import ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.query import subtree_filter
from policies.enforcer import scope_prefixes


def _jsonable(detail: dict[str, Any]) -> Any:
    # Region/department values include enums and datetimes; store their JSON form.
    return orjson.loads(orjson.dumps(detail, default=str))


async def record(
    *,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: str,
    region_code: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry; call inside the transaction of the change it describes."""
    await AuditEntry.create(
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        action=action,
        object_type=object_type,
        object_id=object_id,
        region_code=region_code,
        detail=_jsonable(detail or {}),
    )


async def list_entries(
    *,
    actor: Principal,
    page: PageRequest,
    region_code: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> tuple[Page[AuditEntry], Any]:
    """Audit entries of regions in the caller's scope, newest first."""
    prefixes = scope_prefixes(actor.assignments, "audit_log", "read")
    query = AuditEntry.filter(subtree_filter(prefixes, "region_code"))
    if region_code is not None:
        query = query.filter(region_code__startswith=region_code)
    if action is not None:
        query = query.filter(action=action)
    if object_type is not None:
        query = query.filter(object_type=object_type)
    if object_id is not None:
        # a page of records read together is one entry naming them all in detail.records
        # (registry.reads.record_page_read): it is each one's entry too
        query = query.filter(
            Q(object_id=object_id) | Q(detail__contains={"records": {object_id: []}})
        )
    filtered = query
    if page.after is not None:
        if not page.after.isdigit():
            raise ValidationFailed(_("malformed cursor"), field="after")
        query = query.filter(id__lt=int(page.after))
    rows = await query.order_by("-id").limit(page.first + 1)
    return make_page(rows, page, lambda entry: entry.id), filtered
