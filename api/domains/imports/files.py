"""Import files: stored once by SHA-256, then read as a stream of rows (CSV or XLSX).

CSV may be UTF-8, UTF-8 with BOM or GB18030 (detected from the first lines). XLSX is read with
openpyxl in read-only mode, whose XML parsing goes through defusedxml (entity and DTD attacks
refused), after the archive itself is checked against zip bombs (declared sizes and ratios)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO

from api import uploads
from api.domains.imports.enums import FileFormat
from api.errors import ErrorCode, ValidationFailed
from api.i18n import _
from api.uploads import UploadedFile

SAMPLE_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 100
MAX_CELL_CHARACTERS = 2000
# Uncompressed ÷ compressed beyond this for a large member is a bomb, not a spreadsheet
# (real sheets compress 5–30×).
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_MEMBERS = 10_000
# Undecodable bytes survive decoding as lone surrogates (errors="surrogateescape"), so a row in
# a wrong encoding is reported as that row's problem instead of failing the whole file.
UNDECODABLE = re.compile("[\udc80-\udcff]")


class FileProblem(Exception):
    """The file cannot be read as a whole (format, encoding, size, header): nothing is written."""


@dataclass(frozen=True)
class StoredImport:
    sha256: str
    size: int
    filename: str
    file_format: FileFormat


def sniff_format(head: bytes, filename: str) -> FileFormat:
    """XLSX by its zip signature, CSV by being text; anything else is refused."""
    if head.startswith(XLSX_MAGIC):
        return FileFormat.XLSX
    if b"\x00" in head[:SAMPLE_BYTES]:
        raise ValidationFailed(
            _(
                "{filename}: not a CSV or XLSX file (old .xls files: save as .xlsx or CSV)",
                filename=filename,
            ),
            field="file",
            code=ErrorCode.UNSUPPORTED_FILE,
        )
    return FileFormat.CSV


def _format(head: bytes, size: int, filename: str) -> FileFormat:
    if size == 0:
        raise ValidationFailed(_("{filename} is empty", filename=filename), field="file")
    return sniff_format(head, filename)


async def store(upload: UploadedFile, *, root: Path, max_bytes: int) -> StoredImport:
    """Stream the upload to disk while hashing; same content is kept once."""
    stored = await uploads.store(
        upload,
        root=root,
        max_bytes=max_bytes,
        head_bytes=SAMPLE_BYTES,
        field="file",
        default_name="import",
        check=_format,
    )
    return StoredImport(stored.sha256, stored.size, stored.filename, stored.kind)


# ---------------------------------------------------------------- CSV


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig with a BOM; else UTF-8 unless most lines with non-ASCII bytes are not UTF-8
    (then GB18030, what Excel on a Chinese Windows saves). Deciding by lines, not by the whole
    sample, keeps a UTF-8 file with a few stray GB18030 rows UTF-8: those rows become errors."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    utf8 = other = 0
    for line in sample.split(b"\n")[:-1] or [sample]:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            other += 1
    return "gb18030" if other > utf8 else "utf-8"


@dataclass
class Sheet:
    """The header and a lazy iterator of (row number, cells) of the first sheet."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None
    close: object


def _csv_rows(reader: Iterator[list[str]], first_row: int) -> Iterator[tuple[int, list[str]]]:
    number = first_row
    try:
        for cells in reader:
            number += 1
            yield number, cells
    except csv.Error as error:
        raise FileProblem(
            _("row {number}: the CSV is malformed ({error})", number=number + 1, error=error)
        ) from error


def open_csv(path: Path) -> Sheet:
    binary = path.open("rb")
    sample = binary.read(SAMPLE_BYTES)
    binary.seek(0)
    encoding = detect_encoding(sample)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        binary.close()
        raise FileProblem(_("the file is empty")) from None
    except csv.Error as error:
        binary.close()
        raise FileProblem(_("the header row is malformed ({error})", error=error)) from error
    return Sheet(
        header, _csv_rows(reader, 1), "utf-8" if encoding == "utf-8-sig" else encoding, text
    )


# ---------------------------------------------------------------- XLSX


def check_archive(path: Path, *, max_uncompressed: int) -> None:
    """Refuse a zip bomb before any XML is parsed: too many members, too much declared
    content, or a member that inflates beyond any real spreadsheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise FileProblem(_("not a readable XLSX file (damaged zip)")) from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileProblem(
            _("the XLSX has more than {MAX_ZIP_MEMBERS} parts", MAX_ZIP_MEMBERS=MAX_ZIP_MEMBERS)
        )
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > 1_048_576 and (
            member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise FileProblem(
                _(
                    "the XLSX part {filename} inflates suspiciously; refused",
                    filename=member.filename,
                )
            )
    if total > max_uncompressed:
        raise FileProblem(
            _(
                "the XLSX unpacks to more than {max_uncompressed} MiB; split the file",
                max_uncompressed=max_uncompressed // 1_048_576,
            )
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(worksheet: object) -> Iterator[tuple[int, list[str]]]:
    rows = worksheet.iter_rows(min_row=2, max_col=MAX_COLUMNS, values_only=True)  # type: ignore[attr-defined]
    for number, values in enumerate(rows, start=2):
        yield number, [_cell_text(v) for v in values]


@dataclass
class _Closing:
    workbook: object
    handle: IO[bytes]

    def close(self) -> None:
        self.workbook.close()  # type: ignore[attr-defined]
        self.handle.close()


def open_xlsx(path: Path, *, max_uncompressed: int) -> Sheet:
    check_archive(path, max_uncompressed=max_uncompressed)
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # openpyxl parses with defusedxml only when it is installed
        raise RuntimeError("defusedxml is required to read XLSX safely")
    # A file object, not the path: stored files have no .xlsx suffix for openpyxl to check.
    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a malformed workbook
        handle.close()
        raise FileProblem(
            _("not a readable XLSX file ({__name__})", __name__=type(error).__name__)
        ) from error
    worksheet = workbook.worksheets[0]
    header_rows = worksheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True)
    header = [_cell_text(v) for v in next(header_rows, ())]
    if not any(header):
        workbook.close()
        handle.close()
        raise FileProblem(_("the first sheet has no header row"))
    return Sheet(header, _xlsx_rows(worksheet), None, _Closing(workbook, handle))


def open_sheet(path: Path, file_format: FileFormat, *, max_uncompressed: int) -> Sheet:
    if not path.exists():
        raise FileProblem(_("the uploaded file is no longer stored"))
    if file_format is FileFormat.XLSX:
        return open_xlsx(path, max_uncompressed=max_uncompressed)
    return open_csv(path)


def close_sheet(sheet: Sheet) -> None:
    closer = getattr(sheet.close, "close", None)
    if closer is not None:
        closer()
