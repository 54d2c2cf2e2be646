"""Many applications at once, written by PostgreSQL itself (for the index test and the
benchmark): an item of district 410611 with its four-step flow, and `count` applications over
5 townships × 10 communities, 70% closed, the rest waiting at the community, the township or
the district."""

from __future__ import annotations

import uuid

from tortoise import connections

from api.domains.approvals.models import ApprovalFlowVersion, ApprovalItem
from tests.approvals.helpers import STEPS, TEMPLATE

DISTRICT = "410611"

APPLICATIONS = """
INSERT INTO applications (
    id, number, item_id, flow_version, status, applicant_id, applicant_name, filed_by_id,
    on_behalf, region_code, step_index, holder_region_code, waiting_role, form, materials,
    stage, stage_started_at, due_at, remind_at, red_at, due_by_stage, card, warning_level,
    version, created_at, updated_at)
SELECT gen_random_uuid(), 'B' || i, $1::uuid, 1, s.status, gen_random_uuid(), '申请人' || i,
    gen_random_uuid(), false, s.community, s.step, s.holder, s.role, '{}', '{}',
    CASE WHEN s.role IS NULL THEN NULL ELSE 'step_' || (s.step + 1) END, s.created_at,
    s.due_at, s.due_at - interval '1 day', s.due_at + interval '2 days', '{}', 'none', 0, 1,
    s.created_at, s.created_at
FROM generate_series(1, $2::int) AS i,
LATERAL (
    SELECT c.community, c.created_at, c.created_at + interval '3 days' AS due_at,
        CASE WHEN i % 10 < 6 THEN 'collected' WHEN i % 10 = 6 THEN 'refused'
             ELSE 'in_review' END AS status,
        CASE WHEN i % 10 = 8 THEN 1 WHEN i % 10 = 9 THEN 2 ELSE 0 END AS step,
        CASE WHEN i % 10 = 7 THEN c.community WHEN i % 10 = 8 THEN left(c.community, 9)
             WHEN i % 10 = 9 THEN '410611' ELSE c.community END AS holder,
        CASE WHEN i % 10 = 7 THEN 'community_staff' WHEN i % 10 = 8 THEN 'township_centre'
             WHEN i % 10 = 9 THEN 'district_command' END AS role
    FROM (SELECT '410611' || lpad((i % 5 + 1)::text, 3, '0')
                 || lpad((i / 5 % 10 + 1)::text, 3, '0') AS community,
                 now() - make_interval(mins => i) AS created_at) AS c
) AS s
"""


async def generate(count: int) -> uuid.UUID:
    """Write the item, its flow and `count` applications; returns the item's id."""
    item = await ApprovalItem.create(
        id=uuid.uuid4(),
        code=f"BULK-{uuid.uuid4().hex[:6]}",
        name="低保申请",
        region_code=DISTRICT,
        promised_days=20,
        form_template=TEMPLATE,
        decides_at="district",
        flow_version=1,
        published=True,
    )
    steps = [
        {**s, "level": str(s["level"]).lower(), "actions": [a.lower() for a in s["actions"]]}
        for s in STEPS
    ]
    await ApprovalFlowVersion.create(item_id=item.id, version=1, steps=steps)
    connection = connections.get("default")
    await connection.execute_query(APPLICATIONS, [str(item.id), count])
    await connection.execute_script("ANALYZE applications")
    return item.id
