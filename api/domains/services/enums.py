"""Vocabularies of community services, appointments and service teams."""

from __future__ import annotations

from enum import StrEnum


class ProviderStatus(StrEnum):
    """Whether a provider is listed (正常) or suspended after complaints (暂停)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class ServiceRequestStatus(StrEnum):
    """A resident's request of a provider: asked, done (then rated), or withdrawn."""

    REQUESTED = "requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SlotStatus(StrEnum):
    """A published appointment slot, or one its publisher called off."""

    OPEN = "open"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    """A booking of a slot, or one cancelled (by its booker or with its slot)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
