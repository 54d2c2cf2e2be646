"""Dispute investigation rounds (矛盾纠纷排查): weekly for communities and villages, twice a month
for townships, each a notice to the staff responsible, once per round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment
from api.domains.notices.service import notify

KIND = "investigation"


@dataclass(frozen=True)
class Round:
    role: Role
    key: str
    title: str


def rounds_due(today: date, *, community_weekday: int, township_days: list[int]) -> list[Round]:
    """The rounds that start on `today` (a local date)."""
    due = []
    if today.weekday() == community_weekday:
        year, week, _ = today.isocalendar()
        due.append(
            Round(
                Role.COMMUNITY_STAFF,
                f"{KIND}:community:{year}-W{week:02d}",
                f"本周矛盾纠纷排查（{year}年第{week}周）",
            )
        )
    if today.day in township_days:
        half = "上" if today.day <= 15 else "下"
        due.append(
            Round(
                Role.TOWNSHIP_CENTRE,
                f"{KIND}:township:{today:%Y-%m}-{half}",
                f"{today.month}月{half}半月矛盾纠纷排查",
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
                    body="请组织开展本辖区矛盾纠纷排查，并在平台登记排查结果。",
                    region_code=str(region_code),
                    dedupe_key=round_.key,
                )
    return written
