"""The minutes of a meeting are due a week after it ends: the shared deadline sweep reminds the
organiser, then cards the meeting, each once; minutes recorded in time stop the clock."""

from __future__ import annotations

from datetime import timedelta

import httpx

from api import clock
from api.domains.meetings.models import Meeting
from api.domains.notices.models import Notice
from tests import factories
from tests.meetings.helpers import GRID, SCHEDULE, branch, ok, signed_in_for_a_day
from workers.events import enforce_deadlines


async def test_the_sweep_reminds_then_cards_an_organiser_without_minutes(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    organisation = await branch(["刘强"])
    organiser, staff = await signed_in_for_a_day("community_staff", GRID[:12])
    starts = clock.now() + timedelta(hours=1)
    scheduled = await ok(
        client,
        SCHEDULE,
        {
            "input": {
                "kind": "BRANCH_COMMITTEE",
                "title": "十二月支委会",
                "startsAt": starts.isoformat(),
                "endsAt": (starts + timedelta(hours=1)).isoformat(),
                "place": "党群服务中心",
                "agenda": "研究发展党员",
                "organisationId": str(organisation.branch.id),
                "inviteeUserIds": [],
            }
        },
        staff,
    )
    meeting = await Meeting.get(id=scheduled["meeting"]["id"])
    assert meeting.due_at == starts + timedelta(hours=1, days=7)

    clock.move(timedelta(days=7, hours=1))  # past 90% of the time to the due day
    await enforce_deadlines({})
    await enforce_deadlines({})  # once, however often the sweep runs
    reminders = await Notice.filter(user_id=organiser.id).exclude(kind="meeting")
    assert len(reminders) == 1, [(n.kind, n.title) for n in reminders]

    clock.move(timedelta(hours=2))  # past the due day
    await enforce_deadlines({})
    meeting = await Meeting.get(id=meeting.id)
    assert meeting.card == "yellow"
