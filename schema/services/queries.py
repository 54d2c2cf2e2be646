"""Queries of community services, appointments and service teams; the directory, the kinds and
a community's teams are public (no sign-in), like `publicRankings`."""

from __future__ import annotations

import uuid

import strawberry

from api.domains.services import appointments, catalogue, providers, teams
from api.domains.services.enums import ProviderStatus, ServiceRequestStatus
from api.domains.services.models import AppointmentBooking, ServiceRequest
from api.errors import NotFound
from api.pagination import Page, page_request
from schema.pagination import Connection, connection
from schema.permissions import allow, public, signed_in
from schema.scalars import parse_uuid
from schema.services.types import (
    AppointmentBookingType,
    AppointmentSlotType,
    PublicServiceProvider,
    PublicServiceTeam,
    ServiceKind,
    ServiceProviderType,
    ServiceRequestType,
    ServiceTeamType,
)
from schema.types import Info


def uuid_of(value: strawberry.ID, what: str, field: str = "id") -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(what, value, field=field)
    return parsed


async def _requests(page: Page[ServiceRequest], filtered: object) -> Connection[ServiceRequestType]:
    found = await providers.providers_by_id([r.provider_id for r in page.items])
    return connection(
        page, filtered, lambda r: ServiceRequestType.from_model(r, found.get(r.provider_id))
    )


async def _bookings(
    page: Page[AppointmentBooking], filtered: object
) -> Connection[AppointmentBookingType]:
    found = await appointments.slots_by_id([b.slot_id for b in page.items])
    return connection(
        page, filtered, lambda b: AppointmentBookingType.from_model(b, found[b.slot_id])
    )


@strawberry.type
class ServicesQuery:
    @strawberry.field(
        description="The kinds of community service (家政, 家电维修, 保姆, 养老, 托幼 …); no sign-in.",
        extensions=public(),
    )
    def service_kinds(self) -> list[ServiceKind]:
        return [
            ServiceKind(key=k.key, zh=k.zh, en=k.en) for k in catalogue.service_kinds().values()
        ]

    @strawberry.field(
        description="The public directory of community service providers in a region (its "
        "communities'; a grid's community's), newest first; suspended providers are not "
        "shown; no sign-in needed.",
        extensions=public(),
    )
    async def public_service_providers(
        self,
        info: Info,
        region_code: str,
        kind: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublicServiceProvider]:
        page, filtered = await providers.public_providers(
            region_code=region_code, kind=kind, page=page_request(first, after)
        )
        return connection(page, filtered, PublicServiceProvider.from_model)

    @strawberry.field(
        description="The service teams on a region's public board (its own, those below it, "
        "and its community's and grid's), newest first; no member's name; no sign-in needed.",
        extensions=public(),
    )
    async def public_service_teams(
        self, info: Info, region_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[PublicServiceTeam]:
        page, filtered = await teams.public_teams(
            region_code=region_code, page=page_request(first, after)
        )
        counts = await teams.member_counts([t.id for t in page.items])
        return connection(page, filtered, lambda t: PublicServiceTeam.from_model(t, counts[t.id]))

    @strawberry.field(
        description="Providers of a region's communities as staff see them (suspended and "
        "complaints included), newest first.",
        extensions=allow("service_provider", "read"),
    )
    async def service_providers(
        self,
        info: Info,
        region_code: str,
        status: ProviderStatus | None = None,
        kind: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ServiceProviderType]:
        page, filtered = await providers.providers(
            actor=info.context.principal,
            region_code=region_code,
            status=status,
            kind=kind,
            page=page_request(first, after),
        )
        return connection(page, filtered, ServiceProviderType.from_model)

    @strawberry.field(
        description="Residents' requests of a region's providers, newest first.",
        extensions=allow("service_request", "read"),
    )
    async def service_requests(
        self,
        info: Info,
        region_code: str,
        provider_id: strawberry.ID | None = None,
        status: ServiceRequestStatus | None = None,
        complaints_only: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ServiceRequestType]:
        page, filtered = await providers.service_requests(
            actor=info.context.principal,
            region_code=region_code,
            provider_id=uuid_of(provider_id, "service provider", "providerId")
            if provider_id
            else None,
            status=status,
            complaints_only=complaints_only,
            page=page_request(first, after),
        )
        return await _requests(page, filtered)

    @strawberry.field(
        description="Your own requests of community services, newest first.",
        extensions=signed_in(),
    )
    async def my_service_requests(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceRequestType]:
        page, filtered = await providers.my_requests(
            actor=info.context.principal, page=page_request(first, after)
        )
        return await _requests(page, filtered)

    @strawberry.field(
        description="Appointment slots of a region, below it and of the levels above it, "
        "soonest first (open and upcoming unless includePast).",
        extensions=allow("appointment_slot", "read"),
    )
    async def appointment_slots(
        self,
        info: Info,
        region_code: str,
        include_past: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AppointmentSlotType]:
        page, filtered = await appointments.slots(
            actor=info.context.principal,
            region_code=region_code,
            include_past=include_past,
            page=page_request(first, after),
        )
        return connection(page, filtered, AppointmentSlotType.from_model)

    @strawberry.field(
        description="A slot's bookings, for whoever may publish it, in booking order.",
        extensions=allow("appointment_slot", "publish"),
    )
    async def appointment_bookings(
        self, info: Info, slot_id: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[AppointmentBookingType]:
        page, filtered = await appointments.slot_bookings(
            actor=info.context.principal,
            slot_id=uuid_of(slot_id, "appointment slot", "slotId"),
            page=page_request(first, after),
        )
        return await _bookings(page, filtered)

    @strawberry.field(description="Your own bookings, in booking order.", extensions=signed_in())
    async def my_appointment_bookings(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AppointmentBookingType]:
        page, filtered = await appointments.my_bookings(
            actor=info.context.principal, page=page_request(first, after)
        )
        return await _bookings(page, filtered)

    @strawberry.field(
        description="Service teams in a region with their members, newest first; with "
        "memberId, the teams that person (user, volunteer, party member) belongs to now.",
        extensions=allow("service_team", "read"),
    )
    async def service_teams(
        self,
        info: Info,
        region_code: str,
        member_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ServiceTeamType]:
        page, filtered = await teams.teams(
            actor=info.context.principal,
            region_code=region_code,
            member_id=uuid_of(member_id, "member", "memberId") if member_id else None,
            page=page_request(first, after),
        )
        members = await teams.members_of([t.id for t in page.items])
        return connection(page, filtered, lambda t: ServiceTeamType.from_model(t, members[t.id]))
