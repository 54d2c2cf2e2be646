from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# Breakdown rows one event contributes, signed: the trigger adds NEW and subtracts OLD, and the
# rebuild sums every event. Nodes at city, district and township level; finer scopes read events.
_CONTRIBUTION = """
SELECT n.region_code, dim.dimension, dim.value,
       ((e).reported_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       sign AS count,
       sign * ((e).status NOT IN ('rejected', 'closed', 'evaluated'))::int AS open_count,
       sign * ((e).status IN ('closed', 'evaluated'))::int AS closed_count,
       sign * ((e).card = 'yellow')::int AS yellow_count,
       sign * ((e).card = 'red')::int AS red_count
  FROM {source}
 CROSS JOIN LATERAL (VALUES ((e).city_code), ((e).district_code), ((e).township_code))
       AS n (region_code)
 CROSS JOIN LATERAL (VALUES ('total', ''), ('category', (e).category_key),
                            ('status', (e).status), ('source', (e).source))
       AS dim (dimension, value)
 WHERE n.region_code IS NOT NULL
"""
_SUMMED = """
SELECT region_code, dimension, value, day, sum(count), sum(open_count), sum(closed_count),
       sum(yellow_count), sum(red_count)
  FROM ({contribution}) AS contributions
 GROUP BY region_code, dimension, day, value
"""
_CHANGED = (
    "(SELECT -1 AS sign, OLD AS e WHERE TG_OP <> 'INSERT'"
    " UNION ALL SELECT 1, NEW WHERE TG_OP <> 'DELETE') AS changed"
)
# PostgreSQL allows no transition tables on an UPDATE OF (columns) trigger, so updates (one event
# per workflow step) stay row by row.
_STATEMENT_ROWS = (
    "(SELECT CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END AS sign, r AS e"
    " FROM changed_rows AS r) AS changed"
)
_EVERY_EVENT = "(SELECT 1 AS sign, ev AS e FROM events AS ev) AS every_event"
_COLUMNS = (
    "region_code, dimension, value, day, count, open_count, closed_count, yellow_count, red_count"
)
# Adds the signed contributions of some events to the rollup, in key order: concurrent
# transitions lock rollup rows in one global order (no deadlock).
_UPSERT = """
  INSERT INTO event_daily_counts AS c ({columns})
  {summed}
  HAVING sum(count) <> 0 OR sum(open_count) <> 0 OR sum(closed_count) <> 0
      OR sum(yellow_count) <> 0 OR sum(red_count) <> 0
  ORDER BY region_code, dimension, day, value
  ON CONFLICT (region_code, dimension, day, value) DO UPDATE SET
    count = c.count + EXCLUDED.count,
    open_count = c.open_count + EXCLUDED.open_count,
    closed_count = c.closed_count + EXCLUDED.closed_count,
    yellow_count = c.yellow_count + EXCLUDED.yellow_count,
    red_count = c.red_count + EXCLUDED.red_count;
"""


def _upsert(source: str) -> str:
    return _UPSERT.format(
        columns=_COLUMNS, summed=_SUMMED.format(contribution=_CONTRIBUTION.format(source=source))
    )


ROLL_UP_SQL = [
    f"""
CREATE FUNCTION events_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_upsert(_CHANGED)}  RETURN NULL;
END $$
""",
    # Inserts and deletes once per statement over its transition table: a bulk load of 100k
    # events is one aggregated upsert, not 100k of them.
    f"""
CREATE FUNCTION events_roll_up_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_upsert(_STATEMENT_ROWS)}  RETURN NULL;
END $$
""",
    "CREATE TRIGGER events_roll_up_insert AFTER INSERT ON events"
    " REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION events_roll_up_statement()",
    "CREATE TRIGGER events_roll_up_delete AFTER DELETE ON events"
    " REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION events_roll_up_statement()",
    # Only when a column the rollup reads changes: the common saves (notes, deadlines) cost nothing.
    "CREATE TRIGGER events_roll_up_change AFTER UPDATE OF status, card, category_key, source,"
    " reported_at, region_code ON events FOR EACH ROW WHEN ("
    "OLD.status IS DISTINCT FROM NEW.status OR OLD.card IS DISTINCT FROM NEW.card"
    " OR OLD.category_key IS DISTINCT FROM NEW.category_key"
    " OR OLD.source IS DISTINCT FROM NEW.source OR OLD.reported_at IS DISTINCT FROM NEW.reported_at"
    " OR OLD.region_code IS DISTINCT FROM NEW.region_code) EXECUTE FUNCTION events_roll_up()",
    # After a bulk load with triggers off (benchmarks, imports): recount everything.
    f"""
CREATE FUNCTION event_daily_counts_rebuild() RETURNS void LANGUAGE sql AS $$
  TRUNCATE event_daily_counts;
  INSERT INTO event_daily_counts ({_COLUMNS})
  {_SUMMED.format(contribution=_CONTRIBUTION.format(source=_EVERY_EVENT))}
  ORDER BY region_code, dimension, day, value;
$$
""",
    "SELECT event_daily_counts_rebuild()",
    # A chart reads one node's rows of one breakdown over a run of days: index-only.
    "CREATE INDEX event_daily_counts_cover ON event_daily_counts (region_code, dimension, day)"
    " INCLUDE (value, count, open_count, closed_count, yellow_count, red_count)",
    # The dashboard: open events of a subtree by status, level and deadline, index-only.
    "CREATE INDEX events_open_by_path ON events (city_code, district_code, township_code,"
    " status, handling_level, due_at) WHERE status NOT IN ('rejected', 'closed', 'evaluated')",
    "CREATE INDEX events_closed_at ON events (closed_at) WHERE closed_at IS NOT NULL",
    "CREATE UNIQUE INDEX stats_exemptions_once ON stats_exemptions (event_id, card_id)"
    " NULLS NOT DISTINCT",
    "CREATE INDEX stats_exemptions_region ON stats_exemptions (region_code varchar_pattern_ops)",
]


# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class SubjectKind(StrEnum):
    DEPARTMENT = "department"
    WORKER = "worker"
    REGION = "region"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0010_registry")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EventDailyCount",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("region_code", fields.CharField(max_length=9)),
                ("dimension", fields.CharField(max_length=8)),
                ("value", fields.CharField(max_length=40)),
                ("day", fields.DateField()),
                ("count", fields.IntField(default=0)),
                ("open_count", fields.IntField(default=0)),
                ("closed_count", fields.IntField(default=0)),
                ("yellow_count", fields.IntField(default=0)),
                ("red_count", fields.IntField(default=0)),
            ],
            options={
                "table": "event_daily_counts",
                "app": "gridgov",
                "unique_together": (("region_code", "dimension", "day", "value"),),
                "pk_attr": "id",
                "table_description": "Events per region node, China-time day of report and one breakdown value (统计汇总).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Exemption",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("event_id", fields.UUIDField(db_index=True)),
                (
                    "card_id",
                    fields.BigIntField(null=True, description="null: every card of the event"),
                ),
                (
                    "region_code",
                    fields.CharField(description="where the event happened", max_length=15),
                ),
                ("reason", fields.TextField(unique=False)),
                ("granted_by_id", fields.UUIDField(null=True)),
                ("granted_by_label", fields.CharField(max_length=100)),
                ("granted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stats_exemptions",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "An appeal granted (申诉免责): a card of an event, or all its overdue facts, no longer",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RankingSnapshot",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("scope_code", fields.CharField(max_length=15)),
                (
                    "subject_kind",
                    fields.CharEnumField(
                        description="DEPARTMENT: department\nWORKER: worker\nREGION: region",
                        enum_type=SubjectKind,
                        max_length=12,
                    ),
                ),
                (
                    "period_kind",
                    fields.CharEnumField(
                        description="DAY: day\nWEEK: week\nMONTH: month",
                        enum_type=PeriodKind,
                        max_length=8,
                    ),
                ),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField(description="the last day, inclusive")),
                ("formula_version", fields.CharField(max_length=20)),
                ("rules_version", fields.IntField()),
                (
                    "rules",
                    fields.JSONField(
                        description="points and minimum_cases used",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stats_ranking_snapshots",
                "app": "gridgov",
                "unique_together": (("scope_code", "subject_kind", "period_kind", "period_start"),),
                "pk_attr": "id",
                "table_description": "A ranking frozen at the end of its period with the rules and formulas it was made by.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RankingSnapshotEntry",
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
                        "gridgov.RankingSnapshot",
                        source_field="snapshot_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("subject_key", fields.CharField(max_length=40)),
                ("subject_label", fields.CharField(max_length=100)),
                ("figures", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "stats_ranking_snapshot_entries",
                "app": "gridgov",
                "unique_together": (("snapshot", "subject_key"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ScoringRules",
            fields=[
                (
                    "version",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "points",
                    fields.JSONField(
                        description="fact → points per occurrence",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("minimum_cases", fields.IntField(description="fewer cases: listed, not ranked")),
                ("note", fields.CharField(default="", max_length=200)),
                ("created_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "stats_scoring_rules",
                "app": "gridgov",
                "pk_attr": "version",
                "table_description": "One version of the points rules (扣分/加分规则); the newest is in force, older ones stay",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            ROLL_UP_SQL,
            reverse_sql=[
                "DROP INDEX events_closed_at",
                "DROP INDEX events_open_by_path",
                "DROP INDEX event_daily_counts_cover",
                "DROP TRIGGER events_roll_up_change ON events",
                "DROP TRIGGER events_roll_up_delete ON events",
                "DROP TRIGGER events_roll_up_insert ON events",
                "DROP FUNCTION event_daily_counts_rebuild()",
                "DROP FUNCTION events_roll_up_statement()",
                "DROP FUNCTION events_roll_up()",
            ],
        ),
    ]
