"""Spike warnings (预警, api/domains/triage/spikes.py): the rules as data and the warnings with
their evidence."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('gridgov', '0029_maps')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SpikeRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('window_hours', fields.IntField(default=168, description="the recent count's window")),
                ('baseline_days', fields.IntField(default=56, description='before the window: the usual rate')),
                ('min_count', fields.IntField(default=3, description='fewer events never warn')),
                ('max_p', fields.FloatField(default=0.001, description='P(at least this many | usual rate)')),
            ],
            options={'table': 'triage_spike_rules', 'app': 'gridgov', 'pk_attr': 'id', 'table_description': "When a community's count of one category in the window counts as a spike (预警): at"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpikeWarning',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('region_code', fields.CharField(description='the community', max_length=15)),
                ('category_key', fields.CharField(max_length=40)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('count', fields.IntField(description='events in the window (merged reports not counted)')),
                ('baseline', fields.FloatField(description='the usual count for a window this long')),
                ('baseline_days', fields.IntField()),
                ('p_value', fields.FloatField(description='P(at least `count` | the usual rate)')),
                ('detected_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('acknowledged_by_id', fields.UUIDField(null=True)),
                ('acknowledged_by_label', fields.CharField(null=True, max_length=100)),
                ('note', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'triage_spike_warnings', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'category_key', 'detected_at'])], 'pk_attr': 'id', 'table_description': 'A spike found by the worker, with its evidence, until a command centre acknowledges it.'},
            bases=['Model'],
        ),
    ]
