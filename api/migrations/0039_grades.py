"""Grades (评价等级, issue 25 part 4): versioned grade bands of a score per kind of subject
(the defaults are reference data, loaded at migrate); frozen rankings keep the bands they were
frozen with. Count metrics need no schema."""

from enum import StrEnum

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class SubjectKind(StrEnum):
    DEPARTMENT = "department"
    WORKER = "worker"
    REGION = "region"


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0038_pinyin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GradeBands',
            fields=[
                ('version', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('subject_kind', fields.CharEnumField(description='DEPARTMENT: department\nWORKER: worker\nREGION: region', enum_type=SubjectKind, max_length=12)),
                ('metric', fields.CharField(description='the Metric whose value is graded', max_length=30)),
                ('bands', fields.JSONField(description='[[lower bound, grade], …], highest bound first', encoder=JSON_DUMPS, decoder=loads)),
                ('effective_from', fields.DateField()),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'stats_grade_bands', 'app': 'gridgov', 'indexes': [Index(fields=['subject_kind', 'effective_from'])], 'pk_attr': 'version', 'table_description': 'One version of the grade bands (评价等级) of a kind of subject: the score is the value of'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='RankingSnapshot',
            name='grade_bands',
            field=fields.JSONField(null=True, description='the grade bands in force when frozen (version, metric, bands)', encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
