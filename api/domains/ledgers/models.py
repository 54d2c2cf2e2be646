"""Exports of the event ledgers (台账), written by a worker job."""

from __future__ import annotations

from tortoise import fields

from api.domains.ledgers.enums import LedgerKind
from api.exports import ExportColumns


class EventLedgerExport(ExportColumns):
    """An XLSX export of a ledger of a region and period, offered for download to whoever asked
    for it once it is whole (state DONE), never before."""

    kind = fields.CharEnumField(LedgerKind, max_length=16)
    first_sequence = fields.BigIntField(null=True, description="outbox sequence of 'queued'")

    class Meta:
        table = "event_ledger_exports"
        indexes = (("requested_by_id", "created_at"),)
