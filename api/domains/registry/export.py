"""The people export (CSV), masked as the caller reads them."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any, Final

from redis.asyncio import Redis

from api.auth import Principal
from api.domains.audit.models import AuditEntry
from api.domains.registry.people import PersonFilter, search_people
from api.domains.registry.privacy import (
    REVEALING_COLUMNS,
    SENSITIVE_COLUMNS,
    WITHHELD,
    mask,
    may_read_sensitive,
)
from api.domains.registry.records import jsonable, valid_region_code
from api.errors import ValidationFailed
from api.i18n import _
from api.pagination import PageRequest
from api.spreadsheets import formula_safe
from policies.enforcer import authorize, scope_prefixes

EXPORT_LIMIT: Final = 5000


EXPORT_COLUMNS: Final = (
    "id_number",
    "name",
    "sex",
    "birth_date",
    "person_type",
    "region_code",
    "phone",
    "current_address",
    "relation_to_head",
)


async def export_people(
    *, actor: Principal, filters: PersonFilter, redis: Redis
) -> tuple[str, int, bool]:
    """The people of a search as CSV (at most EXPORT_LIMIT rows), identifiers masked where the
    caller may not see them; every export is written to the audit log. Returns (csv, rows,
    truncated)."""
    prefixes = scope_prefixes(actor.assignments, "registry", "export")
    where = filters.region_code or (prefixes[0] if len(prefixes) == 1 else None)
    if where is None:
        raise ValidationFailed(_("give the regionCode to export"), field="regionCode")
    authorize(actor.assignments, "registry", "export", at=valid_region_code(where))
    _unused, query = await search_people(
        actor=actor, page=PageRequest(first=1, after=None), filters=filters, redis=redis
    )
    query = query.filter(region_code__startswith=where)
    rows = await query.order_by("id").limit(EXPORT_LIMIT + 1)
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    unmasked = 0
    for person in rows:
        whole = may_read_sensitive(actor, person.region_code)
        unmasked += whole
        writer.writerow(
            [
                WITHHELD
                if column in REVEALING_COLUMNS and not whole
                else _export_value(
                    getattr(person, column), masked=column in SENSITIVE_COLUMNS and not whole
                )
                for column in EXPORT_COLUMNS
            ]
        )
    await AuditEntry.create(
        actor_id=actor.user_id or actor.api_key_id,
        actor_label=actor.label[:100],
        action="registry.export",
        object_type="person",
        object_id=f"export:{len(rows)}",
        region_code=where,
        detail={
            "rows": len(rows),
            "unmasked_rows": unmasked,
            "truncated": truncated,
            "filters": jsonable(
                {
                    k: _audited_filter(k, v)
                    for k, v in dataclasses.asdict(filters).items()
                    if v not in (None, (), [], False)
                }
            ),
        },
    )
    return out.getvalue(), len(rows), truncated


def _audited_filter(name: str, value: Any) -> Any:
    """A search by ID number is kept masked: the audit log's readers may not see it whole."""
    if name == "text" and isinstance(value, str) and any(c.isdigit() for c in value):
        return mask(value)
    return value


def _export_value(value: Any, *, masked: bool) -> str:
    if value is None:
        return ""
    shown = str(jsonable(value))
    return formula_safe(mask(shown) if masked else shown)
