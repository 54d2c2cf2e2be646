"""Map test data: the test city's regions with square boundaries, located events, buildings."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from api import clock
from api.domains.events.enums import Card, EventStatus, Priority, Source
from api.domains.events.models import Event
from api.domains.events.scope import ancestor_columns
from api.domains.hierarchy.models import Region
from api.regions import Level
from tests import factories

# 淇滨区 lies around 35.74 N, 114.30 E.
LAT, LNG = 35.74, 114.30


def square(south: float, west: float, size: float) -> dict[str, Any]:
    """A GeoJSON square of `size` degrees with its south-west corner at (south, west)."""
    north, east = south + size, west + size
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


async def located_events(count: int = 300, *, seed: int = 20) -> list[Event]:
    """Events spread over the test city, within ~0.2° of its centre, in every status and card;
    a few without a location (never on a map)."""
    rng = random.Random(seed)
    now = clock.now()
    events = []
    for i in range(count):
        region = rng.choice(list(factories.TREE))
        located = i % 25 != 0
        events.append(
            Event(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                case_number=f"{region[:6]}-M-{i:05d}",
                title=f"event {i}",
                description="",
                category_key=rng.choice(["city.05", "dispute.02"]),
                source=rng.choice(list(Source)),
                priority=rng.choice(list(Priority)),
                status=rng.choice(list(EventStatus)),
                region_code=region,
                **ancestor_columns(region),
                handling_region_code=region,
                handling_level=Level.of_code(region),
                lat=LAT + rng.uniform(-0.2, 0.2) if located else None,
                lng=LNG + rng.uniform(-0.2, 0.2) if located else None,
                card=rng.choice(list(Card)),
                reported_at=now - timedelta(minutes=rng.randrange(5000)),
            )
        )
    await Event.bulk_create(events)
    return events


async def set_boundary(code: str, boundary: dict[str, Any]) -> None:
    await Region.filter(code=code).update(boundary=boundary)
