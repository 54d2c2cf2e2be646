"""A flow's transition table as data, and the guard that checks a move against it."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from api.errors import Conflict, ErrorCode
from api.i18n import _

StateT = TypeVar("StateT", bound=StrEnum)
StageT = TypeVar("StageT", bound=StrEnum)


# Not slotted: a table built through an alias (Transition[EventStatus, Stage](…)) has the
# alias note its instances, which a frozen slotted dataclass refuses with a TypeError.
@dataclass(frozen=True)
class Transition(Generic[StateT, StageT]):
    """From which states an action may be taken, the state it leads to (None: the state stays,
    as for a comment) and the stage whose clock it starts, if any."""

    frm: frozenset[StateT]
    to: StateT | None
    stage: StageT | None = None


def guard(
    transition: Transition[StateT, StageT], *, action: StrEnum, state: StrEnum, noun: str
) -> Transition[StateT, StageT]:
    """`transition` if `state` allows it, else a typed conflict saying why not (`noun`: what
    the record is called, "an event")."""
    if state not in transition.frm:
        raise Conflict(
            _(
                "cannot {value} {noun} that is {value2} (only when {listed})",
                value=action.value,
                noun=noun,
                value2=state.value,
                listed=_listed(transition.frm),
            ),
            code=ErrorCode.INVALID_TRANSITION,
        )
    return transition


def _listed(states: Set[StrEnum]) -> str:
    return ", ".join(sorted(state.value for state in states))
