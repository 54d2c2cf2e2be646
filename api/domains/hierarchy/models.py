"""Regions (the five-level hierarchy) and functional departments."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from api.domains.hierarchy.enums import UrbanRural
from api.regions import Level


class Region(Model):
    """A city, district, township, community or grid; its code is its path (DESIGN.md §2)."""

    code = fields.CharField(primary_key=True, max_length=15)
    parent_code = fields.CharField(max_length=15, null=True, db_index=True)
    name = fields.CharField(max_length=100)
    level = fields.CharEnumField(Level, max_length=12)
    urban_rural = fields.CharEnumField(UrbanRural, max_length=8, default=UrbanRural.URBAN)
    households = fields.IntField(default=0)
    leader_name = fields.CharField(max_length=50, null=True)
    leader_phone = fields.CharField(max_length=20, null=True)
    centre_lat = fields.FloatField(null=True)
    centre_lng = fields.FloatField(null=True)
    boundary: fields.JSONField[Any] = fields.JSONField(
        null=True, description="GeoJSON Polygon or MultiPolygon, WGS-84"
    )
    external_codes: fields.JSONField[Any] = fields.JSONField(
        default=dict, description="codes in other grid schemes"
    )
    is_active = fields.BooleanField(default=True)
    aliases = ArrayField(
        element_type="varchar(100)",
        default=list,
        description="other names it goes by (简称, former names): searched, matched in addresses",
    )
    search_keys = fields.TextField(
        null=True, description="pinyin search keys (api/domains/hierarchy/search.py)"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "regions"


class Department(Model):
    """A functional department (职能部门) of a region, with the event categories it handles."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, db_index=True)
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=100)
    categories: fields.JSONField[Any] = fields.JSONField(
        default=list, description="event category codes handled"
    )
    phone = fields.CharField(max_length=20, null=True)
    is_active = fields.BooleanField(default=True)
    search_keys = fields.TextField(
        null=True, description="pinyin search keys (api/domains/hierarchy/search.py)"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "departments"
        unique_together = (("region_code", "code"),)


class Compound(Model):
    """A residential compound (小区): a named area under a community, a layer of the map below
    the community's and above its buildings."""

    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True, description="natural key")
    community_code = fields.CharField(max_length=15, db_index=True)
    name = fields.CharField(max_length=100)
    boundary: fields.JSONField[Any] = fields.JSONField(
        null=True, description="GeoJSON Polygon or MultiPolygon, WGS-84"
    )
    centre_lat = fields.FloatField(null=True)
    centre_lng = fields.FloatField(null=True)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "compounds"
