"""The basic-data registry (基础数据): its tables, prefix indexes, region keys and forms."""

from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MOVE = "move"
    DEREGISTER = "deregister"


class HouseholdType(StrEnum):
    FAMILY = "family"
    COLLECTIVE = "collective"


class OrganisationKind(StrEnum):
    ENTERPRISE = "enterprise"
    SOCIAL = "social"


class PartyOrganisationLevel(StrEnum):
    COMMUNITY_COMMITTEE = "community_committee"
    LARGE_GRID_BRANCH = "large_grid_branch"
    MEDIUM_GRID_GROUP = "medium_grid_group"


class PersonType(StrEnum):
    REGISTERED = "registered"
    FLOATING = "floating"
    FOREIGN = "foreign"


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


class RecordStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


class SpecialGroup(StrEnum):
    RELEASED_PRISONER = "released_prisoner"
    COMMUNITY_CORRECTION = "community_correction"
    MENTAL_DISORDER = "mental_disorder"
    DRUG_USER = "drug_user"
    KEY_YOUTH = "key_youth"
    AIDS_RISK = "aids_risk"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0009_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Building",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "building_code",
                    fields.CharField(unique=True, description="natural key", max_length=40),
                ),
                ("region_code", fields.CharField(max_length=15)),
                ("name", fields.CharField(max_length=100)),
                ("address", fields.CharField(max_length=200)),
                (
                    "use",
                    fields.CharField(
                        null=True, description="GB/T 31000 5.17 建筑用途", max_length=4
                    ),
                ),
                ("floors_above", fields.SmallIntField(null=True)),
                ("floors_below", fields.SmallIntField(null=True)),
                ("lat", fields.FloatField(null=True, description="WGS-84")),
                ("lng", fields.FloatField(null=True, description="WGS-84")),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_buildings",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A building (楼栋) with its position and floors.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="House",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "house_code",
                    fields.CharField(unique=True, description="natural key", max_length=40),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "building",
                    fields.ForeignKeyField(
                        "gridgov.Building",
                        source_field="building_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="houses",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("address", fields.CharField(max_length=200)),
                ("unit", fields.CharField(null=True, max_length=10)),
                ("floor", fields.SmallIntField(null=True)),
                ("number", fields.CharField(null=True, max_length=20)),
                (
                    "area",
                    fields.DecimalField(
                        null=True, description="m²", max_digits=9, decimal_places=2
                    ),
                ),
                (
                    "use",
                    fields.CharField(
                        null=True, description="GB/T 31000 5.17 建筑用途", max_length=4
                    ),
                ),
                ("owner_name", fields.CharField(null=True, max_length=50)),
                ("owner_id_number", fields.CharField(null=True, max_length=18)),
                ("owner_phone", fields.CharField(null=True, max_length=20)),
                ("is_rental", fields.BooleanField(default=False)),
                ("landlord_name", fields.CharField(null=True, max_length=50)),
                ("landlord_id_number", fields.CharField(null=True, max_length=18)),
                ("landlord_phone", fields.CharField(null=True, max_length=20)),
                (
                    "rental_use",
                    fields.CharField(
                        null=True, description="GB/T 31000 5.18 出租用途", max_length=4
                    ),
                ),
                (
                    "hazard_type",
                    fields.CharField(
                        null=True, description="GB/T 31000 5.19 隐患类型", max_length=4
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_houses",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A dwelling or premises (房屋); a rental house (出租房屋) carries its landlord and use.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Household",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "household_number",
                    fields.CharField(unique=True, description="natural key", max_length=40),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "household_type",
                    fields.CharEnumField(
                        default=HouseholdType.FAMILY,
                        description="FAMILY: family\nCOLLECTIVE: collective",
                        enum_type=HouseholdType,
                        max_length=16,
                    ),
                ),
                ("head_name", fields.CharField(null=True, max_length=50)),
                ("address", fields.CharField(null=True, max_length=200)),
                (
                    "house",
                    fields.ForeignKeyField(
                        "gridgov.House",
                        source_field="house_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="households",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_households",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A household (户): its members are the people pointing at it, with their relation to",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Organisation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "credit_code",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="统一社会信用代码, natural key",
                        max_length=18,
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="ENTERPRISE: enterprise\nSOCIAL: social",
                        enum_type=OrganisationKind,
                        max_length=16,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "enterprise_category",
                    fields.CharField(null=True, description="5.44 企业类别", max_length=2),
                ),
                (
                    "social_organisation_type",
                    fields.CharField(null=True, description="5.47 社会组织类型", max_length=2),
                ),
                (
                    "registration_type",
                    fields.CharField(null=True, description="5.51 登记注册类型", max_length=3),
                ),
                ("legal_person_name", fields.CharField(null=True, max_length=50)),
                ("legal_person_id_number", fields.CharField(null=True, max_length=18)),
                ("legal_person_phone", fields.CharField(null=True, max_length=20)),
                ("address", fields.CharField(null=True, max_length=200)),
                (
                    "building",
                    fields.ForeignKeyField(
                        "gridgov.Building",
                        source_field="building_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="organisations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("employee_count", fields.IntField(null=True)),
                (
                    "safety_hazard_type",
                    fields.CharField(null=True, description="5.45 安全隐患类型", max_length=2),
                ),
                (
                    "attention_level",
                    fields.CharField(null=True, description="5.46 关注程度", max_length=2),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_organisations",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An enterprise (非公有制经济组织) or a social organisation (社会组织).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyOrganisation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "level",
                    fields.CharEnumField(
                        description="COMMUNITY_COMMITTEE: community_committee\nLARGE_GRID_BRANCH: large_grid_branch\nMEDIUM_GRID_GROUP: medium_grid_group",
                        enum_type=PartyOrganisationLevel,
                        max_length=24,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "gridgov.PartyOrganisation",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("secretary_name", fields.CharField(null=True, max_length=50)),
                ("secretary_phone", fields.CharField(null=True, max_length=20)),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_party_organisations",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A party organisation of the grid structure: community committee → large-grid branch →",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "id_number",
                    fields.CharField(
                        unique=True, description="natural key, upper-case X", max_length=18
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "person_type",
                    fields.CharEnumField(
                        description="REGISTERED: registered\nFLOATING: floating\nFOREIGN: foreign",
                        enum_type=PersonType,
                        max_length=16,
                    ),
                ),
                ("name", fields.CharField(max_length=50)),
                ("former_name", fields.CharField(null=True, max_length=50)),
                ("sex", fields.CharField(description="GB/T 2261.1", max_length=1)),
                ("birth_date", fields.DateField()),
                ("ethnicity", fields.CharField(null=True, description="GB/T 3304", max_length=2)),
                (
                    "native_place",
                    fields.CharField(null=True, description="籍贯: region code", max_length=6),
                ),
                (
                    "household_register_code",
                    fields.CharField(null=True, description="户籍地: region code", max_length=12),
                ),
                ("household_register_address", fields.CharField(null=True, max_length=200)),
                ("current_address", fields.CharField(null=True, max_length=200)),
                ("current_address_code", fields.CharField(null=True, max_length=15)),
                ("phone", fields.CharField(null=True, description="E.164", max_length=20)),
                ("education", fields.CharField(null=True, description="GB/T 4658", max_length=2)),
                ("occupation", fields.CharField(null=True, max_length=100)),
                (
                    "political_status",
                    fields.CharField(null=True, description="GB/T 4762", max_length=2),
                ),
                (
                    "marital_status",
                    fields.CharField(null=True, description="GB/T 2261.2", max_length=2),
                ),
                ("religion", fields.CharField(null=True, description="GA 214.12", max_length=2)),
                (
                    "household",
                    fields.ForeignKeyField(
                        "gridgov.Household",
                        source_field="household_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "relation_to_head",
                    fields.CharField(null=True, description="GB/T 4761", max_length=2),
                ),
                (
                    "house",
                    fields.ForeignKeyField(
                        "gridgov.House",
                        source_field="house_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="residents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "residence_consistency",
                    fields.CharField(
                        null=True, description="GB/T 31000 5.10 人户一致标识", max_length=2
                    ),
                ),
                (
                    "inflow_reason",
                    fields.CharField(null=True, description="5.11 流入原因", max_length=2),
                ),
                (
                    "certificate_type",
                    fields.CharField(null=True, description="5.12 办证类型", max_length=2),
                ),
                ("certificate_number", fields.CharField(null=True, max_length=40)),
                ("certificate_expires_on", fields.DateField(null=True)),
                (
                    "dwelling_type",
                    fields.CharField(null=True, description="5.13 住所类型", max_length=2),
                ),
                (
                    "left_behind_type",
                    fields.CharField(null=True, description="5.15 留守人员类型", max_length=2),
                ),
                (
                    "health_status",
                    fields.CharField(null=True, description="5.14 健康状况", max_length=2),
                ),
                (
                    "nationality",
                    fields.CharField(null=True, description="ISO 3166 alpha-3", max_length=3),
                ),
                ("foreign_name", fields.CharField(null=True, max_length=100)),
                ("passport_number", fields.CharField(null=True, max_length=30)),
                (
                    "visit_purpose",
                    fields.CharField(null=True, description="5.16 来华目的", max_length=2),
                ),
                ("tags", ArrayField(default=list, element_type="VARCHAR(40)")),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("deregistered_reason", fields.CharField(null=True, max_length=200)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_people",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A person living in the grid (实有人口), with the standard's common person fields.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyMember",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "gridgov.Person",
                        source_field="person_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="party_memberships",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "party_organisation",
                    fields.ForeignKeyField(
                        "gridgov.PartyOrganisation",
                        source_field="party_organisation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="members",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("workplace", fields.CharField(null=True, max_length=200)),
                (
                    "building",
                    fields.ForeignKeyField(
                        "gridgov.Building",
                        source_field="building_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="party_members",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "specialties",
                    ArrayField(default=list, description="5.5 专业特长", element_type="VARCHAR(4)"),
                ),
                ("contact_phone", fields.CharField(null=True, max_length=20)),
                ("is_in_service", fields.BooleanField(default=False, description="在职党员")),
                ("registered_community_code", fields.CharField(null=True, max_length=12)),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_party_members",
                "app": "gridgov",
                "unique_together": (("person",),),
                "pk_attr": "id",
                "table_description": "A party member (党员); an in-service member (在职党员) registers with a community.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RegistryChange",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "record_kind",
                    fields.CharEnumField(
                        description="PERSON: person\nHOUSEHOLD: household\nHOUSE: house\nBUILDING: building\nORGANISATION: organisation\nSPECIAL_GROUP: special_group\nPARTY_ORGANISATION: party_organisation\nPARTY_MEMBER: party_member\nVOLUNTEER: volunteer",
                        enum_type=RecordKind,
                        max_length=24,
                    ),
                ),
                ("record_id", fields.UUIDField()),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "action",
                    fields.CharEnumField(
                        description="CREATE: create\nUPDATE: update\nMOVE: move\nDEREGISTER: deregister",
                        enum_type=ChangeAction,
                        max_length=16,
                    ),
                ),
                ("actor_id", fields.UUIDField(null=True)),
                ("actor_label", fields.CharField(max_length=100)),
                (
                    "changes",
                    fields.JSONField(
                        default=dict,
                        description='{"field": {"old": …, "new": …}}',
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "registry_changes",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "One change of one registry record: who, when, and each field's old and new value",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SpecialGroupRecord",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "gridgov.Person",
                        source_field="person_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="special_groups",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "group",
                    fields.CharEnumField(
                        description="RELEASED_PRISONER: released_prisoner\nCOMMUNITY_CORRECTION: community_correction\nMENTAL_DISORDER: mental_disorder\nDRUG_USER: drug_user\nKEY_YOUTH: key_youth\nAIDS_RISK: aids_risk",
                        enum_type=SpecialGroup,
                        max_length=24,
                    ),
                ),
                (
                    "region_code",
                    fields.CharField(description="the person's grid, kept in step", max_length=15),
                ),
                (
                    "risk_level",
                    fields.CharField(null=True, description="per group code table", max_length=2),
                ),
                (
                    "management_status",
                    fields.CharField(null=True, description="5.37 管控情况", max_length=2),
                ),
                (
                    "attention_level",
                    fields.CharField(null=True, description="5.46 关注程度", max_length=2),
                ),
                ("helpers", ArrayField(default=list, element_type="VARCHAR(50)")),
                (
                    "last_follow_up_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("follow_up_note", fields.TextField(null=True, unique=False)),
                ("details", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_special_groups",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A person's membership of a special group (特殊人群) with its follow-up: common columns",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Volunteer",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "person",
                    fields.ForeignKeyField(
                        "gridgov.Person",
                        source_field="person_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="volunteering",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                ("team", fields.CharField(null=True, max_length=100)),
                (
                    "specialties",
                    ArrayField(default=list, description="5.5 专业特长", element_type="VARCHAR(4)"),
                ),
                ("service_hours", fields.DecimalField(default=0, max_digits=8, decimal_places=1)),
                (
                    "status",
                    fields.CharEnumField(
                        default=RecordStatus.ACTIVE,
                        description="ACTIVE: active\nDEREGISTERED: deregistered",
                        enum_type=RecordStatus,
                        max_length=16,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "registry_volunteers",
                "app": "gridgov",
                "unique_together": (("person",),),
                "pk_attr": "id",
                "table_description": "A volunteer (志愿者) registered in a region.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                # Subtree scoping and per-region counts: `region_code LIKE 'S%'` on varchar_pattern_ops,
                # with the counted kind beside it so statistics are index-only scans (DESIGN §2).
                "CREATE INDEX registry_buildings_region ON registry_buildings (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_buildings ADD CONSTRAINT registry_buildings_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_houses_region ON registry_houses (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_houses ADD CONSTRAINT registry_houses_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_households_region ON registry_households (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_households ADD CONSTRAINT registry_households_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_people_region ON registry_people (region_code varchar_pattern_ops, person_type, status)",
                "ALTER TABLE registry_people ADD CONSTRAINT registry_people_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                'CREATE INDEX registry_special_groups_region ON registry_special_groups (region_code varchar_pattern_ops, "group", status)',
                "ALTER TABLE registry_special_groups ADD CONSTRAINT registry_special_groups_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_organisations_region ON registry_organisations (region_code varchar_pattern_ops, kind, status)",
                "ALTER TABLE registry_organisations ADD CONSTRAINT registry_organisations_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_party_organisations_region ON registry_party_organisations (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_party_organisations ADD CONSTRAINT registry_party_organisations_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_party_members_region ON registry_party_members (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_party_members ADD CONSTRAINT registry_party_members_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_volunteers_region ON registry_volunteers (region_code varchar_pattern_ops, status)",
                "ALTER TABLE registry_volunteers ADD CONSTRAINT registry_volunteers_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX registry_people_name ON registry_people (name varchar_pattern_ops)",
                "CREATE INDEX registry_people_former_name ON registry_people"
                " (former_name varchar_pattern_ops) WHERE former_name IS NOT NULL",
                "CREATE INDEX registry_people_phone ON registry_people (phone)",
                "CREATE INDEX registry_people_birth_date ON registry_people (birth_date)",
                "CREATE INDEX registry_people_household ON registry_people (household_id)",
                "CREATE INDEX registry_people_house ON registry_people (house_id)",
                "CREATE INDEX registry_people_tags ON registry_people USING gin (tags)",
                "CREATE INDEX registry_houses_building ON registry_houses (building_id)",
                "CREATE INDEX registry_households_house ON registry_households (house_id)",
                "CREATE INDEX registry_special_groups_person ON registry_special_groups (person_id)",
                # a person is in a group once at a time; an ended record may repeat
                "CREATE UNIQUE INDEX registry_special_groups_once ON registry_special_groups"
                " (person_id, \"group\") WHERE status = 'active'",
                "CREATE INDEX registry_organisations_name ON registry_organisations (name varchar_pattern_ops)",
                "CREATE INDEX registry_party_members_organisation ON registry_party_members"
                " (party_organisation_id)",
                "CREATE INDEX registry_changes_record ON registry_changes (record_kind, record_id, id)",
                "CREATE INDEX registry_changes_region ON registry_changes"
                " (region_code varchar_pattern_ops, id)",
                "ALTER TABLE registry_people ADD CONSTRAINT registry_people_id_number_form"
                " CHECK (id_number ~ '^[0-9]{17}[0-9X]$')",
                "ALTER TABLE registry_organisations ADD CONSTRAINT registry_organisations_credit_code_form"
                " CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$')",
                "ALTER TABLE registry_people ADD CONSTRAINT registry_people_relation_needs_household"
                " CHECK (relation_to_head IS NULL OR household_id IS NOT NULL)",
                # Database defaults for what the ORM fills in, so bulk loads (COPY, INSERT … SELECT)
                # may leave the bookkeeping columns out.
                "ALTER TABLE registry_buildings ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now()",
                "ALTER TABLE registry_houses ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN is_rental SET DEFAULT false",
                "ALTER TABLE registry_households ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN household_type SET DEFAULT 'family'",
                "ALTER TABLE registry_people ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN tags SET DEFAULT '{}'",
                "ALTER TABLE registry_special_groups ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN helpers SET DEFAULT '{}', ALTER COLUMN details SET DEFAULT '{}'",
                "ALTER TABLE registry_organisations ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now()",
                "ALTER TABLE registry_party_organisations ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now()",
                "ALTER TABLE registry_party_members ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN specialties SET DEFAULT '{}', ALTER COLUMN is_in_service SET DEFAULT false",
                "ALTER TABLE registry_volunteers ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN status SET DEFAULT 'active', ALTER COLUMN version SET DEFAULT 1, ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN specialties SET DEFAULT '{}', ALTER COLUMN service_hours SET DEFAULT 0",
            ],
            reverse_sql=[
                "ALTER TABLE registry_volunteers ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN specialties DROP DEFAULT, ALTER COLUMN service_hours DROP DEFAULT",
                "ALTER TABLE registry_party_members ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN specialties DROP DEFAULT, ALTER COLUMN is_in_service DROP DEFAULT",
                "ALTER TABLE registry_party_organisations ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT",
                "ALTER TABLE registry_organisations ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT",
                "ALTER TABLE registry_special_groups ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN helpers DROP DEFAULT, ALTER COLUMN details DROP DEFAULT",
                "ALTER TABLE registry_people ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN tags DROP DEFAULT",
                "ALTER TABLE registry_households ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN household_type DROP DEFAULT",
                "ALTER TABLE registry_houses ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT, ALTER COLUMN is_rental DROP DEFAULT",
                "ALTER TABLE registry_buildings ALTER COLUMN id DROP DEFAULT, ALTER COLUMN status DROP DEFAULT, ALTER COLUMN version DROP DEFAULT, ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT",
                "ALTER TABLE registry_people DROP CONSTRAINT registry_people_relation_needs_household",
                "ALTER TABLE registry_organisations DROP CONSTRAINT registry_organisations_credit_code_form",
                "ALTER TABLE registry_people DROP CONSTRAINT registry_people_id_number_form",
                "DROP INDEX registry_changes_region",
                "DROP INDEX registry_changes_record",
                "DROP INDEX registry_party_members_organisation",
                "DROP INDEX registry_organisations_name",
                "DROP INDEX registry_special_groups_once",
                "DROP INDEX registry_special_groups_person",
                "DROP INDEX registry_households_house",
                "DROP INDEX registry_houses_building",
                "DROP INDEX registry_people_tags",
                "DROP INDEX registry_people_house",
                "DROP INDEX registry_people_household",
                "DROP INDEX registry_people_birth_date",
                "DROP INDEX registry_people_phone",
                "DROP INDEX registry_people_former_name",
                "DROP INDEX registry_people_name",
                "ALTER TABLE registry_volunteers DROP CONSTRAINT registry_volunteers_region_fk",
                "DROP INDEX registry_volunteers_region",
                "ALTER TABLE registry_party_members DROP CONSTRAINT registry_party_members_region_fk",
                "DROP INDEX registry_party_members_region",
                "ALTER TABLE registry_party_organisations DROP CONSTRAINT registry_party_organisations_region_fk",
                "DROP INDEX registry_party_organisations_region",
                "ALTER TABLE registry_organisations DROP CONSTRAINT registry_organisations_region_fk",
                "DROP INDEX registry_organisations_region",
                "ALTER TABLE registry_special_groups DROP CONSTRAINT registry_special_groups_region_fk",
                "DROP INDEX registry_special_groups_region",
                "ALTER TABLE registry_people DROP CONSTRAINT registry_people_region_fk",
                "DROP INDEX registry_people_region",
                "ALTER TABLE registry_households DROP CONSTRAINT registry_households_region_fk",
                "DROP INDEX registry_households_region",
                "ALTER TABLE registry_houses DROP CONSTRAINT registry_houses_region_fk",
                "DROP INDEX registry_houses_region",
                "ALTER TABLE registry_buildings DROP CONSTRAINT registry_buildings_region_fk",
                "DROP INDEX registry_buildings_region",
            ],
        ),
    ]
