"""Indexes the event lists and the deadline sweep need, and integrity the ORM cannot declare."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0003_events")]

    operations = [
        ops.RunSQL(
            [
                # Subtree lists, newest first: the path prefix then the order of the page.
                "CREATE INDEX events_region_path ON events"
                " (region_code varchar_pattern_ops, reported_at DESC, id DESC)",
                "CREATE INDEX events_handling_path ON events"
                " (handling_region_code varchar_pattern_ops, reported_at DESC, id DESC)",
                "CREATE INDEX events_newest ON events (reported_at DESC, id DESC)",
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
                "ALTER TABLE events ADD CONSTRAINT events_satisfaction_range"
                " CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5)",
                "CREATE UNIQUE INDEX deadline_rules_once ON deadline_rules (category_key, stage)"
                " NULLS NOT DISTINCT",
            ],
            reverse_sql=[
                "DROP INDEX deadline_rules_once",
                "ALTER TABLE events DROP CONSTRAINT events_satisfaction_range",
                "ALTER TABLE events DROP CONSTRAINT events_handled_inside",
                "ALTER TABLE events DROP CONSTRAINT events_department_fk",
                "ALTER TABLE events DROP CONSTRAINT events_category_fk",
                "ALTER TABLE events DROP CONSTRAINT events_handling_region_fk",
                "ALTER TABLE events DROP CONSTRAINT events_region_fk",
                "DROP INDEX event_timeline_event",
                "DROP INDEX events_open_red",
                "DROP INDEX events_open_due",
                "DROP INDEX events_open_remind",
                "DROP INDEX events_newest",
                "DROP INDEX events_handling_path",
                "DROP INDEX events_region_path",
            ],
        ),
    ]
