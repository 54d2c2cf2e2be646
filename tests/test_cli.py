"""The command line as an operator uses it, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from api.domains.hierarchy.models import Region
from api.settings import Settings
from tests.factories import gql


def gridgov(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
    }
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_bootstrap_a_city_and_its_admin(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    created = gridgov(
        settings,
        "create-user",
        "hebi.admin",
        "--role",
        "admin",
        "--region",
        "4106",
        "--region-name",
        "鹤壁市",
        "--password",
        "First-Admin-2026",
    )

    assert created.returncode == 0, created.stderr
    assert "created hebi.admin (admin at 4106)" in created.stdout
    assert (await Region.get(code="4106")).name == "鹤壁市"
    login = await gql(
        client,
        'mutation { login(username: "hebi.admin", password: "First-Admin-2026") { __typename } }',
    )
    assert login["data"]["login"]["__typename"] == "AuthPayload"


async def test_create_user_reports_bad_input_and_writes_nothing(
    db: None, settings: Settings
) -> None:
    weak = gridgov(
        settings,
        "create-user",
        "x.admin",
        "--region",
        "4106",
        "--region-name",
        "鹤壁市",
        "--password",
        "weak",
    )
    missing = gridgov(
        settings, "create-user", "y.admin", "--region", "4199", "--password", "Good-Pass-2026"
    )

    assert weak.returncode == 2 and "WEAK_PASSWORD" in weak.stderr
    assert missing.returncode == 2 and "NOT_FOUND" in missing.stderr


async def test_migrate_is_idempotent(db: None, settings: Settings) -> None:
    result = gridgov(settings, "migrate")

    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout


async def test_calendar_seeds_a_year_and_refuses_one_it_cannot(
    db: None, settings: Settings
) -> None:
    from api.domains.events.models import CalendarDay

    seeded = gridgov(settings, "calendar", "--year", "2026")
    unknown = gridgov(settings, "calendar", "--year", "2035")
    absurd = gridgov(settings, "calendar", "--year", "1")

    assert seeded.returncode == 0, seeded.stderr
    assert "\n2026: 25 days seeded\n" in f"\n{seeded.stdout}"
    assert await CalendarDay.filter(day__gte="2026-01-01", day__lte="2026-12-31").count() > 20
    assert unknown.returncode == 1
    assert "2035: no published arrangement" in unknown.stderr
    assert absurd.returncode == 2
    assert "a year from 2000 to 2100" in absurd.stderr
