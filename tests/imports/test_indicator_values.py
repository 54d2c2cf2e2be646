"""Importing indicator values (指标数据): a township's file of monthly figures, each row checked
as `reportIndicatorValue` checks it and written as the flow kernel writes the mutation's (the
value, its clocks, its timeline steps and change messages), then signed off, locked and reopened
by the district exactly like a value entered by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from api.domains.economy.models import IndicatorValue
from api.flows.calendar import LOCAL
from api.flows.models import FlowStep
from api.outbox import OutboxMessage
from api.settings import Settings
from tests.diaries.helpers import person, run
from tests.economy.helpers import (
    AGGREGATE,
    DEFINE,
    DISTRICT,
    FISCAL_REVENUE,
    OPEN,
    REPORT,
    SIGN_OFF,
    TOWNSHIPS,
    at,
    city_with_three_townships,
)
from tests.imports.helpers import csv_bytes, problems, run_import, xlsx_bytes

T1, T2, T3 = TOWNSHIPS
HEADER = ["指标代码", "区划代码", "月份", "数值", "备注"]
GDP = FISCAL_REVENUE | {"code": "gdp", "name": "地区生产总值", "reportingLevel": "DISTRICT"}

GOOD = [
    ["fiscal_revenue", T1, "2026-09", "0.7", "九月"],  # a new value: opened and submitted
    ["fiscal_revenue", T1, "2026年11月", "1,234.5", ""],  # opened by the district: submitted
]
BAD = [
    ["fiscal_revenue", T1, "2026-10", "9", ""],  # locked by the district
    ["fiscal_revenue", T2, "2026-08", "1", ""],  # a neighbour's
    ["fiscal_revenue", "410611001001", "2026-08", "1", ""],  # a community below: its own
    ["gdp", T1, "2026-08", "1", ""],  # reported by districts
    ["fiscal_revenue", T1, "2026-07", "-5", ""],
    ["fiscal_revenue", T1, "2026-06", "abc", ""],
    ["fiscal_revenue", T1, "2026-05", "NaN", ""],
    ["fiscal_revenue", T1, "2026-04", "1.00001", ""],  # finer than 4 places
    ["fiscal_revenue", T1, "2027-01", "1", ""],  # not begun
    ["no_such", T1, "2026-08", "1", ""],
    ["fiscal_revenue", T1, "2026-09-01", "0.2", ""],  # the same value as row 2
    ["fiscal_revenue", T1, "2026-03", "12345678901234567", ""],  # too large
]
EXPECTED_PROBLEMS = [
    (4, "period", "SIGNED_OFF"),
    (5, "region_code", "OUT_OF_SCOPE"),
    (6, "region_code", "NOT_ALLOWED"),
    (7, "region_code", "INVALID"),
    (8, "value", "INVALID"),
    (9, "value", "INVALID"),
    (10, "value", "INVALID"),
    (11, "value", "INVALID"),
    (12, "period", "INVALID"),
    (13, "indicator", "UNKNOWN_REFERENCE"),
    (14, "indicator", "DUPLICATE"),
    (15, "value", "INVALID"),
]


async def _steps(record_id: Any) -> list[tuple[Any, ...]]:
    return [
        (s.action, s.from_status, s.to_status, s.from_region_code, s.to_region_code)
        for s in await FlowStep.filter(flow="indicator_value", record_id=record_id).order_by("id")
    ]


async def _changes(record_id: Any) -> list[dict[str, Any]]:
    return [
        message.payload
        for message in await OutboxMessage.filter(topic="indicator").order_by("id")
        if message.payload["value"]["id"] == str(record_id)
    ]


def _shape(change: dict[str, Any]) -> tuple[Any, ...]:
    """What a change message says apart from the record's own id, region and times."""
    value = change["value"]
    return (
        sorted(change),
        sorted(value),
        change["action"],
        value["status"],
        value["card"],
        value["submitted_late"],
        value["version"],
    )


async def _written() -> tuple[int, int, int]:
    return (
        await IndicatorValue.all().count(),
        await FlowStep.filter(flow="indicator_value").count(),
        await OutboxMessage.filter(topic="indicator").count(),
    )


async def test_a_townships_figures_are_imported_like_reported_and_signed_off_by_the_district(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await city_with_three_townships()
    at(datetime(2026, 12, 3, 10, 0, tzinfo=LOCAL))
    _, city = await person("city_command", "4106")
    district_user, district = await person("district_command", DISTRICT)
    importer, township = await person("township_centre", T1)
    _, neighbour = await person("township_centre", T2)
    await run(client, DEFINE, city, input=FISCAL_REVENUE)
    await run(client, DEFINE, city, input=GDP)
    await run(client, OPEN, district, i="fiscal_revenue", s=DISTRICT, p="2026-11-01")

    # October: reported by hand, accepted and locked by the district.
    october = {"indicator": "fiscal_revenue", "regionCode": T1, "period": "2026-10-01"}
    reported = await run(client, REPORT, township, input=october | {"value": "5"})
    october_id = reported["value"]["id"]
    for action in ("ACCEPT", "LOCK"):
        await run(client, SIGN_OFF, district, id=october_id, action=action)
    before = await _written()

    # Checked only: every row's problem found, nothing written.
    validated = await run_import(
        client, township, "INDICATOR_VALUES", csv_bytes([HEADER, *GOOD, *BAD]), mode="VALIDATE"
    )
    assert (validated["state"], validated["rowsValid"], validated["rowsFailed"]) == (
        "VALIDATED",
        2,
        12,
    )
    assert problems(validated) == EXPECTED_PROBLEMS
    # all or nothing: one bad row and nothing is written
    rejected = await run_import(
        client, township, "INDICATOR_VALUES", csv_bytes([HEADER, *GOOD, *BAD])
    )
    assert rejected["state"] == "REJECTED"
    assert await _written() == before

    # The neighbour reports its September by hand, the township imports its own.
    by_hand = await run(
        client,
        REPORT,
        neighbour,
        input={"indicator": "fiscal_revenue", "regionCode": T2, "period": "2026-09-01"}
        | {"value": "0.2"},
    )
    done = await run_import(
        client,
        township,
        "INDICATOR_VALUES",
        csv_bytes([HEADER, *GOOD, *BAD]),
        atomicity="BEST_EFFORT",
    )
    assert (done["state"], done["rowsInserted"], done["rowsUpdated"], done["rowsFailed"]) == (
        "COMPLETED",
        1,
        1,
        12,
    )
    assert problems(done) == EXPECTED_PROBLEMS
    assert str((await IndicatorValue.get(id=october_id)).value) == "5.0000"  # locked: as it was

    # The imported value is the mutation's, field by field (times a moment apart).
    imported = await IndicatorValue.get(region_code=T1, period="2026-09-01")
    manual = await IndicatorValue.get(id=by_hand["value"]["id"])
    assert imported.value == Decimal("0.7000") and imported.note == "九月"
    assert imported.submitted_by_id == importer.id
    for name in (
        "status",
        "version",
        "flow_version",
        "stage",
        "card",
        "warning_level",
        "report_by",
        "submitted_late",
        "history",
        "signed_off_at",
    ):
        assert getattr(imported, name) == getattr(manual, name), name
    assert imported.due_by_stage.keys() == manual.due_by_stage.keys() == {"report", "accept"}
    assert imported.due_by_stage["report"] == manual.due_by_stage["report"]
    for name in ("due_at", "remind_at", "red_at", "stage_started_at", "submitted_at"):
        mine, theirs = getattr(imported, name), getattr(manual, name)
        assert abs(mine - theirs) < timedelta(minutes=1), name
    assert imported.due_at.isoformat() == imported.due_by_stage["accept"]
    opened_and_submitted = [
        ("open", None, "open", None, T1),
        ("submit", "open", "submitted", T1, T1),
    ]
    assert await _steps(imported.id) == opened_and_submitted
    assert await _steps(manual.id) == [
        ("open", None, "open", None, T2),
        ("submit", "open", "submitted", T2, T2),
    ]
    mine, theirs = await _changes(imported.id), await _changes(manual.id)
    assert [_shape(c) for c in mine] == [_shape(c) for c in theirs]
    assert mine[0]["value"]["due_at"] == imported.due_by_stage["report"]
    assert mine[1]["value"]["due_at"] == imported.due_by_stage["accept"]
    assert (mine[1]["actor"], mine[1]["note"]) == (importer.username, "九月")
    # a value the district opened: submitted from open, the step timed since its opening
    november = await IndicatorValue.get(region_code=T1, period="2026-11-01")
    assert (november.status, november.value, november.version) == (
        "submitted",
        Decimal("1234.5000"),
        2,
    )
    steps = await FlowStep.filter(record_id=november.id).order_by("id")
    assert [(s.action, s.actor_label, s.seconds_spent is not None) for s in steps] == [
        ("open", district_user.username, False),
        ("submit", importer.username, True),
    ]
    # the job's progress and outcome, like every kind's
    progress = [
        (m.payload["state"], m.payload["kind"])
        for m in await OutboxMessage.filter(topic="import").order_by("id")
        if m.payload["job_id"] == done["id"]
    ]
    assert progress[0] == ("queued", "indicator_values")
    assert progress[-1] == ("completed", "indicator_values")

    # The same file again changes nothing; another figure is submitted again, the earlier kept.
    again = await run_import(
        client, township, "INDICATOR_VALUES", csv_bytes([HEADER, *GOOD]), atomicity="BEST_EFFORT"
    )
    assert (again["rowsInserted"], again["rowsUpdated"], again["rowsUnchanged"]) == (0, 0, 2)
    assert len(await _steps(imported.id)) == 2
    first_submitted = imported.submitted_at
    corrected = await run_import(
        client,
        township,
        "INDICATOR_VALUES",
        csv_bytes([HEADER, ["fiscal_revenue", T1, "2026-09", "0.1", "更正"]]),
    )
    assert (corrected["rowsInserted"], corrected["rowsUpdated"]) == (0, 1)
    imported = await IndicatorValue.get(id=imported.id)
    assert (imported.value, imported.version, imported.note) == (Decimal("0.1000"), 3, "更正")
    assert imported.history == [{"value": "0.7000", "submitted_at": first_submitted.isoformat()}]
    assert [c["value"]["version"] for c in await _changes(imported.id)] == [1, 2, 3]

    # The district signs the imported value off like the one reported by hand: 0.1 + 0.2.
    for value_id in (str(imported.id), str(manual.id)):
        accepted = await run(client, SIGN_OFF, district, id=value_id, action="ACCEPT")
        assert accepted["value"]["status"] == "ACCEPTED"
    locked = await run(client, SIGN_OFF, district, id=str(imported.id), action="LOCK")
    assert locked["value"]["status"] == "LOCKED"
    figure = await run(client, AGGREGATE, district, i="fiscal_revenue", s=DISTRICT, p="2026-09-01")
    assert (figure["value"], figure["signedOff"], figure["complete"]) == (
        "0.3000",
        [T1, T2],
        False,
    )
    assert [m["regionCode"] for m in figure["missing"]] == [T3]

    # Locked, a file changes nothing of it; reopened by the district, a spreadsheet corrects it.
    refused = await run_import(
        client,
        township,
        "INDICATOR_VALUES",
        csv_bytes([HEADER, ["fiscal_revenue", T1, "2026-09", "0.5", ""]]),
        atomicity="BEST_EFFORT",
    )
    assert problems(refused) == [(2, "period", "SIGNED_OFF")]
    assert (await IndicatorValue.get(id=imported.id)).value == Decimal("0.1000")
    reopened = await run(client, SIGN_OFF, district, id=str(imported.id), action="REOPEN")
    assert reopened["value"]["status"] == "OPEN"
    sheet = xlsx_bytes([HEADER, ["fiscal_revenue", T1, date(2026, 9, 1), 0.25, "复核后更正"]])
    xlsx = await run_import(client, township, "INDICATOR_VALUES", sheet, filename="指标.xlsx")
    assert (xlsx["state"], xlsx["rowsUpdated"]) == ("COMPLETED", 1)
    imported = await IndicatorValue.get(id=imported.id)
    assert (imported.status, imported.value) == ("submitted", Decimal("0.2500"))
    assert [entry["value"] for entry in imported.history] == ["0.7000", "0.1000"]
    assert [s[0] for s in await _steps(imported.id)] == [
        "open",
        "submit",
        "submit",
        "accept",
        "lock",
        "reopen",
        "submit",
    ]
    accepted = await run(client, SIGN_OFF, district, id=str(imported.id), action="ACCEPT")
    assert accepted["value"]["value"] == "0.2500"
