"""An item's flow as data: ordered steps, each with its level or department, its approvers,
time limit and allowed actions; checked whole when a unit saves a new version."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.domains.approvals.enums import MAX_STEPS, StepAction
from api.errors import ValidationFailed
from api.i18n import _
from api.regions import ORDER, Level
from policies.enforcer import get_enforcer

MAX_APPROVERS = 20
MAX_DAYS = 200  # working days: the work calendar is read 400 days ahead
# the policy action each step action needs of the step's role at the step's level
POLICY_ACTION = {
    StepAction.REVIEW: "review",
    StepAction.RETURN: "return",
    StepAction.APPROVE: "approve",
    StepAction.REGISTER: "register",
    StepAction.FILE: "file",
}
DECIDED_ONLY = frozenset({StepAction.REGISTER, StepAction.FILE})  # only after the decision


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a flow version."""

    name: str
    level: Level
    role: str
    days: int  # working days
    actions: frozenset[StepAction]
    department_id: uuid.UUID | None = None
    approver_ids: tuple[uuid.UUID, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level.value,
            "role": self.role,
            "days": self.days,
            "actions": sorted(action.value for action in self.actions),
            "departmentId": str(self.department_id) if self.department_id else None,
            "approverIds": [str(approver) for approver in self.approver_ids],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        return cls(
            name=data["name"],
            level=Level(data["level"]),
            role=data["role"],
            days=int(data["days"]),
            actions=frozenset(StepAction(action) for action in data["actions"]),
            department_id=uuid.UUID(data["departmentId"]) if data.get("departmentId") else None,
            approver_ids=tuple(uuid.UUID(a) for a in data.get("approverIds", ())),
        )


def steps_of(data: Sequence[Mapping[str, Any]]) -> list[Step]:
    return [Step.from_json(step) for step in data]


def decision_index(steps: Sequence[Step], *, decides_at: Level, start: int = 0) -> int | None:
    """The first step from `start` that may decide the item: it approves, at or above the
    item's ceiling."""
    for index in range(start, len(steps)):
        step = steps[index]
        if StepAction.APPROVE in step.actions and ORDER.index(step.level) <= ORDER.index(
            decides_at
        ):
            return index
    return None


def check_steps(steps: Sequence[Step], *, item_region: str, decides_at: Level) -> None:
    """A flow that can run: bounded, levels going up (never below the item's implementing
    region's subtree root), every action one the step's role may take at its level, a step
    that may decide the item, and only registering or filing after it."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValidationFailed(
            _("a flow has 1 to {MAX_STEPS} steps", MAX_STEPS=MAX_STEPS), field="steps"
        )
    enforcer = get_enforcer()
    item_level = Level.of_code(item_region)
    assert item_level is not None
    previous = Level.GRID
    for index, step in enumerate(steps):
        field = f"steps.{index}"
        if not step.name.strip() or len(step.name) > 50:
            raise ValidationFailed(_("a step needs a name of up to 50 characters"), field=field)
        if not 1 <= step.days <= MAX_DAYS:
            raise ValidationFailed(
                _("days must be 1 to {MAX_DAYS}", MAX_DAYS=MAX_DAYS), field=f"{field}.days"
            )
        if not step.actions:
            raise ValidationFailed(_("a step allows at least one action"), field=f"{field}.actions")
        if len(step.approver_ids) > MAX_APPROVERS:
            raise ValidationFailed(
                _("at most {MAX_APPROVERS} named approvers", MAX_APPROVERS=MAX_APPROVERS),
                field=f"{field}.approverIds",
            )
        if step.level is Level.GRID or ORDER.index(step.level) > ORDER.index(previous):
            raise ValidationFailed(
                _("steps go up the hierarchy from the community, never down"),
                field=f"{field}.level",
            )
        if ORDER.index(step.level) < ORDER.index(item_level):
            raise ValidationFailed(
                _("a step may not sit above the unit that owns the item"), field=f"{field}.level"
            )
        previous = step.level
        for action in step.actions:
            if not enforcer.allows(step.role, step.level, "application", POLICY_ACTION[action]):
                raise ValidationFailed(
                    _(
                        "{role} may not {value} applications at {value2} level",
                        role=step.role,
                        value=action.value,
                        value2=step.level.value,
                    ),
                    field=f"{field}.role",
                )
    decision = decision_index(steps, decides_at=decides_at)
    if decision is None:
        raise ValidationFailed(
            _(
                "no step may decide the item: one at {value} level or above must approve",
                value=decides_at.value,
            ),
            field="steps",
        )
    for index, step in enumerate(steps):
        late = index > decision
        if late and not step.actions <= DECIDED_ONLY:
            raise ValidationFailed(
                _("after the deciding step, steps only register or file"), field=f"steps.{index}"
            )
        if not late and step.actions & DECIDED_ONLY:
            raise ValidationFailed(
                _("registering and filing come after the deciding step"),
                field=f"steps.{index}.actions",
            )
