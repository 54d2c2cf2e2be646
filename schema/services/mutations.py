"""Mutations of community services, appointments and service teams (thin: parse, call, shape)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.domains.care.enums import HelperKind
from api.domains.services import appointments, providers, teams
from api.domains.services.models import ServiceTeam
from schema.permissions import allow, signed_in
from schema.services.queries import uuid_of
from schema.services.types import (
    AppointmentBookingPayload,
    AppointmentBookingResult,
    AppointmentBookingType,
    AppointmentSlotPayload,
    AppointmentSlotResult,
    AppointmentSlotType,
    DutyShiftInput,
    ServiceProviderPayload,
    ServiceProviderResult,
    ServiceProviderType,
    ServiceRequestPayload,
    ServiceRequestResult,
    ServiceRequestType,
    ServiceTeamPayload,
    ServiceTeamResult,
    ServiceTeamType,
)
from schema.types import Info


@strawberry.input(description="A provider's published fields (kinds from serviceKinds).")
class ServiceProviderInput:
    name: str
    kinds: list[str]
    contact_phone: str
    description: str = ""
    area_served: str = ""
    contact_name: str = ""
    price_notes: str = ""
    credit_code: str | None = strawberry.field(
        default=None, description="统一社会信用代码, checked like an organisation's."
    )


@strawberry.input(description="The fields to change; those left out stay.")
class ServiceProviderUpdate:
    name: str | None = None
    kinds: list[str] | None = None
    contact_phone: str | None = None
    description: str | None = None
    area_served: str | None = None
    contact_name: str | None = None
    price_notes: str | None = None
    credit_code: str | None = None


def _given(update: object) -> dict[str, Any]:
    return {name: value for name, value in vars(update).items() if value is not None}


@strawberry.input(description="A slot offered for appointments.")
class AppointmentSlotInput:
    region_code: str = strawberry.field(description="A community, or a department's region.")
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    department_id: strawberry.ID | None = None
    description: str = ""
    location: str = ""


@strawberry.input(description="A service team's own fields.")
class ServiceTeamInput:
    region_code: str = strawberry.field(description="A grid or a community.")
    name: str
    description: str = ""
    service_items: list[str] = strawberry.field(default_factory=list)
    duty_schedule: list[DutyShiftInput] = strawberry.field(default_factory=list)


@strawberry.input(description="The team fields to change; those left out stay.")
class ServiceTeamUpdate:
    name: str | None = None
    description: str | None = None
    service_items: list[str] | None = None
    duty_schedule: list[DutyShiftInput] | None = None


def _shifts(shifts: list[DutyShiftInput]) -> list[teams.DutyShift]:
    return [teams.DutyShift(s.weekday, s.start, s.end, s.note) for s in shifts]


async def _team(team: ServiceTeam) -> ServiceTeamPayload:
    members = await teams.members_of([team.id])
    return ServiceTeamPayload(team=ServiceTeamType.from_model(team, members[team.id]))


async def _request(request: Any) -> ServiceRequestPayload:
    found = await providers.providers_by_id([request.provider_id])
    return ServiceRequestPayload(
        request=ServiceRequestType.from_model(request, found.get(request.provider_id))
    )


@strawberry.type
class ServicesMutation:
    @strawberry.mutation(
        description="List a provider in a community's directory of services.",
        extensions=allow("service_provider", "manage"),
    )
    async def register_service_provider(
        self, info: Info, region_code: str, input: ServiceProviderInput
    ) -> ServiceProviderResult:
        provider = await providers.register_provider(
            actor=info.context.principal, region_code=region_code, values=vars(input)
        )
        return ServiceProviderPayload(provider=ServiceProviderType.from_model(provider))

    @strawberry.mutation(
        description="Correct a provider's published fields.",
        extensions=allow("service_provider", "manage"),
    )
    async def update_service_provider(
        self,
        info: Info,
        id: strawberry.ID,
        input: ServiceProviderUpdate,
        version: int | None = None,
    ) -> ServiceProviderResult:
        provider = await providers.update_provider(
            actor=info.context.principal,
            provider_id=uuid_of(id, "service provider"),
            values=_given(input),
            expected_version=version,
        )
        return ServiceProviderPayload(provider=ServiceProviderType.from_model(provider))

    @strawberry.mutation(
        description="Suspend (暂停) a provider with complaints: it leaves the public directory.",
        extensions=allow("service_provider", "suspend"),
    )
    async def suspend_service_provider(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ServiceProviderResult:
        provider = await providers.suspend_provider(
            actor=info.context.principal, provider_id=uuid_of(id, "service provider"), reason=reason
        )
        return ServiceProviderPayload(provider=ServiceProviderType.from_model(provider))

    @strawberry.mutation(
        description="List a suspended provider again.",
        extensions=allow("service_provider", "suspend"),
    )
    async def reinstate_service_provider(
        self, info: Info, id: strawberry.ID
    ) -> ServiceProviderResult:
        provider = await providers.reinstate_provider(
            actor=info.context.principal, provider_id=uuid_of(id, "service provider")
        )
        return ServiceProviderPayload(provider=ServiceProviderType.from_model(provider))

    @strawberry.mutation(
        description="Ask a listed provider for one of its services (a retry with the same id "
        "is the same request).",
        extensions=allow("service_request", "request"),
    )
    async def request_service(
        self,
        info: Info,
        provider_id: strawberry.ID,
        kind: str,
        note: str = "",
        id: strawberry.ID | None = None,
    ) -> ServiceRequestResult:
        request = await providers.request_service(
            actor=info.context.principal,
            provider_id=uuid_of(provider_id, "service provider", "providerId"),
            kind=kind,
            note=note,
            request_id=uuid_of(id, "service request") if id else None,
        )
        return await _request(request)

    @strawberry.mutation(
        description="The service was done: confirmed by the resident or recorded by staff.",
        extensions=signed_in(),
    )
    async def complete_service_request(self, info: Info, id: strawberry.ID) -> ServiceRequestResult:
        request = await providers.complete_request(
            actor=info.context.principal, request_id=uuid_of(id, "service request")
        )
        return await _request(request)

    @strawberry.mutation(description="Withdraw your open request.", extensions=signed_in())
    async def cancel_service_request(self, info: Info, id: strawberry.ID) -> ServiceRequestResult:
        request = await providers.cancel_request(
            actor=info.context.principal, request_id=uuid_of(id, "service request")
        )
        return await _request(request)

    @strawberry.mutation(
        description="Rate your completed request once, 1–5 stars; a complaint needs a comment. "
        "Rating a request that is not completed is a typed error.",
        extensions=signed_in(),
    )
    async def rate_service_request(
        self,
        info: Info,
        id: strawberry.ID,
        stars: int,
        comment: str = "",
        complaint: bool = False,
    ) -> ServiceRequestResult:
        request = await providers.rate_request(
            actor=info.context.principal,
            request_id=uuid_of(id, "service request"),
            stars=stars,
            comment=comment,
            complaint=complaint,
        )
        return await _request(request)

    @strawberry.mutation(
        description="Offer a slot for appointments (预约联动) at a community or a department.",
        extensions=allow("appointment_slot", "publish"),
    )
    async def publish_appointment_slot(
        self, info: Info, input: AppointmentSlotInput
    ) -> AppointmentSlotResult:
        slot = await appointments.publish_slot(
            actor=info.context.principal,
            region_code=input.region_code,
            title=input.title,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            capacity=input.capacity,
            department_id=uuid_of(input.department_id, "department", "departmentId")
            if input.department_id
            else None,
            description=input.description,
            location=input.location,
        )
        return AppointmentSlotPayload(slot=AppointmentSlotType.from_model(slot))

    @strawberry.mutation(
        description="Call a slot off: its bookings are cancelled and their bookers told.",
        extensions=allow("appointment_slot", "publish"),
    )
    async def cancel_appointment_slot(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> AppointmentSlotResult:
        slot = await appointments.cancel_slot(
            actor=info.context.principal,
            slot_id=uuid_of(id, "appointment slot", "slotId"),
            reason=reason,
        )
        return AppointmentSlotPayload(slot=AppointmentSlotType.from_model(slot))

    @strawberry.mutation(
        description="Book a place on a slot for yourself, or (staff) for a named resident; a "
        "full slot or a second booking of the same person is a typed conflict; a retry with the "
        "same client-chosen id returns the first booking.",
        extensions=allow("appointment_slot", "book"),
    )
    async def book_appointment(
        self,
        info: Info,
        slot_id: strawberry.ID,
        for_name: str = "",
        note: str = "",
        id: strawberry.ID | None = None,
    ) -> AppointmentBookingResult:
        slot_uuid = uuid_of(slot_id, "appointment slot", "slotId")
        booking = await appointments.book(
            actor=info.context.principal,
            slot_id=slot_uuid,
            for_name=for_name,
            note=note,
            booking_id=uuid_of(id, "appointment booking") if id else None,
        )
        found = await appointments.slots_by_id([slot_uuid])
        return AppointmentBookingPayload(
            booking=AppointmentBookingType.from_model(booking, found[slot_uuid])
        )

    @strawberry.mutation(
        description="Cancel a booking (its booker, or whoever may publish the slot).",
        extensions=signed_in(),
    )
    async def cancel_appointment_booking(
        self, info: Info, id: strawberry.ID
    ) -> AppointmentBookingResult:
        booking = await appointments.cancel_booking(
            actor=info.context.principal, booking_id=uuid_of(id, "appointment booking")
        )
        found = await appointments.slots_by_id([booking.slot_id])
        return AppointmentBookingPayload(
            booking=AppointmentBookingType.from_model(booking, found[booking.slot_id])
        )

    @strawberry.mutation(
        description="Form a service team (服务团队) of a grid or community.",
        extensions=allow("service_team", "manage"),
    )
    async def create_service_team(self, info: Info, input: ServiceTeamInput) -> ServiceTeamResult:
        team = await teams.create_team(
            actor=info.context.principal,
            region_code=input.region_code,
            name=input.name,
            description=input.description,
            service_items=input.service_items,
            duty_schedule=_shifts(input.duty_schedule),
        )
        return await _team(team)

    @strawberry.mutation(
        description="Change a team's name, description, service items or duty schedule.",
        extensions=allow("service_team", "manage"),
    )
    async def update_service_team(
        self, info: Info, id: strawberry.ID, input: ServiceTeamUpdate, version: int | None = None
    ) -> ServiceTeamResult:
        team = await teams.update_team(
            actor=info.context.principal,
            team_id=uuid_of(id, "service team", "teamId"),
            name=input.name,
            description=input.description,
            service_items=input.service_items,
            duty_schedule=_shifts(input.duty_schedule) if input.duty_schedule is not None else None,
            expected_version=version,
        )
        return await _team(team)

    @strawberry.mutation(
        description="Add a member (staff, volunteer or party member serving the team's "
        "region), or with asLeader make them its leader.",
        extensions=allow("service_team", "manage"),
    )
    async def add_service_team_member(
        self,
        info: Info,
        team_id: strawberry.ID,
        kind: HelperKind,
        member_id: strawberry.ID,
        as_leader: bool = False,
    ) -> ServiceTeamResult:
        team = await teams.add_member(
            actor=info.context.principal,
            team_id=uuid_of(team_id, "service team", "teamId"),
            kind=kind,
            member_id=uuid_of(member_id, kind.value, "memberId"),
            as_leader=as_leader,
        )
        return await _team(team)

    @strawberry.mutation(
        description="A member leaves the team (its history keeps them).",
        extensions=allow("service_team", "manage"),
    )
    async def remove_service_team_member(
        self, info: Info, team_id: strawberry.ID, kind: HelperKind, member_id: strawberry.ID
    ) -> ServiceTeamResult:
        team = await teams.remove_member(
            actor=info.context.principal,
            team_id=uuid_of(team_id, "service team", "teamId"),
            kind=kind,
            member_id=uuid_of(member_id, kind.value, "memberId"),
        )
        return await _team(team)
