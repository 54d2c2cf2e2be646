"""Publishing a notice to 100k recipients (receipts, notices and pushes, one transaction) and
reading its receipts page (counts, and a page of who has not acknowledged, under a region); the
recipients' live pushes, written by a job right after the commit, are timed apart.

    python -m tests.benchmarks.bench_announcements [--recipients 100000] [--pages 50]

Uses DATABASE_URL when set, else an embedded server; creates and drops its own database. Calls
the service the GraphQL fields call (the request's own cost is bench_api's). Targets (issue 16):
under 2 s to publish, p50 < 50 ms for a receipts page. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import timedelta

import asyncpg

from tests.benchmarks.datagen import scratch_database

GRIDS = [
    "410611001001001",
    "410611001001010",
    "410611001010001",
    "410611002001001",
]

STAFF = """
WITH made AS (
    INSERT INTO users (id, username, display_name, password_hash, is_active, created_at, updated_at)
    SELECT gen_random_uuid(), 'gw-' || n, '网格员' || n, 'x', true, now(), now()
    FROM generate_series(1, $1) AS n
    RETURNING id, username
)
INSERT INTO role_assignments (id, user_id, role, region_code, created_at)
SELECT gen_random_uuid(), id, 'grid_worker',
       ($2::text[])[1 + (substr(username, 4)::int % cardinality($2::text[]))], now()
FROM made
"""


async def main(recipients: int, pages: int) -> None:
    from tortoise import Tortoise

    from api import clock
    from api.auth import Assignment, Principal
    from api.db import apply_migrations, tortoise_config
    from api.domains.announcements import service
    from api.pagination import page_request
    from tests import factories

    async with scratch_database(redis=False) as url:
        await apply_migrations(url)
        await Tortoise.init(config=tortoise_config(url, pool_size=4), _enable_global_fallback=True)
        await factories.region_tree()
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        await connection.execute(STAFF, recipients, GRIDS)
        await connection.execute("ANALYZE")
        centre = Principal(
            user_id=uuid.uuid4(),
            username="bench.centre",
            assignments=(Assignment("district_command", "410611"),),
        )
        started = time.perf_counter()
        notice = await service.publish(
            actor=centre,
            title="关于开展冬季消防安全排查的通知",
            body="请各网格员于本周内完成辖区消防通道排查，并在系统中确认收到。",
            audience=service.Audience(region_codes=["410611"], roles=["grid_worker"]),
            require_acknowledgement=True,
            acknowledge_by=clock.now() + timedelta(days=2),
        )
        publish_seconds = time.perf_counter() - started
        # the recipients' live pushes, written by the worker's job right after the commit
        started = time.perf_counter()
        pushed = await service.push(announcement_id=notice.id)
        push_seconds = time.perf_counter() - started
        assert pushed == notice.recipient_count
        # a third have read it, a fifth acknowledged
        await connection.execute(
            "UPDATE announcement_recipients SET read_at = now() WHERE id % 3 = 0"
        )
        await connection.execute(
            "UPDATE announcement_recipients SET acknowledged_at = now(), read_at = now()"
            " WHERE id % 5 = 0"
        )
        await connection.execute("ANALYZE announcement_recipients")
        await connection.close()
        timings = []
        for index in range(pages):
            region = None if index % 2 == 0 else "410611001"
            started = time.perf_counter()
            await service.receipts(actor=centre, announcement_id=notice.id, region_code=region)
            await service.pending(
                actor=centre,
                announcement_id=notice.id,
                page=page_request(20, None),
                region_code=region,
            )
            timings.append((time.perf_counter() - started) * 1000)
        await Tortoise.close_connections()
    timings.sort()
    print(
        "| recipients | publish s (target < 2) | pushes job s "
        "| receipts page p50 ms (target < 50) | p99 ms |"
    )
    print("|---|---|---|---|---|")
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"| {notice.recipient_count:,} | {publish_seconds:.2f} | {push_seconds:.2f} "
        f"| {statistics.median(timings):.1f} | {p99:.1f} |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.recipients, arguments.pages))
