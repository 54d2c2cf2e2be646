"""Project categories every city starts with (a city adds its own rows)."""

from __future__ import annotations

from typing import Final

from api.domains.economy.models import ProjectCategory

CATEGORIES: Final = (
    ("investment_attraction", "招商引资"),
    ("industrial", "产业项目"),
    ("urban_village_renovation", "城中村改造"),
    ("three_zones", "三区建设"),
    ("other", "其他"),
)


async def ensure_reference_data() -> None:
    """Insert the categories missing (idempotent)."""
    existing = set(await ProjectCategory.all().values_list("code", flat=True))
    await ProjectCategory.bulk_create(
        [
            ProjectCategory(code=code, name=name, position=position)
            for position, (code, name) in enumerate(CATEGORIES)
            if code not in existing
        ]
    )
