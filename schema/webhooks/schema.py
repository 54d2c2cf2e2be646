"""An integration's webhooks and their delivery log (called with the integration's API key)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from api.domains.webhooks import models, service
from api.domains.webhooks.models import DeliveryStatus
from api.errors import NotFound
from api.pagination import page_request
from schema.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from schema.pagination import Connection, connection
from schema.permissions import signed_in
from schema.scalars import parse_uuid
from schema.types import Info

strawberry.enum(DeliveryStatus, name="DeliveryStatus", description="pending, delivered or failed.")


@strawberry.type(name="WebhookEndpoint", description="Where status changes are POSTed, signed.")
class WebhookEndpointType:
    endpoint_id: strawberry.Private[uuid.UUID]
    url: str
    own_submissions_only: bool = strawberry.field(
        description="Only events your integration submitted, not every event of its region."
    )
    is_active: bool
    created_at: datetime

    @strawberry.field(description="Id of the endpoint.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.endpoint_id))

    @classmethod
    def from_model(cls, endpoint: models.WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            endpoint_id=endpoint.id,
            url=endpoint.url,
            own_submissions_only=endpoint.own_submissions_only,
            is_active=endpoint.is_active,
            created_at=endpoint.created_at,
        )


@strawberry.type(
    name="WebhookDelivery", description="One message to one endpoint and its attempts."
)
class WebhookDeliveryType:
    sequence: int
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, delivery: models.WebhookDelivery) -> WebhookDeliveryType:
        return cls(
            sequence=delivery.sequence,
            status=delivery.status,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


@strawberry.type(description="The endpoint and its signing secret, shown only this once.")
class NewWebhookPayload:
    endpoint: WebhookEndpointType
    secret: str = strawberry.field(
        description="Verify X-Gridgov-Signature = 'sha256=' + HMAC-SHA256(secret, raw body), hex."
    )


@strawberry.type(description="The endpoint after the change.")
class WebhookPayload:
    endpoint: WebhookEndpointType


NewWebhookResult = Annotated[
    NewWebhookPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("NewWebhookResult", description="Outcome of registering a webhook."),
]
WebhookResult = Annotated[
    WebhookPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("WebhookResult", description="Outcome of a webhook change."),
]


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description="Your integration's deliveries, newest first.", extensions=signed_in()
    )
    async def webhook_deliveries(
        self,
        info: Info,
        status: DeliveryStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDeliveryType]:
        page, filtered = await service.deliveries(
            actor=info.context.principal, page=page_request(first, after), status=status
        )
        return connection(page, filtered, WebhookDeliveryType.from_model)


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(
        description="Register a URL for status changes of events in your integration's region.",
        extensions=signed_in(),
    )
    async def register_webhook(
        self, info: Info, url: str, own_submissions_only: bool = False
    ) -> NewWebhookResult:
        endpoint, secret = await service.register(
            actor=info.context.principal,
            url=url,
            service_key=info.context.settings.secret_key(),
            allowed_networks=info.context.settings.gridgov_webhook_allowed_networks,
            own_submissions_only=own_submissions_only,
        )
        return NewWebhookPayload(endpoint=WebhookEndpointType.from_model(endpoint), secret=secret)

    @strawberry.mutation(description="Stop deliveries to an endpoint.", extensions=signed_in())
    async def deactivate_webhook(self, info: Info, id: strawberry.ID) -> WebhookResult:
        endpoint_id = parse_uuid(id)
        if endpoint_id is None:
            raise NotFound("webhook", id, field="id")
        endpoint = await service.deactivate(actor=info.context.principal, endpoint_id=endpoint_id)
        return WebhookPayload(endpoint=WebhookEndpointType.from_model(endpoint))
