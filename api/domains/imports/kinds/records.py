"""The registry's record kinds share one shape: a table with a unique natural key, a grid
(`region_code`), `status`, `version` and timestamps; one upsert writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import asyncpg
import phonenumbers

from api.domains.imports.enums import RowErrorCode
from api.domains.imports.kinds import (
    Column,
    Derived,
    Invalid,
    Kind,
    Reference,
    Rejecter,
    Writer,
    Written,
    choice,
    upsert,
)
from api.domains.imports.kinds.identity import id_number
from api.domains.registry.validation import Rule, field_name
from api.errors import ValidationFailed
from api.i18n import _
from api.regions import subtree_sql

YES_NO = {"是": "true", "否": "false", "yes": "true", "no": "false", "true": "true"}
YES_NO |= {"false": "false", "1": "true", "0": "false", "y": "true", "n": "false"}


def yes_no(raw: str) -> bool:
    return choice(YES_NO, "是/否, yes/no")(raw) == "true"


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
        raise Invalid(_("not a phone number")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid(_("not a valid phone number"))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def code(digits: int, standard: str) -> Callable[[str], str]:
    """A numeric code of a national code table (民族 01–56 …), zero-padded."""

    def parse(raw: str) -> str:
        if not raw.isdigit() or len(raw) > digits:
            raise Invalid(
                _("a code of {standard} ({digits} digits)", standard=standard, digits=digits)
            )
        return raw.zfill(digits)

    return parse


class RegistryRecords(Kind):
    """A registry kind: natural key `key`, written into `table` by one upsert."""

    record_kind: ClassVar[str]  # RecordKind of the change history
    insert_defaults: ClassVar[dict[str, str]] = {}
    insert_fixed: ClassVar[dict[str, str]] = {}
    # The table's unique key as (table column, staging column) pairs, when it is not the natural
    # key itself (a membership is unique per person id, the file names the person's ID number),
    # and the predicate of its partial unique index.
    unique: ClassVar[tuple[tuple[str, str], ...]] = ()
    unique_where: ClassVar[str] = ""

    def _unique(self) -> tuple[tuple[str, str], ...]:
        return self.unique or tuple((column, column) for column in self.key)

    def _matching(self, table: str = "t", staged: str = "s") -> str:
        """The join of a table row with its staged row, by the table's unique key."""
        condition = " AND ".join(
            f"{table}.{column} = {staged}.{source}" for column, source in self._unique()
        )
        return f"{condition} AND {table}.{self.unique_where}" if self.unique_where else condition

    def _merged(self, present: Sequence[str]) -> dict[str, str]:
        """Columns whose new value combines the old one with the file's (see `upsert`)."""
        return {}

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
            if derived.updated_by(present):
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
            f"FROM import_staging s JOIN {self.table} t ON {self._matching()} "
            f"WHERE NOT {subtree_sql('t.region_code', '$1')}",
            scope,
        )

    async def write(
        self, connection: asyncpg.Connection, present: Sequence[str], writer: Writer
    ) -> Written:
        insert, update = self._targets(present)
        table, unique = self.table, self._unique()
        # The registry's change history (registry_changes), in the same statement: a changed
        # record gets each field's old and new value (from `previous`, which sees the table as
        # it was) and the import job; a new grid makes it a move. Creations are recorded once
        # per job (the audit entry import.<kind>): a row per created record measured ~20% of a
        # million-row import's time.
        compared = sorted({*update, "region_code"})
        previous = (
            "previous AS (SELECT t.id, "
            + ", ".join(f"t.{c}" for c in compared)
            + f" FROM {table} t JOIN import_staging s ON {self._matching()}), "
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
            "FROM written w JOIN previous p ON p.id = w.id WHERE NOT w.inserted)"
        )
        row = await connection.fetchrow(
            upsert(
                table=table,
                key=[column for column, _unused in unique],
                insert=insert,
                update=update,
                # `version` counts changes (the registry's optimistic lock)
                also=("updated_at = now()", f"version = {table}.version + 1"),
                returning=["id", *compared],
                before=previous,
                after=history,
                order=[source for _unused2, source in unique],
                key_where=self.unique_where,
                merged=self._merged(present),
            ),
            self.record_kind,
            writer.actor_id,
            writer.actor_label,
            writer.job_id,
        )
        return Written(inserted=row["inserted"], updated=row["updated"])


ID_NUMBER_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证")


def registry_rule(rule: Rule, name: str) -> Callable[[str], Any]:
    """A cell checked by the registry's own field rule, as its mutations check the value: lists
    are split on 、,; and yes/no read as booleans first."""
    field = field_name(name)

    def parse(raw: str) -> Any:
        try:
            return rule.clean(typed(rule, raw), field=field)
        except ValidationFailed as error:
            raise invalid(error) from None

    return parse


LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")


def typed(rule: Rule, raw: str) -> Any:
    """A cell as the value a mutation would receive for `rule` (a list, a boolean or text)."""
    if rule.kind in {"codes", "texts"}:
        return [item for item in LIST_SEPARATORS.split(raw) if item]
    if rule.kind == "bool":
        return yes_no(raw)
    return raw


def invalid(error: ValidationFailed) -> Invalid:
    codes = {code.value: code for code in RowErrorCode}
    return Invalid(error.message, codes.get(str(error.code), RowErrorCode.INVALID))


# A record about a registered person names the person by ID number: registered (and active)
# inside the import's region; the record lives in the person's grid, taken again by every import.
PERSON = Column(
    "id_number", ID_NUMBER_HEADERS, required=True, max_length=22, parse=id_number, target=None
)
PERSON_DERIVED = (Derived("person_id", "uuid"), Derived("region_code", source="id_number"))
PERSON_REFERENCE = Reference(
    "id_number",
    "registry_people",
    "id_number",
    "person_id",
    "registered person",
    outside=RowErrorCode.OUT_OF_SCOPE,
    active=True,
    copies=("region_code",),
)


class PersonRecords(RegistryRecords):
    """A special-group membership, a party member or a volunteer: by person (see PERSON)."""

    key: ClassVar[tuple[str, ...]] = ("id_number",)
    unique: ClassVar[tuple[tuple[str, str], ...]] = (("person_id", "person_id"),)
    scope_column = None
    region_column = None


# the staging type of a registry rule's value (text unless said here)
RULE_SQL_TYPES: dict[str, str] = {
    "bool": "boolean",
    "decimal": "numeric",
    "codes": "text[]",
    "texts": "text[]",
}


def rule_columns(
    rules: Mapping[str, Rule], headers: Mapping[str, tuple[str, ...]]
) -> tuple[Column, ...]:
    """The columns of a record whose fields the registry checks by `rules` (its mutations' own),
    each checked by its rule as a mutation would check it."""
    return tuple(
        Column(
            name,
            headers[name],
            max_length=500,
            parse=registry_rule(rule, name),
            sql_type=RULE_SQL_TYPES.get(rule.kind, "text"),
        )
        for name, rule in rules.items()
    )
