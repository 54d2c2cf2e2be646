"""Shared pieces of the care-group and inspection tests."""

from __future__ import annotations

from typing import Any

from api.domains.registry.models import House

GRID = "410611001001001"  # 金山社区第1网格
COMMUNITY = "410611001001"
OTHER_GRID = "410611002001001"  # 九州社区第1网格: another township
DISTRICT = "410611"

ERROR = "... on Error { code message field }"


async def house(region_code: str = GRID, code: str = "H-0001") -> House:
    """A registered house to inspect."""
    return await House.create(
        house_code=code, region_code=region_code, address="淇滨区金山街道金山社区3号楼"
    )


def first(body: dict[str, Any]) -> Any:
    """The one root field's value; fails the test on a top-level error."""
    assert "errors" not in body, body
    return next(iter(body["data"].values()))
