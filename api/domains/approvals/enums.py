"""States, steps and actions of applications and risk assessments."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ApplicationStatus(StrEnum):
    """Where an application stands (the DHIS2 approval-levels pattern: waiting at a step,
    approved here and passed up, decided, then handed back down through the community)."""

    IN_REVIEW = "in_review"  # waiting for the running step's action
    RETURNED = "returned"  # 反退: with the applicant for correction
    APPROVED = "approved"  # 审批 granted; registering (注册) or filing (备案) steps follow
    REFUSED = "refused"
    READY_FOR_COLLECTION = "ready_for_collection"  # the certificate is at the community
    COLLECTED = "collected"  # handed over to the resident


OPEN_APPLICATION_STATUSES: Final = frozenset(
    {
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.READY_FOR_COLLECTION,
    }
)
# What waits for staff (a returned application waits for its applicant).
WAITING_FOR_STAFF: Final = (
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.APPROVED,
    ApplicationStatus.READY_FOR_COLLECTION,
)


class StepAction(StrEnum):
    """What a configured step lets its approvers do."""

    REVIEW = "review"  # 审核: checked, on to the next step
    RETURN = "return"  # 反退: back to the applicant for correction
    APPROVE = "approve"  # 审批: approve or refuse (passed up where the level may not decide)
    REGISTER = "register"  # 注册: record the certificate or licence number
    FILE = "file"  # 备案: put on file


class Action(StrEnum):
    """The timeline's actions on an application (and the sweep's own three)."""

    SUBMIT = "submit"
    REVIEW = "review"
    RETURN = "return"
    RESUBMIT = "resubmit"
    PASS_UP = "pass_up"  # noqa: S105 (an action, not a secret)
    APPROVE = "approve"
    REFUSE = "refuse"
    REGISTER = "register"
    FILE = "file"
    HAND_OVER = "hand_over"
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


MAX_STEPS: Final = 8


class Stage(StrEnum):
    """The clock of an application: the position of the running step in its flow version
    (each step's own time limit applies), or waiting at the community for collection."""

    STEP_1 = "step_1"
    STEP_2 = "step_2"
    STEP_3 = "step_3"
    STEP_4 = "step_4"
    STEP_5 = "step_5"
    STEP_6 = "step_6"
    STEP_7 = "step_7"
    STEP_8 = "step_8"
    COLLECTION = "collection"

    @classmethod
    def of_step(cls, index: int) -> Stage:
        return cls(f"step_{index + 1}")

    @property
    def step_index(self) -> int | None:
        return None if self is Stage.COLLECTION else int(self.value.removeprefix("step_")) - 1


class AssessmentStatus(StrEnum):
    """A major decision's risk assessment: 待评估 → 初评 → 复评 → 审核 → 已评估."""

    PENDING = "pending"
    INITIAL_REVIEW = "initial_review"
    RE_REVIEW = "re_review"
    AUDIT = "audit"
    ASSESSED = "assessed"


ASSESSMENT_ORDER: Final = (
    AssessmentStatus.PENDING,
    AssessmentStatus.INITIAL_REVIEW,
    AssessmentStatus.RE_REVIEW,
    AssessmentStatus.AUDIT,
    AssessmentStatus.ASSESSED,
)
OPEN_ASSESSMENT_STATUSES: Final = frozenset(ASSESSMENT_ORDER[:-1])


class AssessmentAction(StrEnum):
    """The timeline's actions on an assessment: each stage's own, a return, the sweep's."""

    SUBMIT = "submit"
    ACCEPT = "accept"  # 待评估 → 初评: taken up for assessment
    INITIAL_REVIEW = "initial_review"  # 初评 recorded
    RE_REVIEW = "re_review"  # 复评 recorded
    AUDIT = "audit"  # 审核 recorded: assessed
    RETURN = "return"  # back to the previous stage
    REMIND = "remind"
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
