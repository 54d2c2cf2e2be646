"""What a domain declares to get the kernel's machinery: a `Flow`.

A flow names its record's table (which carries the state, the stage clocks of `Clocked`, a
`version` and a `region_code`), its transition table, its open states, where its timeline and
cards go, how its time limits are found, what its live change message says of the record, and
who hears of its deadlines. `register` makes the deadline sweep enforce it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from tortoise.models import Model

from api import bulk
from api.flows.clocks import Limits, Needs
from api.flows.transitions import Transition

if TYPE_CHECKING:
    from api.flows.sweep import Writes

R = TypeVar("R", bound=Model)


@dataclass(frozen=True, slots=True)
class Store:
    """A table of rows about records (timeline or cards): which column names the record, and
    for a table shared by flows, which column names the flow."""

    model: type[Model]
    record_column: str
    flow_column: str | None = None

    def key(self, flow_name: str, record_id: Any) -> dict[str, Any]:
        """The columns that tie a row to its record."""
        key = {self.record_column: record_id}
        if self.flow_column is not None:
            key[self.flow_column] = flow_name
        return key


class Batch(Protocol[R]):
    """What a flow knows of a batch of due records once it has loaded what they need."""

    def concerned(self, record: R) -> Sequence[uuid.UUID]:
        """Who is told of the record's reminder and cards."""
        ...

    def after_cards(self, record: R, writes: Writes[R]) -> bool:
        """What the flow does beyond the cards (escalate a red-carded record …); True if it
        escalated the record."""
        ...


class Deadlines(Protocol[R]):
    """How a flow's due records are enforced beyond the kernel's reminders and cards."""

    async def prepare(self, records: Sequence[R], now: datetime) -> Batch[R]:
        """Load what the batch needs (staff, rules) in as few queries as possible."""
        ...

    async def update(self, records: Sequence[R], fields: Sequence[str]) -> None:
        """Write the records' changed fields back (one statement)."""
        ...


@dataclass(frozen=True, slots=True)
class Concerned(Generic[R]):
    """Deadlines of a flow whose concerned people each record names itself, with no more."""

    people: Callable[[R], Sequence[uuid.UUID]]

    async def prepare(self, records: Sequence[R], now: datetime) -> Concerned[R]:
        return self

    def concerned(self, record: R) -> Sequence[uuid.UUID]:
        return self.people(record)

    def after_cards(self, record: R, writes: Writes[R]) -> bool:
        return False

    async def update(self, records: Sequence[R], fields: Sequence[str]) -> None:
        await bulk.update(records, fields)


@dataclass(frozen=True, eq=False)
class Flow(Generic[R]):
    """A reviewed record's flow (DESIGN.md §4a): declared once, run by the kernel."""

    name: str  # its key in shared tables, in time limits and in the registry
    noun: str  # what a message calls one record: "an event"
    model: type[R]
    states: type[StrEnum]
    transitions: Mapping[StrEnum, Transition[Any, Any]]
    open_states: frozenset[StrEnum]
    timeline: Store
    cards: Store
    kind: Callable[[R], str]  # whose time limits apply: a category, a type of application …
    limits: Callable[[Needs, datetime], Awaitable[Limits]]
    label: Callable[[R], str]  # how a notice names the record: "410611-20261124-00017: 占道经营"
    topic: str  # the live feed its changes go to
    subject: str  # the key of the record's snapshot in a change message
    snapshot: Callable[[R], Mapping[str, Any]]  # the record as a change message shows it
    deadlines: Deadlines[R]
    version: int = 1  # the definition's version, which a record keeps (flow_version)
    card_columns: Callable[[R], dict[str, Any]] = field(
        default=lambda record: {"region_code": record.region_code}
    )
    # the region whose centre holds the record (its timeline says where each step moved it)
    holder: Callable[[R], str] = field(default=lambda record: record.region_code)
    # what the record's own columns note of entering a state (when it was filed, closed …)
    entered: Callable[[R, datetime], None] = field(default=lambda record, now: None)
    notice_event: Callable[[R], uuid.UUID | None] = field(default=lambda record: None)
    # a deadline the record sets itself for a stage (an acknowledgement date), which its clock
    # runs to in natural time instead of the stage's limit; None: the limit
    deadline: Callable[[R, StrEnum], datetime | None] = field(default=lambda record, stage: None)
    changed_fields: tuple[str, ...] = ()  # what its deadline hooks may change beyond the clocks
    where: Mapping[str, Any] = field(default_factory=dict)  # its rows, in a table flows share

    def state_of(self, record: R) -> StrEnum:
        return self.states(record.status)  # type: ignore[attr-defined]


FLOWS: dict[str, Flow[Any]] = {}  # the newest definition of each flow: what new records start on
EDITIONS: dict[tuple[str, int], Flow[Any]] = {}  # every definition, by (name, version)

F = TypeVar("F", bound=Flow[Any])


# The columns the kernel and its sweep write on every record (DESIGN.md §4a): a table
# without one of them would fail only at the first due stage, inside the sweep.
CLOCK_FIELDS = (
    "warning_level",
    "card",
    "status",
    "version",
    "stage",
    "stage_started_at",
    "due_at",
    "remind_at",
    "red_at",
    "due_by_stage",
    "updated_at",
)


def register(flow: F) -> F:
    """Have the deadline sweep enforce `flow`; a newer version becomes what new records start
    on, while records started on an older one keep following it."""
    columns = flow.model._meta.fields_map
    missing = [name for name in (*CLOCK_FIELDS, *flow.changed_fields) if name not in columns]
    if missing:
        raise TypeError(f"flow {flow.name}: {flow.model.__name__} lacks {', '.join(missing)}")
    EDITIONS[(flow.name, flow.version)] = flow
    newest = FLOWS.get(flow.name)
    if newest is None or newest.version <= flow.version:
        FLOWS[flow.name] = flow
    return flow


def unregister(name: str) -> None:
    """Forget every version of the flow `name`."""
    FLOWS.pop(name, None)
    for key in [key for key in EDITIONS if key[0] == name]:
        del EDITIONS[key]


def edition(flow: Flow[R], record: R) -> Flow[R]:
    """The definition `record` follows: the version it started with (its `flow_version`, where
    its table keeps one), else `flow`."""
    version = getattr(record, "flow_version", None)
    if version is None or version == flow.version:
        return flow
    found = EDITIONS.get((flow.name, version))
    if found is None:
        raise LookupError(f"{flow.name} version {version} is not registered")
    return found
