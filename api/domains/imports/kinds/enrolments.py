"""Programme enrolments (低保, 特困, 优抚 …): a registered person enrolled in a programme from a
day, natural key (person, programme, first day). A row for an enrolment already on file changes
its end, benefit or note (each change in the registry's history, as `changeEnrolment` writes
it); a row overlapping another active enrolment of the person in the programme is refused, as
`enrol` refuses it. Households are enrolled one by one (`enrol`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Final

import asyncpg

from api import money
from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import Column, Invalid, Problem, Rejecter, RowContext, choice
from api.domains.imports.kinds.records import (
    PERSON,
    PERSON_DERIVED,
    PERSON_REFERENCE,
    PersonRecords,
)
from api.domains.registry.enrolments import BENEFIT_DIGITS, BENEFIT_PLACES, MAX_NOTE
from api.domains.registry.enums import Programme, RecordKind
from api.errors import ValidationFailed
from api.i18n import _

PROGRAMMES: Final = {
    "低保": Programme.MINIMUM_LIVING.value,
    "最低生活保障": Programme.MINIMUM_LIVING.value,
    "特困": Programme.SPECIAL_HARDSHIP.value,
    "特困人员": Programme.SPECIAL_HARDSHIP.value,
    "临时救助": Programme.TEMPORARY_RELIEF.value,
    "优抚对象": Programme.VETERAN_CARE.value,
    "优抚": Programme.VETERAN_CARE.value,
    "计生特扶": Programme.FAMILY_PLANNING_SUPPORT.value,
    "计划生育特别扶助": Programme.FAMILY_PLANNING_SUPPORT.value,
    "失业登记": Programme.UNEMPLOYMENT.value,
    "养老保险": Programme.PENSION_INSURANCE.value,
    "医疗保险": Programme.MEDICAL_INSURANCE.value,
} | {programme.value: programme.value for programme in Programme}


def day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        raise Invalid(_("a date (YYYY-MM-DD)")) from None


def amount(raw: str) -> Decimal:
    """An exact amount as the enrolment keeps it (never through a float)."""
    try:
        value = Decimal(raw.replace(",", "").strip())
        return money.exact(
            value, field="benefitAmount", digits=BENEFIT_DIGITS, places=BENEFIT_PLACES
        )
    except ValidationFailed as error:
        raise Invalid(error.message) from None
    except ArithmeticError:
        raise Invalid(_("a number")) from None


def currency(raw: str) -> str:
    try:
        return money.currency(raw)
    except ValidationFailed as error:
        raise Invalid(error.message, RowErrorCode.INVALID_CODE) from None


class Enrolments(PersonRecords):
    record_kind = RecordKind.ENROLMENT.value
    kind = ImportKind.ENROLMENTS
    table = "registry_enrolments"
    key = ("id_number", "programme")
    unique = (("person_id", "person_id"), ("programme", "programme"), ("starts_on", "starts_on"))
    unique_where = "status = 'active'"
    insert_defaults: ClassVar[dict[str, str]] = {"currency": "'CNY'"}
    columns = (
        PERSON,
        Column(
            "programme",
            ("救助类别", "保障类别", "项目", "programme"),
            required=True,
            parse=choice(PROGRAMMES, "低保, 特困, 临时救助, 优抚对象 … or minimum_living …"),
            updatable=False,
        ),
        Column(
            "starts_on",
            ("开始日期", "享受起始日期", "起始日期", "starts_on"),
            required=True,
            parse=day,
            sql_type="date",
            updatable=False,
        ),
        Column("ends_on", ("结束日期", "享受截止日期", "ends_on"), parse=day, sql_type="date"),
        Column(
            "benefit_amount",
            ("保障金额", "月保障金额", "补助金额", "benefit_amount"),
            parse=amount,
            sql_type="numeric",
        ),
        Column("currency", ("币种", "currency"), max_length=3, parse=currency),
        Column("note", ("备注", "note"), max_length=MAX_NOTE),
    )
    derived = PERSON_DERIVED
    references = (PERSON_REFERENCE,)

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        ends, starts = values.get("ends_on"), values.get("starts_on")
        if ends is not None and starts is not None and ends < starts:
            return [("ends_on", RowErrorCode.INVALID, "before the first day", str(ends))]
        return []

    async def check(self, connection: asyncpg.Connection, reject: Rejecter, scope: str) -> None:
        """One active enrolment per person and programme at any day, as `enrol` checks it."""
        await reject(
            "SELECT s.row_number, 'starts_on', 'DUPLICATE', "
            "'overlaps the active enrolment from ' || t.starts_on::text, s.starts_on::text "
            "FROM import_staging s JOIN registry_enrolments t ON t.person_id = s.person_id "
            "AND t.programme = s.programme AND t.status = 'active' AND t.starts_on <> s.starts_on "
            "AND (t.ends_on IS NULL OR t.ends_on >= s.starts_on) "
            "AND (s.ends_on IS NULL OR t.starts_on <= s.ends_on)"
        )
