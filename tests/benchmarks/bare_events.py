"""The ceiling for the events page: a bare Starlette route on an asyncpg pool that runs the same
page SQL and returns the same JSON as `events(filter: {regionCode}, first: 50)`, with no GraphQL,
no ORM, no sign-in. Run: `uvicorn tests.benchmarks.bare_events:app` with DATABASE_URL set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE_SQL = """
SELECT id, case_number, title, status, priority, category_key, region_code, reported_at
FROM events WHERE district_code = $1
ORDER BY reported_at DESC, id DESC LIMIT $2
"""


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    app.state.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
    yield
    await app.state.pool.close()


async def events(request: Request) -> Response:
    body = orjson.loads(await request.body())
    variables = body.get("variables") or {}
    rows = await request.app.state.pool.fetch(
        PAGE_SQL, variables.get("regionCode", "410611"), int(variables.get("first", 50))
    )
    edges = [
        {
            "node": {
                "uuid": str(row["id"]),
                "caseNumber": row["case_number"],
                "title": row["title"],
                "status": row["status"].upper(),
                "priority": row["priority"].upper(),
                "categoryKey": row["category_key"],
                "regionCode": row["region_code"],
                "reportedAt": row["reported_at"].isoformat(),
            }
        }
        for row in rows
    ]
    return Response(
        orjson.dumps({"data": {"events": {"edges": edges}}}), media_type="application/json"
    )


async def ready(request: Request) -> Response:
    return Response("ok")


app = Starlette(
    routes=[Route("/graphql", events, methods=["POST"]), Route("/readyz", ready)],
    lifespan=lifespan,
)
