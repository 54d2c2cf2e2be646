"""Spike warnings (预警) on synthetic counts: detection delay and false warnings per
district-week of the worker's rule (api/domains/triage/spikes.py `judge`, the same function the
worker calls), with spikes injected into chosen communities and categories.

    python -m tests.benchmarks.bench_spikes [--seed 7] [--communities 200] [--weeks 8]

A district of `communities` communities × 10 categories; each pair's usual rate is drawn from
0.2 to 4 events a week; events arrive as a Poisson process over 8 weeks of baseline and `weeks`
weeks evaluated. In 5% of the pairs a spike starts at a random time in the evaluated weeks: 3 to
6 times the usual rate (at least one extra event a day) for 3 days. The rule is run every hour
of the evaluated weeks, with the worker's suppression (no second warning of a pair within the
window). A warning counts as true when it comes within the spike or the window after its start
(the window still holds the spike's events); any other is false. Synthetic figures: they say how
the rule behaves on Poisson counts, not how a real city's disputes behave. Prints the figures;
nothing is asserted."""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
from datetime import timedelta

from api.domains.triage.models import SpikeRule
from api.domains.triage.spikes import judge

HOUR = 1.0
WEEK = 168.0


def arrivals(rng: random.Random, rate_per_hour: float, start: float, end: float) -> list[float]:
    times, t = [], start
    while rate_per_hour > 0:
        t += rng.expovariate(rate_per_hour)
        if t >= end:
            return times
        times.append(t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=8)
    defaults = SpikeRule()
    parser.add_argument("--max-p", type=float, default=defaults.max_p)
    parser.add_argument("--min-count", type=int, default=defaults.min_count)
    parser.add_argument("--window-hours", type=int, default=defaults.window_hours)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rule = SpikeRule(
        window_hours=args.window_hours,
        baseline_days=defaults.baseline_days,
        min_count=args.min_count,
        max_p=args.max_p,
    )
    rules: dict[str | None, SpikeRule] = {None: rule}
    window, baseline = float(rule.window_hours), rule.baseline_days * 24.0
    begin, end = baseline + window, baseline + window + args.weeks * WEEK
    pairs = [(f"c{c:03d}", f"k{k}") for c in range(args.communities) for k in range(10)]
    events: dict[tuple[str, str], list[float]] = {}
    spikes: dict[tuple[str, str], float] = {}
    for pair in pairs:
        weekly = rng.uniform(0.2, 4.0)
        times = arrivals(rng, weekly / WEEK, 0.0, end)
        if rng.random() < 0.05:
            start = rng.uniform(begin, end - 72)
            extra = max(weekly * rng.uniform(2, 5) / WEEK, 1 / 24)
            times += arrivals(rng, extra, start, start + 72)
            spikes[pair] = start
        events[pair] = sorted(times)
    warned: dict[tuple[str, str], list[float]] = {}
    now = begin
    while now < end:
        counts, history = {}, {}
        for pair, times in events.items():
            first = bisect.bisect_left(times, now - window)
            last = bisect.bisect_left(times, now)
            counts[pair] = last - first
            history[pair] = first - bisect.bisect_left(times, now - window - baseline)
        for found in judge(counts, history, rules):
            pair = (found.region_code, found.category_key)
            earlier = warned.setdefault(pair, [])
            if earlier and now - earlier[-1] < window:  # the worker's suppression
                continue
            earlier.append(now)
        now += HOUR
    delays, missed, false = [], 0, 0
    for pair, times in warned.items():
        start = spikes.get(pair)
        for at in times:
            if start is not None and start <= at <= start + window:
                continue
            false += 1
    for pair, start in spikes.items():
        hits = [at for at in warned.get(pair, []) if start <= at <= start + window]
        if hits:
            delays.append(hits[0] - start)
        else:
            missed += 1
    district_weeks = (args.communities / 200) * args.weeks
    print(
        f"pairs {len(pairs):,} (communities {args.communities} x 10 categories), "
        f"{args.weeks} weeks evaluated hourly, seed {args.seed}"
    )
    print(f"spikes injected {len(spikes)}, found {len(delays)}, missed {missed}")
    if delays:
        print(
            f"detection delay: median {timedelta(hours=statistics.median(delays))}, "
            f"p90 {timedelta(hours=sorted(delays)[int(0.9 * (len(delays) - 1))])}"
        )
    print(
        f"false warnings {false} = {false / district_weeks:.2f} per district-week "
        f"(a district = 200 communities)"
    )


if __name__ == "__main__":
    main()
