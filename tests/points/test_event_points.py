"""随手拍积分: the worker credits events a member reported from their account once they were
verified and closed, once per event, priced by the current rules; an open report, another
citizen's report and a member not yet confirmed earn nothing."""

from __future__ import annotations

import uuid

import httpx

from api.domains.events.models import Event
from api.domains.points.models import LedgerEntry, PointsBalance, PointsMember
from api.domains.points.periods import current_period
from tests import factories
from tests.engagement.test_citizens import appeal, citizen, submit
from tests.factories import gql
from tests.intake.helpers import close_event
from tests.points.helpers import ME, party_member, register, run
from tests.registry.helpers import id_number
from workers.points import credit_event_points


async def test_closed_reports_of_members_are_credited_once(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    person, _ = await party_member("王建国", 401)
    member, token = await register(client, "13800138111", person.id_number)
    pending, pending_token = await register(
        client, "13800138112", id_number("19900101", 403), name="无档案"
    )
    assert pending["status"] == "PENDING"
    outsider = await citizen(client, "13800138113")

    closed = await submit(client, token, appeal(title="楼道堆放杂物"))
    still_open = await submit(client, token, appeal(title="路灯不亮"))
    by_pending = await submit(client, pending_token, appeal(title="井盖松动"))
    by_outsider = await submit(client, outsider, appeal(title="小广告"))
    for submitted in (closed, still_open, by_pending, by_outsider):
        assert submitted["__typename"] == "AppealPayload", submitted
    for done in (closed, by_pending, by_outsider):
        await close_event(uuid.UUID(done["appeal"]["uuid"]))

    assert await credit_event_points({}) == 1
    assert await credit_event_points({}) == 0  # the nightly rerun books nothing twice

    [entry] = await LedgerEntry.all()
    assert (entry.member_id, entry.source_kind, entry.source_key) == (
        uuid.UUID(member["uuid"]),
        "event_reported",
        closed["appeal"]["uuid"],
    )
    assert (str(entry.points), entry.rule_version, entry.period_key) == ("1.0", 1, current_period())
    body = await gql(client, ME, {"period": current_period()}, token=token)
    mine = body["data"]
    assert mine["myPointsMember"]["balance"] == {"points": "1.0", "hours": "0.0"}
    assert mine["myLedger"]["edges"][0]["node"]["sourceKind"] == "EVENT_REPORTED"
    assert [str(b) for b in await PointsBalance.all().values_list("points", flat=True)] == ["1.0"]

    # confirmed later, the pending member's closed report is credited on the next run
    from tests.points.helpers import CONFIRM, staff

    confirmed = await run(client, CONFIRM, await staff(), id=pending["uuid"])
    assert confirmed["member"]["status"] == "CONFIRMED"
    assert await credit_event_points({}) == 1
    assert await LedgerEntry.filter(
        member_id=(await PointsMember.get(id=pending["uuid"])).id,
        source_key=by_pending["appeal"]["uuid"],
    ).exists()
    assert await Event.filter(status="closed").count() == 3
