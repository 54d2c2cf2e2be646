"""Positions partitioned by month (issue 26 part 4): `worker_positions` becomes a table
partitioned by range of `at`, one partition per UTC month (`worker_positions_pYYYYMM`) and a
DEFAULT partition, every row copied across; the worker makes months ahead and drops those past
retention (api/partitions.py). The primary key becomes (id, at): a partitioned table's unique
keys must hold its partition key."""

from tortoise import migrations
from tortoise.migrations import operations as ops

CONVERT = """
DO $$
DECLARE
    unique_name text;
    month timestamptz;
BEGIN
    SELECT conname INTO unique_name FROM pg_constraint
        WHERE conrelid = 'worker_positions'::regclass AND contype = 'u';
    ALTER TABLE worker_positions RENAME TO worker_positions_unpartitioned;
    EXECUTE format('ALTER TABLE worker_positions_unpartitioned RENAME CONSTRAINT %I TO %I',
                   unique_name, unique_name || '_old');
    ALTER INDEX worker_positions_pkey RENAME TO worker_positions_pkey_old;
    ALTER INDEX worker_positions_map_lat RENAME TO worker_positions_map_lat_old;
    ALTER INDEX worker_positions_path RENAME TO worker_positions_path_old;
    CREATE TABLE worker_positions (
        id bigint NOT NULL DEFAULT nextval('worker_positions_id_seq'),
        user_id uuid NOT NULL,
        region_code varchar(15) NOT NULL,
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        accuracy double precision NOT NULL,
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (id, at)
    ) PARTITION BY RANGE (at);
    EXECUTE format('ALTER TABLE worker_positions ADD CONSTRAINT %I UNIQUE (user_id, at)',
                   unique_name);
    CREATE INDEX worker_positions_path ON worker_positions (region_code varchar_pattern_ops, at);
    CREATE INDEX worker_positions_map_lat ON worker_positions (lat, lng);
    ALTER SEQUENCE worker_positions_id_seq OWNED BY worker_positions.id;
    CREATE TABLE worker_positions_default PARTITION OF worker_positions DEFAULT;
    -- every month that holds rows, then this month and the next two
    FOR month IN
        SELECT generate_series(
            date_trunc('month', least(
                coalesce((SELECT min(at) FROM worker_positions_unpartitioned), now()), now()
            ) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
            date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                + interval '2 months',
            interval '1 month')
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF worker_positions FOR VALUES FROM (%L) TO (%L)',
                       'worker_positions_p' || to_char(month AT TIME ZONE 'UTC', 'YYYYMM'),
                       month, (month AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
    END LOOP;
    INSERT INTO worker_positions (id, user_id, region_code, lat, lng, accuracy, at, received_at)
        SELECT id, user_id, region_code, lat, lng, accuracy, at, received_at
        FROM worker_positions_unpartitioned;
    DROP TABLE worker_positions_unpartitioned;
END $$
"""

REVERT = """
DO $$
DECLARE
    unique_name text;
BEGIN
    SELECT conname INTO unique_name FROM pg_constraint
        WHERE conrelid = 'worker_positions'::regclass AND contype = 'u';
    ALTER TABLE worker_positions RENAME TO worker_positions_partitioned;
    EXECUTE format('ALTER TABLE worker_positions_partitioned RENAME CONSTRAINT %I TO %I',
                   unique_name, unique_name || '_old');
    ALTER INDEX worker_positions_pkey RENAME TO worker_positions_pkey_old;
    ALTER INDEX worker_positions_path RENAME TO worker_positions_path_old;
    ALTER INDEX worker_positions_map_lat RENAME TO worker_positions_map_lat_old;
    CREATE TABLE worker_positions (
        id bigint NOT NULL DEFAULT nextval('worker_positions_id_seq') PRIMARY KEY,
        user_id uuid NOT NULL,
        region_code varchar(15) NOT NULL,
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        accuracy double precision NOT NULL,
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL
    );
    EXECUTE format('ALTER TABLE worker_positions ADD CONSTRAINT %I UNIQUE (user_id, at)',
                   unique_name);
    CREATE INDEX worker_positions_path ON worker_positions (region_code varchar_pattern_ops, at);
    CREATE INDEX worker_positions_map_lat ON worker_positions (lat, lng);
    ALTER SEQUENCE worker_positions_id_seq OWNED BY worker_positions.id;
    INSERT INTO worker_positions SELECT * FROM worker_positions_partitioned;
    DROP TABLE worker_positions_partitioned;
END $$
"""


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0040_positions')]

    initial = False

    operations = [ops.RunSQL([CONVERT], reverse_sql=[REVERT])]
