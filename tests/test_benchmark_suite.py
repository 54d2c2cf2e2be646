"""The benchmark suite's command lines (`python -m tests.benchmarks`): what each scale runs.
Nothing here runs a benchmark."""

from __future__ import annotations

import pytest

from tests.benchmarks.suite import (
    BENCHMARKS,
    Benchmark,
    Outcome,
    command,
    selected,
    summary,
    with_redis_db,
)

SHARED = ("gridgov_bench_small", "gridgov_bench_main")


def test_small_scale_sizes_every_benchmark_and_spares_the_shared_databases() -> None:
    for benchmark in BENCHMARKS:
        line = command(benchmark, "small", None, python="py")
        assert line[:3] == ["py", "-m", benchmark.module]
        assert len(line) > 3, f"{benchmark.name} would run at its city-sized defaults"
        assert not any(name in argument for argument in line for name in SHARED)
    api = command(selected(["api"])[0], "small", None)
    assert api[api.index("--database") + 1] == "gridgov_bench_suite"


def test_city_scale_is_each_benchmarks_own_defaults() -> None:
    lines = {b.name: command(b, "city", None, python="py")[3:] for b in BENCHMARKS}
    assert lines == {
        "api": ["--scale", "city"],
        "fanout": [],
        "registry": [],
        "stats": [],
        "sweep": [],
        "import": [],
    }


def test_stats_and_sweep_share_one_generated_city() -> None:
    stats, sweep = selected(["stats", "sweep"])
    assert stats.small == sweep.small


def test_a_redis_database_goes_to_the_url_and_to_bench_api_alone() -> None:
    assert with_redis_db("redis://127.0.0.1:6379/0", 10) == "redis://127.0.0.1:6379/10"
    assert with_redis_db("redis://h:1/0?timeout=2", 11) == "redis://h:1/11?timeout=2"
    assert with_redis_db("redis://h:1/3", None) == "redis://h:1/3"
    for benchmark in BENCHMARKS:
        line = command(benchmark, "small", 10)
        assert ("--redis-db" in line) == (benchmark.name == "api")
    api = command(selected(["api"])[0], "city", 10)
    assert api[-2:] == ["--redis-db", "10"]


def test_only_keeps_the_suites_order_and_refuses_unknown_names() -> None:
    assert [b.name for b in selected(["import", "api"])] == ["api", "import"]
    assert [b.name for b in selected(None)] == [b.name for b in BENCHMARKS]
    with pytest.raises(ValueError, match="unknown benchmark apis"):
        selected(["apis"])


def test_the_summary_names_each_outcome_time_and_reference() -> None:
    good = Benchmark("api", "m", "the bare route", ())
    bad = Benchmark("import", "m", "raw COPY", ())
    text = summary([Outcome(good, 0, 75.4), Outcome(bad, 1, 9.0)], 84.4)
    lines = text.splitlines()
    assert "api" in lines[2] and "ok" in lines[2] and "1 min 15 s" in lines[2]
    assert "reference: the bare route" in lines[2]
    assert "FAILED (exit 1)" in lines[3] and "9 s" in lines[3]
    assert lines[-1] == "  total 1 min 24 s; 1 of 2 failed"
