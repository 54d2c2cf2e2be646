"""The points ledger is append-only in the database itself (issue 18): an UPDATE or DELETE of
a row of points_ledger is refused by a trigger, whatever code sends it; a correction is a new
entry (a debit with its reason). TRUNCATE, which only a test or an operator's reset sends, is
left alone."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0041_position_partitions")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION 'points_ledger is append-only: book a correcting entry'"
                " USING ERRCODE = 'restrict_violation'; END $$",
                "CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger"
                " FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()",
            ],
            reverse_sql=[
                "DROP TRIGGER points_ledger_append_only ON points_ledger",
                "DROP FUNCTION points_ledger_append_only()",
            ],
        ),
    ]
