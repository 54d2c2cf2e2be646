"""Assessment and decision support (考核督办 / 辅助决策): rates, rankings, points rules,
exemptions on appeal, frozen rankings, chart statistics and the command-centre dashboard.

Every read authorises the scope region first (out of scope is "not found") and then reads only
that subtree; grid workers see their own figures through `my_figures` alone."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.models import User
from api.domains.audit.service import record
from api.domains.events import holidays
from api.domains.events.deadlines import LOCAL
from api.domains.events.enums import OPEN_STATUSES
from api.domains.events.models import CardRecord, Event
from api.domains.events.reference import _authorize_citywide
from api.domains.events.service import readable_events
from api.domains.hierarchy.models import Department, Region
from api.domains.hierarchy.service import public_region
from api.domains.stats import facts, formulas, grades, norms, reading, statistics
from api.domains.stats.enums import (
    BREAKDOWNS,
    TIME_BUCKETS,
    Fact,
    GroupBy,
    Metric,
    PeriodKind,
    SubjectKind,
)
from api.domains.stats.formulas import Figures, Ranked
from api.domains.stats.models import (
    Exemption,
    RankingSnapshot,
    RankingSnapshotEntry,
    ScoringRules,
)
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import subtree_filter
from api.regions import PATH_COLUMNS, Level, path_codes
from policies.enforcer import authorize, scope_prefixes

MAX_PERIOD_DAYS = 1100  # three years of figures in one question
MAX_DAILY_BUCKETS = 400
MAX_STATISTICS_ROWS = 10_000  # a chart, not an export: bars and points a screen can show
MAX_REASON = 1000
ONLINE_WITHIN = timedelta(minutes=10)
BUSIEST_DAYS = 7
BUSIEST_COUNT = 5
# a township's frozen rankings rank its communities and departments (公开街道、社区和各职能部门的考核排队)
FROZEN_SCOPE_LEVELS = (Level.CITY, Level.DISTRICT, Level.TOWNSHIP)


@dataclass(frozen=True)
class Rules:
    version: int  # 0: the built-in defaults, before a city set its own
    points: Mapping[Fact, float]
    minimum_cases: int
    note: str = ""
    created_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "points": {fact.value: value for fact, value in self.points.items()},
            "minimum_cases": self.minimum_cases,
        }


DEFAULT_RULES = Rules(
    version=0,
    points=formulas.DEFAULT_POINTS,
    minimum_cases=formulas.DEFAULT_MINIMUM_CASES,
    note="built-in defaults",
)


@dataclass(frozen=True)
class RankingEntry:
    ranked: Ranked
    label: str
    grade: str | None = None  # by the ranking's grade bands; None: not graded


@dataclass
class Ranking:
    entries: list[RankingEntry]
    rules: Rules
    formula_version: str
    bands: grades.Bands | None = None  # the grade bands the entries were graded by


@dataclass(frozen=True)
class GradeDistribution:
    """How many subjects of a frozen ranking got each grade (in the bands' order)."""

    snapshot: RankingSnapshot
    bands: grades.Bands
    counts: list[tuple[str, int]]
    ungraded: int  # too few cases, no figure, or below every band


@dataclass
class Dashboard:
    scope_code: str
    generated_at: datetime
    open_by_status: dict[str, int] = field(default_factory=dict)
    open_by_level: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    open_yellow_cards: int = 0
    open_red_cards: int = 0
    reported_today: int = 0
    closed_today: int = 0
    busiest_categories: list[tuple[str, int]] = field(default_factory=list)
    workers_online: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    grid_norms: norms.GridNorms | None = None
    grade_distributions: list[GradeDistribution] = field(default_factory=list)


# ---------------------------------------------------------------- checks


def _scope(actor: Principal, scope_code: str, obj: str) -> str:
    if Level.of_code(scope_code) is None:
        raise ValidationFailed(
            _("scope must be a region code"), field="scope", code=ErrorCode.INVALID_CODE
        )
    authorize(actor.assignments, obj, "read", at=scope_code)
    return scope_code


def _period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationFailed(_("the period ends before it starts"), field="to")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("a period is at most {MAX_PERIOD_DAYS} days", MAX_PERIOD_DAYS=MAX_PERIOD_DAYS),
            field="to",
        )


def _group_by(group_by: Sequence[GroupBy], first_day: date, last_day: date) -> None:
    if len(set(group_by)) != len(group_by):
        raise ValidationFailed(_("a dimension appears twice"), field="groupBy")
    if len([g for g in group_by if g in BREAKDOWNS]) > 1:
        raise ValidationFailed(
            _("group by at most one of CATEGORY, STATUS, SOURCE, CHILD_REGION"), field="groupBy"
        )
    if len([g for g in group_by if g in TIME_BUCKETS]) > 1:
        raise ValidationFailed(_("group by at most one of DAY, WEEK, MONTH"), field="groupBy")
    if GroupBy.DAY in group_by and (last_day - first_day).days + 1 > MAX_DAILY_BUCKETS:
        raise ValidationFailed(
            _(
                "daily series cover at most {MAX_DAILY_BUCKETS} days: use WEEK or MONTH",
                MAX_DAILY_BUCKETS=MAX_DAILY_BUCKETS,
            ),
            field="groupBy",
        )


def local_today() -> date:
    return clock.now().astimezone(LOCAL).date()


# ---------------------------------------------------------------- statistics


async def event_statistics(
    *,
    actor: Principal,
    scope_code: str,
    first_day: date,
    last_day: date,
    group_by: Sequence[GroupBy],
) -> list[statistics.Row]:
    """Chart data of the scope: counts by one breakdown and/or one time bucket."""
    _scope(actor, scope_code, "statistics")
    _period(first_day, last_day)
    _group_by(group_by, first_day, last_day)
    rows = await statistics.event_counts(
        scope_code=scope_code, first_day=first_day, last_day=last_day, group_by=group_by
    )
    if len(rows) > MAX_STATISTICS_ROWS:
        raise ValidationFailed(
            _(
                "more than {MAX_STATISTICS_ROWS:,} rows: shorten the period or group more coarsely",
                MAX_STATISTICS_ROWS=MAX_STATISTICS_ROWS,
            ),
            field="groupBy",
        )
    return rows


async def figures(*, actor: Principal, scope_code: str, first_day: date, last_day: date) -> Figures:
    """The assessment figures of a whole subtree over a period."""
    _scope(actor, scope_code, "statistics")
    _period(first_day, last_day)
    found = await facts.gather(
        facts.Population(first_day=first_day, last_day=last_day, scope_code=scope_code)
    )
    return found.get("", Figures())


async def my_figures(*, actor: Principal, first_day: date, last_day: date) -> Figures:
    """The caller's own figures: cases assigned to them in person, and their reports."""
    _period(first_day, last_day)
    if actor.user_id is None:
        return Figures()
    found = await facts.gather(
        facts.Population(first_day=first_day, last_day=last_day, assignee_user_id=actor.user_id)
    )
    return formulas.sum_figures(list(found.values()))


# ---------------------------------------------------------------- rules


async def current_rules() -> Rules:
    row = await ScoringRules.all().order_by("-version").first()
    if row is None:
        return DEFAULT_RULES
    return _rules_of(row)


def _rules_of(row: ScoringRules) -> Rules:
    return Rules(
        version=row.version,
        points={Fact(name): float(value) for name, value in row.points.items()},
        minimum_cases=row.minimum_cases,
        note=row.note,
        created_at=row.created_at,
    )


async def rules_for_reading(*, actor: Principal) -> Rules:
    if not scope_prefixes(actor.assignments, "ranking", "read"):
        raise NotFound("scoring rules", "current")
    return await current_rules()


async def set_rules(
    *,
    actor: Principal,
    points: Mapping[str, float],
    minimum_cases: int,
    note: str = "",
) -> Rules:
    """A new version of the points rules (city administrators); unpriced facts count 0."""
    city = _authorize_citywide(actor, "scoring_rules")
    try:
        cleaned = formulas.validate_points(points)
    except ValueError as error:
        raise ValidationFailed(str(error), field="points") from error
    if not 0 <= minimum_cases <= 10_000:
        raise ValidationFailed(_("minimumCases is 0 to 10,000"), field="minimumCases")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(_("note is at most 200 characters"), field="note")
    async with in_transaction():
        row = await ScoringRules.create(
            points={fact.value: value for fact, value in cleaned.items()},
            minimum_cases=minimum_cases,
            note=note,
            created_by_id=actor.user_id,
            created_at=clock.now(),
        )
        await record(
            actor=actor,
            action="scoring_rules.update",
            object_type="scoring_rules",
            object_id=str(row.version),
            region_code=city,
            detail={"points": row.points, "minimum_cases": minimum_cases},
        )
    return _rules_of(row)


# ---------------------------------------------------------------- rankings


async def _labels(kind: SubjectKind, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    if kind is SubjectKind.REGION:
        rows = await Region.filter(code__in=list(keys)).values_list("code", "name")
    elif kind is SubjectKind.DEPARTMENT:
        rows = await Department.filter(id__in=list(keys)).values_list("id", "name")
    else:
        rows = await User.filter(id__in=list(keys)).values_list("id", "display_name")
    return {str(key): str(name) for key, name in rows}


async def ranking(
    *,
    actor: Principal,
    scope_code: str,
    subject_kind: SubjectKind,
    first_day: date,
    last_day: date,
    metric: Metric,
) -> Ranking:
    """Departments, workers or child regions of the scope, best first by `metric`."""
    _scope(actor, scope_code, "ranking")
    _period(first_day, last_day)
    if subject_kind is SubjectKind.REGION and Level.of_code(scope_code) is Level.GRID:
        raise ValidationFailed(_("a grid has no child regions to rank"), field="scope")
    rules = await current_rules()
    subjects = await facts.gather(
        facts.Population(first_day=first_day, last_day=last_day, scope_code=scope_code),
        subject_kind,
    )
    bands = await grades.in_force(subject_kind, last_day)
    return await _ranked(
        subject_kind, subjects, rules, metric, formulas.FORMULA_VERSION, bands=bands
    )


async def _ranked(
    kind: SubjectKind,
    subjects: Mapping[str, Figures],
    rules: Rules,
    metric: Metric,
    formula_version: str,
    labels: Mapping[str, str] | None = None,
    *,
    bands: grades.Bands | None,
) -> Ranking:
    ordered = formulas.rank(
        subjects, metric=metric, rules=rules.points, minimum_cases=rules.minimum_cases
    )
    names = labels if labels is not None else await _labels(kind, list(subjects))
    return Ranking(
        entries=[
            RankingEntry(
                item,
                names.get(item.key, item.key),
                grades.grade_of(bands, item.figures, rules.minimum_cases) if bands else None,
            )
            for item in ordered
        ],
        rules=rules,
        formula_version=formula_version,
        bands=bands,
    )


def page_of(entries: Sequence[RankingEntry], page: PageRequest) -> Page[RankingEntry]:
    """A page of a ranking; the cursor is the position in the list."""
    start = 0
    if page.after is not None:
        try:
            start = int(page.after) + 1
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
    window = list(entries[start : start + page.first + 1])
    positions = {id(entry): start + index for index, entry in enumerate(window)}
    return make_page(window, page, lambda entry: positions[id(entry)])


# ---------------------------------------------------------------- exemptions


async def grant_exemption(
    *, actor: Principal, event_id: uuid.UUID, card_id: int | None, reason: str
) -> Exemption:
    """申诉免责: a card (or, without card_id, every card of the event) stops counting in
    rankings; the card stays on the event as given."""
    reason = _reason(reason)
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id, field="eventId")
    authorize(actor.assignments, "exemption", "grant", at=event.region_code)
    if card_id is not None and not await CardRecord.exists(id=card_id, event_id=event.id):
        raise NotFound("card", card_id, field="cardId")
    if not await CardRecord.exists(event_id=event.id):
        raise ValidationFailed(_("the event has no card to exempt"), field="eventId")
    try:
        async with in_transaction():
            exemption = await Exemption.create(
                id=uuid.uuid4(),
                event_id=event.id,
                card_id=card_id,
                region_code=event.region_code,
                reason=reason,
                granted_by_id=actor.user_id,
                granted_by_label=actor.label[:100],
                granted_at=clock.now(),
            )
            await record(
                actor=actor,
                action="exemption.grant",
                object_type="event",
                object_id=str(event.id),
                region_code=event.region_code,
                detail={"card_id": card_id, "reason": reason},
            )
    except IntegrityError as error:
        raise ValidationFailed(
            _("this exemption was already granted"), field="cardId", code=ErrorCode.ALREADY_EXISTS
        ) from error
    return exemption


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed(_("a reason is required"), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            _("reason is at most {MAX_REASON} characters", MAX_REASON=MAX_REASON), field="reason"
        )
    return reason


async def withdraw_exemption(*, actor: Principal, exemption_id: uuid.UUID, reason: str) -> None:
    """An exemption granted in error is withdrawn: its card(s) count in rankings again (frozen
    rankings keep what they were made with). Who may grant may withdraw; the audit log keeps the
    grant with the withdrawal."""
    reason = _reason(reason)
    readable = subtree_filter(scope_prefixes(actor.assignments, "exemption", "read"), "region_code")
    async with in_transaction():
        exemption = await Exemption.filter(readable, id=exemption_id).select_for_update().first()
        if exemption is None:
            raise NotFound("exemption", exemption_id, field="id")
        authorize(actor.assignments, "exemption", "grant", at=exemption.region_code)
        await exemption.delete()
        await record(
            actor=actor,
            action="exemption.withdraw",
            object_type="event",
            object_id=str(exemption.event_id),
            region_code=exemption.region_code,
            detail={
                "exemption_id": str(exemption.id),
                "card_id": exemption.card_id,
                "reason": reason,
                "granted_reason": exemption.reason,
                "granted_by": exemption.granted_by_label,
                "granted_at": exemption.granted_at.isoformat(),
            },
        )


async def list_exemptions(
    *, actor: Principal, page: PageRequest, event_id: uuid.UUID | None = None
) -> tuple[Page[Exemption], Any]:
    """Exemptions of events in the caller's scope, newest first."""
    query = Exemption.filter(
        subtree_filter(scope_prefixes(actor.assignments, "exemption", "read"), "region_code")
    )
    if event_id is not None:
        query = query.filter(event_id=event_id)
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(granted_at__lt=after_at) | Q(granted_at=after_at, id__lt=after_id))
    rows = await query.order_by("-granted_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda e: f"{e.granted_at.isoformat()}|{e.id}"), filtered


# ---------------------------------------------------------------- frozen rankings


def last_complete_period(kind: PeriodKind, today: date) -> tuple[date, date]:
    """The latest period of `kind` that ended before `today` (local days, ISO weeks, months)."""
    if kind is PeriodKind.DAY:
        day = today - timedelta(days=1)
        return day, day
    if kind is PeriodKind.WEEK:
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    first_of_this = today.replace(day=1)
    last_of_previous = first_of_this - timedelta(days=1)
    return last_of_previous.replace(day=1), last_of_previous


async def freeze_rankings(*, today: date | None = None) -> int:
    """Freeze the last complete day, week and month of every city, district and township, for
    every kind of subject, with the rules in force; a period already frozen is left as it is."""
    today = today or local_today()
    rules = await current_rules()
    scopes = await Region.filter(
        is_active=True, level__in=[level.value for level in FROZEN_SCOPE_LEVELS]
    ).values_list("code", flat=True)
    made = 0
    for scope_code in sorted(str(code) for code in scopes):
        for period_kind in PeriodKind:
            first_day, last_day = last_complete_period(period_kind, today)
            for kind in SubjectKind:
                if await _freeze(scope_code, kind, period_kind, first_day, last_day, rules):
                    made += 1
    return made


async def _freeze(
    scope_code: str,
    kind: SubjectKind,
    period_kind: PeriodKind,
    first_day: date,
    last_day: date,
    rules: Rules,
) -> bool:
    if await RankingSnapshot.exists(
        scope_code=scope_code, subject_kind=kind, period_kind=period_kind, period_start=first_day
    ):
        return False
    subjects = await facts.gather(
        facts.Population(first_day=first_day, last_day=last_day, scope_code=scope_code), kind
    )
    labels = await _labels(kind, list(subjects))
    bands = await grades.in_force(kind, last_day)
    try:
        async with in_transaction():
            snapshot = await RankingSnapshot.create(
                id=uuid.uuid4(),
                scope_code=scope_code,
                subject_kind=kind,
                period_kind=period_kind,
                period_start=first_day,
                period_end=last_day,
                formula_version=formulas.FORMULA_VERSION,
                rules_version=rules.version,
                rules=rules.as_json(),
                grade_bands=bands.as_json() if bands else None,
                created_at=clock.now(),
            )
            await RankingSnapshotEntry.bulk_create(
                [
                    RankingSnapshotEntry(
                        snapshot_id=snapshot.id,
                        subject_key=key,
                        subject_label=labels.get(key, key)[:100],
                        figures=value.as_json(),
                    )
                    for key, value in sorted(subjects.items())
                ]
            )
    except IntegrityError:
        return False  # another worker froze it meanwhile
    return True


def _snapshot_rules(snapshot: RankingSnapshot) -> Rules:
    return Rules(
        version=snapshot.rules_version,
        points={Fact(name): float(value) for name, value in snapshot.rules["points"].items()},
        minimum_cases=int(snapshot.rules["minimum_cases"]),
    )


async def list_snapshots(
    *,
    actor: Principal,
    scope_code: str,
    subject_kind: SubjectKind | None,
    period_kind: PeriodKind | None,
    page: PageRequest,
) -> tuple[Page[RankingSnapshot], Any]:
    """Frozen rankings of a scope, newest period first."""
    _scope(actor, scope_code, "ranking")
    query = RankingSnapshot.filter(scope_code=scope_code)
    if subject_kind is not None:
        query = query.filter(subject_kind=subject_kind)
    if period_kind is not None:
        query = query.filter(period_kind=period_kind)
    filtered = query
    if page.after is not None:
        start_text, _unused, id_text = page.after.partition("|")
        try:
            after_start, after_id = date.fromisoformat(start_text), uuid.UUID(id_text)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(
            Q(period_start__lt=after_start) | Q(period_start=after_start, id__lt=after_id)
        )
    rows = await query.order_by("-period_start", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda s: f"{s.period_start.isoformat()}|{s.id}"), filtered


async def snapshot_ranking(
    *, actor: Principal, snapshot_id: uuid.UUID, metric: Metric
) -> tuple[RankingSnapshot, Ranking]:
    """A frozen ranking, ordered by `metric` under the rules frozen with it."""
    snapshot = await RankingSnapshot.get_or_none(id=snapshot_id)
    if snapshot is None:
        raise NotFound("ranking snapshot", snapshot_id)
    _scope(actor, snapshot.scope_code, "ranking")
    return snapshot, await _frozen(snapshot, metric)


async def _frozen(snapshot: RankingSnapshot, metric: Metric) -> Ranking:
    entries = await RankingSnapshotEntry.filter(snapshot_id=snapshot.id)
    subjects = {entry.subject_key: Figures.from_json(entry.figures) for entry in entries}
    labels = {entry.subject_key: entry.subject_label for entry in entries}
    ranking = await _ranked(
        snapshot.subject_kind,
        subjects,
        _snapshot_rules(snapshot),
        metric,
        snapshot.formula_version,
        labels,
        bands=_snapshot_bands(snapshot),
    )
    return ranking


def _snapshot_bands(snapshot: RankingSnapshot) -> grades.Bands | None:
    """The bands frozen with the ranking; none for rankings frozen before grades existed."""
    return grades.Bands.from_json(snapshot.grade_bands) if snapshot.grade_bands else None


async def grade_distributions(scope_code: str) -> list[GradeDistribution]:
    """Per kind of subject, the grades of the scope's latest frozen ranking (the longest period
    among those ending last)."""
    result = []
    for kind in SubjectKind:
        snapshot = (
            await RankingSnapshot.filter(
                scope_code=scope_code, subject_kind=kind, grade_bands__isnull=False
            )
            .order_by("-period_end", "period_start")
            .first()
        )
        if snapshot is None:
            continue
        bands = _snapshot_bands(snapshot)
        assert bands is not None
        minimum_cases = _snapshot_rules(snapshot).minimum_cases
        counts = dict.fromkeys(bands.grade_names(), 0)
        ungraded = 0
        for entry in await RankingSnapshotEntry.filter(snapshot_id=snapshot.id):
            grade = grades.grade_of(bands, Figures.from_json(entry.figures), minimum_cases)
            if grade is None:
                ungraded += 1
            else:
                counts[grade] += 1
        result.append(GradeDistribution(snapshot, bands, list(counts.items()), ungraded))
    return result


# ---------------------------------------------------------------- rankings published to the public

# Published rankings name departments and regions only: a ranking of workers names people, and
# the public sees no personal data.
PUBLISHABLE = frozenset({SubjectKind.DEPARTMENT, SubjectKind.REGION})


def _owner(actor: Principal, snapshot: RankingSnapshot) -> None:
    """Publishing is the owning level's: an assignment held at the snapshot's own scope."""
    authorize(actor.assignments, "ranking", "publish", at=snapshot.scope_code)
    if not any(a.region_code == snapshot.scope_code for a in actor.assignments):
        raise NotAllowed(_("only the level that owns the ranking publishes it"))


async def publish_snapshot(*, actor: Principal, snapshot_id: uuid.UUID) -> RankingSnapshot:
    """Show a frozen ranking to the public (考核排队信息公开); only frozen rankings exist to be
    published, so a live ranking cannot be."""
    async with in_transaction():
        snapshot = await RankingSnapshot.filter(id=snapshot_id).select_for_update().first()
        if snapshot is None:
            raise NotFound("ranking snapshot", snapshot_id, field="id")
        _scope(actor, snapshot.scope_code, "ranking")
        _owner(actor, snapshot)
        if snapshot.subject_kind not in PUBLISHABLE:
            raise ValidationFailed(
                _("a ranking of workers names people and is not published"), field="id"
            )
        if snapshot.published_at is not None:
            raise Conflict(_("the ranking is already published"), code=ErrorCode.ALREADY_EXISTS)
        snapshot.published_at = clock.now()
        snapshot.published_by_id = actor.user_id
        snapshot.withdrawn_at = None
        snapshot.withdrawal_reason = None
        await snapshot.save()
        await record(
            actor=actor,
            action="ranking.publish",
            object_type="ranking_snapshot",
            object_id=str(snapshot.id),
            region_code=snapshot.scope_code,
        )
    return snapshot


async def withdraw_snapshot(
    *, actor: Principal, snapshot_id: uuid.UUID, reason: str
) -> RankingSnapshot:
    """Take a published ranking down; it stays frozen and may be published again."""
    reason = _reason(reason)
    async with in_transaction():
        snapshot = await RankingSnapshot.filter(id=snapshot_id).select_for_update().first()
        if snapshot is None:
            raise NotFound("ranking snapshot", snapshot_id, field="id")
        _scope(actor, snapshot.scope_code, "ranking")
        _owner(actor, snapshot)
        if snapshot.published_at is None:
            raise Conflict(_("the ranking is not published"), code=ErrorCode.INVALID_TRANSITION)
        snapshot.published_at = None
        snapshot.withdrawn_at = clock.now()
        snapshot.withdrawal_reason = reason[:500]
        await snapshot.save()
        await record(
            actor=actor,
            action="ranking.withdraw",
            object_type="ranking_snapshot",
            object_id=str(snapshot.id),
            region_code=snapshot.scope_code,
            detail={"reason": reason[:500]},
        )
    return snapshot


async def public_rankings(
    *, region_code: str, subject_kind: SubjectKind | None, page: PageRequest
) -> tuple[Page[RankingSnapshot], Any]:
    """The canonical public query of published rankings (no sign-in): those of the region and
    of the levels above it, newest period first, so a community's board shows its district's
    and city's."""
    region_code = await public_region(region_code)
    query = RankingSnapshot.filter(
        scope_code__in=path_codes(region_code),
        published_at__isnull=False,
        subject_kind__in=list(PUBLISHABLE),
    )
    if subject_kind is not None:
        query = query.filter(subject_kind=subject_kind)
    filtered = query
    if page.after is not None:
        start_text, _unused, id_text = page.after.partition("|")
        try:
            after_start, after_id = date.fromisoformat(start_text), uuid.UUID(id_text)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(
            Q(period_start__lt=after_start) | Q(period_start=after_start, id__lt=after_id)
        )
    rows = await query.order_by("-period_start", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda s: f"{s.period_start.isoformat()}|{s.id}"), filtered


async def published_ranking(snapshot: RankingSnapshot, metric: Metric) -> Ranking:
    """A published ranking's order by `metric` (the caller got it from `public_rankings`)."""
    if snapshot.published_at is None or snapshot.subject_kind not in PUBLISHABLE:
        raise NotFound("ranking snapshot", snapshot.id)
    return await _frozen(snapshot, metric)


# ---------------------------------------------------------------- dashboard


def _path_conditions(scope_code: str, first_parameter: int) -> tuple[str, list[str]]:
    """Equalities on every ancestor column down to the scope's, so the open-events index
    (city, district, township, …) is used from its first column at any depth."""
    values = path_codes(scope_code)
    conditions = [
        f"{PATH_COLUMNS[len(code)]} = ${first_parameter + index}"
        for index, code in enumerate(values)
    ]
    return " AND ".join(conditions), values


async def dashboard(*, actor: Principal, scope_code: str) -> Dashboard:
    """The command centre's wall (指挥大屏): open events by status and level, overdue,
    today's new and closed, the busiest categories of the week, workers online, and what
    makes its figures unreliable (a year whose statutory holidays are not in the calendar)."""
    _scope(actor, scope_code, "statistics")
    now = clock.now()
    today = now.astimezone(LOCAL).date()
    today_start = datetime.combine(today, time.min, LOCAL)
    board = Dashboard(scope_code=scope_code, generated_at=now)
    path, values = _path_conditions(scope_code, 2)
    open_list = ", ".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
    for row in await reading.rows(
        "SELECT status, handling_level, count(*) AS open,"
        " count(*) FILTER (WHERE due_at < $1) AS overdue,"
        " count(*) FILTER (WHERE card = 'yellow') AS yellow,"
        " count(*) FILTER (WHERE card = 'red') AS red"
        f" FROM events WHERE status IN ({open_list}) AND merged_into_id IS NULL AND {path}"
        " GROUP BY 1, 2",
        [now, *values],
    ):
        status, level = str(row["status"]), str(row["handling_level"])
        board.open_by_status[status] = board.open_by_status.get(status, 0) + int(row["open"])
        board.open_by_level[level] = board.open_by_level.get(level, 0) + int(row["open"])
        board.overdue += int(row["overdue"])
        board.open_yellow_cards += int(row["yellow"])
        board.open_red_cards += int(row["red"])
    board.reported_today = int(
        (
            await reading.rows(
                f"SELECT count(*) AS n FROM events WHERE reported_at >= $1 AND {path}",
                [today_start, *values],
            )
        )[0]["n"]
    )
    board.closed_today = int(
        (
            await reading.rows(
                "SELECT count(*) AS n FROM events WHERE closed_at >= $1"
                f" AND status IN ('closed', 'evaluated') AND merged_into_id IS NULL AND {path}",
                [today_start, *values],
            )
        )[0]["n"]
    )
    busiest = await statistics.event_counts(
        scope_code=scope_code,
        first_day=today - timedelta(days=BUSIEST_DAYS - 1),
        last_day=today,
        group_by=[GroupBy.CATEGORY],
    )
    board.busiest_categories = [
        (str(row.key), row.count)
        for row in sorted(busiest, key=lambda r: (-r.count, str(r.key)))[:BUSIEST_COUNT]
    ]
    board.workers_online = int(
        (
            await reading.rows(
                "SELECT count(DISTINCT user_id) AS n FROM worker_positions"
                " WHERE region_code LIKE $1 AND at >= $2",
                [f"{scope_code}%", now - ONLINE_WITHIN],
            )
        )[0]["n"]
    )
    board.warnings = [
        (
            "CALENDAR_NOT_SEEDED",
            f"the work calendar has no statutory holidays for {year}: time limits running into"
            " it count its holidays as working days until the year is seeded (`gridgov"
            " calendar`, a newer holidays library) or its days are entered by hand",
        )
        for year in await holidays.unseeded_years()
    ]
    board.grid_norms = await norms.summary(scope_code)
    board.grade_distributions = await grade_distributions(scope_code)
    return board


async def event_cards(*, actor: Principal, event_id: uuid.UUID) -> list[tuple[CardRecord, bool]]:
    """The cards of an event in the caller's scope, each with whether it is exempted."""
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id, field="eventId")
    authorize(actor.assignments, "exemption", "read", at=event.region_code)
    cards = await CardRecord.filter(event_id=event.id).order_by("id")
    exemptions = await Exemption.filter(event_id=event.id).values_list("card_id", flat=True)
    return [(card, None in exemptions or card.id in exemptions) for card in cards]
