"""The uploader of a file reads their own cells in its row problems, identifiers included, so
they can find the bad rows; anyone else who may read the job reads identifiers masked, in the
value and in the reason that quotes it."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from api.domains.imports.models import ImportRowError
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, run_import
from tests.imports.people import bad_checksum, id_number

GRID = "410611001001001"
COMMUNITY = GRID[:12]


def masked(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


async def errors_csv(client: httpx.AsyncClient, token: str, job_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/imports/{job_id}/errors.csv", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_the_uploader_reads_their_own_cells_and_others_read_them_masked(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "4106")
    registered = await run_import(
        client,
        admin,
        "RESIDENTS",
        csv_bytes([["身份证号", "姓名", "网格编码"], [id_number(1), "居民1", GRID]]),
    )
    assert registered["rowsInserted"] == 1
    _, worker = await factories.signed_in("grid_worker", GRID)
    _, staff = await factories.signed_in("community_staff", COMMUNITY)
    unknown, mistyped = id_number(3), bad_checksum(id_number(5))
    rows = [[id_number(1), "吸毒人员"], [unknown, "吸毒人员"], [mistyped, "吸毒人员"]]

    done = await run_import(
        client,
        worker,
        "SPECIAL_GROUPS",
        csv_bytes([["身份证号", "特殊人群类型"], *rows]),
        atomicity="BEST_EFFORT",
    )
    as_uploader = await job(client, worker, done["id"])
    as_colleague = await job(client, staff, done["id"])
    csv_uploader = await errors_csv(client, worker, done["id"])
    csv_colleague = await errors_csv(client, staff, done["id"])

    def cells(errors: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
        return [(int(e["row"]), e["value"], e["reason"]) for e in errors]

    uploader = cells([edge["node"] for edge in as_uploader["errors"]["edges"]])
    colleague = cells([edge["node"] for edge in as_colleague["errors"]["edges"]])
    assert [(row, value) for row, value, _ in uploader] == [(3, unknown), (4, mistyped)]
    assert unknown in uploader[0][2]  # "no registered person <number> in your region"
    assert [(row, value) for row, value, _ in colleague] == [
        (3, masked(unknown)),
        (4, masked(mistyped)),
    ]
    assert masked(unknown) in colleague[0][2]
    assert cells(csv_uploader) == uploader
    assert cells(csv_colleague) == colleague
    everything_shown_to_colleague = repr((as_colleague, csv_colleague))
    for number in (unknown, mistyped):
        assert number not in everything_shown_to_colleague

    # the whole cells live in the error rows, so they go with them: a rerun replaces them
    stored = await ImportRowError.filter(job_id=done["id"]).order_by("row_number")
    assert [e.uploaded_value for e in stored] == [unknown, mistyped]
