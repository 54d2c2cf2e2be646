"""Changes to who may do what notify the API processes, which keep signed-in principals.

Each API process keeps principals for a few seconds (api/domains/accounts/principals.py) and
empties its cache on a notice of channel `gridgov_principals`. The triggers fire once per
statement, and PostgreSQL delivers a notice only when the transaction commits, so a rolled-back
change notifies nobody. They fire on what a principal is read from: any change to a user (`me`
shows the whole account from it, the time of the last sign-in included), to a session, or to a
role assignment. New users and new sessions change no principal already kept."""

from tortoise import migrations
from tortoise.migrations import operations as ops

_TRIGGERS = {
    "users": "UPDATE OR DELETE OR TRUNCATE",
    "user_sessions": "UPDATE OR DELETE OR TRUNCATE",
    "role_assignments": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
}


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0015_import_kinds")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                """
CREATE FUNCTION notify_principals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridgov_principals', TG_TABLE_NAME);
  RETURN NULL;
END $$
""",
                *(
                    f"CREATE TRIGGER {table}_notify_principals AFTER {events} ON {table}"
                    " FOR EACH STATEMENT EXECUTE FUNCTION notify_principals()"
                    for table, events in _TRIGGERS.items()
                ),
            ],
            reverse_sql=[
                *(f"DROP TRIGGER {table}_notify_principals ON {table}" for table in _TRIGGERS),
                "DROP FUNCTION notify_principals()",
            ],
        ),
    ]
