"""Users, role assignments, sign-in sessions and API keys."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import auth, clock
from api.auth import Assignment, Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import ApiKey, RoleAssignment, User, UserSession
from api.domains.accounts.throttle import LoginThrottle
from api.domains.audit.service import record
from api.domains.hierarchy.models import Department, Region
from api.domains.hierarchy.service import parse_code
from api.errors import (
    AuthenticationFailed,
    Conflict,
    ErrorCode,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from api.i18n import _
from api.language import SUPPORTED
from api.pagination import Page, PageRequest, make_page
from api.query import fetch, subtree_filter
from policies.enforcer import authorize, get_enforcer, scope_prefixes

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
MAX_ASSIGNMENTS = 20
# Ended sessions are kept a while for the security review of a stolen token, then dropped.
SESSION_RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    user: User


@dataclass(frozen=True, slots=True)
class AssignmentInput:
    role: Role
    region_code: str
    department_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    api_key: ApiKey
    secret: str


# ---------------------------------------------------------------- principals


async def principal_for_token(token: str, *, secret: str) -> Principal:
    """The principal behind an access token or API key; Unauthenticated if none is valid."""
    if auth.parse_api_key(token) is not None:
        return await principal_for_api_key(token)
    user_id, session_id, expires = auth.decode_access_token(token, secret=secret)
    # Every request runs this: one statement, not an ORM query per table.
    rows = await fetch(User, _SESSION_PRINCIPAL, (session_id, user_id, clock.now()))
    if not rows:
        raise Unauthenticated(_("session ended; sign in again"))
    row = rows[0]
    return Principal(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        assignments=tuple(
            Assignment(role, code, uuid.UUID(dept) if dept else None, uuid.UUID(assignment_id))
            for role, code, dept, assignment_id in orjson.loads(row["assignments"])
        ),
        session_id=row["session_id"],
        token_expires_at=expires,
        session_expires_at=row["session_expires_at"],
        account=auth.Account(
            phone=row["phone"],
            is_active=row["is_active"],
            created_at=row["created_at"],
            last_login_at=row["last_login_at"],
            language=row["language"],
        ),
    )


_SESSION_PRINCIPAL = """
SELECT s.id AS session_id, s.expires_at AS session_expires_at, u.id AS user_id, u.username,
       u.display_name, u.phone, u.is_active, u.created_at, u.last_login_at,
       u.language,
       COALESCE(
           (SELECT json_agg(json_build_array(a.role, a.region_code, a.department_id, a.id)
                            ORDER BY a.created_at, a.id)
            FROM role_assignments a WHERE a.user_id = u.id),
           '[]')::text AS assignments
FROM user_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3
  AND u.is_active
"""


async def principal_for_api_key(key: str) -> Principal:
    prefix = auth.parse_api_key(key)
    api_key = await ApiKey.get_or_none(prefix=prefix, revoked_at=None) if prefix else None
    if api_key is None or not auth.digests_match(api_key.key_hash, auth.token_digest(key)):
        raise Unauthenticated(_("invalid API key"))
    now = clock.now()
    # Touch at most once a minute: a busy hotline must not turn every call into a write.
    if api_key.last_used_at is None or now - api_key.last_used_at > timedelta(minutes=1):
        await ApiKey.filter(id=api_key.id).update(last_used_at=now)
    return Principal(
        api_key_id=api_key.id,
        username=api_key.name,
        display_name=api_key.name,
        assignments=(Assignment(Role.INTEGRATION.value, api_key.region_code),),
    )


# ---------------------------------------------------------------- sign-in


async def login(
    *,
    username: str,
    password: str,
    throttle: LoginThrottle,
    secret: str,
    access_ttl: timedelta,
    refresh_ttl: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> TokenPair:
    """Check the password and open a session."""
    username = username.strip().lower()
    if not username or len(username) > 64 or len(password) > auth.MAX_PASSWORD_LENGTH:
        raise AuthenticationFailed(_("wrong username or password"))
    await throttle.check(username, ip)
    user = await User.get_or_none(username=username)
    if user is None or not user.is_active:
        # the same argon2 work as a real check: an unknown or deactivated account must not
        # answer faster than an active one (timing would tell which accounts exist)
        auth.burn_password_check(password)
    if user is None or not user.is_active or not auth.verify_password(user.password_hash, password):
        await throttle.failed(username, ip)
        raise AuthenticationFailed(_("wrong username or password"))
    await throttle.succeeded(username, ip)
    return await open_session(
        user,
        secret=secret,
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
        ip=ip,
        user_agent=user_agent,
    )


async def open_session(
    user: User,
    *,
    secret: str,
    access_ttl: timedelta,
    refresh_ttl: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> TokenPair:
    """A session and its tokens for a user whose identity was proved (password, WeChat)."""
    now = clock.now()
    refresh_token = auth.new_refresh_token()
    async with in_transaction():
        session = await UserSession.create(
            user=user,
            refresh_token_hash=auth.token_digest(refresh_token),
            expires_at=now + refresh_ttl,
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
        user.last_login_at = now
        await user.save(update_fields=["last_login_at"])
    access_token, access_expires = auth.issue_access_token(
        user_id=user.id, session_id=session.id, secret=secret, ttl=access_ttl
    )
    return TokenPair(access_token, access_expires, refresh_token, session.expires_at, user)


async def refresh(
    *, refresh_token: str, secret: str, access_ttl: timedelta, refresh_ttl: timedelta
) -> TokenPair:
    """Rotate a refresh token; a token used twice ends its session (it was stolen or replayed)."""
    digest = auth.token_digest(refresh_token)
    now = clock.now()
    new_token = auth.new_refresh_token()
    async with in_transaction():
        session = (
            await UserSession.filter(refresh_token_hash=digest)
            .select_for_update(of=("user_sessions",))
            .select_related("user")
            .first()
        )
        usable = (
            session is not None
            and session.revoked_at is None
            and session.expires_at > now
            and session.user.is_active
        )
        if session is not None and usable:
            session.previous_refresh_token_hash = session.refresh_token_hash
            session.refresh_token_hash = auth.token_digest(new_token)
            session.refreshed_at = now
            session.expires_at = now + refresh_ttl
            await session.save(
                update_fields=[
                    "refresh_token_hash",
                    "previous_refresh_token_hash",
                    "refreshed_at",
                    "expires_at",
                ]
            )
    if session is None:
        # A rotated-out token presented again: someone holds a copy, so end that session.
        replayed = await UserSession.filter(
            previous_refresh_token_hash=digest, revoked_at=None
        ).update(revoked_at=now)
        message = (
            "refresh token already used; session ended" if replayed else "invalid refresh token"
        )
        raise AuthenticationFailed(message, code=ErrorCode.INVALID_TOKEN)
    if not usable:
        raise AuthenticationFailed(
            _("refresh token expired or revoked"), code=ErrorCode.INVALID_TOKEN
        )
    access_token, access_expires = auth.issue_access_token(
        user_id=session.user.id, session_id=session.id, secret=secret, ttl=access_ttl
    )
    return TokenPair(access_token, access_expires, new_token, session.expires_at, session.user)


async def logout(*, actor: Principal, everywhere: bool = False) -> int:
    """End the caller's session (or all of the caller's sessions); returns how many ended."""
    if actor.user_id is None:
        raise Unauthenticated(_("sign in first"))
    query = UserSession.filter(user_id=actor.user_id, revoked_at=None)
    if not everywhere:
        query = query.filter(id=actor.session_id)
    return await query.update(revoked_at=clock.now())


async def prune_sessions() -> int:
    """Delete sessions that expired or were revoked more than the retention period ago."""
    cutoff = clock.now() - SESSION_RETENTION
    expired = await UserSession.filter(expires_at__lt=cutoff).delete()
    revoked = await UserSession.filter(revoked_at__lt=cutoff).delete()
    return int(expired) + int(revoked)


# ---------------------------------------------------------------- users


def readable_users(actor: Principal) -> Q:
    """Users holding at least one assignment inside the caller's user-read scope."""
    prefixes = scope_prefixes(actor.assignments, "user", "read")
    return subtree_filter(prefixes, "assignments__region_code")


def _check_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not USERNAME_PATTERN.match(cleaned):
        raise ValidationFailed(
            _("username: 3–64 characters of a–z, 0–9, _ . -, starting with a letter or digit"),
            field="username",
        )
    return cleaned


def _check_display_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100:
        raise ValidationFailed(_("display name must have 1 to 100 characters"), field="displayName")
    return cleaned


def _check_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    cleaned = phone.strip().replace(" ", "").replace("-", "")
    if not re.fullmatch(r"\+?\d{5,15}", cleaned):
        raise ValidationFailed(
            _("phone must be 5–15 digits, optionally with a leading +"), field="phone"
        )
    return cleaned


async def _validated_assignment(actor: Principal, data: AssignmentInput) -> None:
    """Raise unless the caller may grant this role there and the role exists at that level."""
    level = parse_code(data.region_code, field="regionCode")
    authorize(actor.assignments, "user", "assign_role", at=data.region_code)
    if not get_enforcer().may_hold(data.role.value, level):
        raise ValidationFailed(
            _(
                "role {value} cannot be held at {value2} level",
                value=data.role.value,
                value2=level.value,
            ),
            field="role",
            code=ErrorCode.ROLE_NOT_AT_LEVEL,
        )
    if not await Region.exists(code=data.region_code, is_active=True):
        raise NotFound("region", data.region_code, field="regionCode")
    if data.department_id is not None:
        department = await Department.get_or_none(id=data.department_id, is_active=True)
        if department is None or department.region_code != data.region_code:
            raise NotFound("department", data.department_id, field="departmentId")
    elif data.role is Role.DEPARTMENT_STAFF:
        raise ValidationFailed(_("department staff need a department"), field="departmentId")


async def get_user(*, actor: Principal, user_id: uuid.UUID) -> User:
    if actor.user_id == user_id:
        user = await User.get_or_none(id=user_id)
    else:
        user = await User.filter(readable_users(actor), id=user_id).distinct().first()
    if user is None:
        raise NotFound("user", user_id)
    return user


async def list_users(
    *,
    actor: Principal,
    page: PageRequest,
    region_code: str | None = None,
    role: Role | None = None,
    search: str | None = None,
    include_inactive: bool = False,
) -> tuple[Page[User], Any]:
    """Users in scope ordered by username; optionally those with a role/assignment under a region."""
    query = User.filter(readable_users(actor))
    if region_code is not None:
        parse_code(region_code, field="regionCode")
        query = query.filter(assignments__region_code__startswith=region_code)
    if role is not None:
        query = query.filter(assignments__role=role)
    if search:
        if len(search) > 50:
            raise ValidationFailed(_("search is at most 50 characters"), field="search")
        query = query.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    if not include_inactive:
        query = query.filter(is_active=True)
    query = query.distinct()
    filtered = query
    if page.after is not None:
        query = query.filter(username__gt=page.after)
    rows = await query.order_by("username").limit(page.first + 1)
    return make_page(rows, page, lambda user: user.username), filtered


async def assignments_of(user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[RoleAssignment]]:
    """Role assignments per user, in one query (for dataloaders)."""
    rows = await RoleAssignment.filter(user_id__in=list(user_ids)).order_by("region_code", "role")
    grouped: dict[uuid.UUID, list[RoleAssignment]] = {user_id: [] for user_id in user_ids}
    for row in rows:
        grouped.setdefault(uuid.UUID(str(row.user_id)), []).append(row)
    return grouped


async def create_user(
    *,
    actor: Principal,
    username: str,
    display_name: str,
    password: str,
    assignments: Sequence[AssignmentInput],
    phone: str | None = None,
) -> User:
    """Create an account with its first role assignments (an account without a role helps nobody)."""
    username = _check_username(username)
    display_name = _check_display_name(display_name)
    phone = _check_phone(phone)
    if not assignments or len(assignments) > MAX_ASSIGNMENTS:
        raise ValidationFailed(
            _("give 1 to {MAX_ASSIGNMENTS} role assignments", MAX_ASSIGNMENTS=MAX_ASSIGNMENTS),
            field="assignments",
        )
    for assignment in assignments:
        await _validated_assignment(actor, assignment)
    auth.check_password_strength(password, username=username)
    password_hash = auth.hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                username=username,
                display_name=display_name,
                phone=phone,
                password_hash=password_hash,
            )
            for role, region_code, department_id in {
                (a.role, a.region_code, a.department_id) for a in assignments
            }:
                await RoleAssignment.create(
                    user=user, role=role, region_code=region_code, department_id=department_id
                )
            await record(
                actor=actor,
                action="user.create",
                object_type="user",
                object_id=str(user.id),
                region_code=assignments[0].region_code,
                detail={
                    "username": username,
                    "roles": [f"{a.role.value}@{a.region_code}" for a in assignments],
                },
            )
    except IntegrityError as exc:
        raise Conflict(
            _("username {username} is taken", username=username),
            field="username",
            code=ErrorCode.ALREADY_EXISTS,
        ) from exc
    return user


async def _user_for_admin(actor: Principal, user_id: uuid.UUID, action: str) -> tuple[User, str]:
    """A user in scope, checked against `action` at each of their assignments' regions; also the
    region their audit entries are filed under (the highest they work at)."""
    user = await User.filter(readable_users(actor), id=user_id).distinct().first()
    if user is None:
        raise NotFound("user", user_id)
    codes = await RoleAssignment.filter(user_id=user_id).values_list("region_code", flat=True)
    # A user's account is the concern of every region they work in: an admin may change it only
    # if they administer all of them, so a township admin cannot lock out a district officer.
    for code in set(codes):
        authorize(actor.assignments, "user", action, at=str(code))
    return user, min(map(str, codes), key=len)


async def update_user(
    *,
    actor: Principal,
    user_id: uuid.UUID,
    display_name: str | None = None,
    phone: str | None = None,
) -> User:
    async with in_transaction():
        user, home = await _user_for_admin(actor, user_id, "update")
        values: dict[str, Any] = {}
        if display_name is not None:
            values["display_name"] = _check_display_name(display_name)
        if phone is not None:
            values["phone"] = _check_phone(phone)
        user.update_from_dict(values)
        await user.save()
        await record(
            actor=actor,
            action="user.update",
            object_type="user",
            object_id=str(user.id),
            region_code=home,
            detail=values,
        )
    return user


async def set_user_active(*, actor: Principal, user_id: uuid.UUID, active: bool) -> User:
    """Deactivate (ending every session) or reactivate an account."""
    if actor.user_id == user_id and not active:
        raise ValidationFailed(_("you cannot deactivate your own account"), field="id")
    async with in_transaction():
        user, home = await _user_for_admin(actor, user_id, "deactivate")
        if user.is_active != active:
            user.is_active = active
            await user.save(update_fields=["is_active", "updated_at"])
            if not active:
                await UserSession.filter(user_id=user.id, revoked_at=None).update(
                    revoked_at=clock.now()
                )
            await record(
                actor=actor,
                action="user.activate" if active else "user.deactivate",
                object_type="user",
                object_id=str(user.id),
                region_code=home,
            )
    return user


async def assign_role(
    *, actor: Principal, user_id: uuid.UUID, data: AssignmentInput
) -> RoleAssignment:
    await _validated_assignment(actor, data)
    async with in_transaction():
        user = await User.filter(readable_users(actor), id=user_id).distinct().first()
        if user is None:
            raise NotFound("user", user_id)
        if await RoleAssignment.filter(user_id=user_id).count() >= MAX_ASSIGNMENTS:
            raise ValidationFailed(
                _("a user holds at most {MAX_ASSIGNMENTS} roles", MAX_ASSIGNMENTS=MAX_ASSIGNMENTS),
                field="role",
            )
        existing = await RoleAssignment.get_or_none(
            user_id=user_id,
            role=data.role,
            region_code=data.region_code,
            department_id=data.department_id,
        )
        if existing is not None:
            raise Conflict(
                _("the user already holds this role there"), code=ErrorCode.ALREADY_EXISTS
            )
        assignment = await RoleAssignment.create(
            user_id=user_id,
            role=data.role,
            region_code=data.region_code,
            department_id=data.department_id,
        )
        await record(
            actor=actor,
            action="user.assign_role",
            object_type="user",
            object_id=str(user_id),
            region_code=data.region_code,
            detail={"role": data.role.value},
        )
    return assignment


async def revoke_role(*, actor: Principal, assignment_id: uuid.UUID) -> RoleAssignment:
    async with in_transaction():
        assignment = await RoleAssignment.filter(id=assignment_id).select_for_update().first()
        if assignment is None:
            raise NotFound("role assignment", assignment_id)
        authorize(actor.assignments, "user", "assign_role", at=assignment.region_code)
        if assignment.user_id == actor.user_id and assignment.role is Role.ADMIN:
            raise ValidationFailed(_("you cannot revoke your own admin role"), field="id")
        if await RoleAssignment.filter(user_id=assignment.user_id).count() == 1:
            # A user without a role is invisible to every admin: deactivate the account instead.
            raise Conflict(_("this is the user's last role; deactivate the account instead"))
        await assignment.delete()
        await record(
            actor=actor,
            action="user.revoke_role",
            object_type="user",
            object_id=str(assignment.user_id),
            region_code=assignment.region_code,
            detail={"role": assignment.role.value},
        )
    return assignment


async def change_password(
    *,
    actor: Principal,
    current_password: str,
    new_password: str,
    throttle: LoginThrottle,
    ip: str | None = None,
) -> User:
    """The signed-in user's own password; other sessions are ended. Wrong current passwords
    count like failed sign-ins: a stolen session must not become a free password oracle."""
    if actor.user_id is None:
        raise Unauthenticated(_("sign in first"))
    user = await User.get(id=actor.user_id)
    await throttle.check(user.username, ip)
    if not auth.verify_password(user.password_hash, current_password):
        await throttle.failed(user.username, ip)
        raise AuthenticationFailed(_("current password is wrong"), field="currentPassword")
    auth.check_password_strength(new_password, username=user.username)
    async with in_transaction():
        user.password_hash = auth.hash_password(new_password)
        await user.save(update_fields=["password_hash", "updated_at"])
        await (
            UserSession.filter(user_id=user.id, revoked_at=None)
            .exclude(id=actor.session_id)
            .update(revoked_at=clock.now())
        )
    return user


async def set_my_language(*, actor: Principal, language: str | None) -> User:
    """The signed-in user's saved language of messages (None: the deployment's default)."""
    if actor.user_id is None:
        raise Unauthenticated(_("sign in first"))
    if language is not None and language not in SUPPORTED:
        raise ValidationFailed(_("unsupported language"), field="language")
    user = await User.get(id=actor.user_id)
    user.language = language
    await user.save(update_fields=["language", "updated_at"])
    return user


async def set_user_password(*, actor: Principal, user_id: uuid.UUID, password: str) -> User:
    """An administrator sets another user's password: an imported account's first one, or a
    forgotten one. Every session of that user ends; the password itself is never logged."""
    if actor.user_id == user_id:
        raise ValidationFailed(
            _("change your own password with changePassword (it asks for the current one)"),
            field="id",
        )
    async with in_transaction():
        # Setting a password hands the account over: only an admin who could have created it at
        # every region it works in may do it.
        user, home = await _user_for_admin(actor, user_id, "create")
        auth.check_password_strength(password, username=user.username)
        user.password_hash = auth.hash_password(password)
        await user.save(update_fields=["password_hash", "updated_at"])
        await UserSession.filter(user_id=user.id, revoked_at=None).update(revoked_at=clock.now())
        await record(
            actor=actor,
            action="user.set_password",
            object_type="user",
            object_id=str(user.id),
            region_code=home,
        )
    return user


# ---------------------------------------------------------------- API keys


async def create_api_key(*, actor: Principal, name: str, region_code: str) -> NewApiKey:
    """A key for an integration at a region; the secret is returned now and never again."""
    level = parse_code(region_code, field="regionCode")
    if not get_enforcer().may_hold(Role.INTEGRATION.value, level):
        raise ValidationFailed(
            _("integrations are scoped to a city, district or township"),
            field="regionCode",
            code=ErrorCode.ROLE_NOT_AT_LEVEL,
        )
    authorize(actor.assignments, "api_key", "create", at=region_code)
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 100:
        raise ValidationFailed(_("name must have 1 to 100 characters"), field="name")
    if not await Region.exists(code=region_code, is_active=True):
        raise NotFound("region", region_code, field="regionCode")
    prefix, secret = auth.new_api_key()
    async with in_transaction():
        api_key = await ApiKey.create(
            name=cleaned,
            prefix=prefix,
            key_hash=auth.token_digest(secret),
            region_code=region_code,
            created_by_id=actor.user_id,
        )
        await record(
            actor=actor,
            action="api_key.create",
            object_type="api_key",
            object_id=str(api_key.id),
            region_code=region_code,
            detail={"name": cleaned},
        )
    return NewApiKey(api_key=api_key, secret=secret)


def readable_api_keys(actor: Principal) -> Q:
    return subtree_filter(scope_prefixes(actor.assignments, "api_key", "read"), "region_code")


async def list_api_keys(
    *, actor: Principal, page: PageRequest, include_revoked: bool = False
) -> tuple[Page[ApiKey], Any]:
    query = ApiKey.filter(readable_api_keys(actor))
    if not include_revoked:
        query = query.filter(revoked_at=None)
    filtered = query
    if page.after is not None:
        try:
            query = query.filter(id__gt=uuid.UUID(page.after))
        except ValueError as exc:
            raise ValidationFailed(_("malformed cursor"), field="after") from exc
    rows = await query.order_by("id").limit(page.first + 1)
    return make_page(rows, page, lambda key: key.id), filtered


async def revoke_api_key(*, actor: Principal, api_key_id: uuid.UUID) -> ApiKey:
    async with in_transaction():
        api_key = (
            await ApiKey.filter(readable_api_keys(actor), id=api_key_id).select_for_update().first()
        )
        if api_key is None:
            raise NotFound("API key", api_key_id)
        authorize(actor.assignments, "api_key", "revoke", at=api_key.region_code)
        if api_key.revoked_at is None:
            api_key.revoked_at = clock.now()
            await api_key.save(update_fields=["revoked_at"])
            await record(
                actor=actor,
                action="api_key.revoke",
                object_type="api_key",
                object_id=str(api_key.id),
                region_code=api_key.region_code,
            )
    return api_key
