"""Indicator values as a kind of bulk import (issue 21): the import job's kind gains
INDICATOR_VALUES (its column holds 16 characters already). Enums are written out here, as a
migration applies the same SQL forever."""

from enum import StrEnum

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class ImportKind(StrEnum):
    REGIONS = "regions"
    USERS = "users"
    RESIDENTS = "residents"
    HOUSEHOLDS = "households"
    HOUSES = "houses"
    BUILDINGS = "buildings"
    ORGANISATIONS = "organisations"
    SPECIAL_GROUPS = "special_groups"
    PARTY_MEMBERS = "party_members"
    VOLUNTEERS = "volunteers"
    ENROLMENTS = "enrolments"
    INDICATOR_VALUES = "indicator_values"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0042_points18")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="ImportJob",
            name="kind",
            field=fields.CharEnumField(
                description="REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations\nSPECIAL_GROUPS: special_groups\nPARTY_MEMBERS: party_members\nVOLUNTEERS: volunteers\nENROLMENTS: enrolments\nINDICATOR_VALUES: indicator_values",
                enum_type=ImportKind,
                max_length=16,
            ),
        ),
    ]
