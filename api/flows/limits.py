"""Time limits kept as data in the kernel's table (`flow_limits`), for flows without a rules
table of their own: per flow, stage and kind (or every kind), else the flow's defaults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from api.flows.calendar import LOCAL, DeadlineUnit, calendar_from
from api.flows.clocks import Limits, Needs, StageRule
from api.flows.models import FlowLimit


@dataclass(frozen=True, slots=True)
class Rule:
    """A stage's time limit (see StageRule)."""

    amount: int
    unit: DeadlineUnit
    reminder_share: float = 0.8
    red_share: float = 1.5


def table_limits(
    flow: str, defaults: Mapping[str, Rule] | Mapping[str | tuple[str, str], Rule]
) -> Callable[[Needs, datetime], Awaitable[Limits]]:
    """The `limits` of a flow whose rules are rows of `flow_limits` (a kind's own, else the
    flow's for every kind, else `defaults` by (kind, stage), else by stage)."""
    by_key: Mapping[str | tuple[str, str], Rule] = defaults  # type: ignore[assignment]

    async def load(needs: Needs, now: datetime) -> Limits:
        wanted = set(needs)
        rows = await FlowLimit.filter(
            Q(kind__in=list({kind for kind, _ in wanted})) | Q(kind=None),
            flow=flow,
            stage__in=list({str(stage) for _, stage in wanted}),
        )
        own: dict[tuple[str | None, str], StageRule] = {
            (row.kind, row.stage): Rule(
                row.amount, DeadlineUnit(row.unit), row.reminder_share, row.red_share
            )
            for row in rows
        }
        rules: dict[tuple[str, str], StageRule] = {}
        for kind, stage in wanted:
            rules[(kind, stage)] = (
                own.get((kind, stage))
                or own.get((None, stage))
                or by_key.get((kind, stage))
                or by_key[stage]
            )
        return Limits(rules=rules, calendar=await calendar_from(now.astimezone(LOCAL).date()))

    return load
