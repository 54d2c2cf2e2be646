"""Spike warnings (预警): a community whose count of one category in the last window is far
above its own usual rate, found by the worker, told to the command centres above it, and
acknowledged by one of them.

The rule is a Poisson tail: with λ the community's and category's events per window over the
baseline period before the window, a count k warns when k ≥ min_count and P(X ≥ k | λ) ≤ max_p.
λ has a floor (half an event a window), so a category new to a community needs several events at
once, not one. Merged reports (重复件) are one incident and count once. A community and category
already warned within the window is not warned again until the window has passed: a spike is
told when it starts, not every hour it lasts."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.notices import service as notices
from api.domains.triage.models import SpikeRule, SpikeWarning
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows.holders import holders_of
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import subtree_filter
from api.regions import Level, ancestor_at
from policies.enforcer import authorize, can, scope_prefixes

LAMBDA_FLOOR = 0.5
DEFAULT = SpikeRule(window_hours=168, baseline_days=56, min_count=3, max_p=0.001)


@dataclass(frozen=True, slots=True)
class Found:
    region_code: str
    category_key: str
    count: int
    baseline: float
    p_value: float


def tail(count: int, mean: float) -> float:
    """P(X ≥ count) for X ~ Poisson(mean)."""
    term = math.exp(-mean)
    below = 0.0
    for i in range(count):
        below += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - below)


def rule_for(rules: dict[str | None, SpikeRule], category_key: str) -> SpikeRule:
    """The category's own rule, else the row for every category, else the defaults."""
    return rules.get(category_key) or rules.get(None) or DEFAULT


def judge(
    counts: dict[tuple[str, str], int],
    history: dict[tuple[str, str], int],
    rules: dict[str | None, SpikeRule],
) -> list[Found]:
    """The spikes among this window's counts, given each pair's count over the baseline."""
    found = []
    for (region, category), count in counts.items():
        rule = rule_for(rules, category)
        windows = rule.baseline_days * 24 / rule.window_hours
        mean = max(history.get((region, category), 0) / windows, LAMBDA_FLOOR)
        if count < rule.min_count:
            continue
        p_value = tail(count, mean)
        if p_value <= rule.max_p:
            found.append(Found(region, category, count, round(mean, 3), p_value))
    return sorted(found, key=lambda f: (f.p_value, f.region_code, f.category_key))


async def _rules() -> dict[str | None, SpikeRule]:
    return {rule.category_key: rule for rule in await SpikeRule.all()}


def _reach(rules: dict[str | None, SpikeRule]) -> timedelta:
    """How far back the longest window and its baseline reach."""
    longest = max([r.window_hours for r in rules.values()] + [DEFAULT.window_hours])
    deepest = max([r.baseline_days for r in rules.values()] + [DEFAULT.baseline_days])
    return timedelta(hours=longest) + timedelta(days=deepest)


async def _events(
    start: datetime, end: datetime, case_prefix: str | None = None
) -> list[tuple[str, str, datetime]]:
    """(community, category, reported at) of the incidents reported in [start, end): merged
    reports left out, an incident counts once. `case_prefix`: only events whose case numbers
    start so (evaluate-intake on a generated workload)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT community_code, category_key, reported_at FROM events"
        " WHERE reported_at >= $1 AND reported_at < $2 AND community_code IS NOT NULL"
        " AND merged_into_id IS NULL AND starts_with(case_number, $3)",
        [start, end, case_prefix or ""],
    )
    return [
        (str(row["community_code"]), str(row["category_key"]), row["reported_at"]) for row in rows
    ]


def tally(
    rows: list[tuple[str, str, datetime]], rules: dict[str | None, SpikeRule], now: datetime
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Each (community, category)'s count in its rule's window ending `now`, and over the
    baseline days before that window: each row's age decides where it falls."""
    counts: dict[tuple[str, str], int] = {}
    history: dict[tuple[str, str], int] = {}
    for region, category, at in rows:
        if at >= now:
            continue
        key = (region, category)
        rule = rule_for(rules, category)
        start = now - timedelta(hours=rule.window_hours)
        if at >= start:
            counts[key] = counts.get(key, 0) + 1
        elif at >= start - timedelta(days=rule.baseline_days):
            history[key] = history.get(key, 0) + 1
    return counts, history


@dataclass(frozen=True, slots=True)
class Replayed:
    at: datetime
    region_code: str
    category_key: str
    count: int
    baseline: float


async def replay(
    *, since: datetime, until: datetime, every: timedelta, case_prefix: str | None = None
) -> list[Replayed]:
    """The warnings `detect` would have given, run every `every` from `since` to `until` over
    the events as they are now (evaluate-intake): the same tally, rule and once-per-window
    suppression, nothing stored or told."""
    rules = await _rules()
    rows = await _events(since - _reach(rules), until, case_prefix)
    last: dict[tuple[str, str], datetime] = {}
    warned = []
    now = since
    while now <= until:
        counts, history = tally(rows, rules, now)
        for spike in judge(counts, history, rules):
            key = (spike.region_code, spike.category_key)
            window = timedelta(hours=rule_for(rules, spike.category_key).window_hours)
            if key in last and last[key] > now - window:
                continue
            last[key] = now
            warned.append(Replayed(now, *key, spike.count, spike.baseline))
        now += every
    return warned


async def detect(*, now: datetime | None = None) -> list[SpikeWarning]:
    """Find the spikes of the window ending now, store a warning for each that is new, and tell
    the township centre and the district command above its community (notices, pushed live)."""
    now = now or clock.now()
    rules = await _rules()
    rows = await _events(now - _reach(rules), now)
    counts, history = tally(rows, rules, now)
    warned = []
    for spike in judge(counts, history, rules):
        rule = rule_for(rules, spike.category_key)
        start = now - timedelta(hours=rule.window_hours)
        async with in_transaction():
            # a worker per tick (the cron is unique), and the check and the write in one
            # transaction under the pair's lock: two runs at once still warn once
            await connections.get("default").execute_query(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [f"spike:{spike.region_code}:{spike.category_key}"],
            )
            if await SpikeWarning.exists(
                region_code=spike.region_code,
                category_key=spike.category_key,
                detected_at__gt=now - timedelta(hours=rule.window_hours),
            ):
                continue
            warning = await SpikeWarning.create(
                id=uuid.uuid4(),
                region_code=spike.region_code,
                category_key=spike.category_key,
                window_start=start,
                window_end=now,
                count=spike.count,
                baseline=spike.baseline,
                baseline_days=rule.baseline_days,
                p_value=spike.p_value,
                detected_at=now,
            )
            await _tell(warning)
        warned.append(warning)
    return warned


async def _tell(warning: SpikeWarning) -> None:
    places = [
        ("township_centre", ancestor_at(warning.region_code, Level.TOWNSHIP)),
        ("district_command", ancestor_at(warning.region_code, Level.DISTRICT)),
    ]
    holders = await holders_of(places)
    await notices.notify(
        user_ids=[user for place in places for user in holders.get(place, [])],
        dedupe_key=f"spike:{warning.id}",
        kind="spike_warning",
        title=_(
            "Warning: {region_code} {category} {count} recently (usually {baseline})",
            region_code=warning.region_code,
            category=warning.category_key,
            count=warning.count,
            baseline=f"{warning.baseline:g}",
        ),
        body=_(
            "P = {p}; window {start} – {end} UTC",
            p=f"{warning.p_value:.2g}",
            start=f"{warning.window_start:%Y-%m-%d %H:%M}",
            end=f"{warning.window_end:%Y-%m-%d %H:%M}",
        ),
        region_code=warning.region_code,
    )


async def warnings(
    *, actor: Principal, region_code: str, open_only: bool, page: PageRequest
) -> tuple[Page[SpikeWarning], Any]:
    """The warnings of communities under `region_code` in the caller's scope, newest first."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(_("regionCode must be a region code"), field="regionCode")
    authorize(actor.assignments, "spike_warning", "read", at=region_code)
    query = SpikeWarning.filter(
        subtree_filter(scope_prefixes(actor.assignments, "spike_warning", "read"), "region_code"),
        region_code__startswith=region_code,
    )
    if open_only:
        query = query.filter(acknowledged_at__isnull=True)
    filtered = query
    if page.after is not None:
        detected, warning_id = split_cursor(page.after)
        query = query.filter(
            Q(detected_at__lt=detected) | Q(detected_at=detected, id__lt=warning_id)
        )
    rows = await query.order_by("-detected_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda w: f"{w.detected_at.isoformat()}|{w.id}"), filtered


async def acknowledge(*, actor: Principal, warning_id: uuid.UUID | None, note: str) -> SpikeWarning:
    """A command centre takes note of a warning (once; a second acknowledgement is a conflict)."""
    if len(note) > 500:
        raise ValidationFailed(_("note must have at most 500 characters"), field="note")
    if warning_id is None:  # a malformed id names nothing
        raise NotFound("spike warning", "", field="id")
    async with in_transaction():
        warning = await SpikeWarning.filter(id=warning_id).select_for_update().first()
        if warning is None:
            raise NotFound("spike warning", warning_id, field="id")
        # one the caller may not even read is not found (no oracle of other regions' warnings)
        if not can(actor.assignments, "spike_warning", "read", at=warning.region_code):
            raise NotFound("spike warning", warning_id, field="id")
        authorize(actor.assignments, "spike_warning", "acknowledge", at=warning.region_code)
        if warning.acknowledged_at is not None:
            raise Conflict(
                _(
                    "acknowledged already by {acknowledged_by_label}",
                    acknowledged_by_label=warning.acknowledged_by_label,
                ),
                code=ErrorCode.INVALID_TRANSITION,
                field="id",
            )
        warning.acknowledged_at = clock.now()
        warning.acknowledged_by_id = actor.user_id
        warning.acknowledged_by_label = actor.label[:100]
        warning.note = note
        await warning.save()
    return warning
