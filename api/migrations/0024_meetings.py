"""Meetings (api/domains/meetings: meetings, invitees, files, party committee posts, members'
standing), messages, public posts, study records, notices' files and when a notice's pushes
were written (api/domains/announcements); the enums are written out here, as a migration applies
the same SQL forever."""

from enum import StrEnum
from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class MeetingKind(StrEnum):
    BRANCH_ASSEMBLY = "branch_assembly"  # 支部党员大会
    BRANCH_COMMITTEE = "branch_committee"  # 支委会
    GROUP_MEETING = "group_meeting"  # 党小组会
    PARTY_LECTURE = "party_lecture"  # 党课
    THEME_PARTY_DAY = "theme_party_day"  # 主题党日
    ORGANISATIONAL_LIFE = "organisational_life"  # 组织生活会
    JOINT_MEETING = "joint_meeting"  # 联席会议
    PUBLIC_OPINION_ANALYSIS = "public_opinion_analysis"  # 民情分析会


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"  # invitations out; leave and sign-in open
    HELD = "held"  # minutes recorded
    CANCELLED = "cancelled"


class LeaveStatus(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class CommitteePost(StrEnum):
    SECRETARY = "secretary"  # 书记
    DEPUTY_SECRETARY = "deputy_secretary"  # 副书记
    ORGANISATION = "organisation"  # 组织委员
    PUBLICITY = "publicity"  # 宣传委员
    DISCIPLINE = "discipline"  # 纪检委员
    MEMBER = "member"  # 委员


class ThreadKind(StrEnum):
    DIRECT = "direct"  # between named staff; every participant may reply
    BROADCAST = "broadcast"  # a centre to the staff of a region; recipients answer directly


class PostKind(StrEnum):
    PUBLICITY = "publicity"  # 宣传: community publicity
    AFFAIRS_DISCLOSURE = "affairs_disclosure"  # 党务政务公开
    STUDY_MATERIAL = "study_material"  # 学习资料: online learning


class PostStatus(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # gone from the public, kept for the record


class BodyFormat(StrEnum):
    PLAIN = "plain"
    MARKDOWN = "markdown"  # a safe subset, rendered by the client


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0023_national_calendar")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AnnouncementFile",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("announcement_id", fields.UUIDField(db_index=True)),
                ("sha256", fields.CharField(max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.BigIntField()),
                ("filename", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "announcement_files",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A file of a notice (the document itself, a form to fill in), kept once by its SHA-256.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Meeting",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="BRANCH_ASSEMBLY: branch_assembly\nBRANCH_COMMITTEE: branch_committee\nGROUP_MEETING: group_meeting\nPARTY_LECTURE: party_lecture\nTHEME_PARTY_DAY: theme_party_day\nORGANISATIONAL_LIFE: organisational_life\nJOINT_MEETING: joint_meeting\nPUBLIC_OPINION_ANALYSIS: public_opinion_analysis",
                        enum_type=MeetingKind,
                        max_length=32,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                (
                    "organisation_id",
                    fields.UUIDField(null=True, description="the organising party organisation"),
                ),
                (
                    "region_code",
                    fields.CharField(description="the organising body's region", max_length=15),
                ),
                ("organiser_id", fields.UUIDField()),
                ("organiser_label", fields.CharField(max_length=100)),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("place", fields.CharField(max_length=200)),
                ("agenda", fields.TextField(unique=False)),
                ("sign_in_from", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("sign_in_until", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("invitee_count", fields.IntField(default=0)),
                ("minutes", fields.TextField(null=True, unique=False)),
                (
                    "minutes_recorded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "cancelled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="SCHEDULED: scheduled\nHELD: held\nCANCELLED: cancelled",
                        enum_type=MeetingStatus,
                        max_length=16,
                    ),
                ),
                ("stage", fields.CharField(null=True, max_length=32)),
                (
                    "stage_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("due_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remind_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("red_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("due_by_stage", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("card", fields.CharField(default="none", max_length=8)),
                ("warning_level", fields.SmallIntField(default=0)),
                ("version", fields.IntField(default=1)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "meetings",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["organisation_id", "starts_at"]),
                    Index(fields=["region_code", "starts_at"]),
                ],
                "pk_attr": "id",
                "table_description": "A meeting (三会一课, 主题党日, 组织生活会, 联席会议, 民情分析会); a flow record whose",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MeetingFile",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("meeting_id", fields.UUIDField(db_index=True)),
                ("sha256", fields.CharField(max_length=64)),
                ("content_type", fields.CharField(max_length=100)),
                ("size", fields.BigIntField()),
                ("filename", fields.CharField(max_length=200)),
                ("uploaded_by_id", fields.UUIDField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "meeting_files",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A file of a meeting's minutes (photos, sign-in sheets), kept once by its SHA-256.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MeetingInvitee",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("meeting_id", fields.UUIDField()),
                (
                    "user_id",
                    fields.UUIDField(null=True, description="the account they sign in with"),
                ),
                ("party_member_id", fields.UUIDField(null=True)),
                ("name", fields.CharField(max_length=100)),
                ("region_code", fields.CharField(max_length=15)),
                (
                    "leave_status",
                    fields.CharEnumField(
                        default=LeaveStatus.NONE,
                        description="NONE: none\nREQUESTED: requested\nAPPROVED: approved\nREFUSED: refused",
                        enum_type=LeaveStatus,
                        max_length=16,
                    ),
                ),
                ("leave_reason", fields.CharField(null=True, max_length=500)),
                (
                    "leave_requested_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "leave_decided_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("leave_decided_by", fields.UUIDField(null=True)),
                (
                    "signed_in_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "signed_in_by",
                    fields.UUIDField(
                        null=True, description="the organiser, when signed in for them"
                    ),
                ),
                ("position_lat", fields.FloatField(null=True)),
                ("position_lng", fields.FloatField(null=True)),
                (
                    "position_at",
                    fields.DatetimeField(
                        null=True,
                        description="when the phone measured it",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "meeting_invitees",
                "app": "gridgov",
                "unique_together": (("meeting_id", "user_id"), ("meeting_id", "party_member_id")),
                "indexes": [Index(fields=["user_id", "meeting_id"])],
                "pk_attr": "id",
                "table_description": "One invitee: their leave request and its decision, their sign-in.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("thread_id", fields.UUIDField()),
                ("sender_id", fields.UUIDField()),
                ("sender_label", fields.CharField(max_length=100)),
                ("body", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "messages",
                "app": "gridgov",
                "indexes": [Index(fields=["thread_id", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MessageThread",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("subject", fields.CharField(max_length=200)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="DIRECT: direct\nBROADCAST: broadcast",
                        enum_type=ThreadKind,
                        max_length=16,
                    ),
                ),
                ("started_by", fields.UUIDField()),
                ("started_by_label", fields.CharField(max_length=100)),
                (
                    "region_code",
                    fields.CharField(description="where the starter sent it from", max_length=15),
                ),
                ("audience", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("participant_count", fields.IntField(default=0)),
                ("last_message_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "message_threads",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A conversation (信息发送): direct between staff, or a centre's broadcast to a region.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyPost",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("organisation_id", fields.UUIDField()),
                ("party_member_id", fields.UUIDField()),
                (
                    "post",
                    fields.CharEnumField(
                        description="SECRETARY: secretary\nDEPUTY_SECRETARY: deputy_secretary\nORGANISATION: organisation\nPUBLICITY: publicity\nDISCIPLINE: discipline\nMEMBER: member",
                        enum_type=CommitteePost,
                        max_length=24,
                    ),
                ),
                ("term_start", fields.DateField()),
                (
                    "term_end",
                    fields.DateField(null=True, description="the last day; open while serving"),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "party_posts",
                "app": "gridgov",
                "indexes": [Index(fields=["organisation_id", "term_start"])],
                "pk_attr": "id",
                "table_description": "A committee post held by a member for a term (支部委员会: 书记, 副书记, 组织委员 …).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartyStanding",
            fields=[
                (
                    "party_member_id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("joined_on", fields.DateField(null=True, description="入党日期")),
                ("probationary", fields.BooleanField(default=False)),
                ("user_id", fields.UUIDField(null=True, unique=True)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "party_standings",
                "app": "gridgov",
                "pk_attr": "party_member_id",
                "table_description": "A member's standing in organisational life: when they joined, whether still probationary",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PublicPost",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "region_code",
                    fields.CharField(description="the publishing region", max_length=15),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="PUBLICITY: publicity\nAFFAIRS_DISCLOSURE: affairs_disclosure\nSTUDY_MATERIAL: study_material",
                        enum_type=PostKind,
                        max_length=24,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                (
                    "body_format",
                    fields.CharEnumField(
                        description="PLAIN: plain\nMARKDOWN: markdown",
                        enum_type=BodyFormat,
                        max_length=16,
                    ),
                ),
                ("publisher_id", fields.UUIDField()),
                ("publisher_label", fields.CharField(max_length=100)),
                (
                    "status",
                    fields.CharEnumField(
                        description="PUBLISHED: published\nWITHDRAWN: withdrawn",
                        enum_type=PostStatus,
                        max_length=16,
                    ),
                ),
                ("published_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "withdrawn_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("withdrawn_reason", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "public_posts",
                "app": "gridgov",
                "indexes": [Index(fields=["region_code", "published_at"])],
                "pk_attr": "id",
                "table_description": "A region's post to the public: publicity, 党务政务公开 or study material.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StudyRecord",
            fields=[
                (
                    "id",
                    fields.UUIDField(
                        primary_key=True,
                        default=uuid4,
                        unique=True,
                        db_index=True,
                        description="client-chosen: a retried record is one",
                    ),
                ),
                ("post_id", fields.UUIDField()),
                ("user_id", fields.UUIDField()),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("seconds", fields.IntField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "study_records",
                "app": "gridgov",
                "indexes": [
                    Index(fields=["user_id", "started_at"]),
                    Index(fields=["post_id", "user_id"]),
                ],
                "pk_attr": "id",
                "table_description": "学习记录: who read which post, when, and for how long (online learning).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ThreadParticipant",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("thread_id", fields.UUIDField()),
                ("user_id", fields.UUIDField()),
                ("region_code", fields.CharField(max_length=15)),
                ("unread", fields.IntField(default=0)),
                (
                    "last_read_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_message_at",
                    fields.DatetimeField(
                        description="the thread's, copied for the inbox order",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
            ],
            options={
                "table": "thread_participants",
                "app": "gridgov",
                "unique_together": (("thread_id", "user_id"),),
                "indexes": [Index(fields=["user_id", "last_message_at"])],
                "pk_attr": "id",
                "table_description": "One participant of a thread, with their unread count (kept as messages arrive).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Announcement",
            name="pushed_at",
            field=fields.DatetimeField(
                null=True,
                description="when its recipients' live pushes were written",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        # notices published before this field was pushed in their own transaction
        ops.RunSQL(
            "UPDATE announcements SET pushed_at = created_at",
            reverse_sql="SELECT 1",
        ),
    ]
