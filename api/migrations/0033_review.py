"""Reviewed data entry (审核, issue 27 part 3): a community's review switch, edits held for
review on the flow kernel (one open held edit per record), import batches held in REVIEW mode,
and the approver on a change-history row; filings of social organisations (备案, part 9);
photos and documents of registry records (part 7)."""

from enum import StrEnum

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index



class RecordKind(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    HOUSE = "house"
    BUILDING = "building"
    ORGANISATION = "organisation"
    SPECIAL_GROUP = "special_group"
    PARTY_ORGANISATION = "party_organisation"
    PARTY_MEMBER = "party_member"
    VOLUNTEER = "volunteer"
    ENROLMENT = "enrolment"


class ImportMode(StrEnum):
    VALIDATE = "validate"
    COMMIT = "commit"
    REVIEW = "review"


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    VALIDATED = "validated"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"
    AWAITING_REVIEW = "awaiting_review"
    RETURNED = "returned"


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0032_supervision')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PendingChange',
            fields=[
                ('status', fields.CharField(max_length=16)),
                ('version', fields.IntField(default=1)),
                ('flow_version', fields.SmallIntField(default=1, description='the flow definition it started with')),
                ('stage', fields.CharField(null=True, max_length=16)),
                ('stage_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('red_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_by_stage', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('card', fields.CharField(default='none', description='worst so far', max_length=8)),
                ('warning_level', fields.SmallIntField(default=0)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('record_kind', fields.CharEnumField(description='PERSON: person\nHOUSEHOLD: household\nHOUSE: house\nBUILDING: building\nORGANISATION: organisation\nSPECIAL_GROUP: special_group\nPARTY_ORGANISATION: party_organisation\nPARTY_MEMBER: party_member\nVOLUNTEER: volunteer\nENROLMENT: enrolment', enum_type=RecordKind, max_length=24)),
                ('record_id', fields.UUIDField()),
                ('region_code', fields.CharField(description="the record's grid", max_length=15)),
                ('base_version', fields.IntField(description="the record's version the diff was taken against")),
                ('changes', fields.JSONField(default=dict, description='{"field": {"old": …, "new": …}}', encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_by_id', fields.UUIDField(null=True)),
                ('submitted_by_label', fields.CharField(max_length=100)),
                ('reviewed_by_id', fields.UUIDField(null=True)),
                ('reviewed_by_label', fields.CharField(null=True, max_length=100)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', description="the reviewer's latest note", unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'registry_pending_changes', 'app': 'gridgov', 'indexes': [Index(fields=['record_id', 'status']), Index(fields=['region_code', 'status'])], 'pk_attr': 'id', 'table_description': "An edit of a registry record held for the community's review: the diff against the record"},
            bases=['ClockColumns'],
        ),
        ops.CreateModel(
            name='ReviewRule',
            fields=[
                ('region_code', fields.CharField(primary_key=True, unique=True, db_index=True, description='the community', max_length=12)),
                ('required', fields.BooleanField(default=True)),
                ('set_by_id', fields.UUIDField(null=True)),
                ('set_by_label', fields.CharField(max_length=100)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'registry_review_rules', 'app': 'gridgov', 'pk_attr': 'region_code', 'table_description': "Whether a community holds its grid workers' registry edits and imports for review (审核)."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='ImportJob',
            name='mode',
            field=fields.CharEnumField(description='VALIDATE: validate\nCOMMIT: commit\nREVIEW: review', enum_type=ImportMode, max_length=12),
        ),
        ops.AlterField(
            model_name='ImportJob',
            name='state',
            field=fields.CharEnumField(default=ImportState.QUEUED, description='QUEUED: queued\nRUNNING: running\nVALIDATED: validated\nCOMPLETED: completed\nREJECTED: rejected\nFAILED: failed\nAWAITING_REVIEW: awaiting_review\nRETURNED: returned', enum_type=ImportState, max_length=16),
        ),
        ops.AddField(
            model_name='ImportJob',
            name='review_note',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='ImportJob',
            name='reviewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ImportJob',
            name='reviewed_by_id',
            field=fields.UUIDField(null=True, description='REVIEW mode: who decided'),
        ),
        ops.AddField(
            model_name='ImportJob',
            name='reviewed_by_label',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name='RegistryChange',
            name='approved_by_id',
            field=fields.UUIDField(null=True, description='who approved a reviewed change'),
        ),
        ops.AddField(
            model_name='RegistryChange',
            name='approved_by_label',
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.CreateModel(
            name='OrganisationFiling',
            fields=[
                ('status', fields.CharField(max_length=16)),
                ('version', fields.IntField(default=1)),
                ('flow_version', fields.SmallIntField(default=1, description='the flow definition it started with')),
                ('stage', fields.CharField(null=True, max_length=16)),
                ('stage_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('red_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_by_stage', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('card', fields.CharField(default='none', description='worst so far', max_length=8)),
                ('warning_level', fields.SmallIntField(default=0)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organisation_id', fields.UUIDField()),
                ('region_code', fields.CharField(description="the organisation's region", max_length=15)),
                ('charter', fields.TextField(description='章程', unique=False)),
                ('members', fields.JSONField(default=list, description='[{"name", "role", "phone"}]', encoder=JSON_DUMPS, decoder=loads)),
                ('filing_number', fields.CharField(null=True, unique=True, description='备案号', max_length=32)),
                ('submitted_by_id', fields.UUIDField(null=True)),
                ('submitted_by_label', fields.CharField(max_length=100)),
                ('reviewed_by_id', fields.UUIDField(null=True)),
                ('reviewed_by_label', fields.CharField(null=True, max_length=100)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', description="the township's reason or remark", unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'registry_organisation_filings', 'app': 'gridgov', 'indexes': [Index(fields=['organisation_id', 'status']), Index(fields=['region_code', 'status'])], 'pk_attr': 'id', 'table_description': "A social organisation's filing (群众自助服务组织备案) with its charter and members, reviewed"},
            bases=['ClockColumns'],
        ),
        ops.CreateModel(
            name='RecordFile',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('record_kind', fields.CharEnumField(description='PERSON: person\nHOUSEHOLD: household\nHOUSE: house\nBUILDING: building\nORGANISATION: organisation\nSPECIAL_GROUP: special_group\nPARTY_ORGANISATION: party_organisation\nPARTY_MEMBER: party_member\nVOLUNTEER: volunteer\nENROLMENT: enrolment', enum_type=RecordKind, max_length=24)),
                ('record_id', fields.UUIDField()),
                ('region_code', fields.CharField(description="the record's region when added", max_length=15)),
                ('sha256', fields.CharField(max_length=64)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.BigIntField()),
                ('filename', fields.CharField(max_length=200)),
                ('caption', fields.CharField(default='', max_length=200)),
                ('uploaded_by_id', fields.UUIDField(null=True)),
                ('uploaded_by_label', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deleted_by_id', fields.UUIDField(null=True)),
                ('deleted_reason', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'registry_files', 'app': 'gridgov', 'indexes': [Index(fields=['record_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A photo or document of a registry record (person, household, house, building,'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # One open held edit per record: a second edit held at once loses here.
                "CREATE UNIQUE INDEX registry_pending_changes_open ON registry_pending_changes "
                "(record_id) WHERE status IN ('pending', 'returned')",
                "CREATE INDEX registry_pending_changes_region ON registry_pending_changes "
                "(region_code varchar_pattern_ops, status)",
                # One filing awaiting the township or filed per organisation (备案).
                "CREATE UNIQUE INDEX registry_organisation_filings_live ON "
                "registry_organisation_filings (organisation_id) "
                "WHERE status IN ('submitted', 'filed')",
            ]
        ),
    ]
