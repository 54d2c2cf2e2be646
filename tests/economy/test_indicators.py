"""Indicator values signed off level by level (the DHIS2 data-approval pattern): three
townships report fiscal revenue for a month, one late; the district accepts two and the
district's figure names the one missing; the late one is carded by the shared sweep; a locked
value refuses edits until the district reopens it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from api.domains.economy.models import IndicatorValue
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard, FlowStep
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
from tests.factories import error_codes, gql
from workers.events import open_indicator_months

NOVEMBER = "2026-11-01"


def value(township: str, amount: object, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "indicator": "fiscal_revenue",
            "regionCode": township,
            "period": NOVEMBER,
            "value": amount,
            **extra,
        }
    }


async def test_three_townships_report_one_late_and_the_district_signs_off_level_by_level(
    client: httpx.AsyncClient,
) -> None:
    await city_with_three_townships()
    at(datetime(2026, 11, 20, 9, 0, tzinfo=LOCAL))
    _, city = await person("city_command", "4106")
    _, district = await person("district_command", DISTRICT)
    tokens = {}
    people = {}
    for township in TOWNSHIPS:
        people[township], tokens[township] = await person("township_centre", township)
    first, second, late = TOWNSHIPS

    defined = await run(client, DEFINE, city, input=FISCAL_REVENUE)
    assert defined["indicator"] == {
        "code": "fiscal_revenue",
        "reportingLevel": "TOWNSHIP",
        "aggregation": "SUM",
    }
    opened = await run(client, OPEN, district, i="fiscal_revenue", s=DISTRICT, p=NOVEMBER)
    again = await run(client, OPEN, district, i="fiscal_revenue", s=DISTRICT, p=NOVEMBER)
    assert (opened["opened"], again["opened"]) == (3, 0)  # once per region and month

    # Two townships report in time (values that floats would not add exactly).
    at(datetime(2026, 12, 3, 10, 0, tzinfo=LOCAL))
    a = await run(client, REPORT, tokens[first], **value(first, "0.1"))
    b = await run(client, REPORT, tokens[second], **value(second, "0.2"))
    assert (a["value"]["status"], a["value"]["value"], b["value"]["value"]) == (
        "SUBMITTED",
        "0.1000",
        "0.2000",
    )

    # Bad input is a typed error and writes nothing.
    steps = await FlowStep.filter(flow="indicator_value").count()
    negative = await run(client, REPORT, tokens[first], **value(first, "-5"))
    community = await run(client, REPORT, tokens[first], **value("410611001001", "5"))
    neighbour = await run(client, REPORT, tokens[first], **value(second, "5"))
    for_them = await run(client, REPORT, district, **value(first, "5"))
    assert (negative["__typename"], negative["field"]) == ("ValidationError", "value")
    assert (community["__typename"], community["field"]) == ("ValidationError", "regionCode")
    assert (neighbour["__typename"], neighbour["code"]) == ("ValidationError", "OUTSIDE_AREA")
    assert for_them["__typename"] == "NotAllowedError"
    # an amount that is no exact figure: the typed INVALID of `value`, whatever was typed
    for typed in (
        "abc",
        "",
        "NaN",
        "-Infinity",
        "1e3",
        "0x10",
        "1.00001",  # finer than the 4 places kept
        "12345678901234567",  # 17 digits before the point: more than the column holds
        "1" * 100,
        "1,23",
        "--1",
    ):
        refused = await run(client, REPORT, tokens[first], **value(first, typed))
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ValidationError",
            "INVALID",
            "value",
        ), typed
    # a number sent where the text belongs is the client's mistake, found before anything runs
    as_number = await gql(client, REPORT, value(first, 0.5), token=tokens[first])
    assert error_codes(as_number) == ["BAD_USER_INPUT"]
    # grouped thousands and the largest figure the column holds are taken exactly
    grouped = await run(client, REPORT, tokens[second], **value(second, " 1,234,567.8912 "))
    assert grouped["value"]["value"] == "1234567.8912"
    largest = await run(client, REPORT, tokens[second], **value(second, "9999999999999999.9999"))
    assert largest["value"]["value"] == "9999999999999999.9999"
    again = await run(client, REPORT, tokens[second], **value(second, "0.2"))
    assert again["value"]["value"] == "0.2000"
    stored = await IndicatorValue.get(region_code=first)
    assert (str(stored.value), stored.version) == ("0.1000", 2)
    # only the second township's three resubmissions were written
    assert await FlowStep.filter(flow="indicator_value").count() == steps + 3

    # The third township's deadline (end of 5 December) passes: the shared sweep cards it
    # once, and tells the township and the district.
    at(datetime(2026, 12, 6, 9, 0, tzinfo=LOCAL))
    await sweep()
    await sweep()
    cards = await FlowCard.filter(flow="indicator_value").values_list("card", "region_code")
    assert cards == [("yellow", late)]
    told = set(await Notice.filter(kind="yellow_card").values_list("user_id", flat=True))
    assert people[late].id in told

    # The district accepts the two in time; its figure counts only those and names the third.
    ids = {row.region_code: str(row.id) for row in await IndicatorValue.filter(period=NOVEMBER)}
    for township in (first, second):
        accepted = await run(client, SIGN_OFF, district, id=ids[township], action="ACCEPT")
        assert accepted["value"]["status"] == "ACCEPTED"
    # a township signs off nothing, not even its own value
    self_signed = await gql(
        client, SIGN_OFF, {"id": ids[first], "action": "LOCK"}, token=tokens[first]
    )
    assert error_codes(self_signed) == ["FORBIDDEN"]
    figure = await run(client, AGGREGATE, district, i="fiscal_revenue", s=DISTRICT, p=NOVEMBER)
    assert figure == {
        "__typename": "IndicatorAggregate",
        "value": "0.3000",  # exactly 0.1 + 0.2
        "expected": 3,
        "signedOff": [first, second],
        "complete": False,
        "missing": [{"regionCode": late, "name": "黎阳路街道", "status": "OPEN"}],
    }

    # The late one reports: marked late, still missing until the district accepts it.
    late_value = await run(client, REPORT, tokens[late], **value(late, "7.25"))
    assert (late_value["value"]["submittedLate"], late_value["value"]["card"]) == (True, "YELLOW")
    figure = await run(client, AGGREGATE, district, i="fiscal_revenue", s=DISTRICT, p=NOVEMBER)
    assert figure["missing"] == [{"regionCode": late, "name": "黎阳路街道", "status": "SUBMITTED"}]

    # Locked: the township's edits are refused until the district reopens the month.
    locked = await run(client, SIGN_OFF, district, id=ids[first], action="LOCK")
    assert locked["value"]["status"] == "LOCKED"
    refused = await run(client, REPORT, tokens[first], **value(first, "0.15"))
    assert (refused["__typename"], refused["code"]) == ("ConflictError", "INVALID_TRANSITION")
    assert str((await IndicatorValue.get(region_code=first)).value) == "0.1000"
    returned_locked = await run(client, SIGN_OFF, district, id=ids[first], action="RETURN")
    assert returned_locked["__typename"] == "ValidationError"  # returning needs a reason
    reopened = await run(client, SIGN_OFF, district, id=ids[first], action="REOPEN")
    assert reopened["value"]["status"] == "OPEN"
    corrected = await run(client, REPORT, tokens[first], **value(first, "0.15"))
    assert (corrected["value"]["status"], corrected["value"]["value"]) == ("SUBMITTED", "0.1500")
    # reopened, it no longer counts until accepted again
    figure = await run(client, AGGREGATE, district, i="fiscal_revenue", s=DISTRICT, p=NOVEMBER)
    assert (figure["value"], figure["signedOff"]) == ("0.2000", [second])
    history = (await IndicatorValue.get(region_code=first)).history
    assert [entry["value"] for entry in history] == ["0.1000"]

    # Another township's staff read nothing of the district's figure: outside their area.
    outside = await run(
        client, AGGREGATE, tokens[first], i="fiscal_revenue", s=DISTRICT, p=NOVEMBER
    )
    assert (outside["__typename"], outside["code"]) == ("ValidationError", "OUTSIDE_AREA")


async def test_the_worker_opens_last_month_for_every_reporting_region_once(
    client: httpx.AsyncClient,
) -> None:
    await city_with_three_townships()
    at(datetime(2026, 12, 1, 0, 5, tzinfo=LOCAL))
    _, city = await person("city_command", "4106")
    await run(client, DEFINE, city, input=FISCAL_REVENUE)

    assert await open_indicator_months({}) == 4  # 淇滨区's three townships and 鹤山区's one
    assert await open_indicator_months({}) == 0
    opened = await IndicatorValue.filter(period=NOVEMBER).values_list("region_code", "status")
    assert sorted(opened) == [(code, "open") for code in ("410602001", *TOWNSHIPS)]
    deadline = (await IndicatorValue.get(region_code=TOWNSHIPS[0])).report_by
    assert deadline == datetime(2026, 12, 6, tzinfo=LOCAL)  # the end of the 5th, China time
