"""The work calendar's days say where they come from: the national holiday arrangement seeded
from the `holidays` library, or the city's own entry, which a seeding never overwrites."""

from enum import StrEnum

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class CalendarSource(StrEnum):
    NATIONAL = "national"
    LOCAL = "local"


class AddFieldByRunSQL(ops.AddField):
    """The model state of AddField; the column itself comes from the RunSQL below, with a default
    for the rows already there (tortoise adds a NOT NULL column without one, which fails on them)."""

    async def database_forward(self, *args, **kwargs):
        return None

    async def database_backward(self, *args, **kwargs):
        return None


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0022_announcements")]

    initial = False

    operations = [
        AddFieldByRunSQL(
            model_name="CalendarDay",
            name="source",
            field=fields.CharEnumField(
                CalendarSource,
                max_length=8,
                default=CalendarSource.LOCAL,
                description="national: seeded; local: the city's own, never overwritten",
            ),
        ),
        ops.RunSQL(
            # every day entered before is the city's own
            ["ALTER TABLE calendar_days ADD COLUMN source VARCHAR(8) NOT NULL DEFAULT 'local'"],
            reverse_sql=["ALTER TABLE calendar_days DROP COLUMN source"],
        ),
    ]
