from tortoise import migrations
from tortoise.migrations import operations as ops
from api.domains.imports.enums import ImportKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('gridgov', '0014_sweep')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='ImportJob',
            name='kind',
            field=fields.CharEnumField(description='REGIONS: regions\nUSERS: users\nRESIDENTS: residents\nHOUSEHOLDS: households\nHOUSES: houses\nBUILDINGS: buildings\nORGANISATIONS: organisations\nSPECIAL_GROUPS: special_groups\nPARTY_MEMBERS: party_members\nVOLUNTEERS: volunteers', enum_type=ImportKind, max_length=16),
        ),
    ]
