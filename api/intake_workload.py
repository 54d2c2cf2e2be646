"""A labelled intake workload for the bench data (`gridgov bench-data --intake-seed N`) and the
report on it, or on a real city's database (`gridgov evaluate-intake`).

The workload, all synthetic: a closed history with texts drawn from per-category phrase sets
(the classifier's training and held-out data), then a week of new reports: incidents reported
several times (points within tens of metres, hours apart, texts paraphrased by synonyms and
clause order, now and then filed under a sibling category) and single reports, some of them near
an incident of the same category with a different text (the hard negatives). The reports of one
incident are written merged into its first report, as a dispatcher would have merged them: the
same labels a real city's merges give, so one evaluation serves both. Spikes (预警) are
injected too: in chosen communities, five to eight more events of one category within three
days of a start in the week; their case numbers (`W<seed>-S…`) are the truth the spike report
is measured against (on a real city's database it counts the warnings only)."""

from __future__ import annotations

import math
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from tortoise.expressions import Q

from api.auth import Assignment, Principal
from api.domains.events.models import Event
from api.domains.triage import spikes
from api.domains.triage.duplicates import Probe, find
from api.domains.triage.suggestions import fit, held_out, text_of

# Per category: (subjects: synonyms of what is wrong, details: what the reporter adds).
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "city.0102": (
        ["暴露垃圾", "垃圾堆放", "垃圾没人清", "垃圾乱扔"],
        ["气味难闻", "招苍蝇", "三天未清运", "堆在路边"],
    ),
    "city.0104": (
        ["道路不洁", "路面脏乱", "马路很脏", "路上全是泥"],
        ["没人打扫", "影响通行", "尘土飞扬"],
    ),
    "city.0108": (
        ["油烟污染", "饭店油烟扰民", "油烟直排", "烧烤油烟大"],
        ["熏得开不了窗", "呛人", "晚上最严重"],
    ),
    "city.0201": (
        ["非法小广告", "乱贴小广告", "牛皮癣广告", "墙上贴满广告"],
        ["影响市容", "刚清理又贴", "贴在楼道"],
    ),
    "city.0301": (
        ["施工扰民", "夜间施工噪音", "工地半夜施工", "施工声音太大"],
        ["影响休息", "凌晨还在干", "吵得睡不着"],
    ),
    "city.0401": (
        ["路面塌陷", "马路塌了个坑", "地面下沉", "路面出现大坑"],
        ["车辆无法通行", "很危险", "坑很深"],
    ),
    "city.0402": (
        ["自来水管破裂", "水管爆裂", "供水管漏水", "管道爆管"],
        ["路面积水", "停水了", "水往外冒"],
    ),
    "city.0404": (
        ["下水道堵塞", "污水井冒水", "排水管堵了", "下水道返水"],
        ["污水横流", "臭气熏天", "流到路上"],
    ),
    "city.0405": (
        ["道路积水", "路面积水严重", "雨后积水", "积水排不出去"],
        ["行人无法通过", "没过脚踝", "车辆熄火"],
    ),
    "city.0502": (
        ["占道经营", "摊贩占道", "小摊占用人行道", "马路市场"],
        ["堵塞交通", "行人只能走机动车道", "早晚最严重"],
    ),
    "city.0503": (
        ["机动车乱停放", "汽车乱停", "车停在人行道", "违停堵路"],
        ["挡住出入口", "消防通道被堵", "行人没法走"],
    ),
    "city.0601": (
        ["井盖缺失", "井盖破损", "井盖不见了", "井盖松动"],
        ["容易摔伤", "晚上看不见", "车轮会卡进去"],
    ),
    "city.0602": (
        ["路灯不亮", "路灯故障", "路灯坏了", "路灯闪烁"],
        ["晚上很黑", "影响出行", "整条街没灯"],
    ),
    "city.0702": (
        ["树木倒伏", "大树倒了", "树被风刮倒", "行道树倾斜"],
        ["压住电线", "挡住道路", "砸到车辆"],
    ),
}
DEPARTMENT_OF = {  # which bench department each category is dispatched to (its history)
    "city.0102": "urban", "city.0104": "urban", "city.0108": "urban", "city.0201": "urban",
    "city.0301": "housing", "city.0401": "housing", "city.0402": "housing", "city.0404": "housing",
    "city.0405": "housing", "city.0502": "police", "city.0503": "police", "city.0601": "housing",
    "city.0602": "housing", "city.0702": "civil",
}  # fmt: skip
STREETS = ["淇河路", "黄山路", "九州路", "华山路", "兴鹤大街", "长江路", "泰山路", "嵩山路"]
PLACES = ["交叉口", "公交站旁", "小区东门", "学校门口", "菜市场附近", "桥下", "加油站对面"]
OPENERS = ["", "", "市民反映：", "来电称", "网格员发现", "居民投诉"]
EARTH_M_PER_DEGREE = 111_000.0
SPIKE_MARK = "S"  # a case number W<seed>-S…: an event of an injected spike


@dataclass(frozen=True)
class Workload:
    seed: int
    history: int  # closed events (classifier)
    incidents: int  # reported several times
    reports: int  # new reports in all (incidents' and singles)
    seconds: float
    spikes: int = 0  # (community, category) pairs given a burst of events


GENERIC = ["这里有问题", "麻烦尽快处理", "存在安全隐患", "影响居民生活"]


def _text(rng: random.Random, category: str, street: str, place: str) -> tuple[str, str]:
    """A report of `category` at a place: a synonym of the subject, details, clauses shuffled.
    As callers do, one in eight names what they see in a sibling category's words (water on the
    road for a burst main) and one in twenty says only that something is wrong."""
    subjects, details = PHRASES[category]
    roll = rng.random()
    if roll < 0.125:
        sibling = rng.choice([c for c in PHRASES if c[:7] == category[:7]])
        subjects = PHRASES[sibling][0]
    elif roll < 0.175:
        subjects = GENERIC
    subject = rng.choice(subjects)
    clauses = [f"{street}{place}{subject}", rng.choice(details)]
    if rng.random() < 0.5:
        clauses.append(rng.choice(details))
    rng.shuffle(clauses)
    return subject, rng.choice(OPENERS) + "，".join(dict.fromkeys(clauses))


def _moved(rng: random.Random, lat: float, lng: float, metres: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    distance = rng.uniform(0, metres)
    return (
        lat + distance * math.cos(angle) / EARTH_M_PER_DEGREE,
        lng + distance * math.sin(angle) / (EARTH_M_PER_DEGREE * math.cos(math.radians(lat))),
    )


async def generate(
    dsn: str,
    *,
    seed: int,
    history: int = 6_000,
    incidents: int = 400,
    singles: int = 800,
    spikes: int = 12,
    now: datetime | None = None,
) -> Workload:
    """Write the labelled workload (see the module) into a bench database."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - a reproducible data set, not a secret
    now = now or datetime.now(UTC)
    connection = await asyncpg.connect(dsn.replace("postgres://", "postgresql://", 1))
    try:
        grids = [
            r["code"]
            for r in await connection.fetch(
                "SELECT code FROM regions WHERE level = 'grid' ORDER BY code"
            )
        ]
        departments = {
            (r["code"], r["region_code"]): r["id"]
            for r in await connection.fetch("SELECT id, code, region_code FROM departments")
        }
        siblings: dict[str, list[str]] = defaultdict(list)
        for category in PHRASES:
            siblings[category[:7]].append(category)
        rows: list[tuple[object, ...]] = []
        categories = sorted(PHRASES)

        def add(
            *,
            category: str,
            grid: str,
            title: str,
            description: str,
            at: datetime,
            lat: float,
            lng: float,
            closed: bool,
            main: uuid.UUID | None = None,
            marker: str = "",
        ) -> uuid.UUID:
            event_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            department = departments.get((DEPARTMENT_OF[category], grid[:6])) if closed else None
            rows.append(
                (
                    event_id, f"W{seed}-{marker}{len(rows):07d}", title, description, category,
                    "closed" if closed else "reported", grid, grid[:4], grid[:6], grid[:9],
                    grid[:12], grid, "grid", department, lat, lng, at,
                    at + timedelta(days=3) if closed else None, main,
                )
            )  # fmt: skip
            return event_id

        def place() -> tuple[str, float, float, str, str]:
            grid = rng.choice(grids)
            return (
                grid,
                35.6 + rng.random() * 0.4,
                114.1 + rng.random() * 0.4,
                rng.choice(STREETS),
                rng.choice(PLACES),
            )

        for _ in range(history):
            category = rng.choice(categories)
            grid, lat, lng, street, spot = place()
            title, description = _text(rng, category, street, spot)
            at = now - timedelta(days=30 + rng.random() * 300)
            add(category=category, grid=grid, title=title, description=description, at=at, lat=lat, lng=lng, closed=True)  # fmt: skip
        week = timedelta(days=7)
        reports = 0
        for _ in range(incidents):
            category = rng.choice(categories)
            grid, lat, lng, street, spot = place()
            first_at = now - week + timedelta(seconds=rng.random() * week.total_seconds())
            main = None
            for n in range(rng.choice([2, 2, 3, 3, 4, 5])):
                filed_as = category
                if n and rng.random() < 0.2:  # an operator files it under a sibling category
                    filed_as = rng.choice(siblings[category[:7]])
                title, description = _text(rng, category, street, spot)
                at = first_at + timedelta(hours=rng.random() * 24) * (n > 0)
                p_lat, p_lng = _moved(rng, lat, lng, 50)
                made = add(category=filed_as, grid=grid, title=title, description=description, at=at, lat=p_lat, lng=p_lng, closed=False, main=main)  # fmt: skip
                main = main or made
                reports += 1
            if rng.random() < 0.4:  # a different problem of the same kind nearby: a hard negative
                o_lat, o_lng = _moved(rng, lat, lng, 120)
                title, description = _text(rng, category, rng.choice(STREETS), rng.choice(PLACES))
                at = first_at + timedelta(hours=rng.random() * 48)
                add(category=category, grid=grid, title=title, description=description, at=at, lat=o_lat, lng=o_lng, closed=False)  # fmt: skip
                reports += 1
        for _ in range(singles):
            category = rng.choice(categories)
            grid, lat, lng, street, spot = place()
            title, description = _text(rng, category, street, spot)
            at = now - week + timedelta(seconds=rng.random() * week.total_seconds())
            add(category=category, grid=grid, title=title, description=description, at=at, lat=lat, lng=lng, closed=False)  # fmt: skip
            reports += 1
        for _ in range(spikes):  # a burst in one community: its truth in the case numbers
            category = rng.choice(categories)
            grid = rng.choice(grids)
            start = (
                now
                - week
                + timedelta(seconds=rng.random() * (week - timedelta(days=3)).total_seconds())
            )
            for n in range(rng.randint(5, 8)):
                _, lat, lng, street, spot = place()
                title, description = _text(rng, category, street, spot)
                at = start + timedelta(days=3) * (rng.random() if n else 0)
                add(category=category, grid=grid, title=title, description=description, at=at, lat=lat, lng=lng, closed=False, marker=SPIKE_MARK)  # fmt: skip
                reports += 1
        await connection.executemany(
            """
            INSERT INTO events (id, case_number, title, description, category_key, source,
                status, region_code, city_code, district_code, township_code, community_code,
                handling_region_code, handling_level, assignee_department_id, lat, lng,
                reported_at, closed_at, merged_into_id, updated_at, due_by_stage, priority,
                card, warning_level, rework_count, escalation_count, version)
            VALUES ($1, $2, $3, $4, $5, 'citizen', $6, $7, $8, $9, $10, $11, $12, $13, $14,
                    $15, $16, $17, $18, $19, $17, '{}', 'normal', 'none', 0, 0, 0, 1)
            """,
            rows,
        )
        await connection.execute("ANALYZE events")
    finally:
        await connection.close()
    return Workload(seed, history, incidents, reports, time.perf_counter() - started, spikes)


@dataclass(frozen=True)
class DuplicateFigures:
    reports: int  # reports looked up
    with_earlier_duplicate: int  # truth: an earlier report of the same incident exists
    offered: int  # the lookup offered a candidate above the threshold
    correct: int  # …and the best one was of the same incident
    precision: float | None
    recall: float | None
    ms_per_lookup: float


@dataclass(frozen=True)
class SpikeFigures:
    district_weeks: float  # districts × weeks replayed
    warnings: int  # the worker's rule run hourly over the reports since `since`
    injected: int | None  # truth (a generated workload only): spikes injected
    found: int | None  # …warned within a window of their start
    median_delay_hours: float | None
    false_warnings: int | None  # warnings of pairs without an injected spike
    false_per_district_week: float | None


@dataclass(frozen=True)
class Report:
    duplicates: DuplicateFigures
    classifier_events: int
    classifier_categories: int
    top1: float | None
    top3: float | None
    spikes: SpikeFigures


async def evaluate(
    *,
    since: datetime,
    min_per_category: int = 20,
    limit: int = 5_000,
    case_prefix: str | None = None,
    until: datetime | None = None,
) -> Report:
    """The figures on the open database (see the module): duplicates replayed for reports since
    `since` (a report's incident: the event it was merged into, or itself), the classifier's
    held-out accuracy on the closed events, the spike rule replayed hourly up to `until` (now).
    `case_prefix`: only events whose case numbers start so are looked up, trained on and counted
    (a generated workload among other bench data)."""
    until = until or datetime.now(UTC)
    chosen = Q(case_number__startswith=case_prefix) if case_prefix else Q()
    city = Principal(username="evaluate-intake", assignments=tuple(
        Assignment("admin", code) for code in await _cities()
    ))  # fmt: skip
    events = await Event.filter(chosen, reported_at__gte=since).order_by("reported_at").limit(limit)
    incident = {e.id: e.merged_into_id or e.id for e in events}
    seen: dict[uuid.UUID, int] = defaultdict(int)
    offered = correct = truth = 0
    started = time.perf_counter()
    for event in events:
        group = incident[event.id]
        has_earlier = seen[group] > 0
        seen[group] += 1
        truth += has_earlier
        found = await find(actor=city, probe=Probe.of(event), first=1, replay=True)
        if found:
            offered += 1
            best = found[0].event_id
            correct += incident.get(best, best) == group
    elapsed = time.perf_counter() - started
    figures = DuplicateFigures(
        reports=len(events),
        with_earlier_duplicate=truth,
        offered=offered,
        correct=correct,
        precision=round(correct / offered, 3) if offered else None,
        recall=round(correct / truth, 3) if truth else None,
        ms_per_lookup=round(1000 * elapsed / max(len(events), 1), 2),
    )
    closed = (
        await Event.filter(chosen, status__in=["closed", "evaluated"], merged_into_id__isnull=True)
        .order_by("-reported_at")
        .limit(50_000)
        .values_list("id", "title", "description", "category_key", "assignee_department_id")
    )
    data = [
        (i, text_of(str(t), str(d)), str(c), str(dep) if dep else None)
        for i, t, d, c, dep in closed
    ]
    trained = fit(data, min_per_category)
    kept = trained[1] if trained else []
    accuracy = trained[3] if trained else None
    return Report(
        duplicates=figures,
        classifier_events=sum(1 for row in data if not held_out(row[0])),
        classifier_categories=len(kept),
        top1=accuracy[0] if accuracy else None,
        top3=accuracy[1] if accuracy else None,
        spikes=await evaluate_spikes(since=since, until=until, case_prefix=case_prefix),
    )


async def evaluate_spikes(
    *, since: datetime, until: datetime, case_prefix: str | None
) -> SpikeFigures:
    """The spike rule replayed hourly from `since` to `until` (spikes.replay). With a generated
    workload's `case_prefix`, measured against its injected spikes: found, delay from a spike's
    first event to its warning, warnings of pairs without one; else only counted."""
    from api.domains.hierarchy.models import Region

    warned = await spikes.replay(
        since=since, until=until, every=timedelta(hours=1), case_prefix=case_prefix
    )
    districts = await Region.filter(level="district").count()
    district_weeks = max(districts, 1) * max((until - since) / timedelta(days=7), 1 / 168)
    if not case_prefix:
        return SpikeFigures(round(district_weeks, 2), len(warned), None, None, None, None, None)
    starts: dict[tuple[str, str], datetime] = {}
    for community, category, at in await Event.filter(
        case_number__startswith=f"{case_prefix}{SPIKE_MARK}", community_code__isnull=False
    ).values_list("community_code", "category_key", "reported_at"):
        key = (str(community), str(category))
        starts[key] = min(starts.get(key, at), at)
    delays = []
    false = 0
    for warning in warned:
        start = starts.get((warning.region_code, warning.category_key))
        if start is None or not start <= warning.at <= start + timedelta(days=7):
            false += 1
        else:
            delays.append((warning.at - start) / timedelta(hours=1))
    delays.sort()
    return SpikeFigures(
        district_weeks=round(district_weeks, 2),
        warnings=len(warned),
        injected=len(starts),
        found=len(delays),
        median_delay_hours=round(delays[len(delays) // 2], 1) if delays else None,
        false_warnings=false,
        false_per_district_week=round(false / district_weeks, 2),
    )


async def _cities() -> list[str]:
    from api.domains.hierarchy.models import Region

    return [str(code) for code in await Region.filter(level="city").values_list("code", flat=True)]
