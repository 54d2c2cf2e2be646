"""Work diaries (民情日记), household assignments and visits (分片包户, 走访), patrols (巡查) and
dispute investigation rounds (排查) that report upwards; diaries and rounds run on the flow
kernel, whose shared timeline and cards tables (`flow_timeline`, `flow_cards`) hold their steps."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.flows.models import ClockColumns


class Diary(ClockColumns):
    """One diary entry of a grid worker (民情日记), reviewed by the levels above."""

    id = fields.UUIDField(primary_key=True)
    author_id = fields.UUIDField()
    author_label = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15, description="the author's grid")
    day = fields.DateField(description="the China-time day it is about")
    kind = fields.CharField(max_length=16)
    text = fields.TextField()
    problems: fields.JSONField[Any] = fields.JSONField(default=dict, description="type → count")
    household_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    lat = fields.FloatField(null=True, description="the author's nearest reported position")
    lng = fields.FloatField(null=True)
    position_at = fields.DatetimeField(null=True)
    remark = fields.TextField(default="", description="the reviewer's latest remark (点评)")
    reviewed_by_id = fields.UUIDField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "diaries"
        indexes = (("author_id", "day"), ("region_code", "status"))


class DiaryAttachment(Model):
    """A photo (or other file) of a diary, stored once by its SHA-256 beside events' files."""

    id = fields.UUIDField(primary_key=True)
    diary_id = fields.UUIDField(db_index=True)
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    uploaded_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "diary_attachments"


class DiaryEvent(Model):
    """A problem of a diary that became an event: the link both ways."""

    id = fields.BigIntField(primary_key=True)
    diary_id = fields.UUIDField(db_index=True)
    event_id = fields.UUIDField(unique=True)
    problem_type = fields.CharField(max_length=20)
    created_at = fields.DatetimeField()

    class Meta:
        table = "diary_events"


class DiaryQuota(Model):
    """One version of a quota (考核要求): the minimum diaries, visits and visiting minutes per
    period for a role in a region's subtree; the newest version of (role, region, period) is in
    force, older ones stay for the shortfalls assessed by them."""

    id = fields.IntField(primary_key=True)
    role = fields.CharField(max_length=32)
    region_code = fields.CharField(max_length=15)
    period = fields.CharField(max_length=8)
    version = fields.IntField()
    min_diaries = fields.IntField()
    min_visits = fields.IntField()
    min_visit_minutes = fields.IntField()
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "diary_quotas"
        unique_together = (("role", "region_code", "period", "version"),)


class QuotaShortfall(Model):
    """A person's assessed period under a quota version: what was done, what was wanted, and how
    many of the three minimums were missed (the `quota_shortfall` fact the points rules price)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15)
    period = fields.CharField(max_length=8)
    period_start = fields.DateField()
    period_end = fields.DateField(description="the last day, inclusive")
    quota: fields.ForeignKeyRelation[DiaryQuota] = fields.ForeignKeyField(
        "gridgov.DiaryQuota", related_name="shortfalls", on_delete=fields.RESTRICT
    )
    diaries = fields.IntField()
    visits = fields.IntField()
    visit_minutes = fields.IntField()
    missed = fields.SmallIntField(description="minimums missed: 0 to 3")
    assessed_at = fields.DatetimeField()

    quota_id: int

    class Meta:
        table = "diary_quota_assessments"
        unique_together = (("user_id", "period", "period_start"),)


class HouseholdAssignment(Model):
    """A household assigned to a cadre or grid worker to look after (分片包户)."""

    id = fields.BigIntField(primary_key=True)
    household_id = fields.UUIDField()
    user_id = fields.UUIDField(db_index=True)
    region_code = fields.CharField(max_length=15, description="the household's region")
    assigned_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "household_assignments"
        unique_together = (("household_id", "user_id"),)


class HouseholdVisit(Model):
    """A visit to a household (走访): who, when, why, what was found, whether to follow up."""

    id = fields.UUIDField(primary_key=True)
    household_id = fields.UUIDField()
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the household's region")
    visited_at = fields.DatetimeField()
    minutes = fields.IntField()
    purpose = fields.CharField(max_length=200)
    notes = fields.TextField(default="")
    follow_up_needed = fields.BooleanField(default=False)
    patrol_id = fields.UUIDField(null=True)
    care_record_id = fields.UUIDField(
        null=True, description="the care-group record (关爱对象) the visit was paid to"
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "household_visits"
        indexes = (
            ("household_id", "visited_at"),
            ("user_id", "visited_at"),
            ("care_record_id", "visited_at"),
        )


class Patrol(Model):
    """A grid worker's patrol (巡查). While it runs its track is the worker's reported positions;
    when it ends they are packed into `track` (api/domains/diaries/tracks.py), which outlives
    the positions' retention and reads in one row."""

    id = fields.UUIDField(primary_key=True)
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the worker's grid")
    status = fields.CharField(max_length=8)
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    distance_m = fields.FloatField(default=0)
    point_count = fields.IntField(default=0)
    flagged_points = fields.IntField(default=0, description="points far outside the grid (kept)")
    track = fields.BinaryField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "patrols"
        indexes = (("user_id", "started_at"),)


class InvestigationRound(ClockColumns):
    """One scheduled dispute investigation round of a community or township, filled in and
    submitted upwards (排查上报)."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharField(max_length=12)
    period_key = fields.CharField(
        max_length=40, description="community:2026-W49, township:2026-12-上"
    )
    period_start = fields.DateField()
    period_end = fields.DateField(description="the last day, inclusive")
    region_code = fields.CharField(max_length=15)
    title = fields.CharField(max_length=100)
    disputes_found = fields.IntField(default=0)
    resolved_on_the_spot = fields.IntField(default=0)
    escalated_as_events = fields.IntField(default=0)
    hidden_dangers = fields.IntField(default=0)
    notes = fields.TextField(default="")
    submitted_by_id = fields.UUIDField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    submitted_late = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "investigation_rounds"
        unique_together = (("region_code", "period_key"),)
        indexes = (("kind", "period_start"),)
