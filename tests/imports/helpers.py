"""Building import files and sending them as a client would (GraphQL multipart request)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import httpx
import openpyxl

START = """
mutation($kind: ImportKind!, $file: Upload!, $mode: ImportMode, $atomicity: ImportAtomicity,
         $regionCode: String) {
  startImport(kind: $kind, file: $file, mode: $mode, atomicity: $atomicity,
              regionCode: $regionCode) {
    __typename
    ... on ImportJobPayload { isNew job { id state kind mode atomicity regionCode fileFormat } }
    ... on Error { code field message }
  }
}"""

JOB = """
query($id: ID!) {
  importJob(id: $id) {
    id state encoding columns ignoredColumns rowsRead rowsValid rowsFailed rowsInserted
    rowsUpdated rowsUnchanged rowsWritten errorsStored error errorsUrl
    errors(first: 100) { totalCount edges { node { row column code reason value } } }
  }
}"""


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("导入")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def start(
    client: httpx.AsyncClient,
    token: str,
    kind: str,
    content: bytes,
    *,
    filename: str = "import.csv",
    mode: str = "COMMIT",
    atomicity: str = "ALL_OR_NOTHING",
    region_code: str | None = None,
) -> dict[str, Any]:
    """startImport as a GraphQL multipart request; returns the whole response body."""
    operations = {
        "query": START,
        "variables": {
            "kind": kind,
            "file": None,
            "mode": mode,
            "atomicity": atomicity,
            "regionCode": region_code,
        },
    }
    response = await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def job(client: httpx.AsyncClient, token: str, job_id: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": JOB, "variables": {"id": job_id}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["importJob"]


async def run_import(
    client: httpx.AsyncClient, token: str, kind: str, content: bytes, **options: str
) -> dict[str, Any]:
    """Start an import as a client would, run its job as the worker would; the finished job."""
    from api.domains.imports import pipeline

    body = await start(client, token, kind, content, **options)
    result = body["data"]["startImport"]
    assert result["__typename"] == "ImportJobPayload", result
    await pipeline.run(uuid.UUID(result["job"]["id"]))
    return await job(client, token, result["job"]["id"])


def problems(job_data: dict[str, Any]) -> list[tuple[int, str | None, str]]:
    return [
        (edge["node"]["row"], edge["node"]["column"], edge["node"]["code"])
        for edge in job_data["errors"]["edges"]
    ]


class MemoryUpload:
    """An uploaded file as the service sees one (Starlette's UploadFile), from bytes."""

    def __init__(self, filename: str, content: bytes):
        self.filename = filename
        self._content = io.BytesIO(content)

    async def read(self, size: int = -1) -> bytes:
        return self._content.read(size)


async def queued_job(
    admin_username: str, content: bytes, *, kind: str = "regions", region_code: str = "410611"
) -> str:
    """An import job started by an existing admin account, not yet run (its id)."""
    from redis.asyncio import Redis

    from api.auth import Assignment, Principal
    from api.domains.accounts.models import RoleAssignment, User
    from api.domains.imports import service
    from api.domains.imports.enums import Atomicity, ImportKind, ImportMode
    from api.settings import get_settings

    user = await User.get(username=admin_username)
    roles = await RoleAssignment.filter(user=user).values_list("role", "region_code")
    actor = Principal(
        user_id=user.id,
        username=user.username,
        assignments=tuple(Assignment(str(r), str(c)) for r, c in roles),
    )
    settings = get_settings()
    assert settings.redis_url
    # The worker job is queued on the test's Redis database, where no worker reads it.
    redis = Redis.from_url(settings.redis_url)
    try:
        started = await service.start_import(
            actor=actor,
            kind=ImportKind(kind),
            upload=MemoryUpload("grids.csv", content),
            mode=ImportMode.COMMIT,
            atomicity=Atomicity.BEST_EFFORT,
            region_code=region_code,
            root=settings.import_dir,
            max_bytes=settings.gridgov_max_import_bytes,
            redis=redis,
        )
    finally:
        await redis.aclose()
    return str(started.job.id)
