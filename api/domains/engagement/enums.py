"""Kinds of the citizens' side: who receives a channel's appeals, public opinions and their
moderation."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "CitizenChannel",
    Channel,
    {
        Channel.CITIZEN_APP: ("群众端", "Citizens' app"),
        Channel.WECHAT: ("微信小程序", "WeChat mini-program"),
        Channel.HOTLINE: ("12345热线", "12345 hotline"),
        Channel.OPEN311: ("Open311接口", "Open311"),
    },
)
register(
    "ChannelReceiver",
    Receiver,
    {
        Receiver.GRID: ("所在网格", "The grid at the point"),
        Receiver.TOWNSHIP_CENTRE: ("乡镇（街道）综治中心", "Township centre"),
        Receiver.DISTRICT_CENTRE: ("区县指挥中心", "District command centre"),
    },
)
register(
    "OpinionKind",
    OpinionKind,
    {OpinionKind.OPINION: ("意见", "Opinion"), OpinionKind.SUGGESTION: ("建议", "Suggestion")},
)
register(
    "OpinionStatus",
    OpinionStatus,
    {
        OpinionStatus.PENDING: ("待审核", "Awaiting moderation"),
        OpinionStatus.APPROVED: ("已公开", "Published"),
        OpinionStatus.REFUSED: ("未通过", "Refused"),
    },
)
register(
    "OpinionRefusalReason",
    RefusalReason,
    {
        RefusalReason.PERSONAL_DATA: ("含个人信息", "Contains personal data"),
        RefusalReason.OFFENSIVE: ("内容不当", "Offensive"),
        RefusalReason.OFF_TOPIC: ("与主题无关", "Off topic"),
        RefusalReason.DUPLICATE: ("重复提交", "Duplicate"),
        RefusalReason.ADVERTISING: ("广告信息", "Advertising"),
        RefusalReason.BELONGS_IN_APPEAL: ("请作为诉求提交", "File it as an appeal"),
    },
)
