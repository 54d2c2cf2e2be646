"""States, actions and kinds of published notices (announcements)."""

from __future__ import annotations

from enum import StrEnum


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
