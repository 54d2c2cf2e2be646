"""Failed sign-in throttling in Redis, shared by every API process."""

from __future__ import annotations

from redis.asyncio import Redis

from api.errors import RateLimited
from api.i18n import _

# A guesser spread over many addresses still meets a ceiling per account, ten times the limit of
# one address: locking a victim out takes ten times the failures it did when one address could.
ACCOUNT_CEILING = 10


class LoginThrottle:
    """After `max_failures` failed sign-ins for an account from one client address within the
    window, further attempts from that address are refused until the window passes, even with
    the right password; the account's owner, elsewhere, still signs in. Every account also has a
    ceiling over all addresses (`ACCOUNT_CEILING` × the limit), and an address one over all
    accounts (4× the limit)."""

    def __init__(self, redis: Redis, *, max_failures: int, window_seconds: int):
        self.redis = redis
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    def _keys(self, subject: str, ip: str | None) -> list[tuple[str, int]]:
        subject = subject.lower()
        account = f"gridgov:login-failures:user:{subject}"
        if not ip:
            return [(account, self.max_failures)]
        return [
            (f"gridgov:login-failures:pair:{ip}:{subject}", self.max_failures),
            (account, self.max_failures * ACCOUNT_CEILING),
            (f"gridgov:login-failures:ip:{ip}", self.max_failures * 4),
        ]

    async def check(self, subject: str, ip: str | None) -> None:
        for key, limit in self._keys(subject, ip):
            failures = await self.redis.get(key)
            if failures is not None and int(failures) >= limit:
                ttl = await self.redis.ttl(key)
                raise RateLimited(
                    _("too many failed sign-ins; try again later"),
                    retry_after_seconds=max(int(ttl), 1),
                )

    async def failed(self, subject: str, ip: str | None) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, _unused in self._keys(subject, ip):
                # The window starts at the first failure (SET NX EX, which Redis 6 has too).
                pipe.set(key, 0, ex=self.window_seconds, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def succeeded(self, subject: str, ip: str | None = None) -> None:
        """Forget this address's failures for the account (the ceiling keeps counting)."""
        await self.redis.delete(self._keys(subject, ip)[0][0])
