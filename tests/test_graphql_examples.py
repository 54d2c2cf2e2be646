"""Every operation in graphql_examples/ runs against the API as the client it is written for."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import auth, clock
from api.auth import Assignment, Principal
from api.domains.accounts import service as accounts
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, UserSession
from tests import factories

EXAMPLES = Path(__file__).resolve().parent.parent / "graphql_examples"
FILES = sorted(EXAMPLES.rglob("*.graphql"))


def header(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        values[key.strip()] = value.strip()
    return values


async def _fixtures() -> dict[str, str]:
    """The world every example runs in, and the values its placeholders stand for."""
    await factories.region_tree()
    department = await factories.department("410611")
    await factories.user("admin", "4106", username="admin.city")
    await factories.user("grid_worker", "410611001001001", username="worker.grid")
    target = await factories.user("grid_worker", "410611001001001", username="target.worker")
    extra = await RoleAssignment.create(
        user=target, role="grid_worker", region_code="410611001001010"
    )
    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    api_key = await accounts.create_api_key(actor=console, name="old hotline", region_code="410611")
    refresh_token = auth.new_refresh_token()
    await UserSession.create(
        user=target,
        refresh_token_hash=auth.token_digest(refresh_token),
        expires_at=clock.now() + timedelta(days=1),
    )
    return {
        "<user_id>": str(target.id),
        "<department_id>": str(department.id),
        "<assignment_id>": str(extra.id),
        "<api_key_id>": str(api_key.api_key.id),
        "<refresh_token>": refresh_token,
        "<password>": factories.PASSWORD,
    }


async def _credentials(sender: str) -> dict[str, str]:
    if sender == "anonymous":
        return {}
    role, _, region = sender.partition("@")
    if role == "apikey":
        console = Principal(username="console", assignments=(Assignment("admin", region),))
        created = await accounts.create_api_key(actor=console, name="hotline", region_code=region)
        return {"X-Api-Key": created.secret}
    assert role in {r.value for r in Role}, f"unknown role {role}"
    _, token = await factories.signed_in(role, region)
    return {"Authorization": f"Bearer {token}"}


def test_there_are_examples_for_every_client() -> None:
    assert {path.parent.name for path in FILES} == {"web", "mobile", "command_centre", "hotline"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXAMPLES)) for p in FILES])
async def test_example_runs(client: httpx.AsyncClient, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    meta = header(text)
    assert "as" in meta, f"{path.name}: first lines must say `# as: ROLE@REGION`"
    placeholders = await _fixtures()
    raw_variables = meta.get("variables", "{}")
    for placeholder, value in placeholders.items():
        raw_variables = raw_variables.replace(placeholder, value)
    variables: dict[str, Any] = json.loads(raw_variables)
    headers = await _credentials(meta["as"])

    response = await client.post(
        "/graphql", json={"query": text, "variables": variables}, headers=headers
    )

    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    assert body["data"] and all(value is not None for value in body["data"].values()), body
    if "expect" in meta:
        result = next(iter(body["data"].values()))
        assert result["__typename"] == meta["expect"], result
