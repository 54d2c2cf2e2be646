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

import xlsxwriter

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
    """One sheet written by XlsxWriter in constant-memory mode (each row goes to a scratch
    file as it is written) to a temporary name under `root`, then moved into place whole under
    its SHA-256 (`finish`): a writer that dies half-way leaves no file anyone is offered. Every
    cell is written as what it is: a string never turns into a formula, a link or a number.
    Use as a context manager: leaving it by an exception removes the temporary file."""

    def __init__(self, root: Path, *, title: str, headers: Sequence[str]):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=root, prefix=".export-", suffix=".xlsx")
        os.close(handle)
        self.temporary = Path(name)
        self.book = xlsxwriter.Workbook(
            str(self.temporary),
            {
                "constant_memory": True,
                "tmpdir": str(root),
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.sheet = self.book.add_worksheet(title[:31])
        self.next_row = 0
        self.append([headers])

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        write_row, row = self.sheet.write_row, self.next_row
        for cells in rows:
            write_row(row, 0, cells)
            row += 1
        self.next_row = row

    def finish(self) -> tuple[str, int]:
        """Close the workbook and move the file to its place; returns its SHA-256 and size."""
        self.book.close()
        sha256, size = _digest(self.temporary)
        final = uploads.path_of(self.root, sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.temporary, final)  # whole or not at all: the final name appears at once
        return sha256, size

    def __enter__(self) -> XlsxSheet:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        # an abandoned workbook's scratch files are anonymous temporary files: gone with it
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
