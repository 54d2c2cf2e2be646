"""Every filter of the event list, under every shape of scope, on both sides of a cursor, and
my tasks of every kind of caller, page after page, against the reference: the query tortoise built
before these lists' SELECTs were written as text. Plus the scope's two forms (Q and SQL)
agreeing, the list inside a transaction, and the list's errors."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Assignment, Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.events.enums import OPEN_STATUSES, Card, EventStatus, Priority, Source
from api.domains.events.inputs import clean
from api.domains.events.lists import NO_KEY, EventFilter, list_events
from api.domains.events.models import Event
from api.domains.events.scope import (
    ancestor_columns,
    readable_events,
    readable_events_sql,
    subtree_filter,
)
from api.pagination import PageRequest, decode_cursor, split_cursor
from api.query import Parameters, fetch
from api.regions import Level
from policies.enforcer import get_enforcer
from tests import factories
from tests.factories import gql

PAGE = """
query($filter: EventFilterInput, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uuid } }
  }
}"""

SCOPES: dict[str, list[tuple[str, str]]] = {
    "grid": [("grid_worker", "410611001001001")],
    "community": [("community_staff", "410611001001")],
    "township": [("township_centre", "410611001")],
    "district": [("district_command", "410611")],
    "city": [("city_command", "4106")],
    "department": [("department_staff", "410611")],
    "two branches": [("grid_worker", "410602001001001"), ("township_centre", "410611002")],
    "one covering another": [("district_command", "410611"), ("grid_worker", "410611001001001")],
}

CATEGORIES = ["city.05", "city.0501", "city.0502", "city.06", "dispute.02", "dispute.0201"]
TITLES = ["Road light out", "ROAD sign bent", "井盖缺失", "100% blocked", "a_b test", "back\\slash"]
ADDRESSES = [None, "淇河路 12号", "Main road_7", "50%off street"]
DEPARTMENTS: list[uuid.UUID] = []
USERS = [uuid.UUID(int=1), uuid.UUID(int=2)]


async def _events(now: datetime, count: int = 400, users: list[uuid.UUID] = USERS) -> None:
    """Events spread over every level of the test city, each column drawn so that every filter
    selects some of them and not others; many share a report time, so cursors break ties."""
    rng = random.Random(9)
    events = []
    for i in range(count):
        region = rng.choice(list(factories.TREE))
        held = region[: rng.choice([n for n in (4, 6, 9, 12, 15) if n <= len(region)])]
        events.append(
            Event(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                case_number=f"{region[:6]}-{'AB' if i % 3 else 'A_'}-{i:05d}",
                title=rng.choice(TITLES),
                description="",
                category_key=rng.choice(CATEGORIES),
                source=rng.choice(list(Source)),
                priority=rng.choice(list(Priority)),
                status=rng.choice(list(EventStatus)),
                region_code=region,
                **ancestor_columns(region),
                handling_region_code=held,
                handling_level=Level.of_code(held),
                assignee_department_id=rng.choice([None, *DEPARTMENTS]),
                assignee_user_id=rng.choice([None, *users]),
                address=rng.choice(ADDRESSES),
                due_at=rng.choice([None, now - timedelta(hours=5), now + timedelta(hours=5)]),
                card=rng.choice(list(Card)),
                reported_at=now - timedelta(minutes=7 * rng.randrange(40)),
            )
        )
    await Event.bulk_create(events)


async def _departments() -> None:
    DEPARTMENTS[:] = [
        (await factories.department(code="police")).id,
        (await factories.department(code="water", name="水务局")).id,
    ]


async def _caller(
    scope: str, shapes: dict[str, list[tuple[str, str]]] = SCOPES
) -> tuple[str, Principal]:
    (role, region), *more = shapes[scope]
    department = DEPARTMENTS[0] if role == "department_staff" else None
    account = await factories.user(role, region, department_id=department)
    for other_role, other_region in more:
        await RoleAssignment.create(
            user=account,
            role=other_role,
            region_code=other_region,
            department_id=DEPARTMENTS[0] if other_role == "department_staff" else None,
        )
    assignments = tuple(
        Assignment(r, code, DEPARTMENTS[0] if r == "department_staff" else None)
        for r, code in shapes[scope]
    )
    principal = Principal(user_id=account.id, username=account.username, assignments=assignments)
    return await factories.token_for(account), principal


def _filter_cases(now: datetime) -> dict[str, dict[str, Any]]:
    later = (now - timedelta(minutes=100)).isoformat()
    return {
        "none": {},
        "one status": {"statuses": ["FILED"]},
        "statuses": {"statuses": ["REPORTED", "ASSIGNED", "CLOSED"]},
        "category 大类": {"categoryKey": "city.05"},
        "category 小类": {"categoryKey": "city.0502"},
        "category scheme": {"categoryKey": "dispute"},
        "source": {"source": "HOTLINE"},
        "priority": {"priority": "URGENT"},
        "region: district": {"regionCode": "410611"},
        "region: township": {"regionCode": "410611001"},
        "region: community beside a sibling with its prefix": {"regionCode": "410611001001"},
        "region: grid": {"regionCode": "410611001001001"},
        "region: city": {"regionCode": "4106"},
        "handling level": {"handlingLevel": "TOWNSHIP"},
        "department": {"assigneeDepartmentId": str(DEPARTMENTS[1])},
        "user": {"assigneeUserId": str(USERS[0])},
        "overdue": {"overdue": True},
        "not overdue": {"overdue": False},
        "card": {"card": "YELLOW"},
        "reported from": {"reportedFrom": later},
        "reported to": {"reportedTo": later},
        "reported from, no offset": {"reportedFrom": later[:19]},
        "text: any case": {"text": "road"},
        "text: percent sign": {"text": "100%"},
        "text: underscore": {"text": "a_b"},
        "text: backslash": {"text": "\\"},
        "text: case number prefix": {"text": "410611-A_"},
        "text: address": {"text": " 淇河 "},
        "together": {
            "statuses": ["FILED", "ASSIGNED", "HANDLED"],
            "regionCode": "410611001",
            "priority": "NORMAL",
            "overdue": False,
        },
        "together, text": {"categoryKey": "city", "text": "Road", "source": "GRID_PATROL"},
        "together, period": {
            "reportedFrom": (now - timedelta(minutes=200)).isoformat(),
            "reportedTo": later,
            "card": "NONE",
            "handlingLevel": "GRID",
        },
    }


def _service_filter(given: dict[str, Any]) -> EventFilter:
    """What the schema makes of a filter input, for the reference."""
    values: dict[str, Any] = {}
    for name, value in given.items():
        match name:
            case "statuses":
                values[name] = [EventStatus[status] for status in value]
            case "categoryKey" | "regionCode" | "overdue" | "text":
                values[
                    {"categoryKey": "category_key", "regionCode": "region_code"}.get(name, name)
                ] = value
            case "source" | "priority" | "card":
                values[name] = {"source": Source, "priority": Priority, "card": Card}[name][value]
            case "handlingLevel":
                values["handling_level"] = Level[value]
            case "assigneeDepartmentId" | "assigneeUserId":
                values[name.replace("Id", "_id").replace("assignee", "assignee_").lower()] = (
                    uuid.UUID(value)
                )
            case "reportedFrom" | "reportedTo":
                values[name.replace("From", "_from").replace("To", "_to").lower()] = (
                    datetime.fromisoformat(value)
                )
    return EventFilter(**values)


async def _reference(
    actor: Principal, filters: EventFilter, page: PageRequest
) -> tuple[list[str], bool, int]:
    """(ids of the page, another page follows, count over all pages) as the list's tortoise query
    found them (its code as it was, with models instead of raw rows)."""
    query = Event.filter(readable_events(actor))
    if filters.statuses:
        query = query.filter(status__in=list(filters.statuses))
    if filters.category_key:
        query = query.filter(
            Q(category_key=filters.category_key)
            | Q(category_key__startswith=f"{filters.category_key}")
        )
    if filters.source:
        query = query.filter(source=filters.source)
    if filters.priority:
        query = query.filter(priority=filters.priority)
    if filters.region_code:
        query = query.filter(subtree_filter([filters.region_code]))
    if filters.handling_level:
        query = query.filter(handling_level=filters.handling_level)
    if filters.assignee_department_id:
        query = query.filter(assignee_department_id=filters.assignee_department_id)
    if filters.assignee_user_id:
        query = query.filter(assignee_user_id=filters.assignee_user_id)
    if filters.overdue is True:
        query = query.filter(status__in=list(OPEN_STATUSES), due_at__lt=clock.now())
    elif filters.overdue is False:
        query = query.filter(Q(due_at__isnull=True) | Q(due_at__gte=clock.now()))
    if filters.card:
        query = query.filter(card=filters.card)
    if filters.reported_from:
        query = query.filter(reported_at__gte=filters.reported_from)
    if filters.reported_to:
        query = query.filter(reported_at__lt=filters.reported_to)
    if filters.text:
        text = clean(filters.text, field="text", limit=50)
        query = query.filter(
            Q(title__icontains=text) | Q(case_number__startswith=text) | Q(address__icontains=text)
        )
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(reported_at__lt=after_at) | Q(reported_at=after_at, id__lt=after_id))
    rows = await query.order_by("-reported_at", "-id").limit(page.first + 1)
    ids = [str(row.id) for row in rows]
    return ids[: page.first], len(ids) > page.first, await filtered.count()


@pytest.mark.filterwarnings("ignore:DateTimeField reported_at received a naive datetime")
async def test_every_filter_under_every_scope_matches_the_reference(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await _departments()
    # due times lie hours from now: both sides see the same ones overdue
    now = clock.now()
    await _events(now)
    cases = _filter_cases(now)
    totals: dict[str, dict[str, int]] = {scope: {} for scope in SCOPES}
    for scope in SCOPES:
        token, actor = await _caller(scope)
        for name, given in cases.items():
            filters = _service_filter(given)
            after = None
            for _ in range(2):  # the first page, then the one after its end cursor
                variables = {"filter": given, "first": 6, "after": after}
                body = await gql(client, PAGE, variables, token=token)
                assert "errors" not in body, (scope, name, body)
                found = body["data"]["events"]
                page = PageRequest(first=6, after=decode_cursor(after) if after else None)
                ids, more, total = await _reference(actor, filters, page)
                assert [edge["node"]["uuid"] for edge in found["edges"]] == ids, (scope, name)
                assert found["pageInfo"]["hasNextPage"] == more, (scope, name)
                assert found["totalCount"] == total, (scope, name)
                totals[scope][name] = total
                after = found["pageInfo"]["endCursor"]
                if not more:
                    break

    # The data is such that each filter keeps some of the city's events and drops others, and
    # each scope sees some events but not all.
    everything = totals["city"]["none"]
    assert everything == await Event.all().count()
    kept = {name: total for name, total in totals["city"].items() if not 0 < total < everything}
    assert kept == {"none": everything, "region: city": everything}, kept
    assert all(0 < totals[scope]["none"] < everything for scope in SCOPES if scope != "city")


async def test_the_scope_in_sql_selects_what_its_q_selects(db: None) -> None:
    await factories.region_tree()
    await _departments()
    await _events(clock.now())
    callers = [
        *(tuple(Assignment(role, code) for role, code in shape) for shape in SCOPES.values()),
        (),  # no roles: nothing
        (Assignment("citizen", "410611001001001"),),  # no role that reads events: nothing
        (Assignment("grid_worker", "4106110"),),  # an impossible code: nothing
    ]
    for assignments in callers:
        actor = Principal(username="x", assignments=assignments)
        bind = Parameters()
        where = readable_events_sql(actor, bind)
        rows = await fetch(Event, f"SELECT id FROM events WHERE {where}", bind.values)
        expected = await Event.filter(readable_events(actor)).values_list("id", flat=True)
        assert {row["id"] for row in rows} == set(expected), assignments
    assert not expected  # the last callers see nothing


TASKS = """
query($first: Int, $after: String) {
  myTasks(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uuid } }
  }
}"""

TASK_CALLERS: dict[str, list[tuple[str, str]]] = {
    "grid leader": [("grid_leader", "410611001001001")],
    "township centre": [("township_centre", "410611001")],
    "district command": [("district_command", "410611")],
    "department staff": [("department_staff", "410611")],
    "grid worker": [("grid_worker", "410611001001001")],
    "two centres and a department": [
        ("township_centre", "410611002"),
        ("community_staff", "410611001001"),
        ("department_staff", "410611"),
    ],
    "citizen": [("citizen", "410611001001001")],
}


async def _reference_tasks(actor: Principal, page: PageRequest) -> tuple[list[str], bool, int]:
    """my_tasks as its tortoise query found it (its code as it was, but for the cursor after a
    task without a deadline, which found nothing more: such tasks come last, by id)."""
    enforcer = get_enforcer()
    branches: list[Q] = []
    for assignment in actor.assignments:
        level = Level.of_code(assignment.region_code)
        if level is None:
            continue
        if enforcer.allows(assignment.role, level, "event", "file"):
            branches.append(
                Q(
                    handling_region_code=assignment.region_code,
                    status__in=[
                        EventStatus.REPORTED,
                        EventStatus.FILED,
                        EventStatus.HANDLED,
                        EventStatus.VERIFIED,
                    ],
                )
            )
        if assignment.department_id is not None:
            branches.append(
                Q(
                    assignee_department_id=assignment.department_id,
                    status__in=[EventStatus.ASSIGNED, EventStatus.IN_PROGRESS],
                )
            )
    if actor.user_id is not None:
        branches.append(
            Q(
                assignee_user_id=actor.user_id,
                status__in=[EventStatus.ASSIGNED, EventStatus.IN_PROGRESS],
            )
        )
    query = Event.filter(id__in=[]) if not branches else Event.filter(Q(*branches, join_type="OR"))
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        if after_at == NO_KEY:
            query = query.filter(due_at__isnull=True, id__gt=after_id)
        else:
            query = query.filter(
                Q(due_at__gt=after_at)
                | Q(due_at=after_at, id__gt=after_id)
                | Q(due_at__isnull=True)
            )
    rows = await query.order_by("due_at", "id").limit(page.first + 1)
    ids = [str(row.id) for row in rows]
    return ids[: page.first], len(ids) > page.first, await filtered.count()


async def test_my_tasks_of_every_kind_of_caller_match_the_reference(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await _departments()
    callers = {name: await _caller(name, TASK_CALLERS) for name in TASK_CALLERS}
    # some callers are the assignee in person of some events
    assignees = [callers[name][1].user_id for name in ("grid worker", "grid leader")]
    await _events(clock.now(), users=[user for user in assignees if user is not None])
    totals = {}
    for name, (token, actor) in callers.items():
        after, pages, seen = None, 0, []
        while True:  # every page, each after the previous one's end cursor
            body = await gql(client, TASKS, {"first": 6, "after": after}, token=token)
            assert "errors" not in body, (name, body)
            found = body["data"]["myTasks"]
            page = PageRequest(first=6, after=decode_cursor(after) if after else None)
            ids, more, total = await _reference_tasks(actor, page)
            assert [edge["node"]["uuid"] for edge in found["edges"]] == ids, (name, pages)
            assert found["pageInfo"]["hasNextPage"] == more, (name, pages)
            assert found["totalCount"] == total, name
            totals[name], after, pages = total, found["pageInfo"]["endCursor"], pages + 1
            seen += ids
            if not more:
                break
        # the pages hold every task once, those without a deadline (last) included
        assert len(seen) == len(set(seen)) == totals[name], name

    # everyone but the citizen has tasks (some more than a page), the citizen none
    assert [name for name, total in totals.items() if total == 0] == ["citizen"], totals
    assert max(totals.values()) > 6, totals


class _Undo(Exception):
    pass


async def test_inside_a_transaction_the_list_reads_on_its_connection(db: None) -> None:
    await factories.region_tree()
    actor = Principal(username="x", assignments=(Assignment("district_command", "4106"),))
    page = PageRequest(first=5, after=None)
    with pytest.raises(_Undo):
        async with in_transaction():
            await _departments()
            await _events(clock.now(), 3)
            inside, filtered = await list_events(actor=actor, page=page, filters=EventFilter())
            counted_inside = await filtered.count()
            raise _Undo

    after, filtered = await list_events(actor=actor, page=page, filters=EventFilter())
    # the rows existed only in the transaction: only its connection could list them
    assert (len(inside.items), counted_inside) == (3, 3)
    assert (len(after.items), await filtered.count()) == (0, 0)


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"filter": {"regionCode": "41061100"}}, "INVALID_CODE", "regionCode"),
        ({"filter": {"regionCode": "41061a"}}, "INVALID_CODE", "regionCode"),
        ({"filter": {"text": "x" * 51}}, "INVALID", "text"),
        ({"after": "not a cursor!"}, "INVALID", "after"),
        ({"after": "bm90fGEgY3Vyc29y"}, "INVALID", "after"),  # "not|a cursor"
    ],
)
async def test_a_bad_filter_or_cursor_is_the_clients_error(
    client: httpx.AsyncClient, variables: dict[str, Any], code: str, field: str
) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")

    body = await gql(client, PAGE, variables, token=district)

    assert body["data"] is None
    assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]] == [
        (code, field)
    ]


async def test_text_with_a_nul_character_is_refused_up_front(
    client: httpx.AsyncClient,
) -> None:
    """A NUL would reach PostgreSQL, which refuses it: the client's error, before the query."""
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")

    body = await gql(client, PAGE, {"filter": {"text": "a\x00b"}}, token=district)

    assert body.get("data") is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("Text must not contain the NUL character (U+0000).", "BAD_USER_INPUT")
    ]
