"""The formulas on hand-made counts with known answers (pure: no database)."""

from __future__ import annotations

import pytest

from api.domains.stats import formulas
from api.domains.stats.enums import Fact, Metric
from api.domains.stats.formulas import Figures


def test_rates_follow_the_field_formulas() -> None:
    f = Figures(
        cases=10,
        closed=8,
        closed_on_time=6,
        due_to_handle=9,
        handled_on_time=6,
        handled=9,
        reworked=3,
        dispatched=10,
        returned=2,
        rated=4,
        rating_sum=15,
        satisfied=3,
        stage_seconds={"handle": 7200.0, "file": 600.0},
        stage_steps={"handle": 2, "file": 3},
    )

    assert formulas.closure_rate(f) == 0.8
    assert formulas.on_time_closure_rate(f) == 0.6
    assert formulas.on_time_handling_rate(f) == pytest.approx(6 / 9)
    assert formulas.rework_rate(f) == pytest.approx(3 / 9)
    assert formulas.accurate_dispatch_rate(f) == 0.8
    assert formulas.mean_satisfaction(f) == 3.75
    assert formulas.satisfied_share(f) == 0.75
    assert formulas.average_stage_seconds(f) == {"file": 200.0, "handle": 3600.0}


def test_no_denominator_is_no_figure_not_zero() -> None:
    empty = Figures()

    assert formulas.closure_rate(empty) is None
    assert formulas.on_time_handling_rate(empty) is None
    assert formulas.mean_satisfaction(empty) is None
    assert formulas.average_stage_seconds(empty) == {}


def test_points_price_each_fact() -> None:
    f = Figures(closed=5, closed_on_time=3, reworked=1, returned=2, yellow_cards=2, red_cards=1)
    f.rated, f.satisfied, f.reported = 4, 3, 7
    rules = {
        Fact.CLOSED_ON_TIME: 2.0,
        Fact.CLOSED_LATE: -1.0,
        Fact.RED_CARD: -5.0,
        Fact.YELLOW_CARD: -2.0,
        Fact.REPORTED: 0.5,
        Fact.UNSATISFIED: -3.0,
    }

    # 3×2 + 2×(−1) + 1×(−5) + 2×(−2) + 7×0.5 + 1×(−3); rework, returns, satisfied unpriced
    assert formulas.points(f, rules) == -4.5


def test_ranking_shares_ties_and_lists_small_samples_unranked() -> None:
    subjects = {
        "a": Figures(cases=10, closed=9),
        "b": Figures(cases=10, closed=9),
        "c": Figures(cases=20, closed=10),
        "d": Figures(cases=2, closed=2),  # best rate, too few cases
        "e": Figures(cases=0),
    }

    ranked = formulas.rank(
        subjects, metric=Metric.CLOSURE_RATE, rules=formulas.DEFAULT_POINTS, minimum_cases=5
    )

    assert [(r.key, r.rank, r.too_few_cases) for r in ranked] == [
        ("a", 1, False),
        ("b", 1, False),
        ("c", 3, False),
        ("d", None, True),
        ("e", None, True),
    ]


def test_rework_rate_ranks_lowest_first_and_missing_figures_go_last() -> None:
    subjects = {
        "low": Figures(cases=5, handled=5, reworked=1),
        "high": Figures(cases=5, handled=5, reworked=3),
        "none": Figures(cases=5),  # nothing handled: no rework figure
    }

    ranked = formulas.rank(
        subjects, metric=Metric.REWORK_RATE, rules=formulas.DEFAULT_POINTS, minimum_cases=5
    )

    assert [(r.key, r.rank, r.too_few_cases) for r in ranked] == [
        ("low", 1, False),
        ("high", 2, False),
        ("none", None, False),
    ]


def test_rules_are_checked() -> None:
    assert formulas.validate_points({"red_card": -5}) == {Fact.RED_CARD: -5.0}
    with pytest.raises(ValueError, match="unknown fact"):
        formulas.validate_points({"lunch": 1})
    with pytest.raises(ValueError, match="between"):
        formulas.validate_points({"red_card": -5000})


def test_figures_survive_a_round_trip_through_json() -> None:
    f = Figures(cases=3, stage_seconds={"file": 60.0}, stage_steps={"file": 1})

    assert Figures.from_json(f.as_json()) == f
    assert formulas.sum_figures([f, f]).stage_steps == {"file": 2}
