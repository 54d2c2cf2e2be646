"""Patrol tracks packed into one small binary value, and the geometry of a track.

Eight hours at one fix every 30 s is 960 points. Rows of `worker_positions` cost about 100 bytes
each with their index entries and are dropped by the month after their retention; a patrol's
track must outlive that and read in one go. So when a patrol ends its points are packed: a version byte, then per point
the differences from the previous point as zigzag varints (seconds, with the far-outside flag in
the low bit; latitude and longitude in 1e-6 degrees, about 0.1 m). A walking worker moves a few
metres between fixes, so a point takes 5–7 bytes: a full day is about 6 KB in one column, read
and decoded in well under a millisecond. An encoded polyline (Google's format) would do for the
coordinates but has no place for the time and the flag, which the track needs."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

FORMAT = 1
SCALE = 1_000_000
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class TrackPoint:
    at: datetime
    lat: float
    lng: float
    flagged: bool = False  # far outside the worker's grid: kept, shown as such


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def pack(points: Sequence[TrackPoint]) -> bytes:
    """The points (in time order) as bytes; `unpack` gives them back to 1e-6 degree, 1 s."""
    out = bytearray([FORMAT])
    previous_t = previous_lat = previous_lng = 0
    for point in points:
        t = int(point.at.timestamp())
        lat, lng = round(point.lat * SCALE), round(point.lng * SCALE)
        _varint(((t - previous_t) << 1) | int(point.flagged), out)
        _varint(_zigzag(lat - previous_lat), out)
        _varint(_zigzag(lng - previous_lng), out)
        previous_t, previous_lat, previous_lng = t, lat, lng
    return bytes(out)


def unpack_columns(data: bytes) -> tuple[list[int], list[float], list[float], list[int]]:
    """The packed points as columns: epoch seconds, latitudes, longitudes, and the indexes of
    flagged points (one pass, no object per point: what a map's line needs)."""
    if not data:
        return [], [], [], []
    if data[0] != FORMAT:
        raise ValueError(f"unknown track format {data[0]}")
    times: list[int] = []
    lats: list[float] = []
    lngs: list[float] = []
    flagged: list[int] = []
    numbers: list[int] = []
    value = shift = 0
    for byte in memoryview(data)[1:]:
        if byte & 0x80:
            value |= (byte & 0x7F) << shift
            shift += 7
        else:
            numbers.append(value | (byte << shift))
            value = shift = 0
    t = lat = lng = 0
    for index in range(0, len(numbers), 3):
        time_and_flag, d_lat, d_lng = numbers[index], numbers[index + 1], numbers[index + 2]
        t += time_and_flag >> 1
        lat += (d_lat >> 1) ^ -(d_lat & 1)
        lng += (d_lng >> 1) ^ -(d_lng & 1)
        times.append(t)
        lats.append(lat / SCALE)
        lngs.append(lng / SCALE)
        if time_and_flag & 1:
            flagged.append(index // 3)
    return times, lats, lngs, flagged


def unpack(data: bytes) -> list[TrackPoint]:
    times, lats, lngs, flagged = unpack_columns(data)
    far = set(flagged)
    return [
        TrackPoint(datetime.fromtimestamp(t, UTC), lat, lng, index in far)
        for index, (t, lat, lng) in enumerate(zip(times, lats, lngs, strict=True))
    ]


def metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def distance(points: Sequence[TrackPoint]) -> float:
    """Metres along the track, leaving out legs to or from a flagged point (a bad fix would
    add kilometres the worker never walked)."""
    total = 0.0
    kept = [point for point in points if not point.flagged]
    for first, second in itertools.pairwise(kept):
        total += metres_between(first.lat, first.lng, second.lat, second.lng)
    return total
