"""The supervision records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.supervision import proposals, reports
from api.domains.supervision.enums import ReportPeriod, RequestedAction, TargetKind
from api.flows.calendar import LOCAL

TOWNSHIP = "410611001"
SECTIONS = [reports.Section(heading="形势概述", body="本期矛盾纠纷总体平稳。")]


def _as(role: str, code: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=f"{role}.supervision", assignments=(Assignment(role, code),)
    )


async def supervision_fixtures(event_id: str) -> dict[str, str]:
    """金山街道's report of last month, published; its report of this quarter, awaiting its
    leader; and the district's proposal against it on the event in progress, unanswered."""
    centre, leader = _as("township_centre", TOWNSHIP), _as("leader", TOWNSHIP)
    district = _as("district_command", "410611")
    today = clock.now().astimezone(LOCAL).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    published = await reports.create(
        actor=centre,
        region_code=TOWNSHIP,
        kind=ReportPeriod.MONTH,
        period_start=last_month,
        sections=SECTIONS,
    )
    await reports.submit(actor=centre, report_id=published.id)
    await reports.review(actor=leader, report_id=published.id, publish=True)
    in_review = await reports.create(
        actor=centre,
        region_code=TOWNSHIP,
        kind=ReportPeriod.QUARTER,
        period_start=quarter,
        sections=SECTIONS,
    )
    await reports.submit(actor=centre, report_id=in_review.id)
    raised = await proposals.raise_proposal(
        actor=district,
        target=proposals.Target(kind=TargetKind.REGION, region_code=TOWNSHIP),
        reason="事件超期未办结",
        requested_action=RequestedAction.WRITTEN_EXAMINATION,
        event_ids=[uuid.UUID(event_id)],
    )
    return {
        "<published_report_id>": str(published.id),
        "<report_in_review_id>": str(in_review.id),
        "<last_week_monday>": (today - timedelta(days=today.weekday() + 7)).isoformat(),
        "<proposal_id>": str(raised.id),
    }
