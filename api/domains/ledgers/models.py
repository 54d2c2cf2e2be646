"""Exports of the event ledgers (台账), written by a worker job."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.domains.ledgers.enums import LedgerKind
from api.spreadsheets import XLSX_TYPE, ExportState


class EventLedgerExport(Model):
    """An XLSX export of a ledger of a region and period, offered for download to whoever asked
    for it once it is whole (state DONE), never before."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    requested_by_id = fields.UUIDField(
        description="the user or API key that asked; the only reader"
    )
    region_code = fields.CharField(max_length=15)
    first_day = fields.DateField()
    last_day = fields.DateField()
    state = fields.CharEnumField(ExportState, max_length=8)
    rows_total = fields.IntField(null=True, description="known once the job has counted them")
    rows_written = fields.IntField(default=0)
    attempts = fields.IntField(default=0)
    error = fields.CharField(max_length=500, null=True)
    sha256 = fields.CharField(max_length=64, null=True, description="the finished file's")
    size = fields.BigIntField(null=True)
    filename = fields.CharField(max_length=100)
    content_type = fields.CharField(max_length=80, default=XLSX_TYPE)
    first_sequence = fields.BigIntField(null=True, description="outbox sequence of 'queued'")
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "event_ledger_exports"
        indexes = (("requested_by_id", "created_at"),)
