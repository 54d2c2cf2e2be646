"""Cells and files written for people to open in spreadsheet programs: formula-safe cells, and
the XLSX file of an export job, written whole or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook

from api import uploads


def formula_safe(text: str | None) -> str:
    """A cell that cannot run as a formula (CSV injection, as OWASP describes it): one beginning
    with = + - @, a tab or a carriage return is prefixed with a single quote."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text or ""


class ExportState(StrEnum):
    """An export job: queued, being written, whole (offered), or given up after its tries."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ExportFile:
    """A finished export's file, as the download endpoint serves it."""

    sha256: str
    content_type: str
    size: int
    filename: str


class XlsxSheet:
    """One sheet written in openpyxl's write-only mode (constant memory) to a temporary name
    under `root`, then moved into place whole under its SHA-256 (`finish`): a writer that dies
    half-way leaves no file anyone is offered. Use as a context manager: leaving it by an
    exception removes the temporary file."""

    def __init__(self, root: Path, *, title: str, headers: Sequence[str]):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=root, prefix=".export-", suffix=".xlsx")
        os.close(handle)
        self.temporary = Path(name)
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)
        self.sheet.append(list(headers))

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.sheet.append(row)

    def finish(self) -> tuple[str, int]:
        """Save, and move the file to its place; returns its SHA-256 and size."""
        self.book.save(self.temporary)
        sha256, size = _digest(self.temporary)
        final = uploads.path_of(self.root, sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.temporary, final)  # whole or not at all: the final name appears at once
        return sha256, size

    def __enter__(self) -> XlsxSheet:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if error is not None:
            # An abandoned write-only sheet's row writer would fail when collected, and its
            # scratch file (openpyxl's own) would stay behind.
            with contextlib.suppress(Exception):
                self.sheet.close()
                os.unlink(self.sheet._writer.out)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


def _digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as data:
        while chunk := data.read(uploads.CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
