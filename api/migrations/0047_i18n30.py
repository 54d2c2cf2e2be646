"""Messages in the reader's language (issue 30 part 1): a user's saved language, used when a
request's Accept-Language names none we serve."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0046_maps20')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='language',
            field=fields.CharField(null=True, max_length=8, description='saved language of messages (zh-CN, en); null: the deployment default'),
        ),
    ]
