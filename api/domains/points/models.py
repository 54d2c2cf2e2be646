"""Dual-post points (双岗双争): members who report to their community, public-welfare posts and
their claims, pledges, the append-only points ledger with its balances, and frozen periods."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.diaries.models import ClockColumns


class PointsMember(Model):
    """A person who earns points in a community: an in-service party member who reported to
    the community where they live (双报到), or a volunteer."""

    id = fields.UUIDField(primary_key=True)
    user_id = fields.UUIDField(null=True, unique=True, description="their account, if any")
    kind = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16)
    party_member_id = fields.UUIDField(null=True, unique=True)
    volunteer_id = fields.UUIDField(null=True, unique=True)
    name = fields.CharField(max_length=50)
    id_number = fields.CharField(max_length=18, null=True, description="sensitive; masked")
    region_code = fields.CharField(max_length=15, description="the community reported to")
    employer_organisation = fields.CharField(
        max_length=200, default="", description="the employer's party organisation"
    )
    consents_to_publish = fields.BooleanField(
        default=False, description="name shown on the public leaderboard"
    )
    confirmed_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "points_members"
        indexes = (("region_code", "status"),)


class WelfarePost(Model):
    """A public-welfare post (公益岗位) a community publishes for members to claim."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the community")
    title = fields.CharField(max_length=100)
    description = fields.TextField(default="")
    place = fields.CharField(max_length=200, default="")
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    slots = fields.IntField()
    claimed = fields.IntField(default=0)
    skills: fields.JSONField[Any] = fields.JSONField(default=list)
    points = fields.DecimalField(max_digits=8, decimal_places=1)
    hours = fields.DecimalField(max_digits=8, decimal_places=1, default=0)
    status = fields.CharField(max_length=16)
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_posts"
        indexes = (("region_code", "starts_at"),)


class PostClaim(ClockColumns):
    """A member's claim of a post, on the flow kernel: claimed, done, verified or returned."""

    id = fields.UUIDField(primary_key=True)
    post: fields.ForeignKeyRelation[WelfarePost] = fields.ForeignKeyField(
        "gridgov.WelfarePost", related_name="claims", on_delete=fields.RESTRICT
    )
    member: fields.ForeignKeyRelation[PointsMember] = fields.ForeignKeyField(
        "gridgov.PointsMember", related_name="claims", on_delete=fields.RESTRICT
    )
    user_id = fields.UUIDField(null=True)
    region_code = fields.CharField(max_length=15)
    title = fields.CharField(max_length=100)
    do_until = fields.DatetimeField(description="the post's period end")
    evidence = fields.TextField(default="")
    evidence_files: fields.JSONField[Any] = fields.JSONField(default=list)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    done_at = fields.DatetimeField(null=True)
    remark = fields.TextField(default="")
    verified_by_id = fields.UUIDField(null=True)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    post_id: Any
    member_id: Any

    class Meta:
        table = "points_claims"
        unique_together = (("post", "member"),)
        indexes = (("region_code", "status"),)


class Pledge(ClockColumns):
    """A member's pledge for a period (承诺), followed up and rated (跟踪问诺, 民主评诺)."""

    id = fields.UUIDField(primary_key=True)
    member: fields.ForeignKeyRelation[PointsMember] = fields.ForeignKeyField(
        "gridgov.PointsMember", related_name="pledges", on_delete=fields.RESTRICT
    )
    user_id = fields.UUIDField(null=True)
    region_code = fields.CharField(max_length=15)
    period_key = fields.CharField(max_length=6)
    text = fields.TextField()
    keep_until = fields.DatetimeField(description="its period's end")
    resident_score = fields.DecimalField(max_digits=3, decimal_places=2, null=True)
    resident_ratings = fields.IntField(default=0)
    branch_score = fields.SmallIntField(null=True)
    rating = fields.DecimalField(max_digits=3, decimal_places=2, null=True)
    kept = fields.BooleanField(null=True)
    rated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    member_id: Any

    class Meta:
        table = "points_pledges"
        unique_together = (("member", "period_key"),)
        indexes = (("region_code", "period_key"),)


class PledgeRating(Model):
    """One resident's score of a pledge (民主评诺), once each."""

    id = fields.BigIntField(primary_key=True)
    pledge: fields.ForeignKeyRelation[Pledge] = fields.ForeignKeyField(
        "gridgov.Pledge", related_name="ratings", on_delete=fields.RESTRICT
    )
    rater_id = fields.UUIDField()
    score = fields.SmallIntField()
    comment = fields.CharField(max_length=500, default="")
    at = fields.DatetimeField()

    pledge_id: Any

    class Meta:
        table = "points_pledge_ratings"
        unique_together = (("pledge", "rater_id"),)


class PointsRules(Model):
    """What each source is worth, by version; an entry names the version that priced it."""

    version = fields.IntField(primary_key=True)
    pledge_kept_points = fields.DecimalField(max_digits=8, decimal_places=1)
    meeting_points = fields.DecimalField(max_digits=8, decimal_places=1)
    event_reported_points = fields.DecimalField(max_digits=8, decimal_places=1)
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_rules"


class LedgerEntry(Model):
    """One credit or debit of points or service hours; rows are only ever added. A source
    (kind, key) is booked at most once: the unique key is what makes a retry harmless."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[PointsMember] = fields.ForeignKeyField(
        "gridgov.PointsMember", related_name="entries", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=15)
    period_key = fields.CharField(max_length=6, description="the quarter it was booked in")
    points = fields.DecimalField(max_digits=10, decimal_places=1)
    hours = fields.DecimalField(max_digits=10, decimal_places=1)
    source_kind = fields.CharField(max_length=24)
    source_key = fields.CharField(max_length=80)
    rule_version = fields.IntField(null=True)
    reason = fields.TextField(default="")
    verifier_id = fields.UUIDField(null=True)
    verifier_label = fields.CharField(max_length=100, default="")
    at = fields.DatetimeField()

    member_id: Any

    class Meta:
        table = "points_ledger"
        unique_together = (("source_kind", "source_key"),)
        indexes = (("member_id", "id"), ("region_code", "period_key"))


class PointsBalance(Model):
    """A member's totals for a period, written in the transaction of each entry."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[PointsMember] = fields.ForeignKeyField(
        "gridgov.PointsMember", related_name="balances", on_delete=fields.RESTRICT
    )
    period_key = fields.CharField(max_length=6)
    points = fields.DecimalField(max_digits=12, decimal_places=1, default=0)
    hours = fields.DecimalField(max_digits=12, decimal_places=1, default=0)
    entries = fields.IntField(default=0)

    member_id: Any

    class Meta:
        table = "points_balances"
        unique_together = (("member", "period_key"),)


class PeriodSnapshot(Model):
    """A community's assessment of a period, frozen once the period ended (like rankings)."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15)
    period_key = fields.CharField(max_length=6)
    first_day = fields.DateField()
    last_day = fields.DateField()
    rules_version = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "points_snapshots"
        unique_together = (("region_code", "period_key"),)


class PeriodSnapshotEntry(Model):
    """A member's figures in a frozen period (their name is shown as they consent when read)."""

    id = fields.BigIntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[PeriodSnapshot] = fields.ForeignKeyField(
        "gridgov.PeriodSnapshot", related_name="entries", on_delete=fields.CASCADE
    )
    member_id = fields.UUIDField()
    rank = fields.IntField()
    points = fields.DecimalField(max_digits=12, decimal_places=1)
    hours = fields.DecimalField(max_digits=12, decimal_places=1)
    posts_completed = fields.IntField()
    pledges_kept = fields.IntField()
    meetings_attended = fields.IntField()

    snapshot_id: Any

    class Meta:
        table = "points_snapshot_entries"
        unique_together = (("snapshot", "member_id"),)
