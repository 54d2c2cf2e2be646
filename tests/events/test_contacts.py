"""Reporter (上报人) and collector (采集人) of events: who they are for each way a report comes
in, masked as the registry masks unless the reader holds event.read_reporter there, each read in
clear audited; the map popup shows the same."""

from __future__ import annotations

from typing import Any

import httpx

from api.auth import Assignment, Principal
from api.domains.accounts import service as accounts
from api.domains.accounts.models import User
from api.domains.audit.models import AuditEntry
from api.domains.events.enums import EventStatus, Source
from api.domains.events.models import Event
from api.masking import mask_name
from tests import factories
from tests.factories import gql
from tests.stats.dataset import GRID, _event

CONTACT = "kind name phone masked isCitizen"
EVENTS = (
    "query { events(first: 10) { edges { node { uuid"
    f" reporter {{ {CONTACT} }} collector {{ {CONTACT} }} }} }} }} }}"
)


def test_names_keep_their_first_character() -> None:
    assert [mask_name(n) for n in ("王五", "欧阳娜娜", "李", "", " 张三 ")] == [
        "王*",
        "欧***",
        "*",
        "",
        "张*",
    ]


async def _shown(client: httpx.AsyncClient, token: str) -> dict[str, dict[str, Any]]:
    body = await gql(client, EVENTS, token=token)
    assert "errors" not in body, body
    return {edge["node"]["uuid"]: edge["node"] for edge in body["data"]["events"]["edges"]}


async def test_who_reported_and_who_collected_each_way_in(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    worker = await factories.user("grid_worker", GRID)
    await User.filter(id=worker.id).update(display_name="张网格", phone="+8613800001111")
    citizen = await factories.user("citizen", "4106")
    await User.filter(id=citizen.id).update(display_name="赵居民", phone="+8613700002222")
    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    key = await accounts.create_api_key(actor=console, name="12345热线", region_code="410611")

    patrol = await _event("patrol", GRID, EventStatus.REPORTED, worker=worker)
    told = await _event("told", GRID, EventStatus.REPORTED, worker=worker)
    await Event.filter(id=told.id).update(citizen_name="王五", citizen_phone="+8613912345678")
    call = await _event("call", GRID, EventStatus.REPORTED, source=Source.HOTLINE)
    await Event.filter(id=call.id).update(
        reporter_api_key_id=key.api_key.id, citizen_name="李四", citizen_phone="+8613612345678"
    )
    app = await _event("app", GRID, EventStatus.REPORTED, source=Source.CITIZEN)
    await Event.filter(id=app.id).update(reporter_id=citizen.id)

    # the township centre calls reporters back: everything in clear, each read audited
    _, centre = await factories.signed_in("township_centre", "410611001")
    shown = await _shown(client, centre)
    worker_contact = {
        "kind": "GRID_WORKER",
        "name": "张网格",
        "phone": "+8613800001111",
        "masked": False,
        "isCitizen": False,
    }
    assert shown[str(patrol.id)]["reporter"] == worker_contact
    assert shown[str(patrol.id)]["collector"] == worker_contact
    assert shown[str(told.id)]["reporter"] == {
        "kind": "CITIZEN",
        "name": "王五",
        "phone": "+8613912345678",
        "masked": False,
        "isCitizen": True,
    }
    assert shown[str(told.id)]["collector"] == worker_contact
    assert shown[str(call.id)]["reporter"]["kind"] == "HOTLINE_CALLER"
    assert shown[str(call.id)]["collector"] == {
        "kind": "INTEGRATION",
        "name": "12345热线",
        "phone": None,
        "masked": False,
        "isCitizen": False,
    }
    assert shown[str(app.id)]["reporter"] == {
        "kind": "CITIZEN",
        "name": "赵居民",
        "phone": "+8613700002222",
        "masked": False,
        "isCitizen": True,
    }
    assert shown[str(app.id)]["collector"] is None
    audited = await AuditEntry.filter(action="event.read_reporter").values_list(
        "object_id", "detail"
    )
    assert sorted(audited) == sorted(
        [
            (str(patrol.id), {"fields": ["reporter", "collector"]}),
            (str(told.id), {"fields": ["reporter", "collector"]}),
            (str(call.id), {"fields": ["reporter"]}),
            (str(app.id), {"fields": ["reporter"]}),
        ]
    )

    # a leader reads events but not reporters: masked as the registry masks, nothing audited
    _, leader = await factories.signed_in("leader", "410611001")
    shown = await _shown(client, leader)
    assert shown[str(told.id)]["reporter"] == {
        "kind": "CITIZEN",
        "name": "王*",
        "phone": "+86139****5678",
        "masked": True,
        "isCitizen": True,
    }
    assert shown[str(told.id)]["collector"]["name"] == "张**"
    assert shown[str(call.id)]["collector"]["name"] == "12345热线"  # a system, not a person
    assert await AuditEntry.filter(action="event.read_reporter").count() == 4
