"""Kinds and states of the basic-data registry (基础数据)."""

from __future__ import annotations

from enum import StrEnum

from api.vocabulary import register


class PersonType(StrEnum):
    """How a person lives in the grid (GB/T 31000 §4: 实有人口)."""

    REGISTERED = "registered"  # 户籍人口
    FLOATING = "floating"  # 流动人口
    FOREIGN = "foreign"  # 境外人员


class RecordStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


class SpecialGroup(StrEnum):
    """Special groups (特殊人群), each with its own follow-up fields."""

    RELEASED_PRISONER = "released_prisoner"  # 刑满释放人员
    COMMUNITY_CORRECTION = "community_correction"  # 社区矫正人员
    MENTAL_DISORDER = "mental_disorder"  # 严重精神障碍患者
    DRUG_USER = "drug_user"  # 吸毒人员
    KEY_YOUTH = "key_youth"  # 重点青少年
    AIDS_RISK = "aids_risk"  # 艾滋病危险人员
    # care groups (关爱对象: served, not controlled), kept as special-group records so they
    # share the masking, audited reads and statistics of the registry
    LEFT_BEHIND_CHILD = "left_behind_child"  # 农村留守儿童
    ELDERLY_ALONE = "elderly_alone"  # 独居、孤寡老人
    DISABLED = "disabled"  # 残疾人


CARE_GROUPS = frozenset(
    {SpecialGroup.LEFT_BEHIND_CHILD, SpecialGroup.ELDERLY_ALONE, SpecialGroup.DISABLED}
)


class Programme(StrEnum):
    """Welfare and social-security programmes a person or household is enrolled in
    (民政救济, 民政优抚, 人口计生, 劳动保障)."""

    MINIMUM_LIVING = "minimum_living"  # 最低生活保障 (低保)
    SPECIAL_HARDSHIP = "special_hardship"  # 特困人员救助供养
    TEMPORARY_RELIEF = "temporary_relief"  # 临时救助
    VETERAN_CARE = "veteran_care"  # 优抚对象
    FAMILY_PLANNING_SUPPORT = "family_planning_support"  # 计生特别扶助
    UNEMPLOYMENT = "unemployment"  # 失业登记
    PENSION_INSURANCE = "pension_insurance"  # 养老保险
    MEDICAL_INSURANCE = "medical_insurance"  # 医疗保险


class HouseholdType(StrEnum):
    FAMILY = "family"  # 家庭户
    COLLECTIVE = "collective"  # 集体户


class OrganisationKind(StrEnum):
    ENTERPRISE = "enterprise"  # 非公有制经济组织
    SOCIAL = "social"  # 社会组织


class PartyOrganisationLevel(StrEnum):
    """The three-level grid party structure (网格党建)."""

    COMMUNITY_COMMITTEE = "community_committee"  # 社区党委: at the community
    LARGE_GRID_BRANCH = "large_grid_branch"  # 大网格党支部
    MEDIUM_GRID_GROUP = "medium_grid_group"  # 中网格党小组


class RecordKind(StrEnum):
    """What a change-history row or an audit row concerns."""

    PERSON = "person"
    HOUSEHOLD = "household"
    HOUSE = "house"
    BUILDING = "building"
    ORGANISATION = "organisation"
    SPECIAL_GROUP = "special_group"
    PARTY_ORGANISATION = "party_organisation"
    PARTY_MEMBER = "party_member"
    VOLUNTEER = "volunteer"
    ENROLMENT = "enrolment"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    MOVE = "move"
    DEREGISTER = "deregister"


class PendingStatus(StrEnum):
    """Where a grid worker's held edit stands (审核)."""

    PENDING = "pending"  # awaiting the community's review
    RETURNED = "returned"  # sent back with a note: the worker fixes it (edits again) or withdraws
    APPROVED = "approved"  # applied to the record
    WITHDRAWN = "withdrawn"  # dropped by its author


class PendingAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"


class PendingStage(StrEnum):
    REVIEW = "review"


OPEN_PENDING: frozenset[PendingStatus] = frozenset({PendingStatus.PENDING, PendingStatus.RETURNED})


class FilingStatus(StrEnum):
    """Where a self-help organisation's filing (备案) stands."""

    SUBMITTED = "submitted"  # awaiting the township
    FILED = "filed"  # 已备案, with its number
    REFUSED = "refused"  # 不予备案, with the reason


class FilingAction(StrEnum):
    SUBMIT = "submit"
    FILE = "file"
    REFUSE = "refuse"


class FilingStage(StrEnum):
    REVIEW = "review"


# What the codes are called (api/vocabulary.py: the `vocabulary` query)
register(
    "RegistryPendingStatus",
    PendingStatus,
    {
        PendingStatus.PENDING: ("待审核", "Awaiting review"),
        PendingStatus.RETURNED: ("已退回", "Returned"),
        PendingStatus.APPROVED: ("已通过", "Approved"),
        PendingStatus.WITHDRAWN: ("已撤回", "Withdrawn"),
    },
)
register(
    "OrganisationFilingStatus",
    FilingStatus,
    {
        FilingStatus.SUBMITTED: ("待审核", "Submitted"),
        FilingStatus.FILED: ("已备案", "Filed"),
        FilingStatus.REFUSED: ("不予备案", "Refused"),
    },
)
