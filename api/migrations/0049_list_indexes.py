"""Indexes the registry lists page off in id order under a region at any level (issue 26): the
list filters on the ancestor code of the scope's level (left(region_code, n), a grid's whole
code), so the page is an index range in the list's order, not the subtree's rows sorted."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0048_history_partitions")]

    operations = [
        ops.RunSQL(
            [
                # A city's prefix matches every row of a one-city database: the primary key
                # walk is that range already (a province deployment adds a city index).
                "CREATE INDEX people_by_district ON registry_people (left(region_code, 6), id)",
                "CREATE INDEX people_by_township ON registry_people (left(region_code, 9), id)",
                "CREATE INDEX people_by_community ON registry_people (left(region_code, 12), id)",
                "CREATE INDEX people_by_grid ON registry_people (region_code, id)",
                "CREATE INDEX households_by_district ON registry_households (left(region_code, 6), id)",
                "CREATE INDEX households_by_township ON registry_households (left(region_code, 9), id)",
                "CREATE INDEX households_by_community ON registry_households (left(region_code, 12), id)",
                "CREATE INDEX households_by_grid ON registry_households (region_code, id)",
                "CREATE INDEX houses_by_district ON registry_houses (left(region_code, 6), id)",
                "CREATE INDEX houses_by_township ON registry_houses (left(region_code, 9), id)",
                "CREATE INDEX houses_by_community ON registry_houses (left(region_code, 12), id)",
                "CREATE INDEX houses_by_grid ON registry_houses (region_code, id)",
                "CREATE INDEX buildings_by_district ON registry_buildings (left(region_code, 6), id)",
                "CREATE INDEX buildings_by_township ON registry_buildings (left(region_code, 9), id)",
                "CREATE INDEX buildings_by_community ON registry_buildings (left(region_code, 12), id)",
                "CREATE INDEX buildings_by_grid ON registry_buildings (region_code, id)",
                "CREATE INDEX organisations_by_district ON registry_organisations (left(region_code, 6), id)",
                "CREATE INDEX organisations_by_township ON registry_organisations (left(region_code, 9), id)",
                "CREATE INDEX organisations_by_community ON registry_organisations (left(region_code, 12), id)",
                "CREATE INDEX organisations_by_grid ON registry_organisations (region_code, id)",
            ],
            reverse_sql=[
                "DROP INDEX organisations_by_district",
                "DROP INDEX organisations_by_township",
                "DROP INDEX organisations_by_community",
                "DROP INDEX organisations_by_grid",
                "DROP INDEX buildings_by_district",
                "DROP INDEX buildings_by_township",
                "DROP INDEX buildings_by_community",
                "DROP INDEX buildings_by_grid",
                "DROP INDEX houses_by_district",
                "DROP INDEX houses_by_township",
                "DROP INDEX houses_by_community",
                "DROP INDEX houses_by_grid",
                "DROP INDEX households_by_district",
                "DROP INDEX households_by_township",
                "DROP INDEX households_by_community",
                "DROP INDEX households_by_grid",
                "DROP INDEX people_by_district",
                "DROP INDEX people_by_township",
                "DROP INDEX people_by_community",
                "DROP INDEX people_by_grid",
            ],
        ),
    ]
