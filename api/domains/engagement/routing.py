"""Routing per channel (渠道分拨): who receives the new appeals of a channel in a region.

A rule is (channel, region, receiver); rules are only added, the newest of a (channel, region)
is in force and the older ones are its history. An appeal goes to the receiver of the deepest
region on its path with a rule; with none, to the grid at its point (as before rules existed).
The receiving region is the event's handling region from its first step, so the timeline's
report step names it, with the rule in its note."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tortoise import connections
from tortoise.expressions import Q

from api import clock
from api.auth import Principal
from api.domains.engagement.enums import Channel, Receiver
from api.domains.engagement.models import ChannelRule
from api.domains.hierarchy.models import Region
from api.errors import ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level, ancestor_at, path_codes
from policies.enforcer import authorize

RECEIVING_LEVEL: Mapping[Receiver, Level | None] = {
    Receiver.GRID: None,
    Receiver.TOWNSHIP_CENTRE: Level.TOWNSHIP,
    Receiver.DISTRICT_CENTRE: Level.DISTRICT,
}
RECEIVER_LABEL: Mapping[Receiver, str] = {
    Receiver.GRID: "网格",
    Receiver.TOWNSHIP_CENTRE: "街道/乡镇中心",
    Receiver.DISTRICT_CENTRE: "区县指挥中心",
}
MAX_NOTE = 500

Route = Callable[[str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Router:
    """The rules of one channel in force, region code → receiver."""

    channel: Channel
    rules: Mapping[str, Receiver]

    def __call__(self, region_code: str) -> tuple[str, str]:
        """(handling region, timeline note) of a new appeal where `region_code` lies."""
        for code in reversed(path_codes(region_code)):
            receiver = self.rules.get(code)
            if receiver is None:
                continue
            level = RECEIVING_LEVEL[receiver]
            if level is None or len(region_code) <= level.code_length:
                return region_code, ""
            return (
                ancestor_at(region_code, level),
                f"渠道分拨: {self.channel.value} → {RECEIVER_LABEL[receiver]} (rule of {code})",
            )
        return region_code, ""


_CURRENT = (
    "SELECT DISTINCT ON (region_code) region_code, receiver FROM engagement_channel_rules"
    " WHERE channel = $1 ORDER BY region_code, id DESC"
)


async def router(channel: Channel) -> Router:
    """The rules in force for `channel` (one small query: a rule per region that has one)."""
    rows = await connections.get("default").execute_query_dict(_CURRENT, [channel.value])
    return Router(channel, {str(r["region_code"]): Receiver(r["receiver"]) for r in rows})


def _check(actor: Principal, action: str, region_code: str) -> None:
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, "channel_rule", action, at=region_code)


async def set_rule(
    *, actor: Principal, channel: Channel, region_code: str, receiver: Receiver, note: str = ""
) -> ChannelRule:
    """A new rule for the channel in the region and below (the previous one stays as history)."""
    region_code = region_code.strip()
    _check(actor, "set", region_code)
    level = RECEIVING_LEVEL[receiver]
    if level is not None and len(region_code) > level.code_length:
        raise ValidationFailed(
            _(
                "a {value} centre cannot receive for a region below it: set the rule at the {value} or above",
                value=level.value,
            ),
            field="receiver",
        )
    note = note.strip()
    if len(note) > MAX_NOTE or "\x00" in note:
        raise ValidationFailed(
            _("note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    return await ChannelRule.create(
        channel=channel,
        region_code=region_code,
        receiver=receiver,
        note=note,
        set_by_id=actor.user_id,
        set_by_label=actor.label[:100],
        set_at=clock.now(),
    )


async def list_rules(
    *, actor: Principal, region_code: str, channel: Channel | None, page: PageRequest
) -> tuple[Page[ChannelRule], Any]:
    """Rules set in the region's subtree and on its path above, newest first: the history."""
    region_code = region_code.strip()
    _check(actor, "read", region_code)
    query = ChannelRule.filter(
        Q(region_code__startswith=region_code) | Q(region_code__in=path_codes(region_code))
    )
    if channel is not None:
        query = query.filter(channel=channel)
    filtered = query
    if page.after is not None:
        try:
            after = int(page.after)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(id__lt=after)
    rows = await query.order_by("-id").limit(page.first + 1)
    return make_page(rows, page, lambda rule: str(rule.id)), filtered
