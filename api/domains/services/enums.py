"""Vocabularies of community services, appointments and service teams."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


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


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "ServiceProviderStatus",
    ProviderStatus,
    {ProviderStatus.ACTIVE: ("正常", "Listed"), ProviderStatus.SUSPENDED: ("已暂停", "Suspended")},
)
register(
    "ServiceRequestStatus",
    ServiceRequestStatus,
    {
        ServiceRequestStatus.REQUESTED: ("已申请", "Requested"),
        ServiceRequestStatus.COMPLETED: ("已完成", "Completed"),
        ServiceRequestStatus.CANCELLED: ("已取消", "Cancelled"),
    },
)
register(
    "AppointmentSlotStatus",
    SlotStatus,
    {SlotStatus.OPEN: ("可预约", "Open"), SlotStatus.CANCELLED: ("已取消", "Cancelled")},
)
register(
    "AppointmentBookingStatus",
    BookingStatus,
    {BookingStatus.BOOKED: ("已预约", "Booked"), BookingStatus.CANCELLED: ("已取消", "Cancelled")},
)
