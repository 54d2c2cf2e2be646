"""The flow kernel: the machinery every reviewed record shares (DESIGN.md §4a).

A domain declares a `Flow` (definition.py): its record's table, states, transition table
(transitions.py), time limits (clocks.py, limits.py, on the work calendar of calendar.py),
who hears of its deadlines and what its live change message shows. The kernel then gives it
`start` and `transition` (moves.py: lock, guard, clocks, timeline row, change message, in one
transaction) and, once `register`ed, the deadline sweep (sweep.py: reminders, yellow and red
cards, notices, set-based over every flow)."""

from api.flows.calendar import DeadlineUnit, WorkCalendar
from api.flows.clocks import Card, Limits, StageRule, run_clock
from api.flows.definition import Batch, Concerned, Deadlines, Flow, Store, register, unregister
from api.flows.limits import Rule, table_limits
from api.flows.moves import Move, start, start_stage, transition
from api.flows.records import SYSTEM, Change, change_payload, snapshot_of
from api.flows.sweep import SweepReport, sweep
from api.flows.transitions import Transition, guard

__all__ = [
    "SYSTEM",
    "Batch",
    "Card",
    "Change",
    "Concerned",
    "DeadlineUnit",
    "Deadlines",
    "Flow",
    "Limits",
    "Move",
    "Rule",
    "StageRule",
    "Store",
    "SweepReport",
    "Transition",
    "WorkCalendar",
    "change_payload",
    "guard",
    "register",
    "run_clock",
    "snapshot_of",
    "start",
    "start_stage",
    "sweep",
    "table_limits",
    "transition",
    "unregister",
]
