"""Compounds (小区) imported in bulk: the import kind `compounds` (issue 20)."""

from enum import StrEnum

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# The enum as it was when this migration was written: literals, so that a later change of the
# live enum never changes what this migration does.


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
    INDICATOR_VALUES = "indicator_values"  # 0043_econ21's, which this follows
    COMPOUNDS = "compounds"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0045_triage31")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="ImportJob",
            name="kind",
            field=fields.CharEnumField(
                description="REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations\nSPECIAL_GROUPS: special_groups\nPARTY_MEMBERS: party_members\nVOLUNTEERS: volunteers\nENROLMENTS: enrolments\nINDICATOR_VALUES: indicator_values\nCOMPOUNDS: compounds",
                enum_type=ImportKind,
                max_length=16,
            ),
        ),
    ]
