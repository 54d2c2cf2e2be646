"""On-time rate and average time to decision per item and department, by a versioned formula
with a minimum of decisions."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx

from api import clock
from api.auth import Assignment, Principal
from api.domains.approvals import service
from api.domains.approvals.enums import Action
from api.flows.calendar import LOCAL
from tests import factories
from tests.approvals.examples import approval_fixtures
from tests.approvals.helpers import COMMUNITY, DISTRICT, TOWNSHIP
from tests.factories import gql

QUERY = """query($by: ApprovalGrouping!) {
  approvalStatistics(regionCode: "410611", start: "2026-11-01", end: "2026-12-31", by: $by) {
    __typename
    ... on ApprovalStatistics {
      formulaVersion minimumDecided
      rows { key label applications decided approved refused onTime overdue averageHours onTimeRate }
    }
    ... on Error { code field }
  }
}"""


def _as(role: str, code: str) -> Principal:
    return Principal(user_id=uuid.uuid4(), username=role, assignments=(Assignment(role, code),))


async def test_on_time_rate_and_average_time_per_item_and_department(
    client: httpx.AsyncClient, db: None
) -> None:
    clock.move(datetime(2026, 11, 30, 9, 0, tzinfo=LOCAL) - clock.now())
    await factories.region_tree()
    placeholders = await approval_fixtures()  # an item and three applications running
    item_id = uuid.UUID(placeholders["<approval_item_id>"])
    community, township = _as("community_staff", COMMUNITY), _as("township_centre", TOWNSHIP)
    district = _as("district_command", DISTRICT)

    async def decided(*, refuse: bool = False, after: timedelta = timedelta(0)) -> None:
        filed = await service.submit(
            actor=community,
            data=service.ApplicationInput(
                item_id=item_id,
                region_code=COMMUNITY,
                form={"householdSize": 2, "reason": "x"},
                applicant_name="居民",
            ),
        )
        await service.take_step(actor=community, application_id=filed.id, action=Action.REVIEW)
        await service.take_step(actor=township, application_id=filed.id, action=Action.APPROVE)
        clock.move(after)
        await service.take_step(
            actor=district,
            application_id=filed.id,
            action=Action.REFUSE if refuse else Action.APPROVE,
            note="不符合条件" if refuse else "",
        )
        clock.move(-after)

    _, token = await factories.signed_in("district_command", DISTRICT)
    # One decision so far (the fixtures' application ready for collection): too few for a rate.
    early = await gql(client, QUERY, {"by": "ITEM"}, token=token)
    [first] = early["data"]["approvalStatistics"]["rows"]
    assert (first["decided"], first["onTime"], first["onTimeRate"]) == (1, 1, None)

    for _ in range(3):
        await decided(after=timedelta(hours=2))
    await decided(refuse=True, after=timedelta(hours=2))
    await decided(after=timedelta(days=60))  # past the promised 20 working days

    by_item = await gql(client, QUERY, {"by": "ITEM"}, token=token)
    report = by_item["data"]["approvalStatistics"]
    assert (report["formulaVersion"], report["minimumDecided"]) == ("approvals.2026.1", 5)
    [row] = report["rows"]
    assert (row["label"], row["applications"], row["decided"]) == ("低保申请", 8, 6)
    assert (row["approved"], row["refused"], row["onTime"]) == (5, 1, 5)
    assert row["onTimeRate"] == round(5 / 6, 4)
    assert row["averageHours"] == round((4 * 2 + 60 * 24) / 6, 1)

    by_department = await gql(client, QUERY, {"by": "DEPARTMENT"}, token=token)
    [department] = by_department["data"]["approvalStatistics"]["rows"]
    assert (department["key"], department["decided"]) == ("", 6)  # the item names none

    _, outside = await factories.signed_in("township_centre", "410611002")
    hidden = await gql(client, QUERY, {"by": "ITEM"}, token=outside)
    assert hidden["data"]["approvalStatistics"]["code"] == "NOT_FOUND"
