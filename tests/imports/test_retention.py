"""Finished import jobs are kept for the retention period, then deleted by the worker's purge
with their row problems (the uploader's own cells among them) and the files no job still names."""

from __future__ import annotations

import os
from datetime import timedelta

import httpx

from api import clock, uploads
from api.domains.imports.models import ImportJob, ImportRowError
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, run_import
from tests.imports.people import id_number
from workers.imports import purge_imports

GRID = "410611001001001"
IMPORT_JOB = "query($id: ID!) { importJob(id: $id) { id } }"


async def test_finished_jobs_go_with_their_problems_and_unnamed_files_after_retention(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    await factories.region_tree()
    account, worker = await factories.signed_in("grid_worker", GRID)
    content = csv_bytes([["身份证号", "特殊人群类型"], [id_number(3), "吸毒人员"]])
    retention = timedelta(days=import_settings.gridgov_import_retention_days)

    first = await run_import(client, worker, "SPECIAL_GROUPS", content, atomicity="BEST_EFFORT")
    clock.move(retention / 2)
    worker = await factories.token_for(account)  # months later: a new sign-in
    again = await run_import(client, worker, "SPECIAL_GROUPS", content, atomicity="BEST_EFFORT")
    (sha256,) = set(await ImportJob.all().values_list("file_sha256", flat=True))
    stored = uploads.path_of(import_settings.import_dir, sha256)
    assert first["id"] != again["id"] and first["rowsFailed"] == again["rowsFailed"] == 1

    clock.move(retention / 2 + timedelta(days=1))  # the first is past retention, not the second
    assert await purge_imports({}) == 1
    worker = await factories.token_for(account)
    gone = await factories.gql(client, IMPORT_JOB, {"id": first["id"]}, token=worker)
    assert gone["data"]["importJob"] is None
    assert await ImportRowError.filter(job_id=first["id"]).count() == 0
    assert (await job(client, worker, again["id"]))["rowsFailed"] == 1
    assert stored.exists()  # the second job still names the file

    clock.move(retention / 2)
    assert await purge_imports({}) == 1
    assert await ImportJob.all().count() == await ImportRowError.all().count() == 0
    assert not stored.exists()
    assert await purge_imports({}) == 0  # nothing left: a second run changes nothing


async def test_a_file_stored_again_moments_ago_is_kept(
    client: httpx.AsyncClient, import_settings: Settings
) -> None:
    """The purge may run between a new upload of the same content and its job's commit: the
    upload renewed the file's time, so the purge leaves it."""
    await factories.region_tree()
    _, worker = await factories.signed_in("grid_worker", GRID)
    content = csv_bytes([["身份证号", "特殊人群类型"], [id_number(5), "吸毒人员"]])
    done = await run_import(client, worker, "SPECIAL_GROUPS", content, atomicity="BEST_EFFORT")
    stored = uploads.path_of(
        import_settings.import_dir, (await ImportJob.get(id=done["id"])).file_sha256
    )
    clock.move(timedelta(days=import_settings.gridgov_import_retention_days + 1))
    moments_ago = (clock.now() - timedelta(minutes=5)).timestamp()
    os.utime(stored, (moments_ago, moments_ago))  # as uploads.store's rename does, months on

    assert await purge_imports({}) == 1
    assert stored.exists()
