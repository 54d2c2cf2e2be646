"""The registry's record kinds share one shape: a table with a unique natural key, a grid
(`region_code`), `status`, `version` and timestamps; one upsert writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

import asyncpg
import phonenumbers

from api.domains.imports.kinds import Invalid, Kind, Rejecter, Written, upsert

MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def phone(raw: str) -> str:
    """E.164 like the registry keeps it; mainland mobiles take the fast path."""
    cleaned = raw.replace(" ", "").replace("-", "")
    mobile = MOBILE.fullmatch(cleaned)
    if mobile:
        return f"+86{mobile.group(1)}"
    try:
        parsed = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        raise Invalid("not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def code(digits: int, standard: str) -> Callable[[str], str]:
    """A numeric code of a national code table (民族 01–56 …), zero-padded."""

    def parse(raw: str) -> str:
        if not raw.isdigit() or len(raw) > digits:
            raise Invalid(f"a code of {standard} ({digits} digits)")
        return raw.zfill(digits)

    return parse


class RegistryRecords(Kind):
    """A registry kind: natural key `key[0]`, written into `table` by one upsert."""

    insert_defaults: ClassVar[dict[str, str]] = {}
    insert_fixed: ClassVar[dict[str, str]] = {}

    def _targets(self, present: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        insert: list[tuple[str, str]] = [("id", "gen_random_uuid()")]
        update: list[str] = []
        for column in self.columns:
            target = column.written_as
            if target is None:
                continue
            default = self.insert_defaults.get(target)
            insert.append(
                (target, f"COALESCE(s.{column.name}, {default})" if default else f"s.{column.name}")
            )
            if column.updatable and column.name in present:
                update.append(target)
        for derived in self.derived:
            insert.append((derived.name, f"s.{derived.name}"))
            if derived.source is not None and derived.source in present:
                update.append(derived.name)
        fixed = {"status": "'active'", "version": "1", **self.insert_fixed}
        insert += [*fixed.items(), ("created_at", "now()"), ("updated_at", "now()")]
        return insert, update

    async def check_scope(self, reject: Rejecter, scope: str) -> None:
        """A record already registered outside the caller's region is not theirs to take over."""
        key = self.key[0]
        await reject(
            f"SELECT s.row_number, '{key}', 'OUT_OF_SCOPE', "
            "'already registered outside your region', s." + key + " "
            f"FROM import_staging s JOIN {self.table} t ON t.{key} = s.{key} "
            "WHERE t.region_code NOT LIKE $1 || '%'",
            scope,
        )

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], scope: str
    ) -> Written:
        insert, update = self._targets(present)
        # `version` counts changes (the registry's optimistic lock), so a changed row bumps it
        row = await connection.fetchrow(
            upsert(
                table=self.table,
                key=[self.key[0]],
                insert=insert,
                update=update,
                also=("updated_at = now()", f"version = {self.table}.version + 1"),
            )
        )
        return Written(inserted=row["inserted"], updated=row["updated"])
