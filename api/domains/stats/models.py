"""Rollups, points rules, exemptions and frozen rankings of assessment (考核)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.hierarchy.enums import UrbanRural
from api.domains.stats.enums import PeriodKind, SubjectKind


class EventDailyCount(Model):
    """Events per region node, China-time day of report and one breakdown value (统计汇总).

    Kept by a trigger on `events` (migration 0011) for nodes at city, district and township
    level; `dimension` is total (value ''), category, status or source. Counts describe each
    event's current state, so a status change moves one event between status rows."""

    id = fields.BigIntField(primary_key=True)
    region_code = fields.CharField(max_length=9)
    dimension = fields.CharField(max_length=8)
    value = fields.CharField(max_length=40)
    day = fields.DateField()
    count = fields.IntField(default=0)
    open_count = fields.IntField(default=0)
    closed_count = fields.IntField(default=0)
    yellow_count = fields.IntField(default=0)
    red_count = fields.IntField(default=0)

    class Meta:
        table = "event_daily_counts"
        unique_together = (("region_code", "dimension", "day", "value"),)


class ScoringRules(Model):
    """One version of the points rules (扣分/加分规则); the newest is in force, older ones stay
    for the frozen rankings that used them."""

    version = fields.IntField(primary_key=True)
    points: fields.JSONField[Any] = fields.JSONField(description="fact → points per occurrence")
    minimum_cases = fields.IntField(description="fewer cases: listed, not ranked")
    note = fields.CharField(max_length=200, default="")
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "stats_scoring_rules"


class Exemption(Model):
    """An appeal granted (申诉免责): a card of an event, or all its overdue facts, no longer
    count in rankings. The cards themselves stay as given."""

    id = fields.UUIDField(primary_key=True)
    event_id = fields.UUIDField(db_index=True)
    card_id = fields.BigIntField(null=True, description="null: every card of the event")
    region_code = fields.CharField(max_length=15, description="where the event happened")
    reason = fields.TextField()
    granted_by_id = fields.UUIDField(null=True)
    granted_by_label = fields.CharField(max_length=100)
    granted_at = fields.DatetimeField()

    class Meta:
        table = "stats_exemptions"


class RankingSnapshot(Model):
    """A ranking frozen at the end of its period with the rules and formulas it was made by."""

    id = fields.UUIDField(primary_key=True)
    scope_code = fields.CharField(max_length=15)
    subject_kind = fields.CharEnumField(SubjectKind, max_length=12)
    period_kind = fields.CharEnumField(PeriodKind, max_length=8)
    period_start = fields.DateField()
    period_end = fields.DateField(description="the last day, inclusive")
    formula_version = fields.CharField(max_length=20)
    rules_version = fields.IntField()
    rules: fields.JSONField[Any] = fields.JSONField(description="points and minimum_cases used")
    grade_bands: fields.JSONField[Any] = fields.JSONField(
        null=True, description="the grade bands in force when frozen (version, metric, bands)"
    )
    created_at = fields.DatetimeField()
    # 考核排队信息公开: shown to the public while published; a withdrawal keeps when it was
    published_at = fields.DatetimeField(null=True)
    published_by_id = fields.UUIDField(null=True)
    withdrawn_at = fields.DatetimeField(null=True)
    withdrawal_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "stats_ranking_snapshots"
        unique_together = (("scope_code", "subject_kind", "period_kind", "period_start"),)


class RankingSnapshotEntry(Model):
    id = fields.BigIntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[RankingSnapshot] = fields.ForeignKeyField(
        "gridgov.RankingSnapshot", related_name="entries", on_delete=fields.CASCADE
    )
    subject_key = fields.CharField(max_length=40)
    subject_label = fields.CharField(max_length=100)
    figures: fields.JSONField[Any] = fields.JSONField()

    snapshot_id: str

    class Meta:
        table = "stats_ranking_snapshot_entries"
        unique_together = (("snapshot", "subject_key"),)


class GridNormBand(Model):
    """The households a grid should hold by its community's type (原则上社区每200-500户、农村每
    100-300户): grids outside the band are reported (`grid_norms`)."""

    id = fields.IntField(primary_key=True)
    urban_rural = fields.CharEnumField(UrbanRural, max_length=8, unique=True)
    min_households = fields.IntField()
    max_households = fields.IntField()

    class Meta:
        table = "grid_norm_bands"


class StaffingNorm(Model):
    """Households per staff member a region's grids should not exceed (每100户居民配备1名工作人员);
    the nearest region's row holds below it, the city's default where none."""

    id = fields.IntField(primary_key=True)
    region_code = fields.CharField(max_length=15, unique=True)
    households_per_staff = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "staffing_norms"


class GradeBands(Model):
    """One version of the grade bands (评价等级) of a kind of subject: the score is the value of
    `metric`, and each band is a lower bound and its grade name (优/良/中/差 or the unit's own).
    The newest version whose `effective_from` has come is in force; frozen rankings keep theirs."""

    version = fields.IntField(primary_key=True)
    subject_kind = fields.CharEnumField(SubjectKind, max_length=12)
    metric = fields.CharField(max_length=30, description="the Metric whose value is graded")
    bands: fields.JSONField[Any] = fields.JSONField(
        description="[[lower bound, grade], …], highest bound first"
    )
    effective_from = fields.DateField()
    note = fields.CharField(max_length=200, default="")
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "stats_grade_bands"
        indexes = (("subject_kind", "effective_from"),)
