"""States, actions and kinds of published notices (announcements)."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class AnnouncementStatus(StrEnum):
    PUBLISHED = "published"
    REVOKED = "revoked"  # hidden from recipients, kept with its receipts and timeline


class Priority(StrEnum):
    NORMAL = "normal"
    IMPORTANT = "important"
    URGENT = "urgent"


class BodyFormat(StrEnum):
    PLAIN = "plain"
    MARKDOWN = "markdown"  # a safe subset, rendered by the client


class Action(StrEnum):
    PUBLISH = "publish"
    REVOKE = "revoke"
    # the sweep's own steps (api/flows/sweep.py Marks)
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class Stage(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # recipients acknowledge by the publisher's deadline


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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "PublishedNoticeStatus",
    AnnouncementStatus,
    {
        AnnouncementStatus.PUBLISHED: ("已发布", "Published"),
        AnnouncementStatus.REVOKED: ("已撤回", "Revoked"),
    },
)
register(
    "NoticePriority",
    Priority,
    {
        Priority.NORMAL: ("一般", "Normal"),
        Priority.IMPORTANT: ("重要", "Important"),
        Priority.URGENT: ("紧急", "Urgent"),
    },
)
register(
    "NoticeBodyFormat",
    BodyFormat,
    {
        BodyFormat.PLAIN: ("纯文本", "Plain text"),
        BodyFormat.MARKDOWN: ("Markdown 格式", "Markdown"),
    },
)
register(
    "MessageThreadKind",
    ThreadKind,
    {ThreadKind.DIRECT: ("私信", "Direct"), ThreadKind.BROADCAST: ("群发", "To a region's staff")},
)
register(
    "PublicPostKind",
    PostKind,
    {
        PostKind.PUBLICITY: ("宣传", "Publicity"),
        PostKind.AFFAIRS_DISCLOSURE: ("党务政务公开", "Party and government affairs"),
        PostKind.STUDY_MATERIAL: ("学习资料", "Study material"),
    },
)
register(
    "PublicPostStatus",
    PostStatus,
    {PostStatus.PUBLISHED: ("已发布", "Published"), PostStatus.WITHDRAWN: ("已撤下", "Withdrawn")},
)
