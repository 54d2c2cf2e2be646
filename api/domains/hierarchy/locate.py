"""Point → grid: which grid's boundary holds a WGS-84 point (shapely STRtree, cached briefly)."""

from __future__ import annotations

import time

from shapely import STRtree
from shapely.geometry import Point, shape

from api.domains.hierarchy.models import Region
from api.regions import Level

CACHE_SECONDS = 60.0

_cache: tuple[float, STRtree | None, list[str]] | None = None


async def _index() -> tuple[STRtree | None, list[str]]:
    global _cache
    if _cache is not None and time.monotonic() - _cache[0] < CACHE_SECONDS:
        return _cache[1], _cache[2]
    rows = await Region.filter(
        level=Level.GRID, is_active=True, boundary__not_isnull=True
    ).values_list("code", "boundary")
    codes = [str(code) for code, _ in rows]
    tree = STRtree([shape(boundary) for _, boundary in rows]) if rows else None
    _cache = (time.monotonic(), tree, codes)
    return tree, codes


def forget() -> None:
    """Drop the cached index (after boundaries change)."""
    global _cache
    _cache = None


async def grid_at(lat: float, lng: float) -> str | None:
    """Code of the active grid whose boundary contains the point, if any."""
    tree, codes = await _index()
    if tree is None:
        return None
    hits = tree.query(Point(lng, lat), predicate="intersects")
    return min((codes[int(i)] for i in hits), default=None)
