"""Dispute investigation rounds (矛盾纠纷排查): weekly for communities and villages, twice a month
for townships, each a notice to the staff responsible, once per round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment
from api.domains.notices.service import notify
from api.i18n import Message, _

KIND = "investigation"


@dataclass(frozen=True)
class Round:
    role: Role
    key: str
    title: Message


def rounds_due(today: date, *, community_weekday: int, township_days: list[int]) -> list[Round]:
    """The rounds that start on `today` (a local date)."""
    due = []
    if today.weekday() == community_weekday:
        year, week, _weekday = today.isocalendar()
        due.append(
            Round(
                Role.COMMUNITY_STAFF,
                f"{KIND}:community:{year}-W{week:02d}",
                _(
                    "This week's dispute investigation (week {week} of {year})",
                    year=year,
                    week=week,
                ),
            )
        )
    if today.day in township_days:
        first = today.day <= 15
        half = "上" if first else "下"  # the key's, as before
        due.append(
            Round(
                Role.TOWNSHIP_CENTRE,
                f"{KIND}:township:{today:%Y-%m}-{half}",
                _("Dispute investigation, first half of month {month}", month=today.month)
                if first
                else _("Dispute investigation, second half of month {month}", month=today.month),
            )
        )
    return due


async def remind(today: date, *, community_weekday: int, township_days: list[int]) -> int:
    """Notify everyone holding the round's role, once per round; returns notices written."""
    written = 0
    for round_ in rounds_due(
        today, community_weekday=community_weekday, township_days=township_days
    ):
        holders = await RoleAssignment.filter(role=round_.role, user__is_active=True).values_list(
            "user_id", "region_code"
        )
        async with in_transaction():
            for user_id, region_code in holders:
                written += await notify(
                    user_ids=[user_id],
                    kind=KIND,
                    title=round_.title,
                    body=_(
                        "Please organise the dispute investigation in your area and record "
                        "its results on the platform."
                    ),
                    region_code=str(region_code),
                    dedupe_key=round_.key,
                )
    return written
