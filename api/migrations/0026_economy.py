"""Economic operations (api/domains/economy): project categories, projects, milestones and
monthly progress reports, indicators and their values signed off level by level; and programme
enrolments in the registry (registry_enrolments). Enums are written out here, as a migration
applies the same SQL forever."""

from enum import StrEnum
from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Programme(StrEnum):
    MINIMUM_LIVING = "minimum_living"
    SPECIAL_HARDSHIP = "special_hardship"
    TEMPORARY_RELIEF = "temporary_relief"
    VETERAN_CARE = "veteran_care"
    FAMILY_PLANNING_SUPPORT = "family_planning_support"
    UNEMPLOYMENT = "unemployment"
    PENSION_INSURANCE = "pension_insurance"
    MEDICAL_INSURANCE = "medical_insurance"


class RecordStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


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


class ImportKind(StrEnum):
    REGIONS = "regions"
    USERS = "users"
    RESIDENTS = "residents"
    HOUSEHOLDS = "households"
    HOUSES = "houses"
    BUILDINGS = "buildings"
    ORGANISATIONS = "organisations"
    SPECIAL_GROUPS = "special_groups"
    PARTY_MEMBERS = "party_members"
    VOLUNTEERS = "volunteers"
    ENROLMENTS = "enrolments"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0025_points")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Enrolment",
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
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="enrolments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "household",
                    fields.ForeignKeyField(
                        "gridgov.Household",
                        source_field="household_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="enrolments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "programme",
                    fields.CharEnumField(
                        description="MINIMUM_LIVING: minimum_living\nSPECIAL_HARDSHIP: special_hardship\nTEMPORARY_RELIEF: temporary_relief\nVETERAN_CARE: veteran_care\nFAMILY_PLANNING_SUPPORT: family_planning_support\nUNEMPLOYMENT: unemployment\nPENSION_INSURANCE: pension_insurance\nMEDICAL_INSURANCE: medical_insurance",
                        enum_type=Programme,
                        max_length=32,
                    ),
                ),
                (
                    "region_code",
                    fields.CharField(description="the beneficiary's grid", max_length=15),
                ),
                ("starts_on", fields.DateField()),
                (
                    "ends_on",
                    fields.DateField(null=True, description="the last day granted (inclusive)"),
                ),
                (
                    "benefit_amount",
                    fields.DecimalField(
                        null=True, description="per month", max_digits=12, decimal_places=2
                    ),
                ),
                ("currency", fields.CharField(default="CNY", description="ISO 4217", max_length=3)),
                (
                    "granting_department_id",
                    fields.UUIDField(null=True, description="民政, 人社, 退役军人事务 …"),
                ),
                ("note", fields.TextField(null=True, unique=False)),
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
                "table": "registry_enrolments",
                "app": "gridgov",
                "indexes": [Index(fields=["region_code", "programme", "status"])],
                "pk_attr": "id",
                "table_description": "A person's or household's enrolment in a welfare or social-security programme (低保,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Indicator",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=40)),
                ("name", fields.CharField(max_length=100)),
                ("unit", fields.CharField(description="万元, %, 户 …", max_length=20)),
                (
                    "currency",
                    fields.CharField(null=True, description="for money indicators", max_length=3),
                ),
                ("aggregation", fields.CharField(max_length=8)),
                (
                    "reporting_level",
                    fields.CharField(description="the level that reports it", max_length=16),
                ),
                (
                    "due_day",
                    fields.SmallIntField(description="day of the following month the value is due"),
                ),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "economy_indicators",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An indicator definition (指标), as data: what is reported, by which level, how often,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IndicatorValue",
            fields=[
                ("status", fields.CharField(max_length=16)),
                ("version", fields.IntField(default=1)),
                (
                    "flow_version",
                    fields.SmallIntField(
                        default=1, description="the flow definition it started with"
                    ),
                ),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("indicator_id", fields.IntField()),
                ("indicator_code", fields.CharField(max_length=40)),
                (
                    "region_code",
                    fields.CharField(description="the reporting region", max_length=15),
                ),
                ("period", fields.DateField(description="the first day of the month")),
                ("value", fields.DecimalField(null=True, max_digits=20, decimal_places=4)),
                (
                    "report_by",
                    fields.DatetimeField(
                        description="the reporting deadline", auto_now=False, auto_now_add=False
                    ),
                ),
                ("note", fields.TextField(default="", unique=False)),
                ("submitted_by_id", fields.UUIDField(null=True)),
                (
                    "submitted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("submitted_late", fields.BooleanField(default=False)),
                ("signed_off_by_id", fields.UUIDField(null=True, description="who accepted it")),
                (
                    "signed_off_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("locked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "history",
                    fields.JSONField(
                        default=list,
                        description="values submitted before, oldest first",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "economy_indicator_values",
                "app": "gridgov",
                "unique_together": (("indicator_id", "region_code", "period"),),
                "indexes": [Index(fields=["indicator_id", "period", "status"])],
                "pk_attr": "id",
                "table_description": "One region's value of an indicator for one month, on its way to sign-off.",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="Milestone",
            fields=[
                ("status", fields.CharField(max_length=16)),
                ("version", fields.IntField(default=1)),
                (
                    "flow_version",
                    fields.SmallIntField(
                        default=1, description="the flow definition it started with"
                    ),
                ),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("project_id", fields.UUIDField(db_index=True)),
                ("region_code", fields.CharField(description="the project's", max_length=15)),
                ("category_code", fields.CharField(description="the project's", max_length=32)),
                ("title", fields.CharField(max_length=100)),
                (
                    "due_on",
                    fields.DateField(description="the China-time day it is due (inclusive)"),
                ),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("done_late", fields.BooleanField(default=False)),
                ("note", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "economy_milestones",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A milestone of a project with its due date; late ones are carded by the shared sweep.",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="ProgressReport",
            fields=[
                ("status", fields.CharField(max_length=16)),
                ("version", fields.IntField(default=1)),
                (
                    "flow_version",
                    fields.SmallIntField(
                        default=1, description="the flow definition it started with"
                    ),
                ),
                ("stage", fields.CharField(null=True, max_length=16)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "card",
                    fields.CharField(default="none", description="worst so far", max_length=8),
                ),
                ("warning_level", fields.SmallIntField(default=0)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("project_id", fields.UUIDField()),
                ("region_code", fields.CharField(description="the project's", max_length=15)),
                ("category_code", fields.CharField(description="the project's", max_length=32)),
                ("month", fields.DateField(description="the first day of the month it reports")),
                ("currency", fields.CharField(max_length=3)),
                ("investment_to_date", fields.DecimalField(max_digits=18, decimal_places=2)),
                ("progress_percent", fields.DecimalField(max_digits=5, decimal_places=2)),
                (
                    "problems",
                    fields.TextField(
                        default="", description="what needs coordinating (需协调问题)", unique=False
                    ),
                ),
                ("submitted_by_id", fields.UUIDField(null=True)),
                ("reviewed_by_id", fields.UUIDField(null=True)),
                (
                    "remark",
                    fields.TextField(
                        default="", description="the reviewer's latest remark", unique=False
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "economy_progress_reports",
                "app": "gridgov",
                "unique_together": (("project_id", "month"),),
                "pk_attr": "id",
                "table_description": "A month's progress of a project (项目月报): investment to date, progress, problems",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="Project",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=100)),
                ("category_code", fields.CharField(max_length=32)),
                (
                    "region_code",
                    fields.CharField(description="the region answering for it", max_length=15),
                ),
                (
                    "department_id",
                    fields.UUIDField(null=True, description="the responsible department"),
                ),
                (
                    "investor_organisation_id",
                    fields.UUIDField(null=True, description="a registry organisation"),
                ),
                ("investor_name", fields.CharField(default="", max_length=100)),
                ("currency", fields.CharField(default="CNY", description="ISO 4217", max_length=3)),
                ("planned_investment", fields.DecimalField(max_digits=18, decimal_places=2)),
                (
                    "actual_investment",
                    fields.DecimalField(
                        default=0,
                        description="to date, as accepted",
                        max_digits=18,
                        decimal_places=2,
                    ),
                ),
                ("starts_on", fields.DateField()),
                ("ends_on", fields.DateField()),
                ("status", fields.CharField(max_length=20)),
                ("location", fields.CharField(default="", max_length=200)),
                ("lat", fields.FloatField(null=True, description="WGS-84")),
                ("lng", fields.FloatField(null=True, description="WGS-84")),
                ("created_by_id", fields.UUIDField(null=True)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "economy_projects",
                "app": "gridgov",
                "indexes": [Index(fields=["region_code", "category_code"])],
                "pk_attr": "id",
                "table_description": "A project (项目建设) of a region, under a responsible department.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProjectCategory",
            fields=[
                (
                    "code",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("name", fields.CharField(max_length=50)),
                (
                    "position",
                    fields.SmallIntField(default=0, description="order in lists and charts"),
                ),
            ],
            options={
                "table": "economy_project_categories",
                "app": "gridgov",
                "pk_attr": "code",
                "table_description": "A kind of project (招商引资, 产业项目, 城中村改造, 三区建设 …), kept as data.",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="RegistryChange",
            name="record_kind",
            field=fields.CharEnumField(
                description="PERSON: person\nHOUSEHOLD: household\nHOUSE: house\nBUILDING: building\nORGANISATION: organisation\nSPECIAL_GROUP: special_group\nPARTY_ORGANISATION: party_organisation\nPARTY_MEMBER: party_member\nVOLUNTEER: volunteer\nENROLMENT: enrolment",
                enum_type=RecordKind,
                max_length=24,
            ),
        ),
        ops.CreateModel(
            name="ProjectAttachment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("project_id", fields.UUIDField(db_index=True)),
                ("sha256", fields.CharField(max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.BigIntField()),
                ("filename", fields.CharField(max_length=200)),
                ("uploaded_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "economy_project_attachments",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A file of a project (approvals, drawings, site photos), stored once by its SHA-256",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="ImportJob",
            name="kind",
            field=fields.CharEnumField(
                description="REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations\nSPECIAL_GROUPS: special_groups\nPARTY_MEMBERS: party_members\nVOLUNTEERS: volunteers\nENROLMENTS: enrolments",
                enum_type=ImportKind,
                max_length=16,
            ),
        ),
        ops.RunSQL(
            [
                # subtree scoping and per-region counts read the region-prefix index alone
                "CREATE INDEX registry_enrolments_region ON registry_enrolments"
                " (region_code varchar_pattern_ops, programme, status)",
                "CREATE INDEX registry_enrolments_person ON registry_enrolments (person_id)",
                # the import's upsert key: a person's active enrolment in a programme from a day
                "CREATE UNIQUE INDEX registry_enrolments_once ON registry_enrolments"
                " (person_id, programme, starts_on) WHERE status = 'active'",
                "CREATE INDEX economy_projects_region ON economy_projects"
                " (region_code varchar_pattern_ops, starts_on)",
                "CREATE INDEX economy_indicator_values_region ON economy_indicator_values"
                " (indicator_id, region_code varchar_pattern_ops, period)",
                # what the deadline sweep claims: open records with a clock running
                "CREATE INDEX economy_milestones_due ON economy_milestones (remind_at)"
                " WHERE status = 'pending'",
                "CREATE INDEX economy_progress_reports_due ON economy_progress_reports (remind_at)"
                " WHERE status = 'submitted'",
                "CREATE INDEX economy_indicator_values_due ON economy_indicator_values (remind_at)"
                " WHERE status IN ('open', 'submitted')",
            ],
            reverse_sql=[
                "DROP INDEX economy_indicator_values_due",
                "DROP INDEX economy_progress_reports_due",
                "DROP INDEX economy_milestones_due",
                "DROP INDEX economy_indicator_values_region",
                "DROP INDEX economy_projects_region",
                "DROP INDEX registry_enrolments_once",
                "DROP INDEX registry_enrolments_person",
                "DROP INDEX registry_enrolments_region",
            ],
        ),
    ]
