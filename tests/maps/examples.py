"""What graphql_examples/*/maps_* operate on: township boundaries side by side inside their
district, and the fixtures' events and buildings placed in 金山街道 (35.62 N, 114.25 E)."""

from __future__ import annotations

from api.domains.events.models import Event
from api.domains.registry.models import Building
from tests.maps.helpers import set_boundary, square


async def map_fixtures() -> dict[str, str]:
    await set_boundary("410611", square(35.6, 114.2, 0.3))
    await set_boundary("410611001", square(35.6, 114.2, 0.1))
    await set_boundary("410611002", square(35.7, 114.2, 0.1))
    for number, event in enumerate(await Event.filter(region_code__startswith="410611001")):
        await Event.filter(id=event.id).update(
            lat=35.62 + 0.001 * (number % 5), lng=114.25 + 0.001 * (number // 5)
        )
    await Building.filter(region_code__startswith="410611001").update(lat=35.6205, lng=114.2505)
    return {}
