"""Permissions granted and withdrawn at run time (casbin rules in PostgreSQL, each change
notifying `gridgov_permissions` when it commits); event categories editable with versions and
regional extensions; grid norms: the household band per
urban/rural type and the households per staff member, as data."""

from enum import StrEnum

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from uuid import uuid4


class UrbanRural(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0035_services')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PermissionRule',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('role', fields.CharField(max_length=32)),
                ('level', fields.CharField(max_length=16)),
                ('obj', fields.CharField(max_length=40)),
                ('action', fields.CharField(max_length=40)),
                ('region_code', fields.CharField(max_length=15)),
                ('allow', fields.BooleanField()),
                ('granted_by_id', fields.UUIDField(null=True)),
                ('granted_by_label', fields.CharField(max_length=100)),
                ('note', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'permission_rules', 'app': 'gridgov', 'unique_together': (('role', 'level', 'obj', 'action', 'region_code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GridNormBand',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('urban_rural', fields.CharEnumField(UrbanRural, unique=True, max_length=8)),
                ('min_households', fields.IntField()),
                ('max_households', fields.IntField()),
            ],
            options={'table': 'grid_norm_bands', 'app': 'gridgov', 'pk_attr': 'id', 'table_description': "The households a grid should hold by its community's type (原则上社区每200-500户、农村每"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffingNorm',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('region_code', fields.CharField(unique=True, max_length=15)),
                ('households_per_staff', fields.IntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'staffing_norms', 'app': 'gridgov', 'pk_attr': 'id', 'table_description': "Households per staff member a region's grids should not exceed (每100户居民配备1名工作人员);"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Category',
            name='region_code',
            field=fields.CharField(null=True, max_length=15),
        ),
        ops.AddField(
            model_name='Category',
            name='version',
            field=fields.IntField(default=0),
        ),
        ops.RunSQL(
            [
                """
CREATE FUNCTION notify_permissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgov_permissions', TG_TABLE_NAME);
  RETURN NULL;
END $$
""",
                "CREATE TRIGGER permission_rules_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                " ON permission_rules FOR EACH STATEMENT EXECUTE FUNCTION notify_permissions()",
            ],
            reverse_sql=[
                "DROP TRIGGER permission_rules_notify ON permission_rules",
                "DROP FUNCTION notify_permissions()",
            ],
        ),
    ]
