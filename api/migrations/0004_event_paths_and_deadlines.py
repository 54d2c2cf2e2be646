"""Indexes the event lists and the deadline sweep need, and integrity the ORM cannot declare."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0003_events")]

    operations = [
        ops.RunSQL(
            [
                # "Under S, newest first" for a scope at any level: equality on the ancestor
                # column of S's level, then the index order is already the page's order.
                "CREATE INDEX events_by_city ON events (city_code, reported_at DESC, id DESC)",
                "CREATE INDEX events_by_district ON events (district_code, reported_at DESC, id DESC)",
                "CREATE INDEX events_by_township ON events (township_code, reported_at DESC, id DESC)",
                "CREATE INDEX events_by_community ON events"
                " (community_code, reported_at DESC, id DESC)",
                "CREATE INDEX events_by_grid ON events (region_code, reported_at DESC, id DESC)",
                "CREATE INDEX events_held_by ON events (handling_region_code, status)",
                # The deadline sweep reads only open events, by their next due moment.
                "CREATE INDEX events_open_remind ON events (remind_at)"
                " WHERE status NOT IN ('rejected', 'closed', 'evaluated')",
                "CREATE INDEX events_open_due ON events (due_at)"
                " WHERE status NOT IN ('rejected', 'closed', 'evaluated')",
                "CREATE INDEX events_open_red ON events (red_at)"
                " WHERE status NOT IN ('rejected', 'closed', 'evaluated')",
                "CREATE INDEX event_timeline_event ON event_timeline (event_id, id)",
                "ALTER TABLE events ADD CONSTRAINT events_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "ALTER TABLE events ADD CONSTRAINT events_handling_region_fk"
                " FOREIGN KEY (handling_region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "ALTER TABLE events ADD CONSTRAINT events_category_fk"
                " FOREIGN KEY (category_key) REFERENCES event_categories (key) ON DELETE RESTRICT",
                "ALTER TABLE events ADD CONSTRAINT events_department_fk"
                " FOREIGN KEY (assignee_department_id) REFERENCES departments (id) ON DELETE RESTRICT",
                "ALTER TABLE events ADD CONSTRAINT events_handled_inside"
                " CHECK (left(region_code, length(handling_region_code)) = handling_region_code)",
                "ALTER TABLE events ADD CONSTRAINT events_path_columns CHECK ("
                " city_code = left(region_code, 4)"
                " AND district_code IS NOT DISTINCT FROM"
                "   CASE WHEN length(region_code) >= 6 THEN left(region_code, 6) END"
                " AND township_code IS NOT DISTINCT FROM"
                "   CASE WHEN length(region_code) >= 9 THEN left(region_code, 9) END"
                " AND community_code IS NOT DISTINCT FROM"
                "   CASE WHEN length(region_code) >= 12 THEN left(region_code, 12) END)",
                "ALTER TABLE events ADD CONSTRAINT events_satisfaction_range"
                " CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5)",
                "CREATE UNIQUE INDEX deadline_rules_once ON deadline_rules (category_key, stage)"
                " NULLS NOT DISTINCT",
            ],
            reverse_sql=[
                "DROP INDEX deadline_rules_once",
                "ALTER TABLE events DROP CONSTRAINT events_satisfaction_range",
                "ALTER TABLE events DROP CONSTRAINT events_path_columns",
                "ALTER TABLE events DROP CONSTRAINT events_handled_inside",
                "ALTER TABLE events DROP CONSTRAINT events_department_fk",
                "ALTER TABLE events DROP CONSTRAINT events_category_fk",
                "ALTER TABLE events DROP CONSTRAINT events_handling_region_fk",
                "ALTER TABLE events DROP CONSTRAINT events_region_fk",
                "DROP INDEX event_timeline_event",
                "DROP INDEX events_open_red",
                "DROP INDEX events_open_due",
                "DROP INDEX events_open_remind",
                "DROP INDEX events_held_by",
                "DROP INDEX events_by_grid",
                "DROP INDEX events_by_community",
                "DROP INDEX events_by_township",
                "DROP INDEX events_by_district",
                "DROP INDEX events_by_city",
            ],
        ),
    ]
