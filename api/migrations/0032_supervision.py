"""Supervision (督导考核): periodic analysis reports (研判报告) with their frozen figures and
accountability proposals (责任查究建议), both on the flow kernel (steps and cards in its shared
tables)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('gridgov', '0031_ledgers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountabilityProposal',
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
                ('region_code', fields.CharField(description="the target unit's region", max_length=15)),
                ('target_kind', fields.CharField(max_length=12)),
                ('target_department_id', fields.UUIDField(null=True)),
                ('target_user_id', fields.UUIDField(null=True)),
                ('target_label', fields.CharField(max_length=100)),
                ('raised_region_code', fields.CharField(description="the raising unit's region", max_length=15)),
                ('raised_by_id', fields.UUIDField(null=True)),
                ('raised_by_label', fields.CharField(max_length=100)),
                ('event_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('ranking_snapshot_id', fields.UUIDField(null=True, description='a frozen ranking period')),
                ('reason', fields.TextField(unique=False)),
                ('requested_action', fields.CharField(max_length=24)),
                ('reply', fields.TextField(default='', unique=False)),
                ('replied_by_id', fields.UUIDField(null=True)),
                ('replied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(null=True, max_length=16)),
                ('outcome_note', fields.TextField(default='', unique=False)),
                ('closed_by_id', fields.UUIDField(null=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'supervision_accountability_proposals', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'status']), Index(fields=['raised_region_code', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A proposal (责任查究建议) raised by a higher level against a unit or an account, on'},
            bases=['ClockColumns'],
        ),
        ops.CreateModel(
            name='AnalysisReport',
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
                ('region_code', fields.CharField(description='the region it analyses', max_length=15)),
                ('period_kind', fields.CharField(max_length=8)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField(description='the last day, inclusive')),
                ('title', fields.CharField(max_length=200)),
                ('author_unit', fields.CharField(description='the authoring unit (编制单位)', max_length=100)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_by_label', fields.CharField(max_length=100)),
                ('figures', fields.JSONField(description='frozen at generation', encoder=JSON_DUMPS, decoder=loads)),
                ('figures_generated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sections', fields.JSONField(default=list, description='heading, body', encoder=JSON_DUMPS, decoder=loads)),
                ('review_note', fields.TextField(default='', description="the reviewer's latest note", unique=False)),
                ('reviewed_by_id', fields.UUIDField(null=True)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'supervision_analysis_reports', 'app': 'gridgov', 'unique_together': (('region_code', 'period_kind', 'period_start'),), 'indexes': [Index(fields=['region_code', 'status'])], 'pk_attr': 'id', 'table_description': 'A periodic analysis report (定期研判报告) of a region: figures frozen from the statistics'},
            bases=['ClockColumns'],
        ),
    ]
