"""The ceiling for the registry search: a bare Starlette route on an asyncpg pool that runs the
statements of `people(filter: {regionCode, text}, first: 20)` as the API does for a name prefix
(the names starting with the text, ranked, then the pinyin matches when the page is not full)
and returns the same JSON, with no GraphQL, no ORM, no sign-in. The reader's read scope and
whether it sees identifiers whole come in the variables (`scope`, `clear`); a clear read writes
the one audit row the API writes for the page. Run: `uvicorn tests.benchmarks.bare_people:app`
with DATABASE_URL set."""

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

from api import pinyin
from api.masking import mask

COLUMNS = '"id","name","id_number","region_code","person_type"'
KEYS = (
    'SELECT "record_id" FROM "registry_search_keys"'
    ' WHERE "key">=$5 AND "key"<$6 AND "record_kind"=\'person\''
)
WHERE = (
    "CAST(\"region_code\" AS VARCHAR) LIKE $1 ESCAPE '\\' AND \"status\"='active'"
    " AND CAST(\"region_code\" AS VARCHAR) LIKE $2 ESCAPE '\\'" + f' AND "id" IN ({KEYS})'
)
STARTS = (
    '((NOT "name" IS NULL AND CAST("name" AS VARCHAR) LIKE $4 ESCAPE \'\\\')'
    ' OR (NOT "former_name" IS NULL AND CAST("former_name" AS VARCHAR) LIKE $4 ESCAPE \'\\\'))'
)
NAMED_SQL = (
    f"SELECT {COLUMNS},CASE WHEN \"name\"=$3 OR \"former_name\"=$3 THEN '0' ELSE '1' END"
    f' "search_rank" FROM "registry_people" WHERE {WHERE} AND {STARTS}'
    ' ORDER BY "search_rank","id" LIMIT $7'
)
REST_SQL = (
    f'SELECT {COLUMNS},\'2\' "search_rank" FROM "registry_people"'
    f' WHERE {WHERE} AND NOT {STARTS} ORDER BY "id" LIMIT $7'
)
AUDIT_SQL = """INSERT INTO audit_log (at, actor_id, actor_label, action, object_type, object_id,
region_code, detail) VALUES (now(), $1, $2, 'registry.read_sensitive', 'person', '', $3, $4)"""


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    app.state.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
    yield
    await app.state.pool.close()


async def people(request: Request) -> Response:
    variables = orjson.loads(await request.body()).get("variables") or {}
    scope, region, text = variables["scope"], variables["regionCode"], variables["text"]
    clear = bool(variables.get("clear"))
    form = pinyin.query_forms(text)[0]
    arguments = [
        scope + "%",
        region + "%",
        text,
        text + "%",
        form,
        pinyin.prefix_upper(form),
        21,
    ]
    async with request.app.state.pool.acquire() as connection:
        rows = list(await connection.fetch(NAMED_SQL, *arguments))
        if len(rows) < 21:
            arguments[-1] = 21 - len(rows)
            rows += await connection.fetch(REST_SQL, *arguments)
        rows = rows[:20]
        if clear and rows:
            detail = {"fields": ["id_number"], "records": [str(row["id"]) for row in rows]}
            await connection.execute(AUDIT_SQL, None, "bare", region, orjson.dumps(detail).decode())
    edges = [
        {
            "node": {
                "uuid": str(row["id"]),
                "name": row["name"],
                "idNumber": row["id_number"] if clear else mask(row["id_number"]),
                "regionCode": row["region_code"],
                "personType": row["person_type"].upper(),
            }
        }
        for row in rows
    ]
    return Response(
        orjson.dumps({"data": {"people": {"edges": edges}}}), media_type="application/json"
    )


async def ready(request: Request) -> Response:
    return Response("ok")


app = Starlette(
    routes=[Route("/graphql", people, methods=["POST"]), Route("/readyz", ready)],
    lifespan=lifespan,
)
