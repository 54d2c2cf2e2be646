"""Test data, written straight to the database (the API under test is exercised elsewhere)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from api import auth, clock
from api.domains.accounts.models import RoleAssignment, User, UserSession
from api.domains.hierarchy import search as region_search
from api.domains.hierarchy.enums import UrbanRural
from api.domains.hierarchy.models import Department, Region
from api.domains.positions.models import LatestPosition, WorkerPosition
from api.regions import Level

PASSWORD = "Correct-Horse-42"
_PASSWORD_HASH: str | None = None

# A small city with siblings that share code prefixes (410611001001 / 410611001010), the trap
# a naive prefix test would fall into if codes had variable length.
TREE: dict[str, str] = {
    "4106": "鹤壁市",
    "410611": "淇滨区",
    "410611001": "金山街道",
    "410611001001": "金山社区",
    "410611001001001": "金山社区第1网格",
    "410611001001010": "金山社区第10网格",
    "410611001010": "桃园社区",
    "410611001010001": "桃园社区第1网格",
    "410611002": "九州路街道",
    "410611002001": "九州社区",
    "410611002001001": "九州社区第1网格",
    "410602": "鹤山区",
    "410602001": "中山街道",
    "410602001001": "中山社区",
    "410602001001001": "中山社区第1网格",
}


async def region_tree() -> dict[str, Region]:
    regions = [
        Region(
            code=code,
            parent_code=code[: Level.of_code(code).parent.code_length] if len(code) > 4 else None,  # type: ignore[union-attr]
            name=name,
            level=Level.of_code(code),
            urban_rural=UrbanRural.URBAN,
            households=300 if len(code) == 15 else 0,
        )
        for code, name in TREE.items()
    ]
    await Region.bulk_create(regions)
    await region_search.backfill()
    return {region.code: region for region in regions}


async def department(
    region_code: str = "410611", code: str = "police", name: str = "公安分局"
) -> Department:
    return await Department.create(
        region_code=region_code,
        code=code,
        name=name,
        categories=["0101"],
        search_keys=region_search.keys_column([name]),
    )


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = auth.hash_password(PASSWORD)
    return _PASSWORD_HASH


async def user(
    role: str,
    region_code: str,
    *,
    username: str | None = None,
    department_id: uuid.UUID | None = None,
) -> User:
    account = await User.create(
        username=username or f"{role.replace('_', '-')}-{region_code}-{uuid.uuid4().hex[:6]}",
        display_name=f"{role} {region_code}",
        password_hash=_password_hash(),
    )
    await RoleAssignment.create(
        user=account, role=role, region_code=region_code, department_id=department_id
    )
    return account


async def token_for(account: User, *, ttl: timedelta = timedelta(minutes=15)) -> str:
    """An access token of a fresh session, without the cost of a password check."""
    from tests.conftest import TEST_SECRET

    session = await UserSession.create(
        user=account,
        refresh_token_hash=auth.token_digest(auth.new_refresh_token()),
        expires_at=clock.now() + timedelta(days=1),
    )
    token, _ = auth.issue_access_token(
        user_id=account.id, session_id=session.id, secret=TEST_SECRET, ttl=ttl
    )
    return token


async def signed_in(role: str, region_code: str, **kwargs: Any) -> tuple[User, str]:
    account = await user(role, region_code, **kwargs)
    return account, await token_for(account)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a GraphQL document as a client would; returns the decoded response body."""
    # English messages unless the test asks for another language (the client's own header too)
    sent = {"Accept-Language": client.headers.get("accept-language", "en"), **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )
    assert response.status_code in (200, 400), response.text
    return response.json()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def household(region_code: str, number: str, head_name: str = "张三") -> Any:
    """A registry household (only what a visit or a diary needs of it)."""
    from api.domains.registry.models import Household

    return await Household.create(
        household_number=number, region_code=region_code, head_name=head_name, address="淇滨大道1号"
    )


async def worker_position(
    user_id: uuid.UUID, region_code: str, lat: float, lng: float, at: datetime
) -> WorkerPosition:
    """A stored fix as `reportPositions` stores it: a history row, and the worker's latest
    position moved to it when it is newer (what the map and the centres read)."""
    fix = await WorkerPosition.create(
        user_id=user_id, region_code=region_code, lat=lat, lng=lng, accuracy=5, at=at
    )
    latest = await LatestPosition.get_or_none(user_id=user_id)
    if latest is None or latest.at < at:
        await LatestPosition.update_or_create(
            user_id=user_id,
            defaults={
                "position_id": fix.id,
                "region_code": region_code,
                "lat": lat,
                "lng": lng,
                "accuracy": 5,
                "at": at,
                "received_at": fix.received_at,
            },
        )
    return fix
