"""Every operation in graphql_examples/ runs against the API as the client it is written for."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import connections

from api import auth, clock
from api.auth import Assignment, Principal
from api.domains.accounts import service as accounts
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User, UserSession
from api.domains.engagement import service as engagement
from api.domains.events import service as events
from api.domains.events.deadlines import LOCAL
from api.domains.events.models import CardRecord, Event
from api.domains.hierarchy.models import Department
from api.domains.intake import service as intake
from api.domains.stats.models import Exemption, RankingSnapshot, RankingSnapshotEntry
from tests import factories
from tests.announcements.examples import announcement_fixtures
from tests.approvals.examples import approval_fixtures
from tests.care.examples import care_fixtures
from tests.diaries.examples import diary_fixtures
from tests.economy.examples import economy_fixtures
from tests.emergencies.examples import emergency_fixtures
from tests.engagement.examples import engagement_fixtures, wechat_token
from tests.events.examples import cohandling_fixtures
from tests.intake.helpers import close_event
from tests.maps.examples import map_fixtures
from tests.meetings.examples import meeting_fixtures
from tests.points.examples import points_fixtures
from tests.registry.examples import registry_fixtures
from tests.services.examples import services_fixtures
from tests.supervision.examples import supervision_fixtures
from tests.triage.examples import triage_fixtures

EXAMPLES = Path(__file__).resolve().parent.parent / "graphql_examples"
ALL_FILES = sorted(EXAMPLES.rglob("*.graphql"))
# Subscriptions need a live server and a change to watch: tests/realtime/test_subscription_examples.py
FILES = [path for path in ALL_FILES if not path.name.endswith(".subscription.graphql")]


def header(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        values[key.strip()] = value.strip()
    return values


SNAPSHOT = "examples_world"
# Every table of ours, models or not (counts kept by triggers too), but not the migrations'
# record, an extension's (PostGIS's spatial_ref_sys) or a partition (its parent holds its rows);
# each with its columns minus the generated ones, which are computed again on the copy.
TABLES = """
    SELECT c.oid, c.relname AS name,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attgenerated = '') AS columns
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND NOT c.relispartition AND c.relname <> 'tortoise_migrations'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
"""
TAKE = f"""
DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE;
CREATE SCHEMA {SNAPSHOT};
DO $$
DECLARE tab record;
BEGIN
    FOR tab IN {TABLES} LOOP
        EXECUTE format('CREATE TABLE {SNAPSHOT}.%I AS SELECT %s FROM public.%I',
                       tab.name, tab.columns, tab.name);
    END LOOP;
END $$;
"""
# The rows are a copy of consistent tables: no trigger (foreign keys, counts) runs on them.
# Serial ids go on from the fixtures' last one.
RESTORE = f"""
BEGIN;
DO $$
DECLARE tab record; owned record; top bigint;
BEGIN
    EXECUTE (SELECT 'TRUNCATE ' || string_agg(format('public.%I', name), ', ') || ' CASCADE'
               FROM ({TABLES}) t);
    PERFORM set_config('session_replication_role', 'replica', true);
    FOR tab IN {TABLES} LOOP
        EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM {SNAPSHOT}.%I',
                       tab.name, tab.columns, tab.columns, tab.name);
    END LOOP;
    FOR owned IN
        SELECT s.oid::regclass AS sequence, t.relname AS tab, a.attname AS col
        FROM pg_class s
        JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace
    LOOP
        EXECUTE format('SELECT max(%I) FROM public.%I', owned.col, owned.tab) INTO top;
        IF top IS NOT NULL THEN PERFORM setval(owned.sequence, top); END IF;
    END LOOP;
END $$;
COMMIT;
"""
_built: dict[str, str] = {}


async def _world() -> dict[str, str]:
    """The fixtures, built once per run and copied back into the emptied tables before every
    example: building every domain's records through its services cost a third of this file's
    time and grows with each domain, a copy does not. Each example still starts from exactly
    that world: what one example writes is gone before the next."""
    connection = connections.get("default")
    if not _built:
        placeholders = await _fixtures()
        await connection.execute_script(TAKE)
        _built.update(placeholders)
        return placeholders
    await connection.execute_script(RESTORE)
    # An access token lives 15 minutes; the run may be longer.
    citizen = await User.get(username="8613912345678")
    return {**_built, "<citizen_token>": await factories.token_for(citizen)}


async def _fixtures() -> dict[str, str]:
    """The world every example runs in, and the values its placeholders stand for."""
    await factories.region_tree()
    department = await factories.department("410611")
    await factories.user("admin", "4106", username="admin.city")
    await factories.user("grid_worker", "410611001001001", username="worker.grid")
    target = await factories.user("grid_worker", "410611001001001", username="target.worker")
    extra = await RoleAssignment.create(
        user=target, role="grid_worker", region_code="410611001001010"
    )
    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    api_key = await accounts.create_api_key(actor=console, name="old hotline", region_code="410611")
    refresh_token = auth.new_refresh_token()
    await UserSession.create(
        user=target,
        refresh_token_hash=auth.token_digest(refresh_token),
        expires_at=clock.now() + timedelta(days=1),
    )
    events = await _events_in_every_state(department.id)
    stats = await _assessment_fixtures(events["<in_progress_event_id>"])
    import_job_id = await _import_job()
    return {
        **events,
        **await _channels(),
        **stats,
        "<import_job_id>": import_job_id,
        "<user_id>": str(target.id),
        "<department_id>": str(department.id),
        "<assignment_id>": str(extra.id),
        "<api_key_id>": str(api_key.api_key.id),
        "<refresh_token>": refresh_token,
        "<password>": factories.PASSWORD,
        "<now>": clock.now().isoformat(),
        **await registry_fixtures(),
        **await emergency_fixtures(),
        **await diary_fixtures(),
        **await approval_fixtures(),
        **await announcement_fixtures(),
        **await meeting_fixtures(),
        **await points_fixtures(),
        **await economy_fixtures(),
        **await care_fixtures(),
        **await map_fixtures(),
        **await triage_fixtures(),
        **await supervision_fixtures(events["<in_progress_event_id>"]),
        **await cohandling_fixtures(),
        **await services_fixtures(),
        **await engagement_fixtures(),
    }


async def _import_job() -> str:
    """A grids file of 410611 imported by the city's admin, one row out of its region."""
    from api.domains.imports import pipeline
    from tests.imports.helpers import csv_bytes, queued_job

    rows = [["code", "name"], ["410611001001002", "金山社区第2网格"], ["410602001001002", "外区"]]
    job_id = await queued_job("admin.city", csv_bytes(rows))
    await pipeline.run(uuid.UUID(job_id))
    return job_id


async def _events_in_every_state(department_id: uuid.UUID) -> dict[str, str]:
    """One event per step of the loop, held by the district 410611 once filed (so a district
    centre and the district's police can act on them)."""

    def as_(role: str, code: str) -> Principal:
        return Principal(
            user_id=uuid.uuid4(),
            username=role,
            assignments=(Assignment(role, code, department_id),),
        )

    grid = "410611001001001"
    worker, grid_leader = as_("grid_worker", grid), as_("grid_leader", grid)
    community, township = as_("community_staff", grid[:12]), as_("township_centre", grid[:9])
    district, police = as_("district_command", grid[:6]), as_("department_staff", grid[:6])
    steps: list[tuple[str, Any]] = [
        ("reported", None),
        ("filed", lambda e: events.file(actor=grid_leader, event_id=e)),
        ("filed_district", None),
        (
            "assigned",
            lambda e: events.assign(actor=district, event_id=e, department_id=department_id),
        ),
        ("in_progress", lambda e: events.accept(actor=police, event_id=e)),
        ("handled", lambda e: events.submit(actor=police, event_id=e, note="已处置")),
        ("verified", lambda e: events.verify(actor=district, event_id=e, passed=True)),
        ("closed", lambda e: events.close(actor=district, event_id=e)),
    ]
    ids: dict[str, str] = {}
    for index, (state, _) in enumerate(steps):
        event = await events.report(
            actor=worker,
            data=events.ReportInput(
                title=f"示例事件 {state}",
                description="",
                category_key="city.0502",
                region_code=grid,
            ),
        )
        for _, step in steps[1 : index + 1]:
            if step is None:  # up to the district centre
                for holder in (grid_leader, community, township):
                    await events.escalate(actor=holder, event_id=event.id, note="超出本级处置能力")
                continue
            await step(event.id)
        ids[f"<{state}_event_id>"] = str(event.id)
    return ids


async def _channels() -> dict[str, str]:
    """A hotline with an open and a closed work order, and a citizen with an open and a closed
    appeal: the senders `hotline` and `citizen` of the channel examples."""
    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    hotline_key = (
        await accounts.create_api_key(actor=console, name="12345", region_code="410611")
    ).secret
    hotline = await accounts.principal_for_api_key(hotline_key)
    tickets = {}
    for state in ("open", "closed"):
        submitted = await intake.submit_work_order(
            actor=hotline,
            data=intake.WorkOrderInput(
                ticket_id=f"12345-{state}",
                idempotency_key=f"12345-{state}-1",
                content="淇河路井盖缺失",
                category_key="city.0601",
                region_code="410611001001001",
            ),
        )
        if state == "closed":
            await close_event(submitted.event.id)
        tickets[state] = submitted.work_order.ticket_id
    person = await factories.user("citizen", "4106", username="8613912345678")
    person.phone = "+8613912345678"
    await person.save()
    citizen = Principal(
        user_id=person.id, username=person.username, assignments=(Assignment("citizen", "4106"),)
    )
    appeals = {}
    for state in ("open", "closed"):
        event = await engagement.submit_appeal(
            actor=citizen,
            data=engagement.AppealInput(
                title="垃圾未清运",
                description="",
                category_key="city.0601",
                region_code="410611001001001",
            ),
            photos=[],
            root=Path("unused"),
            max_bytes=0,
            max_files=0,
        )
        if state == "closed":
            await close_event(event.id)
        appeals[state] = str(event.id)
    return {
        "<ticket_id>": tickets["open"],
        "<closed_ticket_id>": tickets["closed"],
        "<appeal_id>": appeals["open"],
        "<closed_appeal_id>": appeals["closed"],
        "<hotline_api_key>": hotline_key,
        "<citizen_token>": await factories.token_for(person),
    }


async def _assessment_fixtures(event_id: str) -> dict[str, str]:
    """A yellow card on the event in progress, an exemption of all its cards, and a frozen
    ranking of the district."""
    event = await Event.get(id=event_id)
    card = await CardRecord.create(
        event_id=event.id,
        card="yellow",
        stage="handle",
        due_at=clock.now(),
        given_at=clock.now(),
        handling_region_code=event.handling_region_code,
        assignee_department_id=event.assignee_department_id,
    )
    exemption = await Exemption.create(
        id=uuid.uuid4(),
        event_id=event.id,
        card_id=None,
        region_code=event.region_code,
        reason="停电，经申诉核实免责",
        granted_by_label="leader",
        granted_at=clock.now(),
    )
    today = clock.now().astimezone(LOCAL).date()
    snapshot = await RankingSnapshot.create(
        id=uuid.uuid4(),
        scope_code="410611",
        subject_kind="department",
        period_kind="day",
        period_start=today,
        period_end=today,
        formula_version="2026.1",
        rules_version=0,
        rules={"points": {"red_card": -5}, "minimum_cases": 1},
        created_at=clock.now(),
    )
    await RankingSnapshotEntry.create(
        snapshot_id=snapshot.id,
        subject_key=str(event.assignee_department_id),
        subject_label="公安分局",
        figures={"cases": 3, "closed": 2, "closed_on_time": 1},
    )
    return {
        "<card_id>": str(card.id),
        "<exemption_id>": str(exemption.id),
        "<snapshot_id>": str(snapshot.id),
    }


async def _credentials(sender: str, placeholders: dict[str, str]) -> dict[str, str]:
    if sender == "anonymous":
        return {}
    if sender == "hotline":
        return {"X-Api-Key": placeholders["<hotline_api_key>"]}
    if sender == "recipient":  # the grid worker the fixtures' notice was published to
        return {
            "Authorization": f"Bearer {await factories.token_for(await User.get(username='worker.grid'))}"
        }
    if sender == "citizen":
        return {"Authorization": f"Bearer {placeholders['<citizen_token>']}"}
    if sender == "wechat":  # the citizen, signed in through the WeChat mini-program
        return {"Authorization": f"Bearer {await wechat_token()}"}
    role, _, region = sender.partition("@")
    if role == "apikey":
        console = Principal(username="console", assignments=(Assignment("admin", region),))
        created = await accounts.create_api_key(actor=console, name="hotline", region_code=region)
        return {"X-Api-Key": created.secret}
    assert role in {r.value for r in Role}, f"unknown role {role}"
    department = None
    if role == "department_staff":  # the fixtures' department of that region
        department = (await Department.get(region_code=region, code="police")).id
    _, token = await factories.signed_in(role, region, department_id=department)
    return {"Authorization": f"Bearer {token}"}


def test_there_are_examples_for_every_client() -> None:
    assert {path.parent.name for path in ALL_FILES} == {
        "web",
        "mobile",
        "command_centre",
        "hotline",
        "public",
    }


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXAMPLES)) for p in FILES])
async def test_example_runs(
    client: httpx.AsyncClient,
    path: Path,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    text = path.read_text(encoding="utf-8")
    meta = header(text)
    assert "as" in meta, f"{path.name}: first lines must say `# as: ROLE@REGION`"
    placeholders = await _world()
    raw_variables = meta.get("variables", "{}")
    for placeholder, value in placeholders.items():
        raw_variables = raw_variables.replace(placeholder, value)
    variables: dict[str, Any] = json.loads(raw_variables)
    headers = await _credentials(meta["as"], placeholders)

    if "upload" in meta:  # a GraphQL multipart request, the files kept beside the example
        uploads: dict[str, str] = json.loads(meta["upload"])
        names = list(uploads)
        operations = {"query": text, "variables": {**variables, **dict.fromkeys(names)}}
        response = await client.post(
            "/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({str(i): [f"variables.{name}"] for i, name in enumerate(names)}),
            },
            files={
                str(i): (uploads[name], (path.parent / uploads[name]).read_bytes())
                for i, name in enumerate(names)
            },
            headers=headers,
        )
    else:
        response = await client.post(
            "/graphql", json={"query": text, "variables": variables}, headers=headers
        )

    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    assert body["data"] and all(value is not None for value in body["data"].values()), body
    if "expect" in meta:
        result = next(iter(body["data"].values()))
        assert result["__typename"] == meta["expect"], result
