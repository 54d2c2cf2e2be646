"""GraphQL types of community services, appointments and service teams: the public ones carry
only what a provider or team publishes, never a resident's or member's name."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.care.enums import HelperKind
from api.domains.services import catalogue
from api.domains.services.enums import (
    BookingStatus,
    ProviderStatus,
    ServiceRequestStatus,
    SlotStatus,
)
from api.domains.services.models import (
    AppointmentBooking,
    AppointmentSlot,
    ServiceProvider,
    ServiceRequest,
    ServiceTeam,
    ServiceTeamMember,
)
from schema.care import schema as care_schema
from schema.errors import ConflictError, NotFoundError, ValidationError

# HelperKind is a GraphQL enum (CareHelperKind) by care's declaration, which must come first
assert care_schema.HelperKind is HelperKind

strawberry.enum(ProviderStatus, name="ServiceProviderStatus", description="Listed or suspended.")
strawberry.enum(
    ServiceRequestStatus, name="ServiceRequestStatus", description="Asked, done or withdrawn."
)
strawberry.enum(SlotStatus, name="AppointmentSlotStatus", description="Open or called off.")
strawberry.enum(BookingStatus, name="AppointmentBookingStatus", description="Booked or cancelled.")


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(description="A kind of community service (家政, 家电维修, 保姆, 养老, 托幼 …).")
class ServiceKind:
    key: str = strawberry.field(description="What clients send.")
    zh: str = strawberry.field(description="Its name in Chinese.")
    en: str = strawberry.field(description="Its name in English.")

    @classmethod
    def of(cls, key: str) -> ServiceKind:
        found = catalogue.service_kinds().get(key)
        return cls(key=key, zh=found.zh if found else key, en=found.en if found else key)


def _mean(provider: ServiceProvider) -> float | None:
    return round(provider.rating_sum / provider.ratings, 2) if provider.ratings else None


@strawberry.type(
    description="A provider in a community's public directory: what it publishes, and its "
    "residents' mean rating."
)
class PublicServiceProvider:
    id: strawberry.ID
    region_code: str = strawberry.field(description="The community that lists it.")
    name: str
    kinds: list[ServiceKind]
    description: str
    area_served: str
    contact_name: str = strawberry.field(description="The provider's published contact.")
    contact_phone: str = strawberry.field(description="The provider's published line (E.164).")
    price_notes: str
    credit_code: str | None = strawberry.field(description="统一社会信用代码, checked.")
    mean_rating: float | None = strawberry.field(description="1–5; null before any rating.")
    ratings: int

    @classmethod
    def from_model(cls, provider: ServiceProvider) -> PublicServiceProvider:
        return cls(
            id=_id(provider.id),
            region_code=provider.region_code,
            name=provider.name,
            kinds=[ServiceKind.of(key) for key in provider.kinds],
            description=provider.description,
            area_served=provider.area_served,
            contact_name=provider.contact_name,
            contact_phone=provider.contact_phone,
            price_notes=provider.price_notes,
            credit_code=provider.credit_code,
            mean_rating=_mean(provider),
            ratings=provider.ratings,
        )


@strawberry.type(
    name="ServiceProvider",
    description="A provider as the community's staff see it: status and complaints included.",
)
class ServiceProviderType(PublicServiceProvider):
    status: ProviderStatus
    complaints: int = strawberry.field(description="Ratings that carried a complaint.")
    suspended_reason: str | None
    suspended_at: datetime | None
    created_at: datetime
    version: int

    @classmethod
    def from_model(cls, provider: ServiceProvider) -> ServiceProviderType:
        shown = PublicServiceProvider.from_model(provider)
        return cls(
            **vars(shown),
            status=provider.status,
            complaints=provider.complaints,
            suspended_reason=provider.suspended_reason,
            suspended_at=provider.suspended_at,
            created_at=provider.created_at,
            version=provider.version,
        )


@strawberry.type(
    name="ServiceRequest", description="A resident's request of a provider and its rating."
)
class ServiceRequestType:
    id: strawberry.ID
    provider_id: strawberry.ID
    provider_name: str
    region_code: str
    kind: ServiceKind
    note: str
    status: ServiceRequestStatus
    created_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    rating: int | None = strawberry.field(description="1–5 stars, once rated.")
    rating_comment: str
    complaint: bool
    rated_at: datetime | None

    @classmethod
    def from_model(
        cls, request: ServiceRequest, provider: ServiceProvider | None
    ) -> ServiceRequestType:
        return cls(
            id=_id(request.id),
            provider_id=_id(request.provider_id),
            provider_name=provider.name if provider else "",
            region_code=request.region_code,
            kind=ServiceKind.of(request.kind),
            note=request.note,
            status=request.status,
            created_at=request.created_at,
            completed_at=request.completed_at,
            cancelled_at=request.cancelled_at,
            rating=request.rating,
            rating_comment=request.rating_comment,
            complaint=request.complaint,
            rated_at=request.rated_at,
        )


@strawberry.type(name="AppointmentSlot", description="A time offered for appointments (预约).")
class AppointmentSlotType:
    id: strawberry.ID
    region_code: str = strawberry.field(description="The publishing region.")
    department_id: strawberry.ID | None = strawberry.field(description="The department, if any.")
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int = strawberry.field(description="Live bookings.")
    remaining: int = strawberry.field(description="Places left.")
    status: SlotStatus

    @classmethod
    def from_model(cls, slot: AppointmentSlot) -> AppointmentSlotType:
        return cls(
            id=_id(slot.id),
            region_code=slot.region_code,
            department_id=_id(slot.department_id) if slot.department_id else None,
            title=slot.title,
            description=slot.description,
            location=slot.location,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=slot.capacity,
            booked=slot.booked,
            remaining=max(slot.capacity - slot.booked, 0),
            status=slot.status,
        )


@strawberry.type(name="AppointmentBooking", description="A booking of a slot.")
class AppointmentBookingType:
    id: strawberry.ID
    slot: AppointmentSlotType
    for_name: str = strawberry.field(description="Whom staff booked for; empty: the booker.")
    note: str
    status: BookingStatus
    created_at: datetime
    cancelled_at: datetime | None
    reminded_at: datetime | None = strawberry.field(description="When the reminder went out.")

    @classmethod
    def from_model(
        cls, booking: AppointmentBooking, slot: AppointmentSlot
    ) -> AppointmentBookingType:
        return cls(
            id=_id(booking.id),
            slot=AppointmentSlotType.from_model(slot),
            for_name=booking.for_name,
            note=booking.note,
            status=booking.status,
            created_at=booking.created_at,
            cancelled_at=booking.cancelled_at,
            reminded_at=booking.reminded_at,
        )


@strawberry.type(description="A weekly duty (值班) of a team, China time.")
class DutyShift:
    weekday: int = strawberry.field(description="1 Monday … 7 Sunday.")
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM")
    note: str


@strawberry.input(description="A weekly duty (值班) of a team, China time.")
class DutyShiftInput:
    weekday: int = strawberry.field(description="1 Monday … 7 Sunday.")
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM")
    note: str = ""


def _shifts(team: ServiceTeam) -> list[DutyShift]:
    return [DutyShift(**shift) for shift in team.duty_schedule]


@strawberry.type(
    description="A community's or grid's service team on the public board: no member's name."
)
class PublicServiceTeam:
    id: strawberry.ID
    region_code: str = strawberry.field(description="Its grid or community.")
    name: str
    description: str
    service_items: list[str]
    duty_schedule: list[DutyShift]
    member_count: int

    @classmethod
    def from_model(cls, team: ServiceTeam, member_count: int) -> PublicServiceTeam:
        return cls(
            id=_id(team.id),
            region_code=team.region_code,
            name=team.name,
            description=team.description,
            service_items=list(team.service_items),
            duty_schedule=_shifts(team),
            member_count=member_count,
        )


@strawberry.type(name="ServiceTeamMember", description="A current member of a service team.")
class ServiceTeamMemberType:
    kind: HelperKind
    member_id: strawberry.ID = strawberry.field(description="User, volunteer or party member.")
    label: str
    joined_at: datetime

    @classmethod
    def from_model(cls, member: ServiceTeamMember) -> ServiceTeamMemberType:
        return cls(
            kind=member.kind,
            member_id=_id(member.member_id),
            label=member.label,
            joined_at=member.joined_at,
        )


@strawberry.type(name="ServiceTeam", description="A service team (服务团队) as staff see it.")
class ServiceTeamType:
    id: strawberry.ID
    region_code: str
    name: str
    description: str
    leader_kind: HelperKind | None
    leader_id: strawberry.ID | None
    leader_label: str
    service_items: list[str]
    duty_schedule: list[DutyShift]
    members: list[ServiceTeamMemberType]
    version: int

    @classmethod
    def from_model(cls, team: ServiceTeam, members: list[ServiceTeamMember]) -> ServiceTeamType:
        return cls(
            id=_id(team.id),
            region_code=team.region_code,
            name=team.name,
            description=team.description,
            leader_kind=team.leader_kind,
            leader_id=_id(team.leader_id) if team.leader_id else None,
            leader_label=team.leader_label,
            service_items=list(team.service_items),
            duty_schedule=_shifts(team),
            members=[ServiceTeamMemberType.from_model(m) for m in members],
            version=team.version,
        )


@strawberry.type(description="The provider as stored.")
class ServiceProviderPayload:
    provider: ServiceProviderType


@strawberry.type(description="The request as stored.")
class ServiceRequestPayload:
    request: ServiceRequestType


@strawberry.type(description="The slot as stored.")
class AppointmentSlotPayload:
    slot: AppointmentSlotType


@strawberry.type(description="The booking as stored.")
class AppointmentBookingPayload:
    booking: AppointmentBookingType


@strawberry.type(description="The team as stored.")
class ServiceTeamPayload:
    team: ServiceTeamType


ServiceProviderResult = Annotated[
    ServiceProviderPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ServiceProviderResult", description="Outcome of a change of a provider."),
]
ServiceRequestResult = Annotated[
    ServiceRequestPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ServiceRequestResult", description="Outcome of a step of a request."),
]
AppointmentSlotResult = Annotated[
    AppointmentSlotPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AppointmentSlotResult", description="Outcome of publishing or calling off."),
]
AppointmentBookingResult = Annotated[
    AppointmentBookingPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AppointmentBookingResult", description="Outcome of booking or cancelling."),
]
ServiceTeamResult = Annotated[
    ServiceTeamPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ServiceTeamResult", description="Outcome of a change of a team."),
]
