"""重复件合并 by rule: a report whose best earlier candidate is at least as alike as its
category's `merge_score` is merged by the worker, without waiting for the desk.

Off unless a city sets `merge_score` on a rule (`triage_duplicate_rules`; the row without a
category sets it for every category without a rule of its own). Each run looks at the reports
of the last hour that nobody has dispatched yet (REPORTED or FILED), that are neither merged nor
holding merged reports, and that no one has un-merged (the desk's un-merge is final for the
rule). A report is merged only into an open event reported before it: two reports of one
incident never merge into each other, and the oldest report stays the main event. The merge is
`merging.merge`'s, by the system: its timeline row says so and names the score."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from api import clock
from api.domains.events.enums import Action, EventStatus
from api.domains.events.models import Event, TimelineEntry
from api.domains.triage.duplicates import MAX_CANDIDATES, Probe, find, rule_for, rules
from api.domains.triage.merging import merge_by_rule
from api.errors import Conflict

LOOKBACK: Final = timedelta(hours=1)
BATCH: Final = 500
UNDISPATCHED: Final = [EventStatus.REPORTED, EventStatus.FILED]


@dataclass(frozen=True, slots=True)
class AutoMerged:
    report_id: uuid.UUID
    into_id: uuid.UUID
    score: float


async def merge_above_rules(*, now: datetime | None = None) -> list[AutoMerged]:
    """Merge each recent report whose best earlier candidate scores at least its rule's
    `merge_score`; returns what was merged (see the module)."""
    now = now or clock.now()
    every = await rules()
    automatic = [key for key, rule in every.items() if rule.merge_score is not None]
    if not automatic:
        return []
    recent = Event.filter(
        status__in=UNDISPATCHED,
        merged_into_id__isnull=True,
        reported_at__gte=now - LOOKBACK,
        reported_at__lte=now,
    )
    if None not in automatic:  # only the categories with a rule of their own that merges
        recent = recent.filter(category_key__in=[key for key in automatic if key is not None])
    reports = await recent.order_by("reported_at", "id").limit(BATCH)
    ids = [report.id for report in reports]
    mains = set(await Event.filter(merged_into_id__in=ids).values_list("merged_into_id", flat=True))
    unmerged = set(
        await TimelineEntry.filter(event_id__in=ids, action=Action.UNMERGE).values_list(
            "event_id", flat=True
        )
    )
    merged = []
    for report in reports:
        if report.id in mains or report.id in unmerged:
            continue
        rule = await rule_for(report.category_key)
        if rule.merge_score is None:
            continue
        found = await find(actor=None, probe=Probe.of(report), first=MAX_CANDIDATES)
        earlier = [
            candidate
            for candidate in found
            if candidate.score >= rule.merge_score
            and (candidate.reported_at, str(candidate.event_id))
            < (report.reported_at, str(report.id))
        ]
        if not earlier:
            continue
        best = earlier[0]  # found is best first
        try:
            await merge_by_rule(
                report_id=report.id,
                into_id=best.event_id,
                note=f"自动并入 {best.case_number}（文本相似度 {best.score:.2f}）",
            )
        except Conflict:
            continue  # the desk took the report or the main event meanwhile: theirs to decide
        merged.append(AutoMerged(report.id, best.event_id, best.score))
    return merged
