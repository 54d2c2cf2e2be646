"""GraphiQL served by the app itself, assets and all (development only): government intranets
have no internet, so nothing may come from a CDN. The vendored files and their licences are
listed in NOTICE beside this file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).parent


@cache
def page() -> str:
    """The IDE's page; its assets are under /graphiql/static/."""
    return (HERE / "index.html").read_text(encoding="utf-8")


def static_route() -> Mount:
    return Mount("/graphiql/static", StaticFiles(directory=HERE / "static"), name="graphiql")
