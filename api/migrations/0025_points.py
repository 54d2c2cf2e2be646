"""Dual-post points (api/domains/points): members, welfare posts and claims, pledges, the
append-only ledger with its balances, frozen periods; and the opening entries that carry the
volunteers' editable service hours into the ledger (SQL written out whole)."""

from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0024_meetings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PeriodSnapshot",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("region_code", fields.CharField(max_length=15)),
                ("period_key", fields.CharField(max_length=6)),
                ("first_day", fields.DateField()),
                ("last_day", fields.DateField()),
                ("rules_version", fields.IntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_snapshots",
                "app": "gridgov",
                "unique_together": (("region_code", "period_key"),),
                "pk_attr": "id",
                "table_description": "A community's assessment of a period, frozen once the period ended (like rankings).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PeriodSnapshotEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "snapshot",
                    fields.ForeignKeyField(
                        "gridgov.PeriodSnapshot",
                        source_field="snapshot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("member_id", fields.UUIDField()),
                ("rank", fields.IntField()),
                ("points", fields.DecimalField(max_digits=12, decimal_places=1)),
                ("hours", fields.DecimalField(max_digits=12, decimal_places=1)),
                ("posts_completed", fields.IntField()),
                ("pledges_kept", fields.IntField()),
                ("meetings_attended", fields.IntField()),
            ],
            options={
                "table": "points_snapshot_entries",
                "app": "gridgov",
                "unique_together": (("snapshot", "member_id"),),
                "pk_attr": "id",
                "table_description": "A member's figures in a frozen period (their name is shown as they consent when read).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsMember",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user_id",
                    fields.UUIDField(null=True, unique=True, description="their account, if any"),
                ),
                ("kind", fields.CharField(max_length=16)),
                ("status", fields.CharField(max_length=16)),
                ("party_member_id", fields.UUIDField(null=True, unique=True)),
                ("volunteer_id", fields.UUIDField(null=True, unique=True)),
                ("name", fields.CharField(max_length=50)),
                (
                    "id_number",
                    fields.CharField(null=True, description="sensitive; masked", max_length=18),
                ),
                (
                    "region_code",
                    fields.CharField(description="the community reported to", max_length=15),
                ),
                (
                    "employer_organisation",
                    fields.CharField(
                        default="", description="the employer's party organisation", max_length=200
                    ),
                ),
                (
                    "consents_to_publish",
                    fields.BooleanField(
                        default=False, description="name shown on the public leaderboard"
                    ),
                ),
                ("confirmed_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "points_members",
                "app": "gridgov",
                "indexes": [Index(fields=["region_code", "status"])],
                "pk_attr": "id",
                "table_description": "A person who earns points in a community: an in-service party member who reported to",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gridgov.PointsMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="entries",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "period_key",
                    fields.CharField(description="the quarter it was booked in", max_length=6),
                ),
                ("points", fields.DecimalField(max_digits=10, decimal_places=1)),
                ("hours", fields.DecimalField(max_digits=10, decimal_places=1)),
                ("source_kind", fields.CharField(max_length=24)),
                ("source_key", fields.CharField(max_length=80)),
                ("rule_version", fields.IntField(null=True)),
                ("reason", fields.TextField(default="", unique=False)),
                ("verifier_id", fields.UUIDField(null=True)),
                ("verifier_label", fields.CharField(default="", max_length=100)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_ledger",
                "app": "gridgov",
                "unique_together": (("source_kind", "source_key"),),
                "indexes": [
                    Index(fields=["member_id", "id"]),
                    Index(fields=["region_code", "period_key"]),
                ],
                "pk_attr": "id",
                "table_description": "One credit or debit of points or service hours; rows are only ever added. A source",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Pledge",
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
                (
                    "member",
                    fields.ForeignKeyField(
                        "gridgov.PointsMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="pledges",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("user_id", fields.UUIDField(null=True)),
                ("region_code", fields.CharField(max_length=15)),
                ("period_key", fields.CharField(max_length=6)),
                ("text", fields.TextField(unique=False)),
                (
                    "keep_until",
                    fields.DatetimeField(
                        description="its period's end", auto_now=False, auto_now_add=False
                    ),
                ),
                ("resident_score", fields.DecimalField(null=True, max_digits=3, decimal_places=2)),
                ("resident_ratings", fields.IntField(default=0)),
                ("branch_score", fields.SmallIntField(null=True)),
                ("rating", fields.DecimalField(null=True, max_digits=3, decimal_places=2)),
                ("kept", fields.BooleanField(null=True)),
                ("rated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "points_pledges",
                "app": "gridgov",
                "unique_together": (("member", "period_key"),),
                "indexes": [Index(fields=["region_code", "period_key"])],
                "pk_attr": "id",
                "table_description": "A member's pledge for a period (承诺), followed up and rated (跟踪问诺, 民主评诺).",
            },
            bases=["ClockColumns"],
        ),
        ops.CreateModel(
            name="PledgeRating",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "pledge",
                    fields.ForeignKeyField(
                        "gridgov.Pledge",
                        source_field="pledge_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ratings",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("rater_id", fields.UUIDField()),
                ("score", fields.SmallIntField()),
                ("comment", fields.CharField(default="", max_length=500)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_pledge_ratings",
                "app": "gridgov",
                "unique_together": (("pledge", "rater_id"),),
                "pk_attr": "id",
                "table_description": "One resident's score of a pledge (民主评诺), once each.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsBalance",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gridgov.PointsMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="balances",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("period_key", fields.CharField(max_length=6)),
                ("points", fields.DecimalField(default=0, max_digits=12, decimal_places=1)),
                ("hours", fields.DecimalField(default=0, max_digits=12, decimal_places=1)),
                ("entries", fields.IntField(default=0)),
            ],
            options={
                "table": "points_balances",
                "app": "gridgov",
                "unique_together": (("member", "period_key"),),
                "pk_attr": "id",
                "table_description": "A member's totals for a period, written in the transaction of each entry.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointsRules",
            fields=[
                (
                    "version",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("pledge_kept_points", fields.DecimalField(max_digits=8, decimal_places=1)),
                ("meeting_points", fields.DecimalField(max_digits=8, decimal_places=1)),
                ("event_reported_points", fields.DecimalField(max_digits=8, decimal_places=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_rules",
                "app": "gridgov",
                "pk_attr": "version",
                "table_description": "What each source is worth, by version; an entry names the version that priced it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WelfarePost",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("region_code", fields.CharField(description="the community", max_length=15)),
                ("title", fields.CharField(max_length=100)),
                ("description", fields.TextField(default="", unique=False)),
                ("place", fields.CharField(default="", max_length=200)),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("slots", fields.IntField()),
                ("claimed", fields.IntField(default=0)),
                ("skills", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("points", fields.DecimalField(max_digits=8, decimal_places=1)),
                ("hours", fields.DecimalField(default=0, max_digits=8, decimal_places=1)),
                ("status", fields.CharField(max_length=16)),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "points_posts",
                "app": "gridgov",
                "indexes": [Index(fields=["region_code", "starts_at"])],
                "pk_attr": "id",
                "table_description": "A public-welfare post (公益岗位) a community publishes for members to claim.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PostClaim",
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
                (
                    "post",
                    fields.ForeignKeyField(
                        "gridgov.WelfarePost",
                        source_field="post_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="claims",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "gridgov.PointsMember",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="claims",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("user_id", fields.UUIDField(null=True)),
                ("region_code", fields.CharField(max_length=15)),
                ("title", fields.CharField(max_length=100)),
                (
                    "do_until",
                    fields.DatetimeField(
                        description="the post's period end", auto_now=False, auto_now_add=False
                    ),
                ),
                ("evidence", fields.TextField(default="", unique=False)),
                (
                    "evidence_files",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("lat", fields.FloatField(null=True)),
                ("lng", fields.FloatField(null=True)),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remark", fields.TextField(default="", unique=False)),
                ("verified_by_id", fields.UUIDField(null=True)),
                (
                    "verified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "points_claims",
                "app": "gridgov",
                "unique_together": (("post", "member"),),
                "indexes": [Index(fields=["region_code", "status"])],
                "pk_attr": "id",
                "table_description": "A member's claim of a post, on the flow kernel: claimed, done, verified or returned.",
            },
            bases=["ClockColumns"],
        ),
        ops.RunSQL(
            [
                "INSERT INTO points_rules (version, pledge_kept_points, meeting_points,"
                " event_reported_points, created_at) VALUES (1, 10, 2, 1, now())",
                # every volunteer with hours becomes a member (an account links later by ID
                # number) with an opening entry of those hours, booked in the current quarter
                "INSERT INTO points_members (id, user_id, kind, status, party_member_id,"
                " volunteer_id, name, id_number, region_code, employer_organisation,"
                " consents_to_publish, created_at, updated_at)"
                " SELECT gen_random_uuid(), NULL, 'volunteer', 'linked', NULL, v.id, p.name,"
                " p.id_number, left(v.region_code, 12), '', false, now(), now()"
                " FROM registry_volunteers v JOIN registry_people p ON p.id = v.person_id"
                " WHERE v.service_hours > 0",
                "INSERT INTO points_ledger (member_id, region_code, period_key, points, hours,"
                " source_kind, source_key, rule_version, reason, verifier_id, verifier_label, at)"
                " SELECT m.id, m.region_code,"
                " to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY\"Q\"Q'), 0, v.service_hours,"
                " 'opening', v.id::text, NULL, 'service hours recorded before the ledger', NULL,"
                " 'migration', now()"
                " FROM points_members m JOIN registry_volunteers v ON v.id = m.volunteer_id",
                "INSERT INTO points_balances (member_id, period_key, points, hours, entries)"
                " SELECT member_id, period_key, points, hours, 1 FROM points_ledger"
                " WHERE source_kind = 'opening'",
                # the sweep reads only running clocks; areas read by subtree
                *(
                    f"CREATE INDEX {table}_running_{column} ON {table} ({column})"
                    " WHERE stage IS NOT NULL"
                    for table in ("points_claims", "points_pledges")
                    for column in ("remind_at", "due_at", "red_at")
                ),
                *(
                    f"CREATE INDEX {table}_region ON {table} (region_code varchar_pattern_ops)"
                    for table in (
                        "points_members",
                        "points_posts",
                        "points_claims",
                        "points_pledges",
                    )
                ),
            ],
            reverse_sql=[
                *(
                    f"DROP INDEX {table}_running_{column}"
                    for table in ("points_claims", "points_pledges")
                    for column in ("remind_at", "due_at", "red_at")
                ),
                *(
                    f"DROP INDEX {table}_region"
                    for table in (
                        "points_members",
                        "points_posts",
                        "points_claims",
                        "points_pledges",
                    )
                ),
                "DELETE FROM points_balances",
                "DELETE FROM points_ledger",
                "DELETE FROM points_members",
                "DELETE FROM points_rules",
            ],
        ),
    ]
