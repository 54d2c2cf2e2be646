from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


class Level(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    GRID = "grid"


class Role(StrEnum):
    GRID_WORKER = "grid_worker"
    GRID_LEADER = "grid_leader"
    COMMUNITY_STAFF = "community_staff"
    TOWNSHIP_CENTRE = "township_centre"
    DISTRICT_COMMAND = "district_command"
    CITY_COMMAND = "city_command"
    DEPARTMENT_STAFF = "department_staff"
    LEADER = "leader"
    ADMIN = "admin"
    CITIZEN = "citizen"
    INTEGRATION = "integration"


class UrbanRural(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=100)),
                ("prefix", fields.CharField(unique=True, max_length=16)),
                ("key_hash", fields.CharField(max_length=64)),
                ("region_code", fields.CharField(db_index=True, max_length=15)),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_keys",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An integration's key (hotline, WeChat front end): shown once, stored hashed, region-scoped.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ("actor_id", fields.UUIDField(null=True)),
                ("actor_label", fields.CharField(max_length=100)),
                ("action", fields.CharField(max_length=64)),
                ("object_type", fields.CharField(max_length=32)),
                ("object_id", fields.CharField(max_length=64)),
                ("region_code", fields.CharField(db_index=True, max_length=15)),
                ("detail", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={"table": "audit_log", "app": "gridgov", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("region_code", fields.CharField(db_index=True, max_length=15)),
                ("code", fields.CharField(max_length=32)),
                ("name", fields.CharField(max_length=100)),
                (
                    "categories",
                    fields.JSONField(
                        default=list,
                        description="event category codes handled",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("phone", fields.CharField(null=True, max_length=20)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "departments",
                "app": "gridgov",
                "unique_together": (("region_code", "code"),),
                "pk_attr": "id",
                "table_description": "A functional department (职能部门) of a region, with the event categories it handles.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Region",
            fields=[
                (
                    "code",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=15),
                ),
                ("parent_code", fields.CharField(null=True, db_index=True, max_length=15)),
                ("name", fields.CharField(max_length=100)),
                (
                    "level",
                    fields.CharEnumField(
                        description="CITY: city\nDISTRICT: district\nTOWNSHIP: township\nCOMMUNITY: community\nGRID: grid",
                        enum_type=Level,
                        max_length=12,
                    ),
                ),
                (
                    "urban_rural",
                    fields.CharEnumField(
                        default=UrbanRural.URBAN,
                        description="URBAN: urban\nRURAL: rural",
                        enum_type=UrbanRural,
                        max_length=8,
                    ),
                ),
                ("households", fields.IntField(default=0)),
                ("leader_name", fields.CharField(null=True, max_length=50)),
                ("leader_phone", fields.CharField(null=True, max_length=20)),
                ("centre_lat", fields.FloatField(null=True)),
                ("centre_lng", fields.FloatField(null=True)),
                (
                    "boundary",
                    fields.JSONField(
                        null=True,
                        description="GeoJSON Polygon or MultiPolygon, WGS-84",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                (
                    "external_codes",
                    fields.JSONField(
                        default=dict,
                        description="codes in other grid schemes",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "regions",
                "app": "gridgov",
                "pk_attr": "code",
                "table_description": "A city, district, township, community or grid; its code is its path (DESIGN.md §2).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("username", fields.CharField(unique=True, max_length=64)),
                ("display_name", fields.CharField(max_length=100)),
                ("phone", fields.CharField(null=True, max_length=20)),
                ("password_hash", fields.CharField(max_length=255)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "last_login_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "users", "app": "gridgov", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoleAssignment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "gridgov.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assignments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="GRID_WORKER: grid_worker\nGRID_LEADER: grid_leader\nCOMMUNITY_STAFF: community_staff\nTOWNSHIP_CENTRE: township_centre\nDISTRICT_COMMAND: district_command\nCITY_COMMAND: city_command\nDEPARTMENT_STAFF: department_staff\nLEADER: leader\nADMIN: admin\nCITIZEN: citizen\nINTEGRATION: integration",
                        enum_type=Role,
                        max_length=32,
                    ),
                ),
                ("region_code", fields.CharField(db_index=True, max_length=15)),
                ("department_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "role_assignments",
                "app": "gridgov",
                "unique_together": (("user", "role", "region_code", "department_id"),),
                "pk_attr": "id",
                "table_description": "A role held at a region (and optionally for a department).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserSession",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "gridgov.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("refresh_token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "previous_refresh_token_hash",
                    fields.CharField(null=True, db_index=True, max_length=64),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "refreshed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("user_agent", fields.CharField(null=True, max_length=255)),
                ("ip", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "user_sessions",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A sign-in: the refresh token (stored hashed) that can mint access tokens until revoked.",
            },
            bases=["Model"],
        ),
    ]
