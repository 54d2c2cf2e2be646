"""The registry's code tables edited as data (字典/代码表), on the machinery event categories
share (api/domains/codes): the city adds local codes to a table, renames and retires them; a
city or district extends a table with codes of its own, used in its subtree only. The national
standards' codes are fixed: a city does not rename or retire them (they are what the records
exchange with the levels above means; the issue asks for local codes and extensions *below* the
national ones, not for changing them). A retired code is refused on new values and still shown
on the records that carry it; one that active records carry is not retired (IN_USE)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tortoise import connections
from tortoise.transactions import in_transaction

from api.auth import Principal
from api.domains.audit.service import record
from api.domains.codes import service as code_tables
from api.domains.registry import codes, groups
from api.domains.registry.buildings import BUILDING_RULES
from api.domains.registry.houses import HOUSE_RULES
from api.domains.registry.models import RegistryCode
from api.domains.registry.organisations import ORGANISATION_RULES
from api.domains.registry.party import PARTY_MEMBER_RULES, VOLUNTEER_RULES
from api.domains.registry.people import PERSON_RULES
from api.domains.registry.special_groups import SPECIAL_GROUP_RULES
from api.domains.registry.validation import Rule
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.regions import Level

OBJECT = "code_table"
EXTENDABLE_AT = frozenset({Level.CITY, Level.DISTRICT})


@dataclass(frozen=True, slots=True)
class Use:
    """Where a table's codes are stored: a column (or an array, or a key of `details`)."""

    table: str
    column: str
    array: bool = False
    where: str = ""

    def carrying(self) -> str:
        """SQL: whether an active row carries the code $1."""
        value = f"$1 = ANY({self.column})" if self.array else f"{self.column} = $1"
        extra = f" AND {self.where}" if self.where else ""
        return f"SELECT 1 FROM {self.table} WHERE status = 'active' AND {value}{extra}"


def _uses_of(table: str, rules: Mapping[str, Rule]) -> Iterator[tuple[str, Use]]:
    for name, rule in rules.items():
        if rule.kind in {"code", "codes"}:
            yield rule.table, Use(table, name, array=rule.kind == "codes")


def _uses() -> dict[str, list[Use]]:
    found: dict[str, list[Use]] = {}
    pairs = [
        *_uses_of("registry_people", PERSON_RULES),
        ("relation_to_head", Use("registry_people", "relation_to_head")),
        *_uses_of("registry_houses", HOUSE_RULES),
        *_uses_of("registry_buildings", BUILDING_RULES),
        *_uses_of("registry_organisations", ORGANISATION_RULES),
        *_uses_of("registry_special_groups", SPECIAL_GROUP_RULES),
        *_uses_of("registry_party_members", PARTY_MEMBER_RULES),
        *_uses_of("registry_volunteers", VOLUNTEER_RULES),
    ]
    for group, table_key in groups.RISK_TABLES.items():
        where = f"\"group\" = '{group.value}'"
        pairs.append((table_key, Use("registry_special_groups", "risk_level", where=where)))
    for group, rules in groups.DETAILS.items():
        for name, rule in rules.items():
            if rule.kind == "code":
                where = f"\"group\" = '{group.value}'"
                column = f"details->>'{name}'"
                pairs.append((rule.table, Use("registry_special_groups", column, where=where)))
            elif rule.kind == "codes":
                where = f"\"group\" = '{group.value}' AND details->'{name}' ? $1"
                pairs.append((rule.table, Use("registry_special_groups", "$1", where=where)))
    for table_key, use in pairs:
        found.setdefault(table_key, []).append(use)
    return found


USES = _uses()


async def _records_carrying(table_key: str, code: str) -> list[str]:
    """The record tables whose active rows carry the code."""
    connection = connections.get("default")
    carrying = []
    for use in USES.get(table_key, []):
        rows = await connection.execute_query_dict(f"SELECT EXISTS ({use.carrying()}) AS y", [code])
        if rows[0]["y"]:
            carrying.append(use.table.removeprefix("registry_"))
    return sorted(set(carrying))


def _table(table_key: str) -> codes.CodeTable:
    found = codes.standard_tables().get(table_key)
    if found is None:
        raise NotFound("code table", table_key, field="tableKey")
    return found


async def add_code(
    *,
    actor: Principal,
    table_key: str,
    code: str,
    name: str,
    region_code: str | None = None,
) -> RegistryCode:
    """Add a local code to a table (the city), or a region's own extension (its admin)."""
    standard = _table(table_key)
    if region_code is not None:
        await code_tables.extension_region(region_code, extendable_at=EXTENDABLE_AT)
    audited_at = code_tables.authorize_change(actor, OBJECT, region_code)
    width = len(next(iter(standard.codes)))
    if not (code.isascii() and code.isdigit() and len(code) == width):
        raise ValidationFailed(
            _(
                "a code of {name} is {width} digits, like the standard's",
                name=standard.name,
                width=width,
            ),
            field="code",
        )
    cleaned = code_tables.clean_name(name)
    async with in_transaction():
        version = await code_tables.next_version(codes.TABLE)
        if await RegistryCode.exists(table_key=table_key, code=code):
            raise Conflict(
                _("{code} is a code of {name} already", code=code, name=standard.name),
                field="code",
                code=ErrorCode.ALREADY_EXISTS,
            )
        added = await RegistryCode.create(
            table_key=table_key,
            code=code,
            name=cleaned,
            is_national=False,
            region_code=region_code,
            version=version,
        )
        await record(
            actor=actor,
            action="code.add",
            object_type=OBJECT,
            object_id=f"{table_key}:{code}",
            region_code=audited_at,
            detail={"name": cleaned, "region_code": region_code},
        )
    return added


async def _changing(actor: Principal, table_key: str, code: str) -> tuple[RegistryCode, str, int]:
    _table(table_key)
    found = (
        await RegistryCode.filter(table_key=table_key, code=code).select_for_update().first()
        if code_tables.fits(RegistryCode, "code", code)
        else None
    )
    if found is None:
        raise NotFound("code", f"{table_key}:{code}", field="code")
    if found.is_national:
        raise ValidationFailed(
            _("a national standard's code is not renamed or retired; add a local code"),
            field="code",
        )
    audited_at = code_tables.authorize_change(actor, OBJECT, found.region_code)
    return found, audited_at, await code_tables.next_version(codes.TABLE)


async def rename_code(*, actor: Principal, table_key: str, code: str, name: str) -> RegistryCode:
    """Give a local code or an extension another name (records keep the code)."""
    cleaned = code_tables.clean_name(name)
    async with in_transaction():
        found, audited_at, version = await _changing(actor, table_key, code)
        before = found.name
        found.name, found.version = cleaned, version
        await found.save(update_fields=["name", "version", "changed_at"])
        await record(
            actor=actor,
            action="code.rename",
            object_type=OBJECT,
            object_id=f"{table_key}:{code}",
            region_code=audited_at,
            detail={"before": before, "after": cleaned},
        )
    return found


async def retire_code(*, actor: Principal, table_key: str, code: str) -> RegistryCode:
    """Take a local code or an extension out of use for new values; one that active records
    carry stays (IN_USE). Never deleted: old records still show it."""
    async with in_transaction():
        found, audited_at, version = await _changing(actor, table_key, code)
        if not found.is_active:
            return found
        carrying = await _records_carrying(table_key, code)
        if carrying:
            raise code_tables.in_use(
                f"{table_key}:{code}",
                "active records carry it: " + ", ".join(carrying),
                field="code",
            )
        found.is_active, found.version = False, version
        await found.save(update_fields=["is_active", "version", "changed_at"])
        await record(
            actor=actor,
            action="code.retire",
            object_type=OBJECT,
            object_id=f"{table_key}:{code}",
            region_code=audited_at,
            detail={},
        )
    return found


async def live_tables() -> dict[str, codes.CodeTable]:
    """Every table as it is now (clients cache it by `version()`)."""
    return await codes.refresh()


async def version() -> int:
    """The registry code tables' version: changes whenever any code does."""
    return await code_tables.table_version(codes.TABLE)
