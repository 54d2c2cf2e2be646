"""Periodic analysis reports (定期研判报告): a unit (the centre of a city, district, township or
community) drafts one per period of its region — its figures frozen from the statistics when
generated, refreshed on request while a draft — writes its analysis in sections, sends it to
its leader for review, who returns it or publishes it to the level above.

Drafts and reports under review are read by their own unit only (assignments at the report's
region); a published report by every level whose read scope covers the region."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api import clock
from api.auth import Principal
from api.domains.economy.flow import centre_of
from api.domains.economy.scope import check, next_month, readable, region
from api.domains.events.models import Category
from api.domains.hierarchy.models import Region
from api.domains.stats import formulas
from api.domains.stats import service as stats
from api.domains.stats.enums import GroupBy
from api.domains.supervision.enums import ReportAction, ReportPeriod, ReportStatus
from api.domains.supervision.flow import PROPOSALS, REPORTS, people_at, reviewers
from api.domains.supervision.models import AnalysisReport
from api.domains.supervision.pages import newest_first
from api.errors import ErrorCode, ValidationFailed
from api.flows import moves
from api.flows.calendar import LOCAL
from api.flows.models import FlowStep
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level, parent_of
from policies.enforcer import scope_prefixes

OBJECT: Final = "analysis_report"
MAX_TITLE: Final = 200
MAX_UNIT: Final = 100
MAX_SECTIONS: Final = 12
MAX_HEADING: Final = 100
MAX_BODY: Final = 20_000
MAX_NOTE: Final = 2000
REPORT_LEVELS: Final = frozenset({Level.CITY, Level.DISTRICT, Level.TOWNSHIP, Level.COMMUNITY})
UNIT_SUFFIX: Final = {
    Level.CITY: "指挥中心",
    Level.DISTRICT: "指挥中心",
    Level.TOWNSHIP: "综治中心",
    Level.COMMUNITY: "社区工作站",
}
RATES: Final = {
    "closure_rate": formulas.closure_rate,
    "on_time_closure_rate": formulas.on_time_closure_rate,
    "on_time_handling_rate": formulas.on_time_handling_rate,
    "rework_rate": formulas.rework_rate,
    "accurate_dispatch_rate": formulas.accurate_dispatch_rate,
    "satisfaction": formulas.mean_satisfaction,
}


@dataclass(frozen=True, slots=True)
class Section:
    """A written part of the analysis (形势概述, 突出问题, 原因分析, 对策建议 …)."""

    heading: str
    body: str


# ---------------------------------------------------------------- periods


def period_of(kind: ReportPeriod, start: date) -> tuple[date, date]:
    """The period starting on `start` (a Monday, a month's or a quarter's first day), its last
    day included; any other day is a typed mistake."""
    if kind is ReportPeriod.WEEK:
        if start.isoweekday() != 1:
            raise ValidationFailed(_("a week starts on a Monday"), field="periodStart")
        return start, start + timedelta(days=6)
    if start.day != 1 or (kind is ReportPeriod.QUARTER and start.month % 3 != 1):
        what = "a month's" if kind is ReportPeriod.MONTH else "a quarter's (Jan, Apr, Jul, Oct)"
        raise ValidationFailed(
            _("the period starts on {what} first day", what=what), field="periodStart"
        )
    end = next_month(start)
    if kind is ReportPeriod.QUARTER:
        end = next_month(next_month(end))
    return start, end - timedelta(days=1)


def _before(kind: ReportPeriod, start: date) -> tuple[date, date]:
    """The period before, for comparison (环比)."""
    if kind is ReportPeriod.WEEK:
        return period_of(kind, start - timedelta(days=7))
    back = 3 if kind is ReportPeriod.QUARTER else 1
    month = (start.year * 12 + start.month - 1) - back
    return period_of(kind, date(month // 12, month % 12 + 1, 1))


def _period_name(kind: ReportPeriod, start: date) -> str:
    if kind is ReportPeriod.WEEK:
        year, week, _unused = start.isocalendar()
        return f"{year}年第{week}周"
    if kind is ReportPeriod.MONTH:
        return f"{start.year}年{start.month}月"
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"


# ---------------------------------------------------------------- figures


def _counts(rows: Sequence[Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "key": row.key,
            "label": labels.get(row.key or "", row.key or ""),
            "count": row.count,
            "open": row.open_count,
            "closed": row.closed_count,
            "yellow": row.yellow_count,
            "red": row.red_count,
        }
        for row in sorted(rows, key=lambda row: (-row.count, row.key or ""))
    ]


async def generate_figures(
    *, actor: Principal, region_code: str, kind: ReportPeriod, first: date, last: date
) -> dict[str, Any]:
    """The period's figures as the statistics give them now, frozen as JSON: the assessment
    totals and rates, the period before, and counts by category, child region and source."""

    async def counts(group: GroupBy) -> list[Any]:
        return await stats.event_statistics(
            actor=actor, scope_code=region_code, first_day=first, last_day=last, group_by=[group]
        )

    totals = await stats.figures(
        actor=actor, scope_code=region_code, first_day=first, last_day=last
    )
    before_first, before_last = _before(kind, first)
    before = await stats.figures(
        actor=actor, scope_code=region_code, first_day=before_first, last_day=before_last
    )
    by_category, by_child, by_source = (
        await counts(GroupBy.CATEGORY),
        await counts(GroupBy.CHILD_REGION),
        await counts(GroupBy.SOURCE),
    )
    categories = dict(
        await Category.filter(key__in=[row.key for row in by_category if row.key]).values_list(
            "key", "name"
        )
    )
    regions = dict(
        await Region.filter(code__in=[row.key for row in by_child if row.key]).values_list(
            "code", "name"
        )
    )
    plain = totals.as_json()
    return {
        "formula_version": formulas.FORMULA_VERSION,
        "totals": {key: value for key, value in plain.items() if isinstance(value, int)},
        "rates": {name: rate(totals) for name, rate in RATES.items()},
        "previous": {
            "first_day": before_first.isoformat(),
            "last_day": before_last.isoformat(),
            "cases": before.cases,
            "closed": before.closed,
            "closure_rate": formulas.closure_rate(before),
        },
        "by_category": _counts(by_category, {str(k): str(v) for k, v in categories.items()}),
        "by_child_region": _counts(by_child, {str(k): str(v) for k, v in regions.items()}),
        "by_source": _counts(by_source, {}),
    }


# ---------------------------------------------------------------- checks


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    cleaned = value.strip()
    if (required and not cleaned) or len(cleaned) > limit or "\x00" in cleaned:
        low = 1 if required else 0
        raise ValidationFailed(
            _("{field} is {low} to {limit} characters", field=field, low=low, limit=limit),
            field=field,
        )
    return cleaned


def _sections(sections: Sequence[Section]) -> list[dict[str, str]]:
    if len(sections) > MAX_SECTIONS:
        raise ValidationFailed(
            _("at most {MAX_SECTIONS} sections", MAX_SECTIONS=MAX_SECTIONS), field="sections"
        )
    return [
        {
            "heading": _text(s.heading, field="sections.heading", limit=MAX_HEADING),
            "body": _text(s.body, field="sections.body", limit=MAX_BODY, required=False),
        }
        for s in sections
    ]


def _own_unit(actor: Principal, action: str, region_code: str) -> None:
    """`action` on the region's report by the region's own unit: the policy at the region, and
    an assignment held there (the level above reads what is published, it does not write)."""
    check(actor, OBJECT, action, at=region_code)
    if not any(a.region_code == region_code for a in actor.assignments):
        raise ValidationFailed(
            _("only {region_code}'s own unit does this", region_code=region_code),
            field="regionCode",
            code=ErrorCode.NOT_ALLOWED,
        )


def readable_reports(actor: Principal) -> Q:
    """Published reports under the caller's read scope; any report of a region the caller is
    assigned at (its own unit's drafts)."""
    own = sorted(
        {
            a.region_code
            for a in actor.assignments
            if a.region_code in scope_prefixes([a], OBJECT, "read")
        }
    )
    published = readable(actor, OBJECT) & Q(status=ReportStatus.PUBLISHED.value)
    return published | Q(region_code__in=own) if own else published


# ---------------------------------------------------------------- the flow's steps


def _move(
    actor: Principal,
    report_id: uuid.UUID,
    action: ReportAction,
    *,
    version: int | None,
    right: str = "write",
    note: str = "",
) -> AbstractAsyncContextManager[moves.Move[AnalysisReport]]:
    """A step on a report the caller may read, taken by its own unit holding `right`."""
    return moves.transition(
        REPORTS,
        actor=actor,
        record_id=report_id,
        action=action,
        note=note,
        scope=readable_reports(actor),
        expected_version=version,
        authorize=lambda report: _own_unit(actor, right, report.region_code),
    )


async def create(
    *,
    actor: Principal,
    region_code: str,
    kind: ReportPeriod,
    period_start: date,
    title: str | None = None,
    author_unit: str | None = None,
    sections: Sequence[Section] = (),
) -> AnalysisReport:
    """Draft the region's report of a period, its figures generated now (once per region and
    period: a second is ALREADY_EXISTS)."""
    region_code = region(region_code)
    level = Level.of_code(region_code)
    if level not in REPORT_LEVELS:
        raise ValidationFailed(_("reports are of a city, district, township or community"))
    _own_unit(actor, "write", region_code)
    first, last = period_of(kind, period_start)
    if first > clock.now().astimezone(LOCAL).date():
        raise ValidationFailed(_("the period has not begun"), field="periodStart")
    place = await Region.get_or_none(code=region_code, is_active=True)
    if place is None:
        raise ValidationFailed(
            _("{region_code} is not an active region", region_code=region_code), field="regionCode"
        )
    written = _sections(sections)
    figures = await generate_figures(
        actor=actor, region_code=region_code, kind=kind, first=first, last=last
    )
    now = clock.now()
    report = AnalysisReport(
        id=uuid.uuid4(),
        region_code=region_code,
        period_kind=kind.value,
        period_start=first,
        period_end=last,
        title=_text(title, field="title", limit=MAX_TITLE)
        if title is not None
        else f"{place.name}{_period_name(kind, first)}研判报告",
        author_unit=_text(author_unit, field="authorUnit", limit=MAX_UNIT)
        if author_unit is not None
        else f"{place.name}{UNIT_SUFFIX[level]}",
        created_by_id=actor.user_id,
        created_by_label=(actor.display_name or actor.label)[:100],
        figures=figures,
        figures_generated_at=now,
        sections=written,
        status=ReportStatus.DRAFT.value,
        flow_version=REPORTS.version,
        created_at=now,
    )
    try:
        await moves.start(REPORTS, report, actor=actor, action=ReportAction.CREATE, stage=None)
    except IntegrityError as error:
        raise ValidationFailed(
            _(
                "{region_code} has a {value} report of {first}",
                region_code=region_code,
                value=kind.value,
                first=first,
            ),
            field="periodStart",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    return report


async def edit(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    title: str | None,
    sections: Sequence[Section] | None,
    version: int | None = None,
) -> AnalysisReport:
    """Rewrite a draft's (or returned report's) title or sections."""
    new_title = None if title is None else _text(title, field="title", limit=MAX_TITLE)
    written = None if sections is None else _sections(sections)
    async with _move(actor, report_id, ReportAction.EDIT, version=version) as move:
        if new_title is not None:
            move.record.title = new_title
        if written is not None:
            move.record.sections = written
    return move.record


async def refresh_figures(
    *, actor: Principal, report_id: uuid.UUID, version: int | None = None
) -> AnalysisReport:
    """Generate a draft's figures again from the statistics as they are now."""
    async with _move(actor, report_id, ReportAction.REFRESH_FIGURES, version=version) as move:
        held = move.record
        held.figures = await generate_figures(
            actor=actor,
            region_code=held.region_code,
            kind=ReportPeriod(held.period_kind),
            first=held.period_start,
            last=held.period_end,
        )
        held.figures_generated_at = move.now
    return held


async def submit(
    *, actor: Principal, report_id: uuid.UUID, version: int | None = None
) -> AnalysisReport:
    """Send a draft to the unit's leaders for review (their clock starts)."""
    async with _move(actor, report_id, ReportAction.SUBMIT, version=version) as move:
        if not any(section["body"] for section in move.record.sections):
            raise ValidationFailed(_("write the analysis before submitting it"), field="sections")
        await move.tell(
            await people_at(reviewers(move.record)),
            kind="analysis_report",
            title=_("To review: {title}", title=move.record.title),
        )
    return move.record


async def review(
    *,
    actor: Principal,
    report_id: uuid.UUID,
    publish: bool,
    note: str = "",
    version: int | None = None,
) -> AnalysisReport:
    """The unit's leader publishes the report to the level above, or returns it (say why)."""
    note = _text(note, field="note", limit=MAX_NOTE, required=not publish)
    action = ReportAction.PUBLISH if publish else ReportAction.RETURN
    async with _move(actor, report_id, action, version=version, right="review", note=note) as move:
        held = move.record
        held.review_note = note
        held.reviewed_by_id = actor.user_id
        if publish:
            held.published_at = move.now
            above = parent_of(held.region_code)
            if above:
                await move.tell(
                    await people_at([centre_of(above)]),
                    kind="analysis_report",
                    title=_("Submitted from below: {title}", title=held.title),
                )
        elif held.created_by_id is not None:
            await move.tell(
                [held.created_by_id],
                kind="analysis_report",
                title=_("Sent back: {title}", title=held.title),
            )
    return held


# ---------------------------------------------------------------- reading


async def get(*, actor: Principal, report_id: uuid.UUID) -> AnalysisReport | None:
    """A report the caller may read (None otherwise: out of scope looks absent)."""
    return await AnalysisReport.filter(readable_reports(actor), id=report_id).first()


async def of_scope(
    *,
    actor: Principal,
    region_code: str | None,
    kind: ReportPeriod | None,
    status: ReportStatus | None,
    page: PageRequest,
) -> tuple[Page[AnalysisReport], QuerySet[AnalysisReport]]:
    """Reports the caller may read, newest first; under `region_code` if given."""
    query = AnalysisReport.filter(readable_reports(actor))
    if region_code is not None:
        check(actor, OBJECT, "read", at=region_code)
        query = query.filter(region_code__startswith=region_code)
    if kind is not None:
        query = query.filter(period_kind=kind.value)
    if status is not None:
        query = query.filter(status=status.value)
    return await newest_first(query, page), query


async def steps_of(record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[FlowStep]]:
    """The timelines of supervision records (reports, proposals), oldest step first."""
    grouped: dict[uuid.UUID, list[FlowStep]] = {}
    for step in await FlowStep.filter(
        record_id__in=list(record_ids), flow__in=[REPORTS.name, PROPOSALS.name]
    ).order_by("id"):
        grouped.setdefault(step.record_id, []).append(step)
    return grouped
