"""What is refused before any row is read: size, type, zip bombs, too many rows."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest

from api.domains.imports import files, pipeline
from api.domains.imports.models import ImportJob
from api.settings import Settings
from tests import factories
from tests.imports.helpers import csv_bytes, job, start, xlsx_bytes

HEADER = ["code", "name"]


def test_encoding_is_decided_by_most_lines() -> None:
    utf8 = csv_bytes([HEADER, ["410611001001002", "金山"]] * 20)
    stray = utf8 + "410611001001003,桃园\r\n".encode("gb18030")
    gb = csv_bytes([HEADER, ["410611001001002", "金山"]] * 20, encoding="gb18030")

    assert files.detect_encoding(utf8) == "utf-8"
    assert files.detect_encoding(stray) == "utf-8"
    assert files.detect_encoding(gb) == "gb18030"
    assert files.detect_encoding(b"\xef\xbb\xbf" + utf8) == "utf-8-sig"


def _archive(path: Path, member: bytes) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", member)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = _archive(tmp_path / "bomb.xlsx", b"\0" * 50_000_000)
    large = _archive(tmp_path / "large.xlsx", os.urandom(2_000_000))

    with pytest.raises(files.FileProblem, match="inflates suspiciously"):
        files.check_archive(bomb, max_uncompressed=1 << 30)
    with pytest.raises(files.FileProblem, match="unpacks to more than 1 MiB"):
        files.check_archive(large, max_uncompressed=1 << 20)
    files.check_archive(large, max_uncompressed=1 << 30)


async def test_an_oversized_or_binary_upload_is_a_typed_error(
    client: httpx.AsyncClient, import_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    monkeypatch.setattr(import_settings, "gridgov_max_import_bytes", 2048)

    large = await start(client, admin, "REGIONS", csv_bytes([HEADER] + [["4106", "x" * 50]] * 100))
    binary = await start(client, admin, "REGIONS", b"\xd0\xcf\x11\xe0\x00\x00legacy xls")

    assert large["data"]["startImport"]["code"] == "FILE_TOO_LARGE"
    assert binary["data"]["startImport"]["code"] == "UNSUPPORTED_FILE"
    assert await ImportJob.all().count() == 0


async def test_too_many_rows_or_a_damaged_xlsx_fails_the_file(
    client: httpx.AsyncClient, import_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    monkeypatch.setattr(import_settings, "gridgov_max_import_rows", 3)
    rows = [HEADER, *[[f"410611001001{n:03d}", f"第{n}网格"] for n in range(2, 7)]]

    results = []
    for content, name in ((xlsx_bytes(rows), "grids.xlsx"), (b"PK\x03\x04broken", "x.xlsx")):
        body = await start(client, admin, "REGIONS", content, filename=name)
        job_id = body["data"]["startImport"]["job"]["id"]
        await pipeline.run(uuid.UUID(job_id))
        results.append(await job(client, admin, job_id))

    assert [r["state"] for r in results] == ["FAILED", "FAILED"]
    assert results[0]["error"] == "more than 3 rows: split the file"
    assert results[1]["error"] == "not a readable XLSX file (damaged zip)"
    assert results[0]["rowsWritten"] == 0
