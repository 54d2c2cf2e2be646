"""A large registry generated in SQL (generate_series), for plan tests and the benchmark: a
district of 10 townships × 10 communities × 10 grids with `people` people spread evenly."""

from __future__ import annotations

import time

from tortoise import connections

DISTRICT = "410611"
CITY = "4106"


def _grid(i: str) -> str:
    """SQL for the grid code of row `i`: townships 101–110, communities and grids 001–010."""
    return (
        f"'{DISTRICT}' || lpad((101 + {i} % 10)::text, 3, '0')"
        f" || lpad((1 + ({i} / 10) % 10)::text, 3, '0')"
        f" || lpad((1 + ({i} / 100) % 10)::text, 3, '0')"
    )


REGION_COLUMNS = (
    "code, parent_code, name, level, urban_rural, households, external_codes, is_active,"
    " created_at, updated_at"
)


async def generate(people: int, *, places: bool = True) -> float:
    """Insert the regions (if missing) and the rows; returns the seconds it took."""
    started = time.perf_counter()
    connection = connections.get("default")
    await connection.execute_script(
        f"""
        INSERT INTO regions ({REGION_COLUMNS})
        SELECT c, p, c, l, 'urban', 0, '{{}}', true, now(), now() FROM (VALUES
            ('{CITY}', NULL, 'city'), ('{DISTRICT}', '{CITY}', 'district')) AS r(c, p, l)
        ON CONFLICT DO NOTHING;
        INSERT INTO regions ({REGION_COLUMNS})
        SELECT '{DISTRICT}' || (100 + t), '{DISTRICT}', 'township ' || t, 'township', 'urban', 0,
            '{{}}', true, now(), now() FROM generate_series(1, 10) t ON CONFLICT DO NOTHING;
        INSERT INTO regions ({REGION_COLUMNS})
        SELECT '{DISTRICT}' || (100 + t) || lpad(c::text, 3, '0'), '{DISTRICT}' || (100 + t),
            'community', 'community', 'urban', 0, '{{}}', true, now(), now()
        FROM generate_series(1, 10) t, generate_series(1, 10) c ON CONFLICT DO NOTHING;
        INSERT INTO regions ({REGION_COLUMNS})
        SELECT '{DISTRICT}' || (100 + t) || lpad(c::text, 3, '0') || lpad(g::text, 3, '0'),
            '{DISTRICT}' || (100 + t) || lpad(c::text, 3, '0'), 'grid', 'grid', 'urban', 300,
            '{{}}', true, now(), now()
        FROM generate_series(1, 10) t, generate_series(1, 10) c, generate_series(1, 10) g
        ON CONFLICT DO NOTHING;
        INSERT INTO registry_people (id, id_number, region_code, person_type, name, sex,
            birth_date, phone, tags, status, version, created_at, updated_at)
        SELECT gen_random_uuid(), '41' || lpad(i::text, 15, '0') || '0', {_grid("i")},
            (ARRAY['registered', 'registered', 'registered', 'floating', 'foreign'])[1 + i % 5],
            (ARRAY['张', '王', '李', '赵', '刘', '陈', '杨', '黄'])[1 + i % 8] || '某' || i,
            (1 + i % 2)::text, date '1940-01-01' + (i::bigint * 7919 % 30000)::int,
            '+86139' || lpad(i::text, 8, '0'),
            CASE WHEN i % 53 = 0 THEN ARRAY['独居']::varchar(40)[] ELSE '{{}}' END,
            CASE WHEN i % 97 = 0 THEN 'deregistered' ELSE 'active' END, 1, now(), now()
        FROM generate_series(1, {people}) AS i;
        """
    )
    if places:
        households, houses, buildings = people // 3, people // 3, max(people // 300, 1)
        await connection.execute_script(
            f"""
            INSERT INTO registry_buildings (id, building_code, region_code, name, address,
                status, version, created_at, updated_at)
            SELECT gen_random_uuid(), 'B' || i, {_grid("i")}, 'building ' || i, 'road ' || i,
                'active', 1, now(), now() FROM generate_series(1, {buildings}) AS i;
            INSERT INTO registry_houses (id, house_code, region_code, address, is_rental, status,
                version, created_at, updated_at)
            SELECT gen_random_uuid(), 'H' || i, {_grid("i")}, 'house ' || i, i % 7 = 0,
                'active', 1, now(), now() FROM generate_series(1, {houses}) AS i;
            INSERT INTO registry_households (id, household_number, region_code, household_type,
                status, version, created_at, updated_at)
            SELECT gen_random_uuid(), 'HH' || i, {_grid("i")}, 'family', 'active', 1, now(),
                now() FROM generate_series(1, {households}) AS i;
            INSERT INTO registry_organisations (id, credit_code, region_code, kind, name, status,
                version, created_at, updated_at)
            SELECT gen_random_uuid(), NULL, {_grid("i")},
                CASE WHEN i % 4 = 0 THEN 'social' ELSE 'enterprise' END, 'organisation ' || i,
                'active', 1, now(), now() FROM generate_series(1, {buildings}) AS i;
            """
        )
    # The visibility map makes the statistics index-only; autovacuum would get there later.
    for table in (
        "registry_people",
        "registry_households",
        "registry_houses",
        "registry_buildings",
        "registry_organisations",
        "registry_special_groups",
    ):
        await connection.execute_script(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started
