"""Economic operations (经济运行平台): projects with milestones and monthly progress reports,
and indicators whose values each region reports per period, signed off level by level.

Money and figures are exact decimals (NUMERIC), never floats; a money column sits beside the
ISO 4217 currency it is in. Milestones, progress reports and indicator values are reviewed
records on the flow kernel (their clocks are `ClockColumns`; steps and cards go to the kernel's
shared `flow_timeline` and `flow_cards`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.flows.models import ClockColumns

MONEY_DIGITS = 18  # up to 10^16 yuan with fen: beyond any project or budget
FIGURE_DIGITS = 20  # indicator values: 16 digits before the point, 4 after


class ProjectCategory(Model):
    """A kind of project (招商引资, 产业项目, 城中村改造, 三区建设 …), kept as data."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=50)
    position = fields.SmallIntField(default=0, description="order in lists and charts")

    class Meta:
        table = "economy_project_categories"


class Project(Model):
    """A project (项目建设) of a region, under a responsible department."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=100)
    category_code = fields.CharField(max_length=32)
    region_code = fields.CharField(max_length=15, description="the region answering for it")
    department_id = fields.UUIDField(null=True, description="the responsible department")
    investor_organisation_id = fields.UUIDField(null=True, description="a registry organisation")
    investor_name = fields.CharField(max_length=100, default="")
    currency = fields.CharField(max_length=3, default="CNY", description="ISO 4217")
    planned_investment = fields.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    actual_investment = fields.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=0, description="to date, as accepted"
    )
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    status = fields.CharField(max_length=20)
    location = fields.CharField(max_length=200, default="")
    lat = fields.FloatField(null=True, description="WGS-84")
    lng = fields.FloatField(null=True, description="WGS-84")
    created_by_id = fields.UUIDField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "economy_projects"
        indexes = (("region_code", "category_code"),)


class Milestone(ClockColumns):
    """A milestone of a project with its due date; late ones are carded by the shared sweep."""

    id = fields.UUIDField(primary_key=True)
    project_id = fields.UUIDField(db_index=True)
    region_code = fields.CharField(max_length=15, description="the project's")
    category_code = fields.CharField(max_length=32, description="the project's")
    title = fields.CharField(max_length=100)
    due_on = fields.DateField(description="the China-time day it is due (inclusive)")
    done_at = fields.DatetimeField(null=True)
    done_late = fields.BooleanField(default=False)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "economy_milestones"


class ProgressReport(ClockColumns):
    """A month's progress of a project (项目月报): investment to date, progress, problems
    needing coordination; signed off by the level above the project's region."""

    id = fields.UUIDField(primary_key=True)
    project_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the project's")
    category_code = fields.CharField(max_length=32, description="the project's")
    month = fields.DateField(description="the first day of the month it reports")
    currency = fields.CharField(max_length=3)
    investment_to_date = fields.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    progress_percent = fields.DecimalField(max_digits=5, decimal_places=2)
    problems = fields.TextField(default="", description="what needs coordinating (需协调问题)")
    submitted_by_id = fields.UUIDField(null=True)
    reviewed_by_id = fields.UUIDField(null=True)
    remark = fields.TextField(default="", description="the reviewer's latest remark")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "economy_progress_reports"
        unique_together = (("project_id", "month"),)


class Indicator(Model):
    """An indicator definition (指标), as data: what is reported, by which level, how often,
    how it adds up, and by when each period's value is due."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=100)
    unit = fields.CharField(max_length=20, description="万元, %, 户 …")
    currency = fields.CharField(max_length=3, null=True, description="for money indicators")
    aggregation = fields.CharField(max_length=8)
    reporting_level = fields.CharField(max_length=16, description="the level that reports it")
    due_day = fields.SmallIntField(description="day of the following month the value is due")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "economy_indicators"


class IndicatorValue(ClockColumns):
    """One region's value of an indicator for one month, on its way to sign-off."""

    id = fields.UUIDField(primary_key=True)
    indicator_id = fields.IntField()
    indicator_code = fields.CharField(max_length=40)
    region_code = fields.CharField(max_length=15, description="the reporting region")
    period = fields.DateField(description="the first day of the month")
    value = fields.DecimalField(max_digits=FIGURE_DIGITS, decimal_places=4, null=True)
    report_by = fields.DatetimeField(description="the reporting deadline")
    note = fields.TextField(default="")
    submitted_by_id = fields.UUIDField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    submitted_late = fields.BooleanField(default=False)
    signed_off_by_id = fields.UUIDField(null=True, description="who accepted it")
    signed_off_at = fields.DatetimeField(null=True)
    locked_at = fields.DatetimeField(null=True)
    history: fields.JSONField[Any] = fields.JSONField(
        default=list, description="values submitted before, oldest first"
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "economy_indicator_values"
        unique_together = (("indicator_id", "region_code", "period"),)
        indexes = (("indicator_id", "period", "status"),)


class ProjectAttachment(Model):
    """A file of a project (approvals, drawings, site photos), stored once by its SHA-256
    beside the other domains' files."""

    id = fields.UUIDField(primary_key=True)
    project_id = fields.UUIDField(db_index=True)
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    uploaded_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "economy_project_attachments"
