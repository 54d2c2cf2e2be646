"""The committed SDL is the contract: it must equal what the code builds."""

from __future__ import annotations

from pathlib import Path

from api.settings import Environment, Settings
from schema import build_schema

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_committed_sdl_matches_code() -> None:
    built = build_schema(Settings(gridgov_env=Environment.TEST)).as_str().strip()
    assert SDL.read_text(encoding="utf-8").strip() == built, (
        "schema/schema.graphql is stale: run `python -m schema.export` and commit the result"
    )
