"""What every export job's GraphQL shares: its state."""

from __future__ import annotations

import strawberry

from api.spreadsheets import ExportState

strawberry.enum(ExportState, name="ExportState", description="Queued, running, done or failed.")

__all__ = ["ExportState"]
