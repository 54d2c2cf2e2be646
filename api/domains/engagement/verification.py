"""Phone verification of citizens' accounts: a pluggable step (no SMS gateway is built in).

A deployment names its verifier class in GRIDGOV_PHONE_VERIFIER (a dotted path to a class with
the PhoneVerifier methods, constructed without arguments). Without one, the development stub is
used, and it refuses to work when GRIDGOV_ENV=production, so production cannot register citizens
until a real verifier is configured."""

from __future__ import annotations

import importlib
from typing import Protocol, cast

import structlog

from api.errors import NotAllowed
from api.i18n import _
from api.settings import Environment, Settings

log = structlog.get_logger("gridgov.verification")


class PhoneVerifier(Protocol):
    async def send_code(self, phone: str) -> None:
        """Send a one-time code to the E.164 number."""

    async def check(self, phone: str, code: str) -> bool:
        """Is `code` the valid, unused code last sent to the number? (consumes it)"""


class DevelopmentPhoneVerifier:
    """DEVELOPMENT STUB, NOT FOR PRODUCTION: sends nothing and accepts the fixed code 000000.
    Refuses to run when GRIDGOV_ENV=production."""

    CODE = "000000"

    def __init__(self, environment: Environment):
        self.environment = environment

    def _refuse_in_production(self) -> None:
        if self.environment is Environment.PRODUCTION:
            raise NotAllowed(
                _("phone verification is not configured (set GRIDGOV_PHONE_VERIFIER)"),
                field="phone",
            )

    async def send_code(self, phone: str) -> None:
        self._refuse_in_production()
        log.info("development phone verifier: no SMS sent; the code is 000000")

    async def check(self, phone: str, code: str) -> bool:
        self._refuse_in_production()
        return code.strip() == self.CODE


def phone_verifier(settings: Settings) -> PhoneVerifier:
    """The configured verifier, else the development stub."""
    path = settings.gridgov_phone_verifier
    if not path:
        return DevelopmentPhoneVerifier(settings.gridgov_env)
    module_name, _unused, class_name = path.rpartition(".")
    verifier_class = getattr(importlib.import_module(module_name), class_name)
    return cast("PhoneVerifier", verifier_class())
