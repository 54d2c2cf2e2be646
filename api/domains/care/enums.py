"""Vocabularies of care groups and safety inspections."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class HelperKind(StrEnum):
    """Who is paired with a person in care (结对帮扶)."""

    STAFF = "staff"  # a worker with an account and a role assignment
    VOLUNTEER = "volunteer"  # a registered volunteer (志愿者)
    PARTY_MEMBER = "party_member"  # a registered party member (党员)


class TargetKind(StrEnum):
    """What a safety inspection inspects."""

    HOUSE = "house"
    BUILDING = "building"
    ORGANISATION = "organisation"


class HazardLevel(StrEnum):
    """How grave a hazard is (隐患等级)."""

    GENERAL = "general"  # 一般隐患
    MAJOR = "major"  # 重大隐患


class HazardStatus(StrEnum):
    """A hazard's rectification (整改): open while being rectified, re-inspected, closed."""

    RECTIFYING = "rectifying"  # 整改中
    REINSPECTED = "reinspected"  # 复查合格, awaiting closure
    CLOSED = "closed"  # 销号


OPEN_HAZARD_STATES = frozenset({HazardStatus.RECTIFYING, HazardStatus.REINSPECTED})


class HazardAction(StrEnum):
    FIND = "find"  # found in an inspection
    REINSPECT = "reinspect"  # 复查: passed
    EXTEND = "extend"  # 复查: not yet put right, a new deadline
    CLOSE = "close"  # 销号
    ESCALATE = "escalate"  # reported as an event


class HazardStage(StrEnum):
    RECTIFICATION = "rectification"
    CLOSURE = "closure"


class InspectionStatus(StrEnum):
    OPEN = "open"  # hazards still open
    CLOSED = "closed"  # every hazard closed, or none found


class InspectionAction(StrEnum):
    RECORD = "record"
    CLOSE = "close"  # with its last hazard's closure


register(
    "CareHelperKind",
    HelperKind,
    {
        HelperKind.STAFF: ("工作人员", "Staff"),
        HelperKind.VOLUNTEER: ("志愿者", "Volunteer"),
        HelperKind.PARTY_MEMBER: ("党员", "Party member"),
    },
)
register(
    "InspectionTarget",
    TargetKind,
    {
        TargetKind.HOUSE: ("房屋", "House"),
        TargetKind.BUILDING: ("楼栋", "Building"),
        TargetKind.ORGANISATION: ("单位", "Organisation"),
    },
)
register(
    "HazardLevel",
    HazardLevel,
    {HazardLevel.GENERAL: ("一般隐患", "General"), HazardLevel.MAJOR: ("重大隐患", "Major")},
)
register(
    "HazardStatus",
    HazardStatus,
    {
        HazardStatus.RECTIFYING: ("整改中", "Being rectified"),
        HazardStatus.REINSPECTED: ("复查合格", "Re-inspected"),
        HazardStatus.CLOSED: ("已销号", "Closed"),
    },
)
register(
    "InspectionStatus",
    InspectionStatus,
    {
        InspectionStatus.OPEN: ("隐患未销号", "Hazards open"),
        InspectionStatus.CLOSED: ("已完结", "Closed"),
    },
)
