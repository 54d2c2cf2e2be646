"""The registry's record kinds share one shape: a table with a unique natural key, a grid
(`region_code`), `status`, `version` and timestamps; one upsert writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

import asyncpg
import phonenumbers

from api.domains.imports.kinds import Invalid, Kind, Rejecter, Writer, Written, upsert

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

    record_kind: ClassVar[str]  # RecordKind of the change history
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
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        insert, update = self._targets(present)
        key, table = self.key[0], self.table
        # The registry's change history (registry_changes), in the same statement: a changed
        # record gets each field's old and new value (from `previous`, which sees the table as
        # it was) and the import job; a new grid makes it a move. Creations are recorded once
        # per job (the audit entry import.<kind>): a row per created record measured ~20% of a
        # million-row import's time.
        compared = sorted({*update, "region_code"})
        previous = (
            f"previous AS (SELECT t.{key}, "
            + ", ".join(f"t.{c}" for c in compared)
            + f" FROM {table} t JOIN import_staging s ON t.{key} = s.{key}), "
        )
        fields = ", ".join(f"('{c}', to_jsonb(p.{c}), to_jsonb(w.{c}))" for c in compared)
        history = (
            ", history AS (INSERT INTO registry_changes (record_kind, record_id, region_code, "
            "action, actor_id, actor_label, changes, at) "
            "SELECT $1, w.id, w.region_code, CASE "
            "WHEN p.region_code IS DISTINCT FROM w.region_code THEN 'move' ELSE 'update' END, "
            "$2, $3, jsonb_build_object('import_job', $4::text) || (SELECT coalesce("
            "jsonb_object_agg(k, jsonb_build_object('old', o, 'new', n)), '{}'::jsonb) "
            f"FROM (VALUES {fields}) v(k, o, n) WHERE o IS DISTINCT FROM n), now() "
            f"FROM written w JOIN previous p ON p.{key} = w.{key} WHERE NOT w.inserted)"
        )
        row = await connection.fetchrow(
            upsert(
                table=table,
                key=[key],
                insert=insert,
                update=update,
                # `version` counts changes (the registry's optimistic lock)
                also=("updated_at = now()", f"version = {table}.version + 1"),
                returning=["id", key, *compared],
                before=previous,
                after=history,
            ),
            self.record_kind,
            writer.actor_id,
            writer.actor_label,
            writer.job_id,
        )
        return Written(inserted=row["inserted"], updated=row["updated"])
