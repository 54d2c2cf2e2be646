"""Maps: compounds (小区) with their boundaries, building footprints; every event's Web-Mercator tile at zoom 20 as two generated columns (clusters at any
zoom are one GROUP BY over them), indexed with what a cluster counts; and, where the server has
PostGIS, a generated geometry column with a GiST index for the same queries (api/geo.py,
api/domains/maps/). Generated columns fill themselves on every write path (ORM, COPY, imports).
The SQL is written out whole: a migration applies the same SQL forever."""

from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

# floor((lng + 180) / 360 * 2^20) and the Mercator row of the latitude (clamped to ±85.05°),
# each kept within the 2^20 tiles of zoom 20.
TILE_X = (
    "CASE WHEN lat IS NULL OR lng IS NULL THEN NULL"
    " ELSE least(greatest(floor((lng + 180.0) / 360.0 * 1048576.0), 0), 1048575)::integer END"
)
TILE_Y = (
    "CASE WHEN lat IS NULL OR lng IS NULL THEN NULL"
    " ELSE least(greatest(floor((1.0 - ln(tan(radians(least(greatest(lat, -85.05112878),"
    " 85.05112878))) + 1.0 / cos(radians(least(greatest(lat, -85.05112878), 85.05112878))))"
    " / pi()) / 2.0 * 1048576.0), 0), 1048575)::integer END"
)

# Whole-city clusters: each grid's located events counted per zoom-16 tile (about 500 m), status
# and card, kept by triggers (statement-level with transition tables for inserts and deletes, as
# the statistics rollup does, row-level for the updates that move a count). A city-wide cluster
# query sums a few thousand of these instead of grouping a million events.
MAP_CELLS = [
    "CREATE TABLE event_map_cells ("
    " region_code varchar(15) NOT NULL REFERENCES regions (code), city_code varchar(4) NOT NULL,"
    " tile_x integer NOT NULL, tile_y integer NOT NULL,"
    " status varchar(16) NOT NULL, card varchar(8) NOT NULL, n integer NOT NULL,"
    " PRIMARY KEY (region_code, tile_x, tile_y, status, card))",
    "CREATE INDEX event_map_cells_city ON event_map_cells (city_code, tile_x, tile_y)"
    " INCLUDE (region_code, status, card, n)",
    "CREATE INDEX event_map_cells_region ON event_map_cells"
    " (region_code varchar_pattern_ops, tile_x, tile_y) INCLUDE (status, card, n)",
    """
CREATE FUNCTION event_map_cells_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO event_map_cells AS c (region_code, city_code, tile_x, tile_y, status, card, n)
    SELECT region_code, min(city_code), map_x >> 4, map_y >> 4, status, card, count(*)
      FROM changed_rows WHERE map_x IS NOT NULL
     GROUP BY region_code, map_x >> 4, map_y >> 4, status, card
    ON CONFLICT (region_code, tile_x, tile_y, status, card) DO UPDATE SET n = c.n + EXCLUDED.n;
  ELSE
    UPDATE event_map_cells c SET n = c.n - d.n
      FROM (SELECT region_code, map_x >> 4 AS tile_x, map_y >> 4 AS tile_y, status, card,
                   count(*) AS n
              FROM changed_rows WHERE map_x IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) d
     WHERE c.region_code = d.region_code AND c.tile_x = d.tile_x AND c.tile_y = d.tile_y
       AND c.status = d.status AND c.card = d.card;
  END IF;
  RETURN NULL;
END $$
""",
    """
CREATE FUNCTION event_map_cells_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.map_x IS NOT NULL THEN
    UPDATE event_map_cells SET n = n - 1
     WHERE region_code = OLD.region_code AND tile_x = OLD.map_x >> 4 AND tile_y = OLD.map_y >> 4
       AND status = OLD.status AND card = OLD.card;
  END IF;
  IF NEW.map_x IS NOT NULL THEN
    INSERT INTO event_map_cells AS c (region_code, city_code, tile_x, tile_y, status, card, n)
    VALUES (NEW.region_code, NEW.city_code, NEW.map_x >> 4, NEW.map_y >> 4, NEW.status,
            NEW.card, 1)
    ON CONFLICT (region_code, tile_x, tile_y, status, card) DO UPDATE SET n = c.n + 1;
  END IF;
  RETURN NULL;
END $$
""",
    "CREATE TRIGGER events_map_cells_insert AFTER INSERT ON events"
    " REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION event_map_cells_statement()",
    "CREATE TRIGGER events_map_cells_delete AFTER DELETE ON events"
    " REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION event_map_cells_statement()",
    "CREATE TRIGGER events_map_cells_change AFTER UPDATE OF lat, lng, status, card, region_code"
    " ON events FOR EACH ROW WHEN (OLD.lat IS DISTINCT FROM NEW.lat"
    " OR OLD.lng IS DISTINCT FROM NEW.lng OR OLD.status IS DISTINCT FROM NEW.status"
    " OR OLD.card IS DISTINCT FROM NEW.card OR OLD.region_code IS DISTINCT FROM NEW.region_code)"
    " EXECUTE FUNCTION event_map_cells_row()",
    # After a bulk load with triggers off (benchmarks): recount everything.
    """
CREATE FUNCTION event_map_cells_rebuild() RETURNS void LANGUAGE sql AS $$
  TRUNCATE event_map_cells;
  INSERT INTO event_map_cells (region_code, city_code, tile_x, tile_y, status, card, n)
  SELECT region_code, min(city_code), map_x >> 4, map_y >> 4, status, card, count(*)
    FROM events WHERE map_x IS NOT NULL
   GROUP BY region_code, map_x >> 4, map_y >> 4, status, card;
$$
""",
    "SELECT event_map_cells_rebuild()",
]
MAP_CELLS_REVERSE = [
    "DROP TRIGGER events_map_cells_change ON events",
    "DROP TRIGGER events_map_cells_delete ON events",
    "DROP TRIGGER events_map_cells_insert ON events",
    "DROP FUNCTION event_map_cells_rebuild()",
    "DROP FUNCTION event_map_cells_row()",
    "DROP FUNCTION event_map_cells_statement()",
    "DROP TABLE event_map_cells",
]

POSTGIS = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN
        CREATE EXTENSION IF NOT EXISTS postgis;
        EXECUTE 'ALTER TABLE events ADD COLUMN geom geometry(Point, 4326) GENERATED ALWAYS AS'
            ' (CASE WHEN lat IS NULL OR lng IS NULL THEN NULL'
            ' ELSE ST_SetSRID(ST_MakePoint(lng, lat), 4326) END) STORED';
        EXECUTE 'CREATE INDEX events_geom ON events USING gist (geom)';
    END IF;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0028_triage")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Compound",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, description="natural key", max_length=40)),
                ("community_code", fields.CharField(db_index=True, max_length=15)),
                ("name", fields.CharField(max_length=100)),
                (
                    "boundary",
                    fields.JSONField(
                        null=True,
                        description="GeoJSON Polygon or MultiPolygon, WGS-84",
                        encoder=JSON_DUMPS,
                        decoder=loads,
                    ),
                ),
                ("centre_lat", fields.FloatField(null=True)),
                ("centre_lng", fields.FloatField(null=True)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "compounds",
                "app": "gridgov",
                "pk_attr": "id",
                "table_description": "A residential compound (小区): a named area under a community, a layer of the map below",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Building",
            name="compound_code",
            field=fields.CharField(null=True, description="its 小区, if any", max_length=40),
        ),
        ops.AddField(
            model_name="Building",
            name="footprint",
            field=fields.JSONField(
                null=True,
                description="GeoJSON Polygon, WGS-84 (besides the point)",
                encoder=JSON_DUMPS,
                decoder=loads,
            ),
        ),
        ops.RunSQL(
            [
                f"ALTER TABLE events ADD COLUMN map_x integer GENERATED ALWAYS AS ({TILE_X}) STORED",
                f"ALTER TABLE events ADD COLUMN map_y integer GENERATED ALWAYS AS ({TILE_Y}) STORED",
                # A city's clusters: an index-only scan of its located events' tiles and counts.
                "CREATE INDEX events_map_tile ON events (city_code, map_x, map_y, status, card)"
                " WHERE map_x IS NOT NULL",
                # Bounding-box pages and nearby searches narrow by latitude first.
                "CREATE INDEX events_map_lat ON events (lat, lng) WHERE lat IS NOT NULL",
                # ... and longitude first for the west and east bands of a box's edge.
                "CREATE INDEX events_map_lng ON events (lng, lat) WHERE lat IS NOT NULL",
                "CREATE INDEX registry_buildings_map_lat ON registry_buildings (lat, lng)"
                " WHERE lat IS NOT NULL",
                "CREATE INDEX worker_positions_map_lat ON worker_positions (lat, lng)",
                POSTGIS,
                *MAP_CELLS,
            ],
            reverse_sql=[
                *MAP_CELLS_REVERSE,
                "ALTER TABLE events DROP COLUMN IF EXISTS geom",
                "DROP INDEX worker_positions_map_lat",
                "DROP INDEX registry_buildings_map_lat",
                "DROP INDEX events_map_lng",
                "DROP INDEX events_map_lat",
                "DROP INDEX events_map_tile",
                "ALTER TABLE events DROP COLUMN map_y",
                "ALTER TABLE events DROP COLUMN map_x",
            ],
        ),
    ]
