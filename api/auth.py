"""Credentials: password hashing, access tokens, API keys, and the request's Principal."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api import clock
from api.errors import ErrorCode, Unauthenticated, ValidationFailed
from api.i18n import _

ACCESS_TOKEN_AUDIENCE = "gridgov"
API_KEY_PREFIX = "ggk_"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Assignment:
    role: str
    region_code: str
    department_id: uuid.UUID | None = None
    # the row's id when read from the database (shown by `me`); not part of what it grants
    id: uuid.UUID | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Account:
    """The rest of the signed-in user's row, read by the same lookup as the principal."""

    phone: str | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    language: str | None = None  # saved language of messages (api/i18n.py)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (through a session) or an integration (through an API key)."""

    user_id: uuid.UUID | None = None
    username: str = ""
    display_name: str = ""
    assignments: tuple[Assignment, ...] = ()
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    token_expires_at: datetime | None = field(default=None, compare=False)
    session_expires_at: datetime | None = field(default=None, compare=False)
    account: Account | None = field(default=None, compare=False)  # set for a session's user

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.api_key_id is not None

    @property
    def label(self) -> str:
        if self.api_key_id is not None:
            return f"api-key:{self.username}"
        return self.username or "anonymous"


ANONYMOUS = Principal()


# ---------------------------------------------------------------- passwords


def check_password_strength(password: str, *, username: str) -> None:
    """Reject passwords a city's accounts must not have."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _(
                "password must have at least {MIN_PASSWORD_LENGTH} characters",
                MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
            ),
            field="password",
            code=ErrorCode.WEAK_PASSWORD,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            _(
                "password must have at most {MAX_PASSWORD_LENGTH} characters",
                MAX_PASSWORD_LENGTH=MAX_PASSWORD_LENGTH,
            ),
            field="password",
        )
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 3:
        raise ValidationFailed(
            _("password must mix at least three of: lower case, upper case, digits, symbols"),
            field="password",
            code=ErrorCode.WEAK_PASSWORD,
        )
    if username and username.lower() in password.lower():
        raise ValidationFailed(
            _("password must not contain the username"),
            field="password",
            code=ErrorCode.WEAK_PASSWORD,
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the username is unknown, so that timing does not reveal
# which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


# ---------------------------------------------------------------- tokens


def token_digest(token: str) -> str:
    """SHA-256 of a high-entropy secret (refresh token, API key): enough, and indexable."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def issue_access_token(
    *, user_id: uuid.UUID, session_id: uuid.UUID, secret: str, ttl: timedelta
) -> tuple[str, datetime]:
    issued = clock.now()
    expires = issued + ttl
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "aud": ACCESS_TOKEN_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def decode_access_token(token: str, *, secret: str) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    """(user id, session id, expiry) of a valid token; Unauthenticated otherwise."""
    user_id, session_id, expires = _verified_claims(token, secret)
    # Expiry is checked against our clock (not the wall clock jwt would use) so tests can move it,
    # and on every use: the cache below keeps a token's claims, never the verdict on its expiry.
    if expires <= clock.now():
        raise Unauthenticated(_("access token expired"))
    return user_id, session_id, expires


# Every request presents its token again, and checking it (signature, audience, claims) cost ~35
# µs of each request. The outcome depends only on the token and the secret, both in the key, so
# a changed secret misses; only successes are kept (lru_cache does not keep a raised error), so
# a forged token is checked in full each time; bounded, so a flood of distinct tokens costs
# memory of a few thousand entries at most. What the token grants is the session's business:
# see api/domains/accounts/principals.py.
@functools.lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str) -> tuple[uuid.UUID, uuid.UUID, datetime]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=ACCESS_TOKEN_AUDIENCE,
            # exp (and iat) are checked against our clock by the caller, which tests can move
            options={"require": ["sub", "sid", "exp"], "verify_exp": False, "verify_iat": False},
        )
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        return uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"]), expires
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        # OverflowError, OSError: an `exp` no clock reaches (1e20) is as invalid as a bad one
        raise Unauthenticated(_("invalid access token")) from exc


def new_api_key() -> tuple[str, str]:
    """(prefix, full key): the prefix finds the row, the rest is only ever stored hashed."""
    prefix = secrets.token_hex(6)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def parse_api_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _unused, rest = key[len(API_KEY_PREFIX) :].partition("_")
    if len(prefix) != 12 or not rest:
        return None
    return prefix


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
