"""Notices follow their reader (api/messages.py, issue 30): what the system writes is stored as
its message and read in each reader's language; older rows and text typed by people are shown as
they were written."""

from __future__ import annotations

import uuid

import httpx
import pytest

from api import messages, vocabulary
from api.domains.events.enums import EventStatus, Stage
from api.domains.events.models import Event
from api.domains.events.steps import STATUS_NAMES
from api.domains.hierarchy.models import Department
from api.domains.notices import service as notices
from api.domains.notices.models import Notice
from api.i18n import _
from api.messages import Term
from schema.realtime.subscriptions import _NOTICE_IN
from tests import factories
from tests.events.helpers import FILE, REPORT, SUPERVISE, report_input, run
from tests.factories import gql

MINE = "{ myNotices { edges { node { kind title body } } } }"


async def _mine(client: httpx.AsyncClient, token: str, language: str) -> list[dict[str, str]]:
    body = await gql(client, MINE, token=token, headers={"Accept-Language": language})
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["myNotices"]["edges"]]


@pytest.mark.usefixtures("db")
async def test_the_same_notice_reads_in_chinese_and_in_english(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await Department.create(region_code="410611", code="police", name="公安分局")
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    grid_leader_account, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    _, leader = await factories.signed_in("leader", "410611")
    event = await run(client, REPORT, worker, input=report_input())
    event_id, case_number = event["event"]["uuid"], event["event"]["caseNumber"]
    await run(client, FILE, grid_leader, id=event_id)
    await run(client, SUPERVISE, leader, id=event_id, note="请尽快派遣")
    title = (await Event.get(id=event_id)).title

    chinese = await _mine(client, grid_leader, "zh-CN")
    english = await _mine(client, grid_leader, "en")

    assert chinese == [
        {"kind": "supervision", "title": f"督办 {case_number}: {title}", "body": "请尽快派遣"}
    ]
    # the leader's note is typed by a person: never translated
    assert english == [
        {
            "kind": "supervision",
            "title": f"Supervision {case_number}: {title}",
            "body": "请尽快派遣",
        }
    ]
    # the row keeps the text in the deployment's language, and the message it came from
    row = await Notice.get(user_id=grid_leader_account.id)
    assert row.title == f"督办 {case_number}: {title}"
    assert row.title_msg == {
        "id": "Supervision {case_number}: {title}",
        "params": {"case_number": case_number, "title": title},
    }
    assert row.body_msg is None


@pytest.mark.usefixtures("db")
async def test_an_older_notice_without_a_message_shows_its_text(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    account, token = await factories.signed_in("grid_worker", "410611001001001")
    await Notice.create(
        id=uuid.uuid4(),
        user_id=account.id,
        kind="reminder",
        title="即将超时 旧通知",
        body="处置 时限 2026-01-01",
        region_code="410611001001001",
    )
    for language in ("zh-CN", "en"):
        assert await _mine(client, token, language) == [
            {"kind": "reminder", "title": "即将超时 旧通知", "body": "处置 时限 2026-01-01"}
        ]


@pytest.mark.usefixtures("db")
async def test_a_notice_typed_by_a_person_is_never_translated(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    account, token = await factories.signed_in("grid_worker", "410611001001001")
    # a plain string, as a staff member wrote it (even one that happens to be a msgid)
    await notices.notify(
        user_ids=[account.id],
        kind="meeting",
        title="停水通知",
        body="sign in first",
        region_code="410611001001001",
    )
    for language in ("zh-CN", "en"):
        assert await _mine(client, token, language) == [
            {"kind": "meeting", "title": "停水通知", "body": "sign in first"}
        ]
    row = await Notice.get(user_id=account.id)
    assert (row.title_msg, row.body_msg) == (None, None)


def test_the_notice_feed_renders_each_connection_language() -> None:
    [made] = notices.compose(
        user_ids=[uuid.uuid4()],
        kind="red_card",
        title=_("Red card: {label}", label="2026-0001 路灯不亮"),
        body=_("{stage} overdue (due {due_at})", stage="handle", due_at="2026-01-01T00:00:00"),
        region_code="410611001001001",
    )
    message = {"sequence": 7, **notices.payload(made)}
    chinese, english = _NOTICE_IN["zh-CN"](message), _NOTICE_IN["en"](message)
    assert (chinese.title, chinese.body) == (
        "红牌 2026-0001 路灯不亮",
        "handle 超时（时限 2026-01-01T00:00:00）",
    )
    assert (english.title, english.body) == (
        "Red card: 2026-0001 路灯不亮",
        "handle overdue (due 2026-01-01T00:00:00)",
    )
    # a notice published by staff (announcements) comes without a message: its text as it is
    published = {**message, "title": "停水通知", "body": "明天停水", "title_msg": None}
    published.pop("body_msg")
    assert _NOTICE_IN["en"](published).title == "停水通知"
    assert _NOTICE_IN["en"](published).body == "明天停水"


def test_nested_messages_and_terms_follow_the_reader() -> None:
    made = _(
        "Your appeal {case_number}: {status}",
        case_number="2026-0001",
        status=STATUS_NAMES[EventStatus.CLOSED],
    )
    stored = messages.encode(made)
    assert stored == {
        "id": "Your appeal {case_number}: {status}",
        "params": {
            "case_number": "2026-0001",
            "status": {"msg": {"id": "concluded", "context": "appeal status"}},
        },
    }
    assert messages.render(stored, "?", "zh-CN") == "您的诉求 2026-0001: 已办结"
    assert messages.render(stored, "?", "en") == "Your appeal 2026-0001: concluded"
    # a vocabulary code as a parameter: its label in the reader's language
    term = messages.encode(
        _("Pledge rated: {rating}", rating=Term("EventStatus", EventStatus.CLOSED))
    )
    assert term == {
        "id": "Pledge rated: {rating}",
        "params": {"rating": {"term": "EventStatus", "code": "closed"}},
    }
    assert messages.render(term, "?", "zh-CN") == "承诺评议: 已结案"
    assert messages.render(term, "?", "en") == "Pledge rated: Closed"
    # a flow's stage (a reminder's, a card's) by its vocabulary label; a bare code as it is
    due = messages.encode(
        _("{stage} due {due_at}", stage=messages.labelled(Stage.HANDLE), due_at="2026-01-01")
    )
    handle = {
        language: vocabulary.label("EventStage", "handle", language) for language in ("zh-CN", "en")
    }
    assert messages.render(due, "?", "zh-CN") == f"{handle['zh-CN']} 时限 2026-01-01"
    assert messages.render(due, "?", "en") == f"{handle['en']} due 2026-01-01"
    assert messages.labelled("collection") == "collection"
    # a message that no longer renders (a placeholder renamed): the stored text
    assert messages.render({"id": "Red card: {label}", "params": {"x": 1}}, "旧", "en") == "旧"
