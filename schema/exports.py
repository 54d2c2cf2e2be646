"""What every export job's GraphQL shares: its state and the fields of an export's progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.exports import ExportColumns
from api.spreadsheets import ExportState

strawberry.enum(ExportState, name="ExportState", description="Queued, running, done or failed.")


@strawberry.type
class ExportFields:
    """The fields of every export type (a base: no GraphQL type of its own)."""

    id: strawberry.ID
    state: ExportState
    region_code: str
    first_day: date = strawberry.field(name="from")
    last_day: date = strawberry.field(name="to")
    rows_total: int | None = strawberry.field(description="Known once the worker counted them.")
    rows_written: int = strawberry.field(description="Progress so far.")
    error: str | None
    filename: str
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None = strawberry.field(
        description="GET with your own credentials, for a day once DONE; null before."
    )


def export_fields(export: ExportColumns, *, download_path: str) -> dict[str, Any]:
    """An export row's values of `ExportFields`; the download link once the file is whole."""
    return {
        "id": strawberry.ID(str(export.id)),
        "state": export.state,
        "region_code": export.region_code,
        "first_day": export.first_day,
        "last_day": export.last_day,
        "rows_total": export.rows_total,
        "rows_written": export.rows_written,
        "error": export.error,
        "filename": export.filename,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "download_url": f"{download_path}/{export.id}"
        if export.state is ExportState.DONE
        else None,
    }
