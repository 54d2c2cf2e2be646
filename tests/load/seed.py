"""The load test's city: the `bench-data` generator's regions, staff and data (api/benchdata.py),
plus what it does not make — a hotline's API key and citizens' accounts — and a JSON file that
tells the locustfile who may sign in where.

    DATABASE_URL=postgres://…/gridgov_load python -m tests.load.seed --scale small -o seed.json

The database must be empty or already hold this script's city (then only the file is rewritten
and a new API key is made: a key's secret is shown once). Every account's password is the bench
data set's (api.benchdata.BENCH_PASSWORD).

Staff arrive signed in: a phone stays signed in for days, and 6,000 argon2 checks at the start of
a run would measure the ramp, not the city. So a session is opened for each listed staff account
(a user_sessions row, as sign-in makes) and an access token signed with the server's
GRIDGOV_SECRET_KEY, valid for TOKEN_HOURS. Citizens sign in through the API (citizenLogin): their
app is opened now and then, and that cost belongs in the load."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from api import auth
from api.benchdata import BENCH_PASSWORD, CITY, DISTRICTS, SCALES, Scale, load
from api.db import apply_migrations

# Kinds every user class files: leaf categories of both dictionaries (api/domains/events/reference)
CATEGORIES = ("city.0502", "city.0601", "dispute.0201")
CITIZENS = 500
# A citizen's phone: 139 4106 NNNN (numbers of the city's own prefix block, none real here)
CITIZEN_PHONE = "+86139410{:05d}"
# Staff accounts listed in the file at most per kind (a locust user takes the next one)
SAMPLE = 10_000
TOKEN_HOURS = 24


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def seed(
    url: str,
    scale: Scale,
    *,
    secret: str,
    name: str = "custom",
    citizens: int = CITIZENS,
    quiet: bool = False,
    prepare: bool = True,
) -> dict[str, Any]:
    """Migrate, generate the city if the database has none, add a hotline key and citizens,
    sign staff in; returns what the locustfile reads. `prepare=False`: the database is migrated
    and holds the reference data already (the suite's, whose ORM is open)."""
    if prepare:
        from api.db import close_database, open_database
        from api.domains.events.reference import ensure_reference_data

        await apply_migrations(url)
        await open_database(url, pool_size=2)
        try:
            await ensure_reference_data()
        finally:
            await close_database()
    connection = await asyncpg.connect(_dsn(url))
    try:
        if not await connection.fetchval("SELECT EXISTS (SELECT 1 FROM regions)"):
            await load(url, scale, name=name, progress=(lambda line: None) if quiet else print)
        missing = set(CATEGORIES) - {
            row["key"]
            for row in await connection.fetch(
                "SELECT key FROM event_categories WHERE key = ANY($1::text[])", list(CATEGORIES)
            )
        }
        if missing:
            raise RuntimeError(f"categories missing from the reference data: {sorted(missing)}")
        password_hash = auth.hash_password(BENCH_PASSWORD)
        # Citizens as registerCitizen makes them (username = the phone's E.164 digits), minus
        # the SMS step a load test cannot pass
        phones = [CITIZEN_PHONE.format(n) for n in range(citizens)]
        await connection.execute(
            """
            WITH made AS (
                INSERT INTO users (id, username, display_name, phone, password_hash, is_active,
                                   created_at, updated_at)
                SELECT md5('citizen' || p)::uuid, ltrim(p, '+'), '市民' || right(p, 4), p, $2,
                       true, now(), now()
                FROM unnest($1::text[]) AS p
                ON CONFLICT (username) DO NOTHING
                RETURNING id
            )
            INSERT INTO role_assignments (id, user_id, role, region_code, created_at)
            SELECT md5('ra-' || id::text)::uuid, id, 'citizen', $3, now() FROM made
            """,
            phones,
            password_hash,
            CITY,
        )
        prefix, api_key = auth.new_api_key()
        await connection.execute(
            "INSERT INTO api_keys (id, name, prefix, key_hash, region_code, created_at)"
            " VALUES ($1, $2, $3, $4, $5, now())",
            uuid.uuid4(),
            f"12345 热线 (load test {prefix})",
            prefix,
            auth.token_digest(api_key),
            CITY,
        )

        async def codes(level: str) -> list[str]:
            rows = await connection.fetch(
                "SELECT code FROM regions WHERE level = $1 ORDER BY code", level
            )
            found = [row["code"] for row in rows]
            # a stable sample: the same accounts on every run of one scale
            return sorted(random.Random(level).sample(found, min(SAMPLE, len(found))))

        async def signed_in(prefix: str, regions: list[str]) -> list[dict[str, str]]:
            """[{region, token}] of the staff account prefix-<region> of each region."""
            rows = await connection.fetch(
                """
                INSERT INTO user_sessions (id, user_id, refresh_token_hash, created_at, expires_at)
                SELECT gen_random_uuid(), u.id, encode(sha256((random()::text || u.id::text)::bytea), 'hex'),
                       now(), now() + make_interval(hours => $3)
                FROM users u WHERE u.username = ANY(
                    SELECT $1::text || '-' || r FROM unnest($2::text[]) AS r)
                RETURNING id, user_id, (SELECT substr(username, length($1) + 2)
                                        FROM users WHERE id = user_id) AS region
                """,
                prefix,
                regions,
                TOKEN_HOURS,
            )
            ttl = timedelta(hours=TOKEN_HOURS)
            signed = [
                {
                    "region": row["region"],
                    "token": auth.issue_access_token(
                        user_id=row["user_id"], session_id=row["id"], secret=secret, ttl=ttl
                    )[0],
                }
                for row in rows
            ]
            return sorted(signed, key=lambda account: account["region"])

        grids, communities = await codes("grid"), await codes("community")
        townships, districts = await codes("township"), sorted(DISTRICTS)
        return {
            "password": BENCH_PASSWORD,
            "city": CITY,
            # grid workers (phones); console users of communities, townships and districts;
            # command centres of the city, districts and townships
            "phones": await signed_in("gw", grids),
            "consoles": (
                await signed_in("cs", communities)
                + await signed_in("tc", townships)
                + await signed_in("dc", districts)
            ),
            "centres": await signed_in("cc", [CITY])
            + await signed_in("dc", districts)
            + await signed_in("tc", townships),
            "citizens": phones,
            "api_key": api_key,
            "categories": list(CATEGORIES),
            "centre": {"lat": 35.75, "lng": 114.3},
            "events": await connection.fetchval("SELECT count(*) FROM events"),
            "people": await connection.fetchval("SELECT count(*) FROM registry_people"),
        }
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the JSON file written")
    args = parser.parse_args(argv)
    url = os.environ["DATABASE_URL"]
    secret = os.environ["GRIDGOV_SECRET_KEY"]
    seeded = asyncio.run(seed(url, SCALES[args.scale], secret=secret, name=args.scale))
    args.output.write_text(json.dumps(seeded, ensure_ascii=False, indent=1))
    print(
        f"{args.scale}: {seeded['events']:,} events, {seeded['people']:,} people, "
        f"{len(seeded['phones'])} grid workers signed in → {args.output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
