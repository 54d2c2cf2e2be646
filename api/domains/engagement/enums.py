"""Kinds of the citizens' side: who receives a channel's appeals, public opinions and their
moderation."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """The ways in of people outside the grid staff, each with its routing rules."""

    CITIZEN_APP = "citizen_app"  # the citizens' app (source CITIZEN)
    WECHAT = "wechat"  # the WeChat mini-program (source WECHAT)
    HOTLINE = "hotline"  # 12345 work orders (source HOTLINE)
    OPEN311 = "open311"  # Open311 GeoReport requests


class Receiver(StrEnum):
    """Who receives a channel's new appeals (渠道分拨)."""

    GRID = "grid"  # the grid at the point (or the region given): the default
    TOWNSHIP_CENTRE = "township_centre"  # 街道/乡镇 centre triages
    DISTRICT_CENTRE = "district_centre"  # 区/县 command centre triages


class OpinionKind(StrEnum):
    OPINION = "opinion"  # 意见
    SUGGESTION = "suggestion"  # 建议


class OpinionStatus(StrEnum):
    PENDING = "pending"  # awaiting moderation
    APPROVED = "approved"  # shown on the public board
    REFUSED = "refused"


class RefusalReason(StrEnum):
    """Why staff did not publish an opinion."""

    PERSONAL_DATA = "personal_data"  # names, numbers or addresses of people
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"
    ADVERTISING = "advertising"
    BELONGS_IN_APPEAL = "belongs_in_appeal"  # a problem to handle: file it as an appeal
