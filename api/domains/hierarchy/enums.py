"""Enums of the hierarchy. The levels and the arithmetic of codes live in `api.regions`, which
belongs to no domain; `Level` is named here too because regions' models and types speak of it."""

from __future__ import annotations

from enum import StrEnum

from api.regions import Level

__all__ = ["Level", "UrbanRural"]


class UrbanRural(StrEnum):
    """城乡分类: a community (社区) or a village (村)."""

    URBAN = "urban"
    RURAL = "rural"
