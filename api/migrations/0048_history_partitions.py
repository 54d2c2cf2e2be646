"""The other histories partitioned by month (issue 26 part 4, after 0041 did positions): the
events' timeline (`event_timeline`, by `at`), the outbox (by `created_at`), the audit log
(`audit_log`, by `at`) and webhook deliveries (`webhook_deliveries`, by `created_at`) each become
a table partitioned by range of that column, one partition per UTC month (`<table>_pYYYYMM`) and
a DEFAULT partition, every row copied across with its id; the worker makes months ahead and
drops those past each table's retention (api/partitions.py, workers/history.py).

Each table is converted the same way: the old one renamed with its indexes, the new one made
LIKE it (columns, NOT NULLs, defaults: the `nextval` of the same serial sequence, whose
ownership moves across, so ids go on from where they were), the primary key made (id, column)
— a partitioned table's unique keys must hold its partition key — the other indexes recreated
from the old ones' definitions, partitions made for every month holding rows up to two months
ahead, the rows copied, the old table dropped.

No foreign key references any of these tables, so none had to be dropped; the outbound ones
(the timeline's to `events`, the deliveries' to `webhook_endpoints`) are allowed on a
partitioned table and are made again as they were.

The deliveries' unique (endpoint_id, sequence) cannot stay: a unique key of a partitioned table
must hold the partition key, and (endpoint_id, sequence, created_at) would let the same
delivery in twice under two clocks, a constraint in name only. It becomes a plain index (the
fan-out's lookup); one delivery per endpoint and sequence is kept by the fan-out itself, which
runs one at a time under the lock of the `webhook_cursor` row, reads before it creates, and
moves the cursor past what it fanned out in the same transaction."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# (table, partition column, unique constraint replaced by a plain index or None)
TABLES = [
    ("event_timeline", "at", None),
    ("outbox", "created_at", None),
    ("audit_log", "at", None),
    ("webhook_deliveries", "created_at", ("uid_webhook_del_endpoin_8389c0", "endpoint_id, sequence")),
]


def convert(table: str, column: str, unique: tuple[str, str] | None) -> str:
    """The DO block that partitions `table` by month of `column`, keeping every row."""
    # the unique constraint's own index is dropped with its constraint, not recreated as is
    drop_unique = ""
    make_plain = ""
    if unique is not None:
        name, columns = unique
        drop_unique = f"ALTER TABLE {table}_unpartitioned DROP CONSTRAINT {name};"
        make_plain = f"CREATE INDEX {table}_endpoint_sequence ON {table} ({columns});"
    return f"""
DO $$
DECLARE
    definitions text[];
    foreign_keys text[];
    item text;
    month timestamptz;
BEGIN
    SELECT coalesce(array_agg(indexdef), '{{}}') INTO definitions FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = '{table}'
        AND indexname NOT IN (SELECT conname FROM pg_constraint
                              WHERE conrelid = '{table}'::regclass AND contype IN ('p', 'u'));
    SELECT coalesce(array_agg(format('ALTER TABLE {table} ADD CONSTRAINT %I %s',
                                     conname, pg_get_constraintdef(oid))), '{{}}')
        INTO foreign_keys FROM pg_constraint
        WHERE conrelid = '{table}'::regclass AND contype = 'f';
    ALTER TABLE {table} RENAME TO {table}_unpartitioned;
    {drop_unique}
    FOR item IN SELECT conname FROM pg_constraint
                WHERE conrelid = '{table}_unpartitioned'::regclass AND contype IN ('p', 'f') LOOP
        EXECUTE format('ALTER TABLE {table}_unpartitioned RENAME CONSTRAINT %I TO %I',
                       item, item || '_old');
    END LOOP;
    FOR item IN SELECT indexname FROM pg_indexes
                WHERE schemaname = current_schema() AND tablename = '{table}_unpartitioned'
                AND indexname NOT LIKE '%\\_old' LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', item, item || '_old');
    END LOOP;
    CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE,
                          PRIMARY KEY (id, {column}))
        PARTITION BY RANGE ({column});
    ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id;
    FOREACH item IN ARRAY definitions LOOP
        EXECUTE item;
    END LOOP;
    FOREACH item IN ARRAY foreign_keys LOOP
        EXECUTE item;
    END LOOP;
    {make_plain}
    CREATE TABLE {table}_default PARTITION OF {table} DEFAULT;
    -- every month that holds rows, then this month and the next two
    FOR month IN
        SELECT generate_series(
            date_trunc('month', least(
                coalesce((SELECT min({column}) FROM {table}_unpartitioned), now()), now()
            ) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
            date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                + interval '2 months',
            interval '1 month')
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF {table} FOR VALUES FROM (%L) TO (%L)',
                       '{table}_p' || to_char(month AT TIME ZONE 'UTC', 'YYYYMM'),
                       month, (month AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
    END LOOP;
    INSERT INTO {table} SELECT * FROM {table}_unpartitioned;
    DROP TABLE {table}_unpartitioned;
END $$
"""


def revert(table: str, column: str, unique: tuple[str, str] | None) -> str:
    """The DO block that makes `table` one plain table again, keeping every row."""
    drop_plain = ""
    make_unique = ""
    if unique is not None:
        name, columns = unique
        drop_plain = f"DROP INDEX {table}_endpoint_sequence;"
        make_unique = f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns});"
    return f"""
DO $$
DECLARE
    definitions text[];
    foreign_keys text[];
    item text;
BEGIN
    {drop_plain}
    SELECT coalesce(array_agg(indexdef), '{{}}') INTO definitions FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = '{table}'
        AND indexname <> '{table}_pkey';
    SELECT coalesce(array_agg(format('ALTER TABLE {table} ADD CONSTRAINT %I %s',
                                     conname, pg_get_constraintdef(oid))), '{{}}')
        INTO foreign_keys FROM pg_constraint
        WHERE conrelid = '{table}'::regclass AND contype = 'f';
    ALTER TABLE {table} RENAME TO {table}_partitioned;
    FOR item IN SELECT conname FROM pg_constraint
                WHERE conrelid = '{table}_partitioned'::regclass AND contype IN ('p', 'f') LOOP
        EXECUTE format('ALTER TABLE {table}_partitioned RENAME CONSTRAINT %I TO %I',
                       item, item || '_old');
    END LOOP;
    FOR item IN SELECT indexname FROM pg_indexes
                WHERE schemaname = current_schema() AND tablename = '{table}_partitioned'
                AND indexname NOT LIKE '%\\_old' LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', item, item || '_old');
    END LOOP;
    CREATE TABLE {table} (LIKE {table}_partitioned INCLUDING DEFAULTS INCLUDING STORAGE,
                          PRIMARY KEY (id));
    ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id;
    FOREACH item IN ARRAY definitions LOOP
        EXECUTE item;
    END LOOP;
    FOREACH item IN ARRAY foreign_keys LOOP
        EXECUTE item;
    END LOOP;
    {make_unique}
    INSERT INTO {table} SELECT * FROM {table}_partitioned;
    DROP TABLE {table}_partitioned;
END $$
"""


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0047_i18n30')]

    initial = False

    operations = [
        ops.RunSQL(
            [convert(*spec) for spec in TABLES],
            reverse_sql=[revert(*spec) for spec in reversed(TABLES)],
        )
    ]
