"""WeChat mini-program sign-in (微信小程序登录): the code the mini-program gets from wx.login is
exchanged for the user's openid (and unionid) through a pluggable client, like the phone
verifier. The openid is bound one-to-one to a phone-verified citizen account (the phone's code
is asked once, at binding); a session opened through WeChat sends its appeals with source
WECHAT. WeChat's `session_key` is dropped where it arrives: it is never stored nor returned."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import httpx
import jwt
import structlog
from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import auth, clock, phones
from api.auth import Principal
from api.domains.accounts import service as accounts
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User
from api.domains.accounts.service import TokenPair
from api.domains.accounts.throttle import LoginThrottle
from api.domains.audit.service import record
from api.domains.engagement.models import WechatBinding, WechatSession
from api.domains.engagement.service import city_of, username_for
from api.domains.engagement.verification import PhoneVerifier
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, RateLimited, ValidationFailed
from api.i18n import _
from api.settings import Environment, Settings

log = structlog.get_logger("gridgov.wechat")
MAX_CODE = 128
CODE_REUSE_SECONDS = 600  # WeChat's codes live five minutes; a used one is remembered longer
BINDING_TTL = timedelta(minutes=10)
BINDING_TOKEN_TYPE = "wechat-binding"  # noqa: S105  # a claim value, not a secret


@dataclass(frozen=True, slots=True)
class WechatIdentity:
    openid: str
    unionid: str | None = None


class WechatClient(Protocol):
    async def code_to_session(self, code: str) -> WechatIdentity:
        """The user behind a wx.login code (code2session); ValidationFailed for a bad code."""


class DevelopmentWechatClient:
    """DEVELOPMENT STUB, NOT FOR PRODUCTION: calls nothing; a code `dev-<name>` or
    `dev-<name>.<anything>` (codes work once: vary the tail to sign in again) is the user with
    openid `dev-openid-<name>`, anything else is an invalid code. Refuses to run when
    GRIDGOV_ENV=production."""

    PREFIX = "dev-"

    def __init__(self, environment: Environment):
        self.environment = environment

    async def code_to_session(self, code: str) -> WechatIdentity:
        if self.environment is Environment.PRODUCTION:
            raise NotAllowed(
                _("WeChat sign-in is not configured (set GRIDGOV_WECHAT_APP_ID and _SECRET)"),
                field="code",
            )
        name = code.removeprefix(self.PREFIX).split(".", 1)[0]
        if not code.startswith(self.PREFIX) or not name or not name.isascii() or not name.isalnum():
            raise ValidationFailed(
                _("invalid WeChat code"), field="code", code=ErrorCode.INVALID_TOKEN
            )
        return WechatIdentity(openid=f"dev-openid-{name}", unionid=f"dev-unionid-{name}")


# code2session's error codes (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/
# user-login/code2Session.html)
INVALID_CODE_ERRORS = frozenset({40029, 40163})  # invalid code, code already used
RATE_LIMIT_ERRORS = frozenset({45011})  # too many calls for this user


class Code2SessionClient:
    """WeChat's code-to-session endpoint with the mini-program's app id and secret."""

    def __init__(self, *, app_id: str, app_secret: str, api_base: str, timeout: float = 5.0):
        self.app_id = app_id
        self.app_secret = app_secret
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    def request(self, code: str) -> httpx.Request:
        return httpx.Request(
            "GET",
            f"{self.api_base}/sns/jscode2session",
            params={
                "appid": self.app_id,
                "secret": self.app_secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )

    @staticmethod
    def identity(status: int, payload: Any) -> WechatIdentity:
        """The user from WeChat's answer (its session_key is left where it lies)."""
        if status != 200 or not isinstance(payload, dict):
            raise NotAllowed(_("WeChat did not answer; try again"), field="code")
        error = payload.get("errcode") or 0
        if error in INVALID_CODE_ERRORS:
            raise ValidationFailed(
                _("invalid or used WeChat code"), field="code", code=ErrorCode.INVALID_TOKEN
            )
        if error in RATE_LIMIT_ERRORS:
            raise RateLimited(_("WeChat refuses more sign-ins for now"), retry_after_seconds=60)
        openid = payload.get("openid")
        if error or not isinstance(openid, str) or not openid or len(openid) > 64:
            log.warning("code2session refused", errcode=error, errmsg=payload.get("errmsg"))
            raise NotAllowed(_("WeChat refused the sign-in; try again"), field="code")
        unionid = payload.get("unionid")
        return WechatIdentity(
            openid=openid,
            unionid=unionid if isinstance(unionid, str) and 0 < len(unionid) <= 64 else None,
        )

    async def code_to_session(self, code: str) -> WechatIdentity:
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            try:
                response = await http.send(self.request(code))
                payload = response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise NotAllowed(_("WeChat did not answer; try again"), field="code") from error
        return self.identity(response.status_code, payload)


def wechat_client(settings: Settings) -> WechatClient:
    """The real client when the app id and secret are set, else the development stub."""
    if settings.gridgov_wechat_app_id and settings.gridgov_wechat_app_secret:
        return Code2SessionClient(
            app_id=settings.gridgov_wechat_app_id,
            app_secret=settings.gridgov_wechat_app_secret,
            api_base=settings.gridgov_wechat_api_base,
        )
    return DevelopmentWechatClient(settings.gridgov_env)


@dataclass(frozen=True, slots=True)
class SessionTerms:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class SignIn:
    """Signed in (tokens), or the WeChat user is not bound yet (a binding token to bind with)."""

    tokens: TokenPair | None = None
    binding_token: str | None = None
    binding_expires_in: int = 0


async def _session(binding: WechatBinding, user: User, terms: SessionTerms) -> TokenPair:
    tokens = await accounts.open_session(
        user,
        secret=terms.secret,
        access_ttl=terms.access_ttl,
        refresh_ttl=terms.refresh_ttl,
        ip=terms.ip,
        user_agent=terms.user_agent,
    )
    _unused, session_id, _unused2 = auth.decode_access_token(
        tokens.access_token, secret=terms.secret
    )
    now = clock.now()
    await WechatSession.create(session_id=session_id, binding_id=binding.id, created_at=now)
    await WechatBinding.filter(id=binding.id).update(last_sign_in_at=now)
    return tokens


def _binding_token(identity: WechatIdentity, secret: str) -> str:
    claims = {
        "typ": BINDING_TOKEN_TYPE,
        "openid": identity.openid,
        "unionid": identity.unionid,
        "exp": int((clock.now() + BINDING_TTL).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _identity_of(token: str, secret: str) -> WechatIdentity:
    invalid = ValidationFailed(
        _("the binding token is invalid or expired: sign in with WeChat again"),
        field="bindingToken",
        code=ErrorCode.INVALID_TOKEN,
    )
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except (jwt.PyJWTError, ValueError) as error:
        raise invalid from error
    if (
        claims.get("typ") != BINDING_TOKEN_TYPE
        or not isinstance(claims.get("openid"), str)
        or not isinstance(claims.get("exp"), int)
        or claims["exp"] <= clock.now().timestamp()
    ):
        raise invalid
    unionid = claims.get("unionid")
    return WechatIdentity(claims["openid"], unionid if isinstance(unionid, str) else None)


async def sign_in(
    *,
    code: str,
    client: WechatClient,
    redis: Redis,
    throttle: LoginThrottle,
    terms: SessionTerms,
) -> SignIn:
    """微信登录: a bound WeChat user gets a session; an unbound one a binding token. A code
    works once; invalid and reused codes count like failed sign-ins from the address."""
    code = code.strip()
    if not code or len(code) > MAX_CODE or not code.isprintable():
        raise ValidationFailed(
            _("code must have 1 to {MAX_CODE} characters", MAX_CODE=MAX_CODE), field="code"
        )
    await throttle.check("wechat-code", terms.ip)
    digest = hashlib.sha256(code.encode()).hexdigest()
    if not await redis.set(f"gridgov:wechat-code:{digest}", 1, nx=True, ex=CODE_REUSE_SECONDS):
        await throttle.failed("wechat-code", terms.ip)
        raise ValidationFailed(
            _("this WeChat code was used already"), field="code", code=ErrorCode.INVALID_TOKEN
        )
    try:
        identity = await client.code_to_session(code)
    except ValidationFailed:
        await throttle.failed("wechat-code", terms.ip)
        raise
    binding = await WechatBinding.get_or_none(openid=identity.openid)
    if binding is not None:
        user = await User.get_or_none(id=binding.user_id, is_active=True)
        if user is None:
            raise NotAllowed(_("this account is deactivated"), field="code")
        return SignIn(tokens=await _session(binding, user, terms))
    return SignIn(
        binding_token=_binding_token(identity, terms.secret),
        binding_expires_in=int(BINDING_TTL.total_seconds()),
    )


async def _citizen_account(number: str, city_code: str) -> User:
    """The citizen account of the proved phone, made now if it has none (its password is
    unknown to everyone: it signs in through WeChat, or sets one by phone later)."""
    user = await User.get_or_none(username=username_for(number))
    if user is not None:
        if not await RoleAssignment.exists(user_id=user.id, role=Role.CITIZEN):
            raise NotAllowed(_("staff accounts are not bound to WeChat"), field="phone")
        return user
    user = await User.create(
        username=username_for(number),
        display_name=phones.masked(number),
        phone=number,
        password_hash=auth.hash_password(secrets.token_urlsafe(32)),
    )
    await RoleAssignment.create(user=user, role=Role.CITIZEN, region_code=city_code)
    await record(
        actor=Principal(user_id=user.id, username=user.username),
        action="citizen.register",
        object_type="user",
        object_id=str(user.id),
        region_code=city_code,
        detail={"channel": "wechat"},
    )
    return user


async def bind(
    *,
    binding_token: str,
    phone: str,
    verification_code: str,
    verifier: PhoneVerifier,
    throttle: LoginThrottle,
    terms: SessionTerms,
    city_code: str | None = None,
) -> TokenPair:
    """绑定手机: prove the phone once; the WeChat user is bound to its citizen account (made if
    missing) and signed in. An openid bound already, or an account bound to another WeChat
    user, is a conflict; nothing is written then."""
    identity = _identity_of(binding_token, terms.secret)
    number = phones.normalise(phone)
    if not phones.is_mobile(number):
        raise ValidationFailed(_("give a mobile number"), field="phone")
    city = await city_of(city_code)
    await throttle.check(f"phone-code:{number}", terms.ip)
    if not await verifier.check(number, verification_code):
        await throttle.failed(f"phone-code:{number}", terms.ip)
        raise ValidationFailed(_("wrong or expired verification code"), field="verificationCode")
    try:
        async with in_transaction():
            user = await _citizen_account(number, city)
            if await WechatBinding.exists(user_id=user.id):
                raise Conflict(
                    _("this phone's account is bound to another WeChat user"),
                    field="phone",
                    code=ErrorCode.ALREADY_EXISTS,
                )
            binding = await WechatBinding.create(
                id=uuid.uuid4(),
                openid=identity.openid,
                unionid=identity.unionid,
                user_id=user.id,
                bound_at=clock.now(),
            )
            await record(
                actor=Principal(user_id=user.id, username=user.username),
                action="citizen.bind_wechat",
                object_type="user",
                object_id=str(user.id),
                region_code=city,
            )
            return await _session(binding, user, terms)
    except IntegrityError as error:
        raise Conflict(
            _("this WeChat user is bound to another account"),
            field="bindingToken",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error


async def unbind(*, actor: Principal) -> None:
    """解除绑定: the signed-in citizen's WeChat binding ends; its openid is free to be bound
    again (after a fresh wechatLogin). Not bound: NOT_FOUND; nothing is written then."""
    if actor.user_id is None:
        raise NotAllowed(_("only a signed-in citizen may unbind WeChat"))
    async with in_transaction():
        binding = await WechatBinding.filter(user_id=actor.user_id).select_for_update().first()
        if binding is None:
            raise NotFound("WeChat binding", actor.user_id)
        await binding.delete()
        held = await RoleAssignment.filter(user_id=actor.user_id, role=Role.CITIZEN).first()
        await record(
            actor=actor,
            action="citizen.unbind_wechat",
            object_type="user",
            object_id=str(actor.user_id),
            region_code=held.region_code if held is not None else "",
            detail={"openid_sha256": hashlib.sha256(binding.openid.encode()).hexdigest()},
        )
