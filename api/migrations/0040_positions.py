"""Positions at volume (issue 26 part 3): each worker's latest fix kept apart from the history,
and one fix per worker and instant, so a re-sent buffered track is stored once."""

from uuid import uuid4

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0039_grades')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LatestPosition',
            fields=[
                ('user_id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('position_id', fields.BigIntField(description="the fix's row in worker_positions")),
                ('region_code', fields.CharField(description="the worker's grid", max_length=15)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('accuracy', fields.FloatField(description='metres')),
                ('at', fields.DatetimeField(description='when the phone measured it', auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'worker_latest_positions', 'app': 'gridgov', 'pk_attr': 'user_id', 'table_description': "A worker's newest fix, upserted with each report (an older fix arriving late never"},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                # the same fix stored twice before the constraint: keep the first row
                "DELETE FROM worker_positions a USING worker_positions b"
                " WHERE a.user_id = b.user_id AND a.at = b.at AND a.id > b.id",
                "INSERT INTO worker_latest_positions"
                " (user_id, position_id, region_code, lat, lng, accuracy, at, received_at)"
                " SELECT DISTINCT ON (user_id) user_id, id, region_code, lat, lng, accuracy, at,"
                " received_at FROM worker_positions ORDER BY user_id, at DESC, id DESC",
                "CREATE INDEX worker_latest_positions_path"
                " ON worker_latest_positions (region_code varchar_pattern_ops, at)",
            ],
            reverse_sql=["DROP INDEX worker_latest_positions_path"],
        ),
        ops.RemoveIndex(
            model_name='WorkerPosition',
            name=None,
            fields=['user_id', 'at'],
        ),
        ops.AddConstraint(
            model_name='WorkerPosition',
            constraint=UniqueConstraint(fields=('user_id', 'at'), name=None),
        ),
    ]
