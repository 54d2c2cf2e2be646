"""A list page reads only the columns its selection needs, and shows the same values as a page
that reads them all: every field of Event, alone, through fragments, and in both lists."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from api.domains.events.enums import Card, Source
from api.domains.events.models import Event
from api.domains.events.service import LIST_COLUMNS
from schema.events.types import _COLUMNS_OF_FIELD, EventType, list_columns, rows_of
from schema.hierarchy.types import GeoPoint
from tests import factories
from tests.events.helpers import ASSIGN, FILE, REPORT, report_input, run
from tests.factories import gql

FIELDS = {
    "__typename": "__typename",
    "id": "id",
    **{
        name: name
        for name in [
            "uuid",
            "caseNumber",
            "title",
            "description",
            "categoryKey",
            "source",
            "priority",
            "status",
            "regionCode",
            "handlingRegionCode",
            "handlingLevel",
            "assigneeDepartmentId",
            "assigneeUserId",
            "address",
            "citizenName",
            "stage",
            "dueAt",
            "remindAt",
            "redAt",
            "card",
            "reworkCount",
            "escalationCount",
            "satisfaction",
            "version",
            "reportedAt",
            "filedAt",
            "closedAt",
            "updatedAt",
            "overdue",
        ]
    },
    "location": "location { lat lng }",
    "timeline": "timeline { action note }",
    "attachments": "attachments { filename }",
    "assigneeDepartment": "assigneeDepartment { name }",
    "category": "category { key name }",
}
EVERYTHING = " ".join(FIELDS.values())


def _page(selection: str, listing: str = "events(first: 10)") -> str:
    return f"{{ {listing} {{ edges {{ cursor node {{ {selection} }} }} }} }}"


def _nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    return [edge["node"] for edge in next(iter(body["data"].values()))["edges"]]


@pytest.fixture
async def district(client: httpx.AsyncClient) -> str:
    """A district centre's token, and two events with every column filled on one or other."""
    await factories.region_tree()
    department = await factories.department()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    handler = await factories.user("grid_worker", "410611001001001")
    first = (await run(client, REPORT, worker, input=report_input()))["event"]["uuid"]
    second = (await run(client, REPORT, worker, input=report_input(title="占道经营")))["event"][
        "uuid"
    ]
    await run(client, FILE, grid_leader, id=first)
    await run(client, ASSIGN, grid_leader, id=first, department=None, user=str(handler.id))
    await Event.filter(id=second).update(
        assignee_department_id=department.id,
        lat=35.7412,
        lng=114.2981,
        address="淇滨大道 8 号",
        citizen_name="王女士",
        satisfaction=4,
    )
    _, token = await factories.signed_in("district_command", "410611")
    return token


async def test_each_field_alone_shows_what_a_full_page_shows(
    client: httpx.AsyncClient, district: str
) -> None:
    full = _nodes(await gql(client, _page(EVERYTHING), token=district))
    assert len(full) == 2 and all(len(node) == len(FIELDS) for node in full)
    assert {
        node["assigneeDepartment"]["name"] if node["assigneeDepartment"] else None for node in full
    } == {"公安分局", None}

    for name, selection in FIELDS.items():
        alone = _nodes(await gql(client, _page(selection), token=district))
        assert alone == [{name: node[name]} for node in full], name


async def test_fragments_count_as_selected(client: httpx.AsyncClient, district: str) -> None:
    direct = _nodes(await gql(client, _page("title status location { lat } dueAt"), token=district))
    through_fragments = _nodes(
        await gql(
            client,
            "query { events(first: 10) { ...Page } }"
            " fragment Page on EventConnection { edges { node { ...Row ... on Event { dueAt } } } }"
            " fragment Row on Event { title ... { status location { lat } } }",
            token=district,
        )
    )
    assert through_fragments == direct


async def test_my_tasks_read_their_columns_too(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", "410611001001001")
    _, grid_leader = await factories.signed_in("grid_leader", "410611001001001")
    await run(client, REPORT, worker, input=report_input())
    tasks = "myTasks(first: 10)"

    full = _nodes(await gql(client, _page(EVERYTHING, tasks), token=grid_leader))
    some = _nodes(await gql(client, _page("caseNumber stage overdue", tasks), token=grid_leader))

    assert len(full) == 1
    assert some == [
        {"caseNumber": n["caseNumber"], "stage": n["stage"], "overdue": n["overdue"]} for n in full
    ]


def test_every_event_field_has_its_columns() -> None:
    from api.settings import Settings
    from schema import build_schema

    event = build_schema(Settings())._schema.type_map["Event"]
    assert set(event.fields) | {"__typename"} == set(_COLUMNS_OF_FIELD)  # type: ignore[attr-defined]
    assert all(set(columns) <= set(LIST_COLUMNS) for columns in _COLUMNS_OF_FIELD.values())


def test_a_page_reads_the_keys_and_the_selected_columns_only() -> None:
    assert list_columns(frozenset({"title", "location"})) == (
        "id",
        "title",
        "lat",
        "lng",
        "due_at",
        "reported_at",
    )
    assert list_columns(frozenset({"title", "somethingNew"})) == LIST_COLUMNS


def test_rows_become_what_the_constructor_makes() -> None:
    """The builder fills the instance's attributes directly: it must give exactly what
    `EventType(...)` gives (a `__post_init__` or a default added later would break this)."""
    values = {column: None for column in LIST_COLUMNS} | {
        "id": uuid4(),
        "case_number": "410611-20261125-0001",
        "title": "井盖缺失",
        "source": "grid_patrol",
        "priority": "urgent",
        "status": "assigned",
        "handling_level": "township",
        "assignee_department_id": uuid4(),
        "lat": 35.7412,
        "lng": 114.2981,
        "stage": "handle",
        "card": "yellow",
        "rework_count": 1,
        "reported_at": datetime(2026, 11, 25, 8, tzinfo=UTC),
    }
    built = rows_of(LIST_COLUMNS)(tuple(values[column] for column in LIST_COLUMNS))
    made = EventType(
        **{field.name: getattr(built, field.name) for field in fields(EventType) if field.init}
    )

    assert vars(built) == vars(made)
    assert built.source is Source.GRID_PATROL and built.card is Card.YELLOW
    assert built.location == GeoPoint(lat=35.7412, lng=114.2981)
    assert built.assignee_department_id == str(values["assignee_department_id"])
