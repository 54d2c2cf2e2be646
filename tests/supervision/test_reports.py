"""Analysis reports (研判报告): a township's November report with figures frozen from the
statistics (the hand-made world of tests/stats/dataset.py), its own unit's draft unseen above,
the leader's review published to the district, the XLSX of its figures, and the bad inputs."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
from openpyxl import load_workbook

from api.domains.events.enums import EventStatus
from api.domains.notices.models import Notice
from tests import factories
from tests.factories import error_codes, gql
from tests.stats import dataset
from tests.supervision.helpers import (
    CREATE_REPORT,
    EDIT_REPORT,
    REFRESH_REPORT,
    REPORT,
    REPORTS,
    REVIEW_REPORT,
    SUBMIT_REPORT,
    result,
)

TOWNSHIP = "410611001"
NOVEMBER = {"regionCode": TOWNSHIP, "periodKind": "MONTH", "periodStart": "2026-11-01"}
SECTIONS = [
    {"heading": "形势概述", "body": "11月金山街道立案5件，结案3件。"},
    {"heading": "对策建议", "body": "加强井盖巡查。"},
]


async def _draft(client: httpx.AsyncClient, token: str, **extra: Any) -> dict[str, Any]:
    created = await result(client, CREATE_REPORT, token, input={**NOVEMBER, **extra})
    assert created["__typename"] == "AnalysisReportPayload", created
    return dict(created["report"])


async def test_a_township_report_is_frozen_reviewed_and_published_to_the_district(
    client: httpx.AsyncClient,
) -> None:
    await dataset.build()
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    leader_user, leader = await factories.signed_in("leader", TOWNSHIP)
    district_user, district = await factories.signed_in("district_command", "410611")

    report = await _draft(client, centre, sections=SECTIONS)
    assert (report["status"], report["title"]) == ("DRAFT", "金山街道2026年11月研判报告")
    assert report["authorUnit"] == "金山街道综治中心"
    assert report["periodEnd"] == "2026-11-30"
    figures = report["figures"]
    # the statistics' answers for the township's November (tests/stats/test_assessment.py)
    assert (figures["cases"], figures["closed"], figures["closureRate"]) == (5, 3, 0.6)
    assert figures["onTimeClosureRate"] == 0.2
    assert figures["previousCases"] == 1  # e9, reported on 31 October
    assert {row["key"]: row["count"] for row in figures["byCategory"]} == {
        "city.0601": 6,
        "city.0502": 1,
    }
    assert figures["byChildRegion"] == [{"key": "410611001001", "label": "金山社区", "count": 7}]

    # frozen: a new event in November changes nothing until the figures are refreshed
    await dataset._event("e10", dataset.GRID, EventStatus.FILED)
    shown = (await gql(client, REPORT, {"id": report["id"]}, token=centre))["data"]
    assert shown["analysisReport"]["figures"]["cases"] == 5
    refreshed = await result(client, REFRESH_REPORT, centre, id=report["id"])
    assert refreshed["report"]["figures"]["cases"] == 6

    # the district does not see the township's draft, nor a report under review
    hidden = await gql(client, REPORT, {"id": report["id"]}, token=district)
    assert hidden["data"]["analysisReport"] is None
    listed = await gql(client, REPORTS, {}, token=district)
    assert listed["data"]["analysisReports"]["totalCount"] == 0

    submitted = await result(client, SUBMIT_REPORT, centre, id=report["id"])
    assert submitted["report"]["status"] == "IN_REVIEW"
    assert submitted["report"]["dueAt"] is not None
    assert await Notice.filter(user_id=leader_user.id).count() == 1

    returned = await result(
        client, REVIEW_REPORT, leader, id=report["id"], publish=False, note="补充原因分析"
    )
    assert (returned["report"]["status"], returned["report"]["reviewNote"]) == (
        "RETURNED",
        "补充原因分析",
    )
    edited = await result(
        client,
        EDIT_REPORT,
        centre,
        id=report["id"],
        input={"sections": [*SECTIONS, {"heading": "原因分析", "body": "雨季井盖松动。"}]},
        version=returned["report"]["version"],
    )
    assert len(edited["report"]["sections"]) == 3
    await result(client, SUBMIT_REPORT, centre, id=report["id"])

    # two leaders publishing at once: one wins, the other is a typed conflict
    _, second_leader = await factories.signed_in("leader", TOWNSHIP)
    outcomes = await asyncio.gather(
        result(client, REVIEW_REPORT, leader, id=report["id"], publish=True),
        result(client, REVIEW_REPORT, second_leader, id=report["id"], publish=True),
    )
    assert sorted(o["__typename"] for o in outcomes) == ["AnalysisReportPayload", "ConflictError"]
    published = next(o for o in outcomes if o["__typename"] == "AnalysisReportPayload")
    assert published["report"]["status"] == "PUBLISHED"
    assert [step["action"] for step in published["report"]["timeline"]] == [
        "create",
        "refresh_figures",
        "submit",
        "return",
        "edit",
        "submit",
        "publish",
    ]
    assert await Notice.filter(user_id=district_user.id).count() == 1  # told of it above

    # published to the level above: the district reads and lists it; another district does not
    seen = (await gql(client, REPORT, {"id": report["id"]}, token=district))["data"]
    assert seen["analysisReport"]["status"] == "PUBLISHED"
    listed = await gql(client, REPORTS, {"region": TOWNSHIP}, token=district)
    assert listed["data"]["analysisReports"]["totalCount"] == 1
    _, elsewhere = await factories.signed_in("district_command", "410602")
    other = await gql(client, REPORT, {"id": report["id"]}, token=elsewhere)
    assert other["data"]["analysisReport"] is None

    # its figures as XLSX, for whoever may read it
    url = published["report"]["figuresXlsxUrl"]
    response = await client.get(url, headers={"Authorization": f"Bearer {district}"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["汇总", "分类", "分区域", "来源"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row}
    assert (summary["立案数"], summary["结案数"]) == (6, 3)
    categories = list(book["分类"].iter_rows(values_only=True))
    assert categories[0][:3] == ("名称", "代码", "事件数")
    assert (
        await client.get(url, headers={"Authorization": f"Bearer {elsewhere}"})
    ).status_code == 404
    assert (await client.get(url)).status_code == 401


async def test_bad_reports_are_typed_errors_and_write_nothing(client: httpx.AsyncClient) -> None:
    await dataset.build()
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    _, leader = await factories.signed_in("leader", TOWNSHIP)
    _, district = await factories.signed_in("district_command", "410611")
    _, community = await factories.signed_in("community_staff", "410611001001")
    _, worker = await factories.signed_in("grid_worker", dataset.GRID)

    async def create(token: str, **changes: Any) -> dict[str, Any]:
        return await result(client, CREATE_REPORT, token, input={**NOVEMBER, **changes})

    not_monday = await create(centre, periodKind="WEEK", periodStart="2026-11-03")
    assert (not_monday["__typename"], not_monday["field"]) == ("ValidationError", "periodStart")
    not_quarter = await create(centre, periodKind="QUARTER", periodStart="2026-11-01")
    assert (not_quarter["__typename"], not_quarter["field"]) == ("ValidationError", "periodStart")
    future = await create(centre, periodStart="2030-01-01")
    assert future["__typename"] == "ValidationError"
    # out of scope: another township's report
    outside = await create(centre, regionCode="410611002")
    assert (outside["__typename"], outside["code"]) == ("ValidationError", "OUTSIDE_AREA")
    # wrong role: the district writes its own reports, not its townships'
    above = await gql(client, CREATE_REPORT, {"input": NOVEMBER}, token=district)
    assert error_codes(above) == ["FORBIDDEN"]
    # a grid worker writes no report at all, nor reads them
    assert error_codes(await gql(client, CREATE_REPORT, {"input": NOVEMBER}, token=worker)) == [
        "FORBIDDEN"
    ]
    assert error_codes(await gql(client, REPORTS, {}, token=worker)) == ["FORBIDDEN"]
    too_many = await create(centre, sections=[{"heading": f"{i}", "body": ""} for i in range(13)])
    assert (too_many["__typename"], too_many["field"]) == ("ValidationError", "sections")
    long_body = await create(centre, sections=[{"heading": "概述", "body": "字" * 20_001}])
    assert (long_body["__typename"], long_body["field"]) == ("ValidationError", "sections.body")
    listed = await gql(client, REPORTS, {}, token=centre)
    assert listed["data"]["analysisReports"]["totalCount"] == 0  # nothing half-written

    report = await _draft(client, centre)
    again = await create(centre)
    assert (again["__typename"], again["code"]) == ("ValidationError", "ALREADY_EXISTS")
    # two drafts of one period at once: one wins
    both = await asyncio.gather(
        create(centre, periodStart="2026-10-01"), create(centre, periodStart="2026-10-01")
    )
    assert sorted(b["__typename"] for b in both) == ["AnalysisReportPayload", "ValidationError"]

    empty = await result(client, SUBMIT_REPORT, centre, id=report["id"])
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "sections")
    await result(client, EDIT_REPORT, centre, id=report["id"], input={"sections": SECTIONS})
    stale = await result(
        client, EDIT_REPORT, centre, id=report["id"], input={"title": "新标题"}, version=1
    )
    assert stale["__typename"] == "ConflictError"
    # a leader cannot publish a draft that was never submitted
    early = await result(client, REVIEW_REPORT, leader, id=report["id"], publish=True)
    assert (early["__typename"], early["code"]) == ("ConflictError", "INVALID_TRANSITION")
    await result(client, SUBMIT_REPORT, centre, id=report["id"])
    # community staff are not the township's reviewers; a return needs its reason
    assert error_codes(
        await gql(client, REVIEW_REPORT, {"id": report["id"], "publish": True}, token=community)
    ) == ["FORBIDDEN"]
    silent = await result(client, REVIEW_REPORT, leader, id=report["id"], publish=False)
    assert (silent["__typename"], silent["field"]) == ("ValidationError", "note")
    # the centre may not review its own report
    own = await gql(client, REVIEW_REPORT, {"id": report["id"], "publish": True}, token=centre)
    assert error_codes(own) == ["FORBIDDEN"]
    # an unknown id is not found
    missing = await result(client, SUBMIT_REPORT, centre, id="00000000-0000-4000-8000-000000000000")
    assert missing["__typename"] == "NotFoundError"
