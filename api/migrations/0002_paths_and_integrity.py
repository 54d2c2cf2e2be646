"""What the ORM cannot declare: prefix indexes for subtree queries, foreign keys to regions by
code, the code-as-path rule as a CHECK, and NULL-safe uniqueness of role assignments."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                # `LIKE 'prefix%'` needs varchar_pattern_ops under a non-C collation (DESIGN §2).
                "CREATE INDEX regions_code_pattern ON regions (code varchar_pattern_ops)",
                "CREATE INDEX departments_region_pattern ON departments (region_code varchar_pattern_ops)",
                "CREATE INDEX role_assignments_region_pattern"
                " ON role_assignments (region_code varchar_pattern_ops)",
                "CREATE INDEX api_keys_region_pattern ON api_keys (region_code varchar_pattern_ops)",
                "CREATE INDEX audit_log_region_pattern ON audit_log (region_code varchar_pattern_ops, id)",
                "ALTER TABLE regions ADD CONSTRAINT regions_code_is_path CHECK ("
                " code ~ '^[0-9]+$' AND length(code) IN (4, 6, 9, 12, 15)"
                " AND ((parent_code IS NULL AND length(code) = 4)"
                "   OR (parent_code IS NOT NULL AND left(code, length(parent_code)) = parent_code"
                "       AND length(parent_code) = CASE length(code) WHEN 6 THEN 4 WHEN 9 THEN 6"
                "           WHEN 12 THEN 9 WHEN 15 THEN 12 END)))",
                "ALTER TABLE regions ADD CONSTRAINT regions_parent_fk"
                " FOREIGN KEY (parent_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "ALTER TABLE departments ADD CONSTRAINT departments_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_department_fk"
                " FOREIGN KEY (department_id) REFERENCES departments (id) ON DELETE RESTRICT",
                "ALTER TABLE api_keys ADD CONSTRAINT api_keys_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE UNIQUE INDEX role_assignments_once ON role_assignments"
                " (user_id, role, region_code, department_id) NULLS NOT DISTINCT",
            ],
            reverse_sql=[
                "DROP INDEX role_assignments_once",
                "ALTER TABLE api_keys DROP CONSTRAINT api_keys_region_fk",
                "ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_department_fk",
                "ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_region_fk",
                "ALTER TABLE departments DROP CONSTRAINT departments_region_fk",
                "ALTER TABLE regions DROP CONSTRAINT regions_parent_fk",
                "ALTER TABLE regions DROP CONSTRAINT regions_code_is_path",
                "DROP INDEX audit_log_region_pattern",
                "DROP INDEX api_keys_region_pattern",
                "DROP INDEX role_assignments_region_pattern",
                "DROP INDEX departments_region_pattern",
                "DROP INDEX regions_code_pattern",
            ],
        ),
    ]
