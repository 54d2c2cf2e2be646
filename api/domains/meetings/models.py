"""Meetings of party organisations and regions, their invitees, files, and the organisational
life of party organisations (committee posts with terms, members' standing)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.meetings.enums import CommitteePost, LeaveStatus, MeetingKind, MeetingStatus


class Meeting(Model):
    """A meeting (三会一课, 主题党日, 组织生活会, 联席会议, 民情分析会); a flow record whose
    clock runs to the day its minutes are due."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(MeetingKind, max_length=32)
    title = fields.CharField(max_length=200)
    organisation_id = fields.UUIDField(null=True, description="the organising party organisation")
    region_code = fields.CharField(max_length=15, description="the organising body's region")
    organiser_id = fields.UUIDField()
    organiser_label = fields.CharField(max_length=100)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    place = fields.CharField(max_length=200)
    agenda = fields.TextField()
    sign_in_from = fields.DatetimeField()
    sign_in_until = fields.DatetimeField()
    invitee_count = fields.IntField(default=0)
    minutes = fields.TextField(null=True)
    minutes_recorded_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(MeetingStatus, max_length=16)
    stage = fields.CharField(max_length=32, null=True)
    stage_started_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    remind_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_by_stage: fields.JSONField[Any] = fields.JSONField(default=dict)
    card = fields.CharField(max_length=8, default="none")
    warning_level = fields.SmallIntField(default=0)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "meetings"
        indexes = (("organisation_id", "starts_at"), ("region_code", "starts_at"))


class MeetingInvitee(Model):
    """One invitee: their leave request and its decision, their sign-in."""

    id = fields.BigIntField(primary_key=True)
    meeting_id = fields.UUIDField()
    user_id = fields.UUIDField(null=True, description="the account they sign in with")
    party_member_id = fields.UUIDField(null=True)
    name = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15)
    leave_status = fields.CharEnumField(LeaveStatus, max_length=16, default=LeaveStatus.NONE)
    leave_reason = fields.CharField(max_length=500, null=True)
    leave_requested_at = fields.DatetimeField(null=True)
    leave_decided_at = fields.DatetimeField(null=True)
    leave_decided_by = fields.UUIDField(null=True)
    signed_in_at = fields.DatetimeField(null=True)
    signed_in_by = fields.UUIDField(null=True, description="the organiser, when signed in for them")
    position_lat = fields.FloatField(null=True)
    position_lng = fields.FloatField(null=True)
    position_at = fields.DatetimeField(null=True, description="when the phone measured it")
    created_at = fields.DatetimeField()

    class Meta:
        table = "meeting_invitees"
        unique_together = (("meeting_id", "user_id"), ("meeting_id", "party_member_id"))
        indexes = (("user_id", "meeting_id"),)


class MeetingFile(Model):
    """A file of a meeting's minutes (photos, sign-in sheets), kept once by its SHA-256."""

    id = fields.UUIDField(primary_key=True)
    meeting_id = fields.UUIDField(db_index=True)
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    uploaded_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "meeting_files"


class PartyPost(Model):
    """A committee post held by a member for a term (支部委员会: 书记, 副书记, 组织委员 …)."""

    id = fields.UUIDField(primary_key=True)
    organisation_id = fields.UUIDField()
    party_member_id = fields.UUIDField()
    post = fields.CharEnumField(CommitteePost, max_length=24)
    term_start = fields.DateField()
    term_end = fields.DateField(null=True, description="the last day; open while serving")
    created_at = fields.DatetimeField()

    class Meta:
        table = "party_posts"
        indexes = (("organisation_id", "term_start"),)


class PartyStanding(Model):
    """A member's standing in organisational life: when they joined, whether still probationary
    (预备党员, not yet formal), and the account they sign in to meetings with."""

    party_member_id = fields.UUIDField(primary_key=True)
    joined_on = fields.DateField(null=True, description="入党日期")
    probationary = fields.BooleanField(default=False)
    user_id = fields.UUIDField(null=True, unique=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "party_standings"
