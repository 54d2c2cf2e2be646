"""重复件: the open events a report probably repeats.

An indexed prefilter first (open, unmerged events of the same or a sibling category reported
within the window, inside a bounding box around the point, or in the same region when a report
has no point: the partial indexes `events_duplicate_near` and `events_duplicate_region`), then
the text similarity of the few rows left. The rules and the category tree are reference data,
read once a minute per process: the lookup rides on every report's payload that asks for it."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from tortoise import connections

from api.auth import Principal
from api.domains.events.enums import OPEN_STATUSES, EventStatus
from api.domains.events.models import Category, Event
from api.domains.events.scope import readable_events, readable_events_sql
from api.domains.triage.models import DuplicateRule
from api.domains.triage.similarity import bigrams, dice
from api.errors import NotFound, ValidationFailed
from api.i18n import _
from api.query import Parameters

MAX_CANDIDATES: Final = 20
# The rows the prefilter may hand to the text comparison, newest first: a street's worth.
MAX_PREFILTERED: Final = 60
EARTH_RADIUS_M: Final = 6_371_000.0
REFERENCE_SECONDS: Final = 60.0
DEFAULT_RULE: Final = DuplicateRule(category_key=None, radius_m=150, window_hours=72, min_score=0.3)
_COLUMNS: Final = (
    "id",
    "case_number",
    "title",
    "description",
    "category_key",
    "status",
    "region_code",
    "reported_at",
    "lat",
    "lng",
)


@dataclass(frozen=True, slots=True)
class Candidate:
    event_id: uuid.UUID
    case_number: str
    title: str
    category_key: str
    status: EventStatus
    region_code: str
    reported_at: datetime
    score: float  # text similarity, 0–1
    distance_m: float | None  # null when either report has no point


@dataclass(frozen=True, slots=True)
class Probe:
    """What the lookup needs of the report it looks for duplicates of."""

    id: uuid.UUID
    title: str
    description: str
    category_key: str
    region_code: str
    reported_at: datetime
    lat: float | None
    lng: float | None

    @classmethod
    def of(cls, event: Event) -> Probe:
        return cls(
            id=event.id,
            title=event.title,
            description=event.description,
            category_key=event.category_key,
            region_code=event.region_code,
            reported_at=event.reported_at,
            lat=event.lat,
            lng=event.lng,
        )


# An event's text never changes once reported, and the open events near a burst main are
# compared again with each new report of it: their bigrams are kept (bounded, oldest out).
_BIGRAMS_KEPT: Final = 20_000
_bigrams: dict[uuid.UUID, frozenset[str]] = {}


def _bigrams_of(event_id: uuid.UUID, title: str, description: str) -> frozenset[str]:
    found = _bigrams.get(event_id)
    if found is None:
        if len(_bigrams) >= _BIGRAMS_KEPT:
            del _bigrams[next(iter(_bigrams))]
        found = _bigrams[event_id] = bigrams(f"{title} {description}")
    return found


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine): exact enough at a few hundred metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlng = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


@dataclass
class _Reference:
    rules: dict[str | None, DuplicateRule]
    siblings: dict[str, list[str]]
    read_at: float


_reference: _Reference | None = None


def forget_reference() -> None:
    """Read rules and categories afresh on the next lookup (after a change, and in tests)."""
    global _reference
    _reference = None


async def _read_reference() -> _Reference:
    global _reference
    if _reference is None or time.monotonic() - _reference.read_at > REFERENCE_SECONDS:
        rules = {rule.category_key: rule for rule in await DuplicateRule.all()}
        children: dict[str, list[str]] = {}
        parents: dict[str, str | None] = {}
        for key, parent in await Category.all().values_list("key", "parent_key"):
            parents[str(key)] = None if parent is None else str(parent)
            if parent is not None:
                children.setdefault(str(parent), []).append(str(key))
        siblings = {
            key: sorted(children[parent]) if parent is not None else [key]
            for key, parent in parents.items()
        }
        _reference = _Reference(rules=rules, siblings=siblings, read_at=time.monotonic())
    return _reference


async def rules() -> dict[str | None, DuplicateRule]:
    """Every rule by its category key (None: the rule of every category)."""
    return (await _read_reference()).rules


async def rule_for(category_key: str) -> DuplicateRule:
    """The category's own rule, else the rule of every category, else 150 m, 72 h, 0.3."""
    rules = (await _read_reference()).rules
    return rules.get(category_key) or rules.get(None) or DEFAULT_RULE


async def compatible_categories(category_key: str) -> list[str]:
    """The category and its siblings (one 大类): a caller's 井盖破损 repeats a worker's 井盖缺失."""
    return (await _read_reference()).siblings.get(category_key, [category_key])


async def candidates_for(
    *, actor: Principal, event_id: uuid.UUID, first: int = 5
) -> list[Candidate]:
    """The open events in the caller's scope that `event_id` probably repeats, best first."""
    if not 1 <= first <= MAX_CANDIDATES:
        raise ValidationFailed(
            _("first must be between 1 and {MAX_CANDIDATES}", MAX_CANDIDATES=MAX_CANDIDATES),
            field="first",
        )
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id)
    return await find(actor=actor, probe=Probe.of(event), first=first)


async def shown_with(*, actor: Principal, probe: Probe) -> list[Candidate]:
    """The best five candidates shown with an event the caller was shown (a report's payload, a
    dispatcher's view), among the events the caller may read."""
    return await find(actor=actor, probe=probe, first=5)


async def find(
    *, actor: Principal | None, probe: Probe, first: int, replay: bool = False
) -> list[Candidate]:
    """Candidates for `probe`; see the module. `actor` None: every region's (the worker's merges
    by rule). `replay` (evaluate-intake): what the lookup would have offered when the report came
    in, among the events reported before it, whatever became of them since (closed, merged)."""
    rule = await rule_for(probe.category_key)
    window = timedelta(hours=rule.window_hours)
    # Written as SQL, not through the ORM: building the query cost more than running it.
    bind = Parameters()
    where = [
        f"category_key = ANY({bind(await compatible_categories(probe.category_key))}::text[])",
        f"reported_at >= {bind(probe.reported_at - window)}",
        f"id <> {bind(probe.id)}",
    ]
    if replay:
        where.append(f"reported_at < {bind(probe.reported_at)}")
    else:
        where += [
            f"status = ANY({bind([s.value for s in OPEN_STATUSES])}::text[])",
            "merged_into_id IS NULL",
            f"reported_at <= {bind(probe.reported_at + window)}",
        ]
    if probe.lat is not None and probe.lng is not None:
        dlat = math.degrees(rule.radius_m / EARTH_RADIUS_M)
        dlng = dlat / max(math.cos(math.radians(probe.lat)), 0.01)
        where.append(
            f"((lat BETWEEN {bind(probe.lat - dlat)} AND {bind(probe.lat + dlat)}"
            f" AND lng BETWEEN {bind(probe.lng - dlng)} AND {bind(probe.lng + dlng)})"
            f" OR (lat IS NULL AND region_code = {bind(probe.region_code)}))"
        )
    else:
        where.append(f"region_code = {bind(probe.region_code)}")
    if actor is not None:
        where.append(readable_events_sql(actor, bind))
    rows = await connections.get("default").execute_query_dict(
        f"SELECT {', '.join(_COLUMNS)} FROM events WHERE {' AND '.join(where)}"
        f" ORDER BY reported_at DESC LIMIT {MAX_PREFILTERED}",
        bind.values,
    )
    mine = bigrams(f"{probe.title} {probe.description}")
    found = []
    for row in rows:
        lat, lng = row["lat"], row["lng"]
        apart = None
        if probe.lat is not None and probe.lng is not None and lat is not None and lng is not None:
            apart = distance_m(probe.lat, probe.lng, lat, lng)
            if apart > rule.radius_m:
                continue
        score = dice(mine, _bigrams_of(row["id"], row["title"], row["description"]))
        if score < rule.min_score:
            continue
        found.append(
            Candidate(
                event_id=row["id"],
                case_number=row["case_number"],
                title=row["title"],
                category_key=row["category_key"],
                status=EventStatus(row["status"]),
                region_code=row["region_code"],
                reported_at=row["reported_at"],
                score=round(score, 3),
                distance_m=None if apart is None else round(apart, 1),
            )
        )
    found.sort(key=lambda c: (-c.score, c.reported_at))
    return found[:first]
