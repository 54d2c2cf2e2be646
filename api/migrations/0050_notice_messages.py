"""Notices that follow their reader (issue 30): the msgid and parameters a notice's title and
body were made from, rendered in the reader's language; the text columns stay for older rows and
for text typed by people."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0049_list_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Notice',
            name='title_msg',
            field=fields.JSONField(null=True),
        ),
        ops.AddField(
            model_name='Notice',
            name='body_msg',
            field=fields.JSONField(null=True),
        ),
    ]
