"""Vocabularies of supervision (督导考核): periodic analysis reports (定期研判报告) and
accountability proposals (责任查究建议)."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class ReportPeriod(StrEnum):
    """What an analysis report covers: an ISO week, a calendar month or a quarter (China time)."""

    WEEK = "week"  # 周报
    MONTH = "month"  # 月报
    QUARTER = "quarter"  # 季报


class ReportStatus(StrEnum):
    """An analysis report: drafted by its unit, reviewed by the unit's leader, then published to
    the level above (a returned report goes back to its authors)."""

    DRAFT = "draft"  # 起草
    IN_REVIEW = "in_review"  # 待审核
    RETURNED = "returned"  # 退回修改
    PUBLISHED = "published"  # 已报送上级


class ReportAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    REFRESH_FIGURES = "refresh_figures"
    SUBMIT = "submit"
    RETURN = "return"
    PUBLISH = "publish"


class ReportStage(StrEnum):
    REVIEW = "review"


class ProposalStatus(StrEnum):
    """An accountability proposal: raised by a higher level, answered by its target unit,
    closed by the raising side with an outcome."""

    RAISED = "raised"  # 已提出, awaiting the target's reply
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结


class ProposalAction(StrEnum):
    RAISE = "raise"
    REPLY = "reply"
    CLOSE = "close"


class ProposalStage(StrEnum):
    REPLY = "reply"  # the target unit's time to answer
    CLOSE = "close"  # the raising side's time to conclude


class TargetKind(StrEnum):
    """Against whom a proposal is raised."""

    REGION = "region"  # a level's unit: its centre (综治中心、指挥中心), community, grid
    DEPARTMENT = "department"  # 职能部门
    ACCOUNT = "account"  # one person's account


class RequestedAction(StrEnum):
    """What the proposal asks to be done (问责方式)."""

    CRITICISM = "criticism"  # 批评教育
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    ADMONITORY_TALK = "admonitory_talk"  # 约谈 / 诫勉谈话
    WRITTEN_EXAMINATION = "written_examination"  # 责令书面检查
    ASSESSMENT_DEDUCTION = "assessment_deduction"  # 考核扣分
    DISCIPLINARY_REFERRAL = "disciplinary_referral"  # 移送纪检监察机关


class ProposalOutcome(StrEnum):
    """How a proposal ended."""

    ADOPTED = "adopted"  # 采纳, accountability pursued as asked
    PARTLY_ADOPTED = "partly_adopted"  # 部分采纳
    NOT_ADOPTED = "not_adopted"  # 不予采纳 (the reply explained it)
    WITHDRAWN = "withdrawn"  # 撤回


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "AnalysisReportPeriod",
    ReportPeriod,
    {
        ReportPeriod.WEEK: ("周报", "Weekly"),
        ReportPeriod.MONTH: ("月报", "Monthly"),
        ReportPeriod.QUARTER: ("季报", "Quarterly"),
    },
)
register(
    "AnalysisReportStatus",
    ReportStatus,
    {
        ReportStatus.DRAFT: ("起草中", "Draft"),
        ReportStatus.IN_REVIEW: ("待审核", "In review"),
        ReportStatus.RETURNED: ("退回修改", "Returned"),
        ReportStatus.PUBLISHED: ("已报送", "Published"),
    },
)
register(
    "AccountabilityProposalStatus",
    ProposalStatus,
    {
        ProposalStatus.RAISED: ("待答复", "Raised"),
        ProposalStatus.REPLIED: ("已答复", "Replied"),
        ProposalStatus.CLOSED: ("已办结", "Closed"),
    },
)
register(
    "AccountabilityTargetKind",
    TargetKind,
    {
        TargetKind.REGION: ("单位", "A level's unit"),
        TargetKind.DEPARTMENT: ("职能部门", "Department"),
        TargetKind.ACCOUNT: ("个人", "Person"),
    },
)
register(
    "AccountabilityRequestedAction",
    RequestedAction,
    {
        RequestedAction.CRITICISM: ("批评教育", "Criticism"),
        RequestedAction.CIRCULATED_CRITICISM: ("通报批评", "Circulated criticism"),
        RequestedAction.ADMONITORY_TALK: ("约谈", "Admonitory talk"),
        RequestedAction.WRITTEN_EXAMINATION: ("责令书面检查", "Written self-examination"),
        RequestedAction.ASSESSMENT_DEDUCTION: ("考核扣分", "Assessment deduction"),
        RequestedAction.DISCIPLINARY_REFERRAL: ("移送纪检监察机关", "Disciplinary referral"),
    },
)
register(
    "AccountabilityOutcome",
    ProposalOutcome,
    {
        ProposalOutcome.ADOPTED: ("采纳", "Adopted"),
        ProposalOutcome.PARTLY_ADOPTED: ("部分采纳", "Partly adopted"),
        ProposalOutcome.NOT_ADOPTED: ("不予采纳", "Not adopted"),
        ProposalOutcome.WITHDRAWN: ("撤回", "Withdrawn"),
    },
)
