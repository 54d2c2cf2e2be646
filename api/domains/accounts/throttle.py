"""Failed sign-in throttling in Redis, shared by every API process."""

from __future__ import annotations

from redis.asyncio import Redis

from api.errors import RateLimited


class LoginThrottle:
    """After `max_failures` failed logins for a username (or 4× that from one address) within the
    window, further attempts are refused until the window passes, even with the right password."""

    def __init__(self, redis: Redis, *, max_failures: int, window_seconds: int):
        self.redis = redis
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    def _keys(self, username: str, ip: str | None) -> list[tuple[str, int]]:
        keys = [(f"gridgov:login-failures:user:{username.lower()}", self.max_failures)]
        if ip:
            keys.append((f"gridgov:login-failures:ip:{ip}", self.max_failures * 4))
        return keys

    async def check(self, username: str, ip: str | None) -> None:
        for key, limit in self._keys(username, ip):
            failures = await self.redis.get(key)
            if failures is not None and int(failures) >= limit:
                ttl = await self.redis.ttl(key)
                raise RateLimited(
                    "too many failed sign-ins; try again later",
                    retry_after_seconds=max(int(ttl), 1),
                )

    async def failed(self, username: str, ip: str | None) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, _ in self._keys(username, ip):
                # The window starts at the first failure (SET NX EX, which Redis 6 has too).
                pipe.set(key, 0, ex=self.window_seconds, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def succeeded(self, username: str) -> None:
        await self.redis.delete(self._keys(username, None)[0][0])
