"""Volunteers' editable service hours become opening entries of the ledger (the migration's SQL,
run here against volunteers registered before it), and a volunteer who signs up later finds
their hours on their account."""

from __future__ import annotations

import importlib
from decimal import Decimal

import httpx
from tortoise import connections
from tortoise.migrations import operations as ops

from api.domains.points.models import LedgerEntry, PointsBalance, PointsMember
from api.domains.registry.models import Volunteer
from tests import factories
from tests.factories import gql
from tests.points.helpers import COMMUNITY, ME, register, volunteer


def _opening_statements() -> list[str]:
    migration = importlib.import_module("api.migrations.0025_points").Migration
    [run_sql] = [op for op in migration.operations if isinstance(op, ops.RunSQL)]
    return [sql for sql in run_sql.sql if "registry_volunteers" in sql or "opening" in sql]


async def test_service_hours_migrate_into_opening_entries(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    person, record = await volunteer("陈志愿", 351)
    await Volunteer.filter(id=record.id).update(service_hours=Decimal("12.5"))
    _, idle = await volunteer("没时长", 353)  # no hours: no member, no entry

    statements = _opening_statements()
    assert len(statements) == 3
    for sql in statements:
        await connections.get("default").execute_script(sql)

    member = await PointsMember.get(volunteer_id=record.id)
    assert (member.kind, member.status, member.user_id, member.region_code) == (
        "volunteer",
        "linked",
        None,
        COMMUNITY,
    )
    [entry] = await LedgerEntry.filter(member_id=member.id)
    assert (entry.source_kind, entry.source_key, entry.hours, entry.points) == (
        "opening",
        str(record.id),
        Decimal("12.5"),
        Decimal(0),
    )
    [balance] = await PointsBalance.filter(member_id=member.id)
    assert (balance.hours, balance.entries, balance.period_key) == (
        Decimal("12.5"),
        1,
        entry.period_key,
    )
    assert not await PointsMember.exists(volunteer_id=idle.id)

    # the volunteer signs up: the account takes over the member and its hours
    joined, token = await register(client, "13800138071", person.id_number, name="陈志愿")
    assert (joined["uuid"], joined["kind"], joined["status"]) == (
        str(member.id),
        "VOLUNTEER",
        "LINKED",
    )
    mine = await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    body = mine.json()["data"]
    assert body["myPointsMember"]["balance"] == {"points": "0.0", "hours": "12.5"}
    assert body["myLedger"]["edges"][0]["node"]["sourceKind"] == "OPENING"


async def test_the_registry_no_longer_takes_service_hours(client: httpx.AsyncClient) -> None:
    """Hours are certified in the ledger now: the registry's number can no longer be typed in."""
    await factories.region_tree()
    _, record = await volunteer("陈志愿", 351)
    _, staff = await factories.signed_in("community_staff", COMMUNITY)

    body = await gql(
        client,
        'mutation($id: ID!) { updateVolunteer(id: $id, input: {serviceHours: "20"})'
        " { __typename } }",
        {"id": str(record.id)},
        token=staff,
    )

    assert body["data"] is None
    assert "serviceHours" in body["errors"][0]["message"]
    assert (await Volunteer.get(id=record.id)).service_hours == Decimal(0)
