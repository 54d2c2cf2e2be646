"""Issue 19's "Done when": a drill and a real incident from phone intake to end, through two
API processes, while two command-centre clients follow the city's `emergencies` feed: the
plan's tasks carded when late by the shared deadline sweep, a level change, three situation
reports, Redis killed and restarted mid-walk (the clients resume by sequence and see every
change once), and CAP documents that validate against the OASIS CAP 1.2 schema.

Its own Redis and API processes, like tests/realtime/test_redis_restart.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import xmlschema

from api import clock
from api.domains.emergencies.flow import INCIDENTS
from api.domains.notices.models import Notice
from api.flows import sweep
from api.flows.calendar import LOCAL
from api.flows.models import FlowCard
from api.outbox import OutboxMessage
from api.settings import Settings
from tests.emergencies.helpers import (
    ACTIVATE,
    ALERT,
    AREA,
    CHANGE_LEVEL,
    COMPLETE_TASK,
    END,
    FEED_SEQUENCES,
    OPEN,
    RECORD,
    RECOVER,
    REPORT,
    SAVE_PLAN,
    SET_AREA,
    City,
    alert_input,
    call,
    city,
    phone_report,
    plan_input,
    situation,
)
from tests.realtime.conftest import api_env
from tests.realtime.servers import RedisProcess, ResumingClient, followed, free_port, start_api

CAP_SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "cap" / "CAP-v1.2.xsd")
CITY = "4106"
LATE = timedelta(hours=3)  # past both plan tasks' red cards (1 h → 1.5 h, 2 h → 3 h)


def _now() -> str:
    return clock.now().replace(microsecond=0).isoformat()


async def _walk(http: list[httpx.AsyncClient], people: City, redis: RedisProcess) -> dict[str, Any]:
    """Every step through the public API, alternating between the two processes."""
    steps = iter(range(1_000))

    async def step(document: str, token: str, **variables: Any) -> dict[str, Any]:
        return await call(http[next(steps) % 2], document, token, **variables)

    commander = str(people.commander.id)
    plan = await step(SAVE_PLAN, people.district, input=plan_input(people))
    assert plan["__typename"] == "EmergencyPlanPayload", plan
    plan_id = plan["plan"]["id"]

    # The drill (演练): opened, activated, warned as an Exercise, ended with its tasks cancelled.
    drill = (
        await step(OPEN, people.district, input=phone_report(drill=True, title="交通事故演练"))
    )["incident"]
    await step(
        ACTIVATE, people.district, id=drill["id"], plan=plan_id, level="IV", commander=commander
    )
    drill_alert = await step(ALERT, people.district, id=drill["id"], input=alert_input())
    drill_end = await step(END, people.district, id=drill["id"], summary="演练结束", open="CANCEL")
    assert drill_end["incident"]["status"] == "ENDED", drill_end

    # The real one: a call taken by the township's centre, verified by the district's.
    opened = await step(OPEN, people.township, input=phone_report())
    assert opened["__typename"] == "IncidentPayload", opened
    incident = opened["incident"]
    assert (incident["status"], incident["stage"]) == ("VERIFYING", "VERIFY")
    active = await step(
        ACTIVATE, people.district, id=incident["id"], plan=plan_id, level="III", commander=commander
    )
    assert active["incident"]["status"] == "ACTIVE", active
    await step(SET_AREA, people.township, id=incident["id"], area=AREA)
    first = await step(
        REPORT,
        people.township,
        id=incident["id"],
        input=situation(_now(), 0, "正在破拆救援被困人员"),
    )
    assert first["report"]["number"] == 1, first

    # Nobody reported the tasks done in time: the one sweep cards them (this process's clock
    # runs ahead for it, then comes back, so the API processes' steps stay in order after it).
    clock.move(LATE)
    try:
        late = await sweep()
    finally:
        clock.move(-LATE)
    assert (late.yellow_cards, late.red_cards) == (2, 2), late

    # Redis goes away mid-walk: steps are still taken (they are in the outbox), feeds end.
    redis.stop()
    graver = await step(
        CHANGE_LEVEL, people.district, id=incident["id"], level="II", note="被困人员增至5人"
    )
    assert graver["incident"]["level"] == "II", graver
    second = await step(
        REPORT, people.district, id=incident["id"], input=situation(_now(), 1, "已救出3人")
    )
    assert second["report"]["number"] == 2, second
    redis.start()

    warned = await step(ALERT, people.district, id=incident["id"], input=alert_input())
    record = await step(RECORD, people.district, id=incident["id"])
    for task, token in zip(record["tasks"], (people.police_staff, people.fire_staff), strict=True):
        done = await step(COMPLETE_TASK, token, id=task["uuid"], result=f"{task['title']}完成")
        assert done["task"]["status"] == "DONE", done
    third = await step(
        REPORT, people.district, id=incident["id"], input=situation(_now(), 1, "被困人员全部救出")
    )
    assert third["report"]["number"] == 3, third
    updated = await step(
        ALERT,
        people.district,
        id=incident["id"],
        input=alert_input("UPDATE", headline="淇河路已恢复通行"),
    )
    await step(RECOVER, people.district, id=incident["id"], note="现场清理完毕，转入恢复")
    ended = await step(
        END, people.district, id=incident["id"], summary="事故造成1人死亡3人受伤，道路已恢复"
    )
    assert ended["incident"]["status"] == "ENDED", ended
    cancelled = await step(ALERT, people.district, id=incident["id"], input=alert_input("CANCEL"))
    return {
        "incident": incident["id"],
        "drill": drill["id"],
        "alerts": [drill_alert, warned, updated, cancelled],
    }


async def _city_sequences() -> list[int]:
    query = OutboxMessage.filter(topic=INCIDENTS.topic, region_code__startswith=CITY).order_by("id")
    return list(await query.values_list("id", flat=True))


async def test_a_drill_and_a_real_incident_from_phone_intake_to_end(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    redis = RedisProcess(free_port(), tmp_path)
    redis.start()
    apis = [start_api(api_env(settings, redis.url), tmp_path) for _ in range(2)]
    http = [httpx.AsyncClient(base_url=api.http, timeout=30) for api in apis]
    try:
        people = await city()
        followers = [
            ResumingClient(
                [apis[i % 2].ws, apis[(i + 1) % 2].ws],
                people.city,
                CITY,
                query=FEED_SEQUENCES,
                root="emergencies",
            )
            for i in range(2)
        ]
        walked: dict[str, Any] = {}

        async def work() -> list[int]:
            walked.update(await _walk(http, people, redis))
            return await _city_sequences()

        expected = await followed(followers, work)

        # every change of both incidents and their tasks, the sweep's cards included, once: the
        # drill's 8 (open, activate, 2 tasks, alert, end, 2 tasks cancelled) and the real one's
        # 20 (open, activate, 2 tasks, area, 3 reports, 4 cards, level, 2 tasks done, 3 alerts,
        # recover, end)
        assert len(expected) == 28
        for follower in followers:
            assert "FEED_INTERRUPTED" in follower.endings, follower.endings
            assert follower.seen == expected, (
                f"missing {sorted(set(expected) - set(follower.seen))[:20]}, "
                f"{len(follower.seen) - len(set(follower.seen))} repeated"
            )

        record = await call(http[0], RECORD, people.district, id=walked["incident"])
        assert (record["status"], record["level"], record["drill"]) == ("ENDED", "II", False)
        assert record["plan"] == {"code": "QB-JT-01", "version": 1}
        assert [r["number"] for r in record["situationReports"]] == [1, 2, 3]
        assert [t["card"] for t in record["tasks"]] == ["RED", "RED"]
        assert [t["status"] for t in record["tasks"]] == ["DONE", "DONE"]
        actions = [(s["flow"], s["action"]) for s in record["timeline"]]
        assert actions.count(("emergency_task", "yellow_card")) == 2
        assert actions.count(("emergency_task", "red_card")) == 2
        level_change = next(s for s in record["timeline"] if s["action"] == "change_level")
        assert level_change["note"].startswith("III → II")
        assert [
            s["toStatus"]
            for s in record["timeline"]
            if s["flow"] == "emergency" and s["fromStatus"] != s["toStatus"]
        ] == [
            "verifying",
            "active",
            "recovering",
            "ended",
        ]
        assert await FlowCard.filter(flow="emergency_task").count() == 4
        # the commander heard of every card
        told = await Notice.filter(
            user_id=people.commander.id, kind__in=["yellow_card", "red_card"]
        ).count()
        assert told == 4

        # CAP 1.2: each document valid against the OASIS schema; a drill is an Exercise
        drill_alert, warned, updated, cancelled = (a["alert"] for a in walked["alerts"])
        for alert in (drill_alert, warned, updated, cancelled):
            CAP_SCHEMA.validate(alert["xml"])
        parsed = CAP_SCHEMA.to_dict(warned["xml"])
        assert parsed["status"] == "Actual" and parsed["msgType"] == "Alert"
        assert parsed["info"][0]["severity"] == "Severe"  # Ⅱ since the level change
        assert parsed["info"][0]["area"][0]["polygon"] == [
            "35.74,114.29 35.74,114.31 35.76,114.31 35.76,114.29 35.74,114.29"
        ]
        assert warned["identifier"].startswith("410611000000") and len(warned["identifier"]) == 30
        assert CAP_SCHEMA.to_dict(drill_alert["xml"])["status"] == "Exercise"
        assert (
            CAP_SCHEMA.to_dict(updated["xml"])["references"].split(",")[1] == warned["identifier"]
        )
        assert CAP_SCHEMA.to_dict(cancelled["xml"])["msgType"] == "Cancel"

        # statistics count the real incident, the drill apart
        today = clock.now().astimezone(LOCAL).date().isoformat()  # statistics count China's days
        statistics = await call(
            http[1],
            "query($s: String!, $d: Date!) { emergencyStatistics(scope: $s, from: $d, to: $d) {"
            " total drills byType { key count } byLevel { key count } averageResponseSeconds } }",
            people.city,
            s=CITY,
            d=today,
        )
        assert (statistics["total"], statistics["drills"]) == (1, 1)
        assert statistics["byType"] == [{"key": "0202", "count": 1}]
        assert statistics["byLevel"] == [{"key": "II", "count": 1}]
        assert statistics["averageResponseSeconds"] >= 0
    finally:
        for client in http:
            await client.aclose()
        for api in apis:
            api.stop()
        redis.stop()
