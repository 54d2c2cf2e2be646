"""Community services (社区服务): a community's directory of providers (家政, 家电维修, 保姆, 养老,
托幼 …), residents' requests and ratings, and suspension of a provider with complaints.

The directory is public (no sign-in, paged, by region): only active providers, and of them only
what a provider publishes (name, kinds, area, contact, prices, credit code, mean rating)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from tortoise.expressions import F
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.audit.service import record
from api.domains.hierarchy.service import public_region
from api.domains.registry.validation import Rule, clean
from api.domains.registry.validation import text as text_rule
from api.domains.services import catalogue
from api.domains.services.common import (
    in_region,
    name_free,
    newest_first,
    region_at,
    text,
    user_of,
)
from api.domains.services.enums import ProviderStatus, ServiceRequestStatus
from api.domains.services.models import ServiceProvider, ServiceRequest
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest
from api.query import subtree_filter
from api.regions import Level
from policies.enforcer import authorize, can

# The provider's published fields, checked as the registry checks an organisation's.
PROVIDER_RULES: Final[Mapping[str, Rule]] = {
    "name": text_rule(100, required=True),
    "description": text_rule(1000),
    "area_served": text_rule(200),
    "contact_name": text_rule(50),
    "contact_phone": Rule("phone", required=True),
    "price_notes": text_rule(500),
    "credit_code": Rule("credit_code"),
}
MAX_NOTE = 500


def _values(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    given = {name: value for name, value in values.items() if name != "kinds"}
    cleaned = clean(PROVIDER_RULES, given, partial=partial)
    for name in ("description", "area_served", "contact_name", "price_notes"):
        if name in cleaned and cleaned[name] is None:
            cleaned[name] = ""
    if "\x00" in "".join(str(v) for v in cleaned.values() if v is not None):
        raise ValidationFailed(_("text holds a NUL character"), field="name")
    if "kinds" in values:
        cleaned["kinds"] = catalogue.kinds(list(values["kinds"] or []))
    elif not partial:
        raise ValidationFailed(_("kinds is required"), field="kinds")
    return cleaned


async def register_provider(
    *, actor: Principal, region_code: str, values: Mapping[str, Any]
) -> ServiceProvider:
    """List a provider in a community's directory."""
    community = await region_at(region_code, {Level.COMMUNITY})
    authorize(actor.assignments, "service_provider", "manage", at=community)
    cleaned = _values(values, partial=False)
    async with in_transaction():
        await name_free(ServiceProvider, community, cleaned["name"])
        provider = await ServiceProvider.create(
            id=uuid.uuid4(),
            region_code=community,
            created_by_id=actor.user_id,
            created_at=clock.now(),
            **cleaned,
        )
        await record(
            actor=actor,
            action="service_provider.register",
            object_type="service_provider",
            object_id=str(provider.id),
            region_code=community,
        )
    return provider


async def _provider(
    actor: Principal, provider_id: uuid.UUID, action: str, *, lock: bool = False
) -> ServiceProvider:
    query = ServiceProvider.filter(id=provider_id)
    found = await (query.select_for_update() if lock else query).first()
    if found is None:
        raise NotFound("service provider", provider_id, field="id")
    authorize(actor.assignments, "service_provider", action, at=found.region_code)
    return found


async def update_provider(
    *,
    actor: Principal,
    provider_id: uuid.UUID,
    values: Mapping[str, Any],
    expected_version: int | None = None,
) -> ServiceProvider:
    """Correct a provider's published fields (the version guards against a lost update)."""
    cleaned = _values(values, partial=True)
    async with in_transaction():
        provider = await _provider(actor, provider_id, "manage", lock=True)
        if expected_version is not None and expected_version != provider.version:
            raise Conflict(_("the provider was changed meanwhile: reload it"), field="version")
        if "name" in cleaned:
            await name_free(
                ServiceProvider, provider.region_code, cleaned["name"], other_than=provider.id
            )
        for name, value in cleaned.items():
            setattr(provider, name, value)
        provider.version += 1
        await provider.save()
    return provider


async def suspend_provider(
    *, actor: Principal, provider_id: uuid.UUID, reason: str
) -> ServiceProvider:
    """Take a provider with complaints out of the public directory (暂停), with the reason."""
    why = text(reason, 500, field="reason", required=True)
    async with in_transaction():
        provider = await _provider(actor, provider_id, "suspend", lock=True)
        if provider.status is ProviderStatus.SUSPENDED:
            raise Conflict(
                _("the provider is already suspended"), code=ErrorCode.INVALID_TRANSITION
            )
        if provider.complaints == 0:
            raise Conflict(
                _("only a provider with complaints is suspended"), code=ErrorCode.NOT_ALLOWED
            )
        provider.status = ProviderStatus.SUSPENDED
        provider.suspended_reason = why
        provider.suspended_at = clock.now()
        provider.version += 1
        await provider.save()
        await record(
            actor=actor,
            action="service_provider.suspend",
            object_type="service_provider",
            object_id=str(provider.id),
            region_code=provider.region_code,
            detail={"reason": why, "complaints": provider.complaints},
        )
    return provider


async def reinstate_provider(*, actor: Principal, provider_id: uuid.UUID) -> ServiceProvider:
    """List a suspended provider again."""
    async with in_transaction():
        provider = await _provider(actor, provider_id, "suspend", lock=True)
        if provider.status is not ProviderStatus.SUSPENDED:
            raise Conflict(_("the provider is not suspended"), code=ErrorCode.INVALID_TRANSITION)
        provider.status = ProviderStatus.ACTIVE
        provider.suspended_reason = None
        provider.suspended_at = None
        provider.version += 1
        await provider.save()
        await record(
            actor=actor,
            action="service_provider.reinstate",
            object_type="service_provider",
            object_id=str(provider.id),
            region_code=provider.region_code,
        )
    return provider


async def public_providers(
    *, region_code: str, kind: str | None, page: PageRequest
) -> tuple[Page[ServiceProvider], QuerySet[ServiceProvider]]:
    """The public directory (no sign-in): active providers of the region's communities."""
    code = await public_region(region_code)
    query = ServiceProvider.filter(
        subtree_filter([code[:12]] if len(code) > 12 else [code], "region_code"),
        status=ProviderStatus.ACTIVE,
    )
    if kind is not None:
        query = query.filter(kinds__contains=[catalogue.kind(kind)])
    return await newest_first(query, page), query


async def providers(
    *,
    actor: Principal,
    region_code: str,
    status: ProviderStatus | None,
    kind: str | None,
    page: PageRequest,
) -> tuple[Page[ServiceProvider], QuerySet[ServiceProvider]]:
    """The directory as staff see it (suspended providers and complaints included)."""
    query = await in_region(actor, ServiceProvider, "service_provider", region_code)
    if status is not None:
        query = query.filter(status=status)
    if kind is not None:
        query = query.filter(kinds__contains=[catalogue.kind(kind)])
    return await newest_first(query, page), query


# ---------------------------------------------------------------- requests and ratings


async def request_service(
    *,
    actor: Principal,
    provider_id: uuid.UUID,
    kind: str,
    note: str = "",
    request_id: uuid.UUID | None = None,
) -> ServiceRequest:
    """A resident asks a listed provider for one of its services; a retry with the same
    client-chosen id returns the first request."""
    requester = user_of(actor)
    note = text(note, MAX_NOTE, field="note")
    async with in_transaction():
        provider = await ServiceProvider.filter(id=provider_id).select_for_update().first()
        if provider is None:
            raise NotFound("service provider", provider_id, field="providerId")
        authorize(actor.assignments, "service_request", "request", at=provider.region_code)
        if request_id is not None:
            earlier = await ServiceRequest.get_or_none(id=request_id)
            if earlier is not None:
                if earlier.requester_id != requester or earlier.provider_id != provider.id:
                    raise ValidationFailed(
                        _("this id was used for another request"),
                        field="id",
                        code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    )
                return earlier
        if provider.status is not ProviderStatus.ACTIVE:
            raise Conflict(
                _("the provider is suspended"), field="providerId", code=ErrorCode.INACTIVE
            )
        if catalogue.kind(kind) not in provider.kinds:
            raise ValidationFailed(_("the provider does not offer that service"), field="kind")
        return await ServiceRequest.create(
            id=request_id or uuid.uuid4(),
            provider_id=provider.id,
            region_code=provider.region_code,
            requester_id=requester,
            kind=kind,
            note=note,
            created_at=clock.now(),
        )


async def _request(actor: Principal, request_id: uuid.UUID) -> ServiceRequest:
    """A request, locked, that the caller made or may complete as staff (else not found)."""
    found = await ServiceRequest.filter(id=request_id).select_for_update().first()
    if found is None or (
        found.requester_id != actor.user_id
        and not can(actor.assignments, "service_request", "read", at=found.region_code)
    ):
        raise NotFound("service request", request_id, field="id")
    return found


async def complete_request(*, actor: Principal, request_id: uuid.UUID) -> ServiceRequest:
    """The service was done: the resident confirms, or community staff record it."""
    async with in_transaction():
        found = await _request(actor, request_id)
        if found.requester_id != actor.user_id:
            authorize(actor.assignments, "service_request", "complete", at=found.region_code)
        if found.status is not ServiceRequestStatus.REQUESTED:
            raise Conflict(
                _("only an open request is completed"), code=ErrorCode.INVALID_TRANSITION
            )
        found.status = ServiceRequestStatus.COMPLETED
        found.completed_at = clock.now()
        await found.save(update_fields=["status", "completed_at"])
    return found


async def cancel_request(*, actor: Principal, request_id: uuid.UUID) -> ServiceRequest:
    """The resident withdraws an open request."""
    async with in_transaction():
        found = await _request(actor, request_id)
        if found.requester_id != actor.user_id:
            raise NotFound("service request", request_id, field="id")
        if found.status is not ServiceRequestStatus.REQUESTED:
            raise Conflict(
                _("only an open request is cancelled"), code=ErrorCode.INVALID_TRANSITION
            )
        found.status = ServiceRequestStatus.CANCELLED
        found.cancelled_at = clock.now()
        await found.save(update_fields=["status", "cancelled_at"])
    return found


async def rate_request(
    *,
    actor: Principal,
    request_id: uuid.UUID,
    stars: int,
    comment: str = "",
    complaint: bool = False,
) -> ServiceRequest:
    """The resident rates a completed request once (1–5 stars), optionally as a complaint;
    the provider's mean rating and complaint count follow."""
    if not 1 <= stars <= 5:
        raise ValidationFailed(_("stars lie between 1 and 5"), field="stars")
    comment = text(comment, 500, field="comment", required=complaint)
    async with in_transaction():
        found = await _request(actor, request_id)
        if found.requester_id != actor.user_id:
            raise NotFound("service request", request_id, field="id")
        if found.status is not ServiceRequestStatus.COMPLETED:
            raise Conflict(
                _("only a completed request is rated"),
                field="id",
                code=ErrorCode.INVALID_TRANSITION,
            )
        if found.rating is not None:
            raise Conflict(
                _("the request is already rated"), field="id", code=ErrorCode.ALREADY_EXISTS
            )
        found.rating = stars
        found.rating_comment = comment
        found.complaint = complaint
        found.rated_at = clock.now()
        await found.save(update_fields=["rating", "rating_comment", "complaint", "rated_at"])
        await ServiceProvider.filter(id=found.provider_id).update(
            ratings=F("ratings") + 1,
            rating_sum=F("rating_sum") + stars,
            complaints=F("complaints") + int(complaint),
        )
    return found


async def my_requests(
    *, actor: Principal, page: PageRequest
) -> tuple[Page[ServiceRequest], QuerySet[ServiceRequest]]:
    """The caller's own requests, newest first."""
    query = ServiceRequest.filter(requester_id=user_of(actor))
    return await newest_first(query, page), query


async def service_requests(
    *,
    actor: Principal,
    region_code: str,
    provider_id: uuid.UUID | None,
    status: ServiceRequestStatus | None,
    complaints_only: bool,
    page: PageRequest,
) -> tuple[Page[ServiceRequest], QuerySet[ServiceRequest]]:
    """Requests of a region's providers as staff see them, newest first."""
    query = await in_region(actor, ServiceRequest, "service_request", region_code)
    if provider_id is not None:
        query = query.filter(provider_id=provider_id)
    if status is not None:
        query = query.filter(status=status)
    if complaints_only:
        query = query.filter(complaint=True)
    return await newest_first(query, page), query


async def providers_by_id(ids: list[uuid.UUID]) -> dict[uuid.UUID, ServiceProvider]:
    """Providers of a page of requests, in one query."""
    return {p.id: p for p in await ServiceProvider.filter(id__in=ids)}
