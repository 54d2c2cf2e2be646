"""Exports of the event ledgers (社情民意 and 矛盾纠纷排查 台账), written by a worker job; the enums
are written out here, as a migration applies the same SQL forever."""

from enum import StrEnum

from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class LedgerKind(StrEnum):
    PUBLIC_OPINION = "public_opinion"
    DISPUTES = "disputes"


class ExportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0030_spikes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventLedgerExport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='PUBLIC_OPINION: public_opinion\nDISPUTES: disputes', enum_type=LedgerKind, max_length=16)),
                ('requested_by_id', fields.UUIDField(description='the user or API key that asked; the only reader')),
                ('region_code', fields.CharField(max_length=15)),
                ('first_day', fields.DateField()),
                ('last_day', fields.DateField()),
                ('state', fields.CharEnumField(description='QUEUED: queued\nRUNNING: running\nDONE: done\nFAILED: failed', enum_type=ExportState, max_length=8)),
                ('rows_total', fields.IntField(null=True, description='known once the job has counted them')),
                ('rows_written', fields.IntField(default=0)),
                ('attempts', fields.IntField(default=0)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('sha256', fields.CharField(null=True, description="the finished file's", max_length=64)),
                ('size', fields.BigIntField(null=True)),
                ('filename', fields.CharField(max_length=100)),
                ('content_type', fields.CharField(default='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', max_length=80)),
                ('first_sequence', fields.BigIntField(null=True, description="outbox sequence of 'queued'")),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_ledger_exports', 'app': 'gridgov', 'indexes': [Index(fields=['requested_by_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'An XLSX export of a ledger of a region and period, offered for download to whoever asked'},
            bases=['Model'],
        ),
    ]
