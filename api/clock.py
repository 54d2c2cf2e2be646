"""The one clock of the service: timezone-aware UTC, movable by tests and the deadline sweeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def move(by: timedelta) -> None:
    """Shift the clock (tests only: simulate time passing without sleeping)."""
    global _offset
    _offset += by


def reset() -> None:
    global _offset
    _offset = timedelta(0)
