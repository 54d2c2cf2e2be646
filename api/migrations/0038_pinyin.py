"""Pinyin search (拼音检索, issue 30 part 3): the search keys of people, buildings and
organisations in a table of their own, the key collated "C" so that a prefix is one B-tree range
under any database collation; regions and departments carry theirs in a column. Regions gain
aliases (matched in searches and in free-text addresses, issue 30 part 4). Existing rows are
keyed after migrating (`gridgov migrate` runs the backfill; `gridgov search-keys` too)."""

from enum import StrEnum

from tortoise import fields, migrations
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.migrations import operations as ops


class RecordKind(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    HOUSE = "house"
    BUILDING = "building"
    ORGANISATION = "organisation"
    SPECIAL_GROUP = "special_group"
    PARTY_ORGANISATION = "party_organisation"
    PARTY_MEMBER = "party_member"
    VOLUNTEER = "volunteer"
    ENROLMENT = "enrolment"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0037_citizens")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SearchKey",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "record_kind",
                    fields.CharEnumField(
                        description="PERSON: person\nHOUSEHOLD: household\nHOUSE: house\nBUILDING: building\nORGANISATION: organisation\nSPECIAL_GROUP: special_group\nPARTY_ORGANISATION: party_organisation\nPARTY_MEMBER: party_member\nVOLUNTEER: volunteer\nENROLMENT: enrolment",
                        enum_type=RecordKind,
                        max_length=24,
                    ),
                ),
                ("record_id", fields.UUIDField()),
                ("key", fields.CharField(max_length=120)),
                (
                    "indexed_from",
                    fields.CharField(description="the names the keys were made of", max_length=120),
                ),
            ],
            options={
                "table": "registry_search_keys",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A key a person, building or organisation is found by (拼音检索): its name's characters,",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Region",
            name="aliases",
            field=ArrayField(
                default=list,
                description="other names it goes by (简称, former names): searched, matched in addresses",
                element_type="VARCHAR(100)",
            ),
        ),
        ops.AddField(
            model_name="Region",
            name="search_keys",
            field=fields.TextField(
                null=True, description="pinyin search keys (api/domains/hierarchy/search.py)"
            ),
        ),
        ops.AddField(
            model_name="Department",
            name="search_keys",
            field=fields.TextField(
                null=True, description="pinyin search keys (api/domains/hierarchy/search.py)"
            ),
        ),
        ops.RunSQL(
            [
                'ALTER TABLE registry_search_keys ALTER COLUMN "key" TYPE VARCHAR(120) COLLATE "C"',
                "CREATE INDEX registry_search_keys_prefix ON registry_search_keys"
                ' (record_kind, "key", record_id)',
                "CREATE INDEX registry_search_keys_record ON registry_search_keys (record_id)",
                "ALTER TABLE regions ALTER COLUMN aliases SET DEFAULT '{}'",
            ],
            reverse_sql=[
                "ALTER TABLE regions ALTER COLUMN aliases DROP DEFAULT",
                "DROP INDEX registry_search_keys_record",
                "DROP INDEX registry_search_keys_prefix",
            ],
        ),
    ]
