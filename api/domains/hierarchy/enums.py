"""Enums of the hierarchy. The levels and the arithmetic of codes live in `api.regions`, which
belongs to no domain; `Level` is named here too because regions' models and types speak of it."""

from __future__ import annotations

from enum import StrEnum

from api.regions import Level
from api.vocabulary import register

__all__ = ["Level", "UrbanRural"]


class UrbanRural(StrEnum):
    """城乡分类: a community (社区) or a village (村)."""

    URBAN = "urban"
    RURAL = "rural"


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "Level",
    Level,
    {
        Level.CITY: ("市", "City"),
        Level.DISTRICT: ("区县", "District or county"),
        Level.TOWNSHIP: ("乡镇（街道）", "Township or street"),
        Level.COMMUNITY: ("社区（村）", "Community or village"),
        Level.GRID: ("网格", "Grid"),
    },
)
register(
    "UrbanRural",
    UrbanRural,
    {UrbanRural.URBAN: ("城市社区", "Urban community"), UrbanRural.RURAL: ("农村", "Village")},
)
