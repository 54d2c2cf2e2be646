"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth import ANONYMOUS, Principal
from api.domains.accounts.principals import StillSignedIn
from api.domains.accounts.throttle import LoginThrottle
from api.realtime import Hub
from api.replicas import Replicas
from api.settings import Settings
from policies.enforcer import PolicyEnforcer
from schema.dataloaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    settings: Settings
    redis: Redis
    throttle: LoginThrottle
    enforcer: PolicyEnforcer
    principal: Principal = ANONYMOUS
    auth_error: str | None = None  # why the credentials sent were refused
    loaders: Loaders = field(default_factory=Loaders)
    hub: Hub | None = None
    replicas: Replicas | None = None  # streaming replicas for stale-tolerant reads
    # set by the websocket handler from the connection_init payload
    connection_params: dict[str, Any] | None = None
    subscriptions: int = 0  # live on this connection (the context lives as long as it)
    # set for a signed-in websocket: live feeds end when the caller is signed out or changed
    still_signed_in: StillSignedIn | None = None
    # of messages and labels: Accept-Language, the user's saved one, the default (api/i18n.py)
    language: str = "en"

    @property
    def client_ip(self) -> str | None:
        client = self.request.client
        return client.host if client else None
