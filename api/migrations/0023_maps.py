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
    dependencies = [("gridgov", "0022_announcements")]

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
                "CREATE INDEX registry_buildings_map_lat ON registry_buildings (lat, lng)"
                " WHERE lat IS NOT NULL",
                "CREATE INDEX worker_positions_map_lat ON worker_positions (lat, lng)",
                POSTGIS,
            ],
            reverse_sql=[
                "ALTER TABLE events DROP COLUMN IF EXISTS geom",
                "DROP INDEX worker_positions_map_lat",
                "DROP INDEX registry_buildings_map_lat",
                "DROP INDEX events_map_lat",
                "DROP INDEX events_map_tile",
                "ALTER TABLE events DROP COLUMN map_y",
                "ALTER TABLE events DROP COLUMN map_x",
            ],
        ),
    ]
