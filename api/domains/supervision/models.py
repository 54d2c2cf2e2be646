"""Analysis reports and accountability proposals: records of the flow kernel with tables of
their own; their steps and cards go to the kernel's shared `flow_timeline` and `flow_cards`."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from api.flows.models import ClockColumns


class AnalysisReport(ClockColumns):
    """A periodic analysis report (定期研判报告) of a region: figures frozen from the statistics
    when generated, the unit's written analysis, reviewed and published to the level above."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the region it analyses")
    period_kind = fields.CharField(max_length=8)
    period_start = fields.DateField()
    period_end = fields.DateField(description="the last day, inclusive")
    title = fields.CharField(max_length=200)
    author_unit = fields.CharField(max_length=100, description="the authoring unit (编制单位)")
    created_by_id = fields.UUIDField(null=True)
    created_by_label = fields.CharField(max_length=100)
    figures: fields.JSONField[Any] = fields.JSONField(description="frozen at generation")
    figures_generated_at = fields.DatetimeField()
    sections: fields.JSONField[Any] = fields.JSONField(default=list, description="heading, body")
    review_note = fields.TextField(default="", description="the reviewer's latest note")
    reviewed_by_id = fields.UUIDField(null=True)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "supervision_analysis_reports"
        unique_together = (("region_code", "period_kind", "period_start"),)
        indexes = (("region_code", "status"),)


class AccountabilityProposal(ClockColumns):
    """A proposal (责任查究建议) raised by a higher level against a unit or an account, on
    events or a ranking period; the target unit replies; the raising side closes it."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the target unit's region")
    target_kind = fields.CharField(max_length=12)
    target_department_id = fields.UUIDField(null=True)
    target_user_id = fields.UUIDField(null=True)
    target_label = fields.CharField(max_length=100)
    raised_region_code = fields.CharField(max_length=15, description="the raising unit's region")
    raised_by_id = fields.UUIDField(null=True)
    raised_by_label = fields.CharField(max_length=100)
    event_ids: fields.JSONField[Any] = fields.JSONField(default=list)
    ranking_snapshot_id = fields.UUIDField(null=True, description="a frozen ranking period")
    reason = fields.TextField()
    requested_action = fields.CharField(max_length=24)
    reply = fields.TextField(default="")
    replied_by_id = fields.UUIDField(null=True)
    replied_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=16, null=True)
    outcome_note = fields.TextField(default="")
    closed_by_id = fields.UUIDField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "supervision_accountability_proposals"
        indexes = (("region_code", "status"), ("raised_region_code", "created_at"))
