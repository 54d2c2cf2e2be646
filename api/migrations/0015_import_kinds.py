from enum import StrEnum
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# The enums as they were when this migration was written: literals, so that a later
# change of the live enums (or their move) never changes what this migration does.


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


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0014_sweep")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="ImportJob",
            name="kind",
            field=fields.CharEnumField(
                description="REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations\nSPECIAL_GROUPS: special_groups\nPARTY_MEMBERS: party_members\nVOLUNTEERS: volunteers",
                enum_type=ImportKind,
                max_length=16,
            ),
        ),
    ]
