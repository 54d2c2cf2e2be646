"""The citizens' channel (群众诉求): accounts by phone, appeals with photos, progress, ratings.

A citizen holds the `citizen` role at a city. Appeals are events with source CITIZEN that the
citizen reported; a citizen reads only those (reporter = the citizen), never the event lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import auth, clock, phones
from api.auth import Principal
from api.domains.accounts import service as accounts
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User
from api.domains.accounts.service import TokenPair
from api.domains.accounts.throttle import LoginThrottle
from api.domains.audit.service import record
from api.domains.engagement import routing
from api.domains.engagement.enums import Channel
from api.domains.engagement.models import PublicAppeal, WechatSession
from api.domains.engagement.verification import PhoneVerifier
from api.domains.events import attachments
from api.domains.events import service as events
from api.domains.events.enums import Action, Source
from api.domains.events.models import Event, TimelineEntry
from api.domains.hierarchy.models import Region
from api.errors import Conflict, ErrorCode, NotAllowed, NotFound, RateLimited, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.regions import Level

PERMISSION = ("appeal", "submit")
MAX_CODES_PER_ADDRESS_HOUR = 10
# What a citizen sees of the handling: the steps, not the staff's internal remarks.
VISIBLE_ACTIONS = frozenset(
    {
        Action.REPORT,
        Action.FILE,
        Action.REJECT,
        Action.ASSIGN,
        Action.ACCEPT,
        Action.SUBMIT,
        Action.VERIFY,
        Action.VERIFY_ON_SITE,
        Action.CLOSE,
        Action.EVALUATE,
        Action.ESCALATE,
        Action.FOLLOW_UP,
        Action.ATTACH,
        Action.MERGE,
        Action.UNMERGE,
        Action.MAIN_PROGRESS,
    }
)
NOTES_SHOWN = events.REPORTER_NOTES | {Action.FOLLOW_UP}
SOURCE_OF_CHANNEL = {Channel.CITIZEN_APP: Source.CITIZEN, Channel.WECHAT: Source.WECHAT}


@dataclass(frozen=True, slots=True)
class AppealInput:
    title: str
    description: str
    category_key: str
    lat: float | None = None
    lng: float | None = None
    address: str | None = None
    region_code: str | None = None
    appeal_id: uuid.UUID | None = None  # chosen by the app: a retried submission is the same
    public: bool = False  # the reporter agrees to show it, closed, on the public board


def username_for(phone: str) -> str:
    """A citizen signs in with their phone; the account's username is its E.164 digits."""
    return phone.lstrip("+")


def citizen_of(actor: Principal) -> uuid.UUID:
    if actor.user_id is None or not any(a.role == Role.CITIZEN for a in actor.assignments):
        raise NotAllowed(_("appeals are made from a citizen's account"))
    return actor.user_id


# ---------------------------------------------------------------- accounts


async def request_code(
    *,
    phone: str,
    verifier: PhoneVerifier,
    redis: Redis,
    interval: timedelta,
    ip: str | None = None,
) -> str:
    """Send a verification code, at most once per interval and number, and a few an hour per
    address (nobody may use us to flood phones with texts); returns the number."""
    number = phones.normalise(phone)
    if not phones.is_mobile(number):
        raise ValidationFailed(_("give a mobile number"), field="phone")
    if ip:
        key = f"gridgov:phone-codes:ip:{ip}"
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=3600, nx=True)
            pipe.incr(key)
            _unused, sent = await pipe.execute()
        if int(sent) > MAX_CODES_PER_ADDRESS_HOUR:
            raise RateLimited(
                _("too many codes requested from your address"),
                retry_after_seconds=max(int(await redis.ttl(key)), 1),
            )
    if not await redis.set(
        f"gridgov:phone-code:{number}", 1, nx=True, ex=int(interval.total_seconds())
    ):
        raise RateLimited(
            _("a code was sent to this number moments ago"),
            retry_after_seconds=max(int(await redis.ttl(f"gridgov:phone-code:{number}")), 1),
        )
    await verifier.send_code(number)
    return number


async def city_of(city_code: str | None) -> str:
    if city_code:
        if not await Region.exists(code=city_code, level=Level.CITY, is_active=True):
            raise NotFound("city", city_code, field="cityCode")
        return city_code
    cities = (
        await Region.filter(level=Level.CITY, is_active=True)
        .limit(2)
        .values_list("code", flat=True)
    )
    if len(cities) != 1:
        raise ValidationFailed(_("say which city you live in"), field="cityCode")
    return str(cities[0])


async def register(
    *,
    phone: str,
    password: str,
    verification_code: str,
    verifier: PhoneVerifier,
    throttle: LoginThrottle,
    ip: str | None = None,
    display_name: str | None = None,
    city_code: str | None = None,
) -> User:
    """注册: a citizen's account, once the phone proved to be theirs (wrong codes count like
    failed sign-ins, so a code cannot be guessed)."""
    number = phones.normalise(phone)
    if not phones.is_mobile(number):
        raise ValidationFailed(_("give a mobile number"), field="phone")
    username = username_for(number)
    auth.check_password_strength(password, username=username)
    name = " ".join((display_name or "").split()) or phones.masked(number)
    if len(name) > 100:
        raise ValidationFailed(
            _("display name must have at most 100 characters"), field="displayName"
        )
    city = await city_of(city_code)
    await throttle.check(f"phone-code:{number}", ip)
    if not await verifier.check(number, verification_code):
        await throttle.failed(f"phone-code:{number}", ip)
        raise ValidationFailed(_("wrong or expired verification code"), field="verificationCode")
    password_hash = auth.hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                username=username, display_name=name, phone=number, password_hash=password_hash
            )
            await RoleAssignment.create(user=user, role=Role.CITIZEN, region_code=city)
            await record(
                actor=Principal(user_id=user.id, username=username),
                action="citizen.register",
                object_type="user",
                object_id=str(user.id),
                region_code=city,
            )
    except IntegrityError as error:
        raise Conflict(
            _("this phone already has an account: sign in"),
            field="phone",
            code=ErrorCode.ALREADY_EXISTS,
        ) from error
    return user


async def sign_in(
    *,
    phone: str,
    password: str,
    throttle: LoginThrottle,
    secret: str,
    access_ttl: timedelta,
    refresh_ttl: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> TokenPair:
    """登录 by phone: the accounts sign-in (throttling, sessions, tokens) under the phone's
    username."""
    try:
        username = username_for(phones.normalise(phone))
    except ValidationFailed:
        username = phone  # fails like any unknown user, through the same throttle
    return await accounts.login(
        username=username,
        password=password,
        throttle=throttle,
        secret=secret,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
        ip=ip,
        user_agent=user_agent,
    )


# ---------------------------------------------------------------- appeals


APPEAL_SOURCES = (Source.CITIZEN, Source.WECHAT)


def own_appeals(citizen_id: uuid.UUID) -> Q:
    return Q(reporter_id=citizen_id, source__in=APPEAL_SOURCES)


async def channel_of(actor: Principal) -> Channel:
    """The WeChat mini-program when the session was opened through it, else the app."""
    if actor.session_id is not None and await WechatSession.exists(session_id=actor.session_id):
        return Channel.WECHAT
    return Channel.CITIZEN_APP


async def submit_appeal(
    *,
    actor: Principal,
    data: AppealInput,
    photos: Sequence[attachments.UploadedFile],
    root: Path,
    max_bytes: int,
    max_files: int,
) -> Event:
    """诉求: a citizen's report, photos and location included, all or nothing."""
    citizen_id = citizen_of(actor)
    if data.appeal_id is not None:
        earlier = await Event.filter(own_appeals(citizen_id), id=data.appeal_id).first()
        if earlier is not None:
            return earlier  # the app's retry: nothing new, photos included
    if data.lat is None and data.lng is None and not data.region_code:
        raise ValidationFailed(_("say where: share your location"), field="location")
    user = await User.get(id=citizen_id)
    channel = await channel_of(actor)
    route = await routing.router(channel)
    stored = (
        await attachments.store_uploads(photos, root=root, max_bytes=max_bytes, max_files=max_files)
        if photos
        else []
    )
    async with in_transaction():
        if data.appeal_id is not None:
            # Concurrent retries of one appeal queue on this lock, so a later one finds the
            # first one's event (photos included) instead of making or attaching anything.
            await connections.get("default").execute_query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [str(data.appeal_id)]
            )
            earlier = await Event.filter(id=data.appeal_id).first()
            if earlier is not None:
                if earlier.reporter_id != citizen_id or earlier.source not in APPEAL_SOURCES:
                    raise Conflict(
                        _("an appeal with this id exists"),
                        field="id",
                        code=ErrorCode.ALREADY_EXISTS,
                    )
                return earlier
        event = await events.report(
            actor=actor,
            data=events.ReportInput(
                title=data.title,
                description=data.description,
                category_key=data.category_key,
                source=SOURCE_OF_CHANNEL[channel],
                region_code=data.region_code,
                lat=data.lat,
                lng=data.lng,
                address=data.address,
                citizen_name=user.display_name[:50],
                citizen_phone=user.phone,
                event_id=data.appeal_id,
                route=route,
            ),
            permission=PERMISSION,
        )
        if data.public:
            await PublicAppeal.create(
                event_id=event.id, region_code=event.region_code, made_public_at=clock.now()
            )
        if stored:
            await attachments.record_files(event, actor=actor, stored=stored, note="")
    return event


async def get_appeal(*, actor: Principal, appeal_id: uuid.UUID) -> Event:
    """The citizen's own appeal; anyone else's is not found."""
    event = await Event.filter(own_appeals(citizen_of(actor)), id=appeal_id).first()
    if event is None:
        raise NotFound("appeal", appeal_id)
    return event


async def list_appeals(*, actor: Principal, page: PageRequest) -> tuple[Page[Event], Any]:
    """The citizen's own appeals, newest first."""
    query = Event.filter(own_appeals(citizen_of(actor)))
    filtered = query
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(reported_at__lt=after_at) | Q(reported_at=after_at, id__lt=after_id))
    rows = await query.order_by("-reported_at", "-id").limit(page.first + 1)
    return make_page(rows, page, lambda e: f"{e.reported_at.isoformat()}|{e.id}"), filtered


async def rate_appeal(
    *, actor: Principal, appeal_id: uuid.UUID, satisfaction: int, note: str = ""
) -> events.StepOutcome:
    """评价: the citizen rates the result of a closed appeal (once)."""
    event = await get_appeal(actor=actor, appeal_id=appeal_id)
    return await events.evaluate(
        actor=actor, event_id=event.id, satisfaction=satisfaction, note=note, owned=True
    )


async def follow_up_appeal(
    *, actor: Principal, appeal_id: uuid.UUID, note: str
) -> events.StepOutcome:
    """补充: the citizen adds to an open appeal."""
    event = await get_appeal(actor=actor, appeal_id=appeal_id)
    return await events.follow_up(actor=actor, event_id=event.id, note=note)


def visible_progress(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    return [entry for entry in entries if entry.action in VISIBLE_ACTIONS]
