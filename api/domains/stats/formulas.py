"""The assessment formulas (考核指标), pure: counts in, rates, points and rank out.

The counts are gathered per subject by `api/domains/stats/facts.py` over a period's cases:
events reported in the period (China-time days, both ends included) that were filed (立案; a
rejected report is not a case) — for a region, those that happened in its subtree; for a
department or a person, those assigned to it now. A card is "counted" unless an exemption covers
it (申诉免责); the raw cards stay visible on the event.

A rate with a zero denominator is None (no figure), never 0 or 100%."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from api.domains.stats.enums import LOWER_IS_BETTER, Fact, Metric

# Bumped whenever a formula below changes meaning; frozen rankings keep the version they used.
FORMULA_VERSION = "2026.1"
SATISFIED_FROM = 4  # a rating of 4 or 5 (of 5) is "satisfied"

DEFAULT_POINTS: Mapping[Fact, float] = {
    Fact.REPORTED: 0.0,
    Fact.CLOSED_ON_TIME: 1.0,
    Fact.CLOSED_LATE: 0.0,
    Fact.REWORKED: -1.0,
    Fact.RETURNED: -0.5,
    Fact.YELLOW_CARD: -2.0,
    Fact.RED_CARD: -5.0,
    Fact.SATISFIED: 0.5,
    Fact.UNSATISFIED: -1.0,
    Fact.DIARY_WRITTEN: 0.0,
    Fact.HOUSEHOLD_VISITED: 0.0,
    Fact.QUOTA_SHORTFALL: 0.0,
}
DEFAULT_MINIMUM_CASES = 5


@dataclass
class Figures:
    """Raw counts of one subject over one period."""

    cases: int = 0  # 立案数: filed events reported in the period = 应结案数 (due to be closed)
    closed: int = 0  # 结案数: of the cases, closed (or evaluated) by now
    closed_on_time: int = 0  # 按期结案数: closed with no counted card in any stage
    due_to_handle: int = 0  # 应处置数: dispatched cases whose handling is done or overdue
    handled_on_time: int = 0  # 按期处置数: of those, result submitted with no counted handle card
    handled: int = 0  # 处置数: cases whose result was submitted at least once
    reworked: int = 0  # 返工数: of those, sent back by a failed verification at least once
    dispatched: int = 0  # 派遣数: cases dispatched at least once
    returned: int = 0  # of those, returned by an assignee as not its competence (回退)
    rated: int = 0  # 回访数: cases with a satisfaction rating
    rating_sum: int = 0
    satisfied: int = 0  # rated 4 or 5
    yellow_cards: int = 0  # counted yellow cards of the cases (exempted ones left out)
    red_cards: int = 0
    reported: int = 0  # events the person reported in the period (grid workers' 上报数)
    diaries_written: int = 0  # the person's diaries of the period's days, not returned
    households_visited: int = 0  # the person's household visits in the period
    quota_shortfalls: int = 0  # minimums missed in quota periods ending in the period
    cohandled: int = (
        0  # 协办数: the period's cases a department co-handled (its part not withdrawn)
    )
    overdue: int = 0  # 超期数: of the cases, those with a counted card in any stage
    stage_seconds: dict[str, float] = field(default_factory=dict)  # stage → total seconds
    stage_steps: dict[str, int] = field(default_factory=dict)  # stage → steps measured

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figures:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def closure_rate(f: Figures) -> float | None:
    """结案率 = closed / due to be closed, where due to be closed = the period's cases."""
    return _share(f.closed, f.cases)


def on_time_closure_rate(f: Figures) -> float | None:
    """按期结案率 = cases closed without a counted card in any stage / the period's cases."""
    return _share(f.closed_on_time, f.cases)


def on_time_handling_rate(f: Figures) -> float | None:
    """按期处置率 = handled on time / due to be handled.

    Due to be handled: dispatched cases whose result has been submitted or whose handling
    deadline passed (a handle-stage card was given). Handled on time: result submitted and no
    counted handle-stage card. A case still within its limit is not yet due."""
    return _share(f.handled_on_time, f.due_to_handle)


def rework_rate(f: Figures) -> float | None:
    """返工率 = cases reworked at least once / cases whose result was submitted (lower is better)."""
    return _share(f.reworked, f.handled)


def accurate_dispatch_rate(f: Figures) -> float | None:
    """准确派遣率 = dispatched cases never returned as "not our competence" / dispatched cases."""
    return _share(f.dispatched - f.returned, f.dispatched)


def mean_satisfaction(f: Figures) -> float | None:
    """满意度 = mean rating (1–5) of the rated cases."""
    return f.rating_sum / f.rated if f.rated else None


def satisfied_share(f: Figures) -> float | None:
    """满意率 = cases rated 4 or 5 / rated cases."""
    return _share(f.satisfied, f.rated)


def average_stage_seconds(f: Figures) -> dict[str, float]:
    """Mean time per stage: from the status change that starts it to the one that ends it
    (file: report → filed; dispatch: filed → assigned; handle: assigned → result submitted;
    verify: submitted → verified or sent back; close: verified → closed)."""
    return {
        stage: f.stage_seconds[stage] / steps
        for stage, steps in sorted(f.stage_steps.items())
        if steps
    }


def fact_counts(f: Figures) -> dict[Fact, int]:
    """How often each priced fact occurred."""
    return {
        Fact.REPORTED: f.reported,
        Fact.CLOSED_ON_TIME: f.closed_on_time,
        Fact.CLOSED_LATE: f.closed - f.closed_on_time,
        Fact.REWORKED: f.reworked,
        Fact.RETURNED: f.returned,
        Fact.YELLOW_CARD: f.yellow_cards,
        Fact.RED_CARD: f.red_cards,
        Fact.SATISFIED: f.satisfied,
        Fact.UNSATISFIED: f.rated - f.satisfied,
        Fact.DIARY_WRITTEN: f.diaries_written,
        Fact.HOUSEHOLD_VISITED: f.households_visited,
        Fact.QUOTA_SHORTFALL: f.quota_shortfalls,
    }


def points(f: Figures, rules: Mapping[Fact, float]) -> float:
    """积分 = Σ over facts of (occurrences × points per occurrence); unpriced facts count 0."""
    return round(sum(count * rules.get(fact, 0.0) for fact, count in fact_counts(f).items()), 2)


def metric_value(f: Figures, metric: Metric, rules: Mapping[Fact, float]) -> float | None:
    if metric is Metric.POINTS:
        return points(f, rules)
    if metric in COUNTS:
        return float(COUNTS[metric](f))
    return {
        Metric.CLOSURE_RATE: closure_rate,
        Metric.ON_TIME_HANDLING_RATE: on_time_handling_rate,
        Metric.ON_TIME_CLOSURE_RATE: on_time_closure_rate,
        Metric.REWORK_RATE: rework_rate,
        Metric.ACCURATE_DISPATCH_RATE: accurate_dispatch_rate,
        Metric.SATISFACTION: mean_satisfaction,
    }[metric](f)


COUNTS: Mapping[Metric, Callable[[Figures], int]] = {
    Metric.COHANDLED: lambda f: f.cohandled,
    Metric.REPORTED: lambda f: f.reported,
    Metric.FILED: lambda f: f.cases,
    Metric.CLOSED: lambda f: f.closed,
    Metric.ON_TIME: lambda f: f.closed_on_time,
    Metric.OVERDUE: lambda f: f.overdue,
}


def sample_size(f: Figures, metric: Metric) -> int:
    """What the minimum of cases is held against: the co-handled count for its own metric (a
    department may co-handle many events and lead none), the reports for the reported count (a
    grid worker reports many events and is assigned few), else the cases."""
    if metric is Metric.COHANDLED:
        return f.cohandled
    if metric is Metric.REPORTED:
        return f.reported
    return f.cases


@dataclass(frozen=True)
class Ranked:
    key: str
    figures: Figures
    value: float | None  # the metric ranked by
    rank: int | None  # None: too few cases, or no figure for the metric
    too_few_cases: bool


def rank(
    subjects: Mapping[str, Figures],
    *,
    metric: Metric,
    rules: Mapping[Fact, float],
    minimum_cases: int,
) -> list[Ranked]:
    """Best first, ties sharing a rank (1, 2, 2, 4). Subjects with fewer cases than
    `minimum_cases` are listed after the ranked ones as "too few cases", unranked; so are those
    without a figure for the metric (no denominator). Ties and the unranked are ordered by key,
    so the order is deterministic."""
    lower_is_better = metric in LOWER_IS_BETTER
    ranked: list[tuple[str, Figures, float]] = []
    unranked: list[Ranked] = []
    for key in sorted(subjects):
        figures = subjects[key]
        value = metric_value(figures, metric, rules)
        too_few = sample_size(figures, metric) < minimum_cases
        if too_few or value is None:
            unranked.append(Ranked(key, figures, value, None, too_few))
        else:
            ranked.append((key, figures, value))
    ranked.sort(key=lambda item: item[2] if lower_is_better else -item[2])
    result: list[Ranked] = []
    previous: float | None = None
    position = 0
    for index, (key, figures, value) in enumerate(ranked, start=1):
        if value != previous:
            position, previous = index, value
        result.append(Ranked(key, figures, value, position, False))
    return result + unranked


def validate_points(points_by_fact: Mapping[str, float]) -> dict[Fact, float]:
    """Rules as given by an administrator: known facts, finite values within ±1000."""
    cleaned: dict[Fact, float] = {}
    for name, value in points_by_fact.items():
        try:
            fact = Fact(name)
        except ValueError:
            raise ValueError(f"unknown fact {name!r}") from None
        if not (isinstance(value, int | float) and -1000 <= value <= 1000):
            raise ValueError(f"points for {name} must be a number between -1000 and 1000")
        cleaned[fact] = float(value)
    return cleaned


def sum_figures(parts: Sequence[Figures]) -> Figures:
    total = Figures()
    for part in parts:
        for name in Figures.__dataclass_fields__:
            value = getattr(part, name)
            if isinstance(value, dict):
                merged = getattr(total, name)
                for key, amount in value.items():
                    merged[key] = merged.get(key, 0) + amount
            else:
                setattr(total, name, getattr(total, name) + value)
    return total
