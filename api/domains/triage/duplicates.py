"""重复件: the open events a report probably repeats.

An indexed prefilter first (open, unmerged events of the same or a sibling category reported
within the window, inside a bounding box around the point or in the same region when a report has
no point; `events_duplicate_lookup` serves it), then the text similarity of the few rows left."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q

from api.auth import Principal
from api.domains.events.enums import OPEN_STATUSES, EventStatus
from api.domains.events.models import Category, Event
from api.domains.events.scope import readable_events
from api.domains.triage.models import DuplicateRule
from api.domains.triage.similarity import bigrams, dice
from api.errors import NotFound, ValidationFailed

MAX_CANDIDATES = 20
# The rows the prefilter may hand to the text comparison: a street's worth of open reports.
MAX_PREFILTERED = 200
EARTH_RADIUS_M = 6_371_000.0
DEFAULT_RULE = DuplicateRule(category_key=None, radius_m=150, window_hours=72, min_score=0.3)


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


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine): exact enough at a few hundred metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlng = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


async def rule_for(category_key: str) -> DuplicateRule:
    """The category's own rule, else the rule of every category, else 150 m, 72 h, 0.3."""
    rules = await DuplicateRule.filter(
        Q(category_key=category_key) | Q(category_key__isnull=True)
    ).order_by("category_key")  # NULLs sort last: the category's own comes first
    return rules[0] if rules else DEFAULT_RULE


async def compatible_categories(category_key: str) -> list[str]:
    """The category and its siblings (one 大类): a caller's 井盖破损 repeats a worker's 井盖缺失."""
    parent = await Category.filter(key=category_key).values_list("parent_key", flat=True)
    if not parent or parent[0] is None:
        return [category_key]
    siblings = await Category.filter(parent_key=parent[0]).values_list("key", flat=True)
    return sorted({category_key, *map(str, siblings)})


def _text(event: Event) -> str:
    return f"{event.title} {event.description}"


async def candidates_for(
    *, actor: Principal, event_id: uuid.UUID, first: int = 5
) -> list[Candidate]:
    """The open events in the caller's scope that `event_id` probably repeats, best first."""
    if not 1 <= first <= MAX_CANDIDATES:
        raise ValidationFailed(f"first must be between 1 and {MAX_CANDIDATES}", field="first")
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        raise NotFound("event", event_id)
    return await find(actor=actor, event=event, first=first)


async def shown_with(*, actor: Principal, event_id: uuid.UUID) -> list[Candidate]:
    """The best five candidates shown with an event wherever it is shown (a report's payload, a
    dispatcher's view); none for an event the caller may not read (a citizen's own appeal)."""
    event = await Event.filter(readable_events(actor), id=event_id).first()
    return [] if event is None else await find(actor=actor, event=event, first=5)


async def find(*, actor: Principal, event: Event, first: int) -> list[Candidate]:
    """Candidates for `event` (already read in the caller's scope); see the module."""
    rule = await rule_for(event.category_key)
    window = timedelta(hours=rule.window_hours)
    query = Event.filter(
        readable_events(actor),
        category_key__in=await compatible_categories(event.category_key),
        status__in=list(OPEN_STATUSES),
        merged_into_id__isnull=True,
        reported_at__gte=event.reported_at - window,
        reported_at__lte=event.reported_at + window,
    ).exclude(id=event.id)
    if event.lat is not None and event.lng is not None:
        dlat = math.degrees(rule.radius_m / EARTH_RADIUS_M)
        dlng = dlat / max(math.cos(math.radians(event.lat)), 0.01)
        near = Q(
            lat__gte=event.lat - dlat,
            lat__lte=event.lat + dlat,
            lng__gte=event.lng - dlng,
            lng__lte=event.lng + dlng,
        )
        query = query.filter(near | Q(lat__isnull=True, region_code=event.region_code))
    else:
        query = query.filter(region_code=event.region_code)
    rows = await query.order_by("-reported_at").limit(MAX_PREFILTERED)
    mine = bigrams(_text(event))
    found = []
    for row in rows:
        apart = None
        if None not in (event.lat, event.lng, row.lat, row.lng):
            apart = distance_m(event.lat, event.lng, row.lat, row.lng)  # type: ignore[arg-type]
            if apart > rule.radius_m:
                continue
        score = dice(mine, bigrams(_text(row)))
        if score < rule.min_score:
            continue
        found.append(
            Candidate(
                event_id=row.id,
                case_number=row.case_number,
                title=row.title,
                category_key=row.category_key,
                status=row.status,
                region_code=row.region_code,
                reported_at=row.reported_at,
                score=round(score, 3),
                distance_m=None if apart is None else round(apart, 1),
            )
        )
    found.sort(key=lambda c: (-c.score, c.reported_at))
    return found[:first]
