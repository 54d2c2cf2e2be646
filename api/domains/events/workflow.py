"""The seven-step closed loop as data: which action moves an event from which states to which."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from api.domains.events.enums import OPEN_STATUSES, Action, EventStatus, Stage
from api.flows.transitions import Transition as FlowTransition
from api.flows.transitions import guard as flow_guard

S = EventStatus
Transition = FlowTransition[EventStatus, Stage]


TRANSITIONS: Final[Mapping[Action, Transition]] = {
    Action.FILE: Transition(frozenset({S.REPORTED}), S.FILED, Stage.DISPATCH),
    Action.REJECT: Transition(frozenset({S.REPORTED}), S.REJECTED),
    Action.ASSIGN: Transition(frozenset({S.FILED}), S.ASSIGNED, Stage.HANDLE),
    Action.ACCEPT: Transition(frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    Action.RETURN: Transition(frozenset({S.ASSIGNED}), S.FILED, Stage.DISPATCH),
    Action.SUBMIT: Transition(frozenset({S.IN_PROGRESS}), S.HANDLED, Stage.VERIFY),
    Action.VERIFY: Transition(frozenset({S.HANDLED}), S.VERIFIED, Stage.CLOSE),
    Action.VERIFY_ON_SITE: Transition(frozenset({S.HANDLED}), S.VERIFIED, Stage.CLOSE),
    Action.CLOSE: Transition(frozenset({S.VERIFIED}), S.CLOSED),
    Action.EVALUATE: Transition(frozenset({S.CLOSED}), S.EVALUATED),
    Action.ESCALATE: Transition(
        frozenset({S.REPORTED, S.FILED, S.ASSIGNED, S.IN_PROGRESS}), S.FILED, Stage.DISPATCH
    ),
    # a co-handling department's part, recorded while the lead handles the event
    Action.COHANDLE: Transition(frozenset({S.ASSIGNED, S.IN_PROGRESS}), None),
    Action.SUPERVISE: Transition(frozenset(OPEN_STATUSES), None),
    Action.COMMENT: Transition(frozenset(EventStatus), None),
    Action.ATTACH: Transition(frozenset(EventStatus), None),
    Action.FOLLOW_UP: Transition(frozenset(OPEN_STATUSES), None),
}

# A failed verification sends the work back to the same assignee (rework, 返工).
REWORK: Final = Transition(frozenset({S.HANDLED}), S.ASSIGNED, Stage.HANDLE)
# Escalating an event nobody has filed yet leaves it to the higher centre to file or reject.
ESCALATE_UNFILED: Final = Transition(frozenset({S.REPORTED}), S.REPORTED, Stage.FILE)


def guard(action: Action, status: EventStatus, transition: Transition | None = None) -> Transition:
    """The transition for `action` from `status`, or a typed conflict saying why not."""
    return flow_guard(
        transition or TRANSITIONS[action], action=action, state=status, noun="an event"
    )
