"""Server URLs pointed at another database: a PostgreSQL database's name, a Redis number."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, database: str | int) -> str:
    """`url` pointing at `database` on the same server. Only the path changes: an embedded
    server's URL carries its socket directory in the query (`?host=/…`), which has slashes."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))
