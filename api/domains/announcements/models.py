"""Published notices (通知公告) and their per-recipient receipts."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.announcements.enums import (
    AnnouncementStatus,
    BodyFormat,
    PostKind,
    PostStatus,
    Priority,
    ThreadKind,
)


class Announcement(Model):
    """A notice a centre or unit publishes to an audience; a flow record while recipients must
    acknowledge it (its clock runs to the acknowledgement deadline)."""

    id = fields.UUIDField(primary_key=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    body_format = fields.CharEnumField(BodyFormat, max_length=16)
    priority = fields.CharEnumField(Priority, max_length=16)
    attachment_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    require_acknowledgement = fields.BooleanField(default=False)
    acknowledge_by = fields.DatetimeField(null=True)
    publisher_id = fields.UUIDField()
    publisher_label = fields.CharField(max_length=100)
    region_code = fields.CharField(
        max_length=15, description="the publisher's region it went out from"
    )
    audience: fields.JSONField[Any] = fields.JSONField(description="as the publisher chose it")
    recipient_count = fields.IntField(default=0)
    status = fields.CharEnumField(AnnouncementStatus, max_length=16)
    revoked_at = fields.DatetimeField(null=True)
    pushed_at = fields.DatetimeField(
        null=True, description="when its recipients' live pushes were written"
    )
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
        table = "announcements"
        indexes = (("publisher_id", "created_at"),)


class AnnouncementRecipient(Model):
    """One recipient's receipt: when they read it and when they acknowledged it."""

    id = fields.BigIntField(primary_key=True)
    announcement_id = fields.UUIDField()
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="where the recipient works")
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    acknowledged_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "announcement_recipients"
        unique_together = (("announcement_id", "user_id"),)
        indexes = (("user_id", "created_at"),)


class MessageThread(Model):
    """A conversation (信息发送): direct between staff, or a centre's broadcast to a region."""

    id = fields.UUIDField(primary_key=True)
    subject = fields.CharField(max_length=200)
    kind = fields.CharEnumField(ThreadKind, max_length=16)
    started_by = fields.UUIDField()
    started_by_label = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15, description="where the starter sent it from")
    audience: fields.JSONField[Any] = fields.JSONField(default=dict)
    participant_count = fields.IntField(default=0)
    last_message_at = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "message_threads"


class ThreadParticipant(Model):
    """One participant of a thread, with their unread count (kept as messages arrive)."""

    id = fields.BigIntField(primary_key=True)
    thread_id = fields.UUIDField()
    user_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15)
    unread = fields.IntField(default=0)
    last_read_at = fields.DatetimeField(null=True)
    last_message_at = fields.DatetimeField(description="the thread's, copied for the inbox order")

    class Meta:
        table = "thread_participants"
        unique_together = (("thread_id", "user_id"),)
        indexes = (("user_id", "last_message_at"),)


class Message(Model):
    id = fields.BigIntField(primary_key=True)
    thread_id = fields.UUIDField()
    sender_id = fields.UUIDField()
    sender_label = fields.CharField(max_length=100)
    body = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "messages"
        indexes = (("thread_id", "id"),)


class PublicPost(Model):
    """A region's post to the public: publicity, 党务政务公开 or study material."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the publishing region")
    kind = fields.CharEnumField(PostKind, max_length=24)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    body_format = fields.CharEnumField(BodyFormat, max_length=16)
    publisher_id = fields.UUIDField()
    publisher_label = fields.CharField(max_length=100)
    status = fields.CharEnumField(PostStatus, max_length=16)
    published_at = fields.DatetimeField()
    withdrawn_at = fields.DatetimeField(null=True)
    withdrawn_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "public_posts"
        indexes = (("region_code", "published_at"),)


class StudyRecord(Model):
    """学习记录: who read which post, when, and for how long (online learning)."""

    id = fields.UUIDField(primary_key=True, description="client-chosen: a retried record is one")
    post_id = fields.UUIDField()
    user_id = fields.UUIDField()
    started_at = fields.DatetimeField()
    seconds = fields.IntField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "study_records"
        indexes = (("user_id", "started_at"), ("post_id", "user_id"))


class AnnouncementFile(Model):
    """A file of a notice (the document itself, a form to fill in), kept once by its SHA-256."""

    id = fields.UUIDField(primary_key=True)
    announcement_id = fields.UUIDField(db_index=True)
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()

    class Meta:
        table = "announcement_files"
