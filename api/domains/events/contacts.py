"""Who reported an event (上报人: a citizen, a hotline caller, a grid worker …) and who collected
the report (采集人: the worker who wrote down what a resident told them, the hotline that passed
a call on), read from the event's own columns and its reporting account.

Names and phones are masked as the registry masks personal data (api/masking.py) unless the
reader holds `event.read_reporter` at the event's region; every read in clear is audited. The
event's detail, lists and the map popups (api/domains/maps) all read them here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import ApiKey, RoleAssignment, User
from api.domains.audit.models import AuditEntry
from api.domains.events.enums import ContactKind, Source
from api.domains.events.models import Event
from api.masking import mask, mask_name
from policies.enforcer import can

GRID_ROLES: Final = frozenset({Role.GRID_WORKER.value, Role.GRID_LEADER.value})
AUDITED_ACTION: Final = "event.read_reporter"


@dataclass(frozen=True, slots=True)
class Contact:
    """A reporter or collector as the reader may see them."""

    kind: ContactKind
    name: str | None
    phone: str | None
    masked: bool  # True: name and phone are shown masked

    @property
    def is_citizen(self) -> bool:
        """A resident or caller, not a staff member or a system."""
        return self.kind in (ContactKind.CITIZEN, ContactKind.HOTLINE_CALLER)


@dataclass(frozen=True, slots=True)
class Contacts:
    reporter: Contact | None
    collector: Contact | None


@dataclass(frozen=True, slots=True)
class _Person:
    kind: ContactKind
    name: str | None
    phone: str | None


def may_read_contacts(actor: Principal, region_code: str) -> bool:
    return can(actor.assignments, "event", "read_reporter", at=region_code)


def _staff_kind(roles: set[str]) -> ContactKind | None:
    """A staff member's kind, or None for a citizen's own account."""
    if roles & GRID_ROLES:
        return ContactKind.GRID_WORKER
    if roles - {Role.CITIZEN.value}:
        return ContactKind.STAFF
    return None


def _people(
    row: dict[str, Any], user: dict[str, Any] | None, roles: set[str], key_name: str | None
) -> tuple[_Person | None, _Person | None]:
    """(reporter, collector) of one event, whole."""
    caller_kind = (
        ContactKind.HOTLINE_CALLER if row["source"] == Source.HOTLINE else ContactKind.CITIZEN
    )
    told = bool(row["citizen_name"] or row["citizen_phone"])
    contact = _Person(caller_kind, row["citizen_name"], row["citizen_phone"]) if told else None
    if key_name is not None:  # passed on by an integration: the caller reported, it collected
        return contact, _Person(ContactKind.INTEGRATION, key_name, None)
    if user is None:
        return contact, None
    staff = _staff_kind(roles)
    if staff is None:  # a citizen's own report: what they gave, else their account's
        return _Person(
            ContactKind.CITIZEN,
            row["citizen_name"] or user["display_name"],
            row["citizen_phone"] or user["phone"],
        ), None
    # a worker wrote down what someone told them, or reported what they found themselves
    account = _Person(staff, user["display_name"], user["phone"])
    return (contact or account), account


def _shown(person: _Person | None, whole: bool) -> Contact | None:
    if person is None:
        return None
    if whole or person.kind is ContactKind.INTEGRATION:
        return Contact(person.kind, person.name, person.phone, masked=False)
    return Contact(
        person.kind,
        mask_name(person.name) if person.name else person.name,
        mask(person.phone) if person.phone else person.phone,
        masked=bool(person.name or person.phone),
    )


async def contacts_of(
    *, actor: Principal, event_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Contacts]:
    """The reporters and collectors of these events (in the caller's scope: read through a
    list or a lookup that checked it), masked unless the caller may read them there; the
    reads in clear are audited, one entry per event."""
    if not event_ids:
        return {}
    rows = await Event.filter(id__in=list(event_ids)).values(
        "id",
        "region_code",
        "source",
        "reporter_id",
        "reporter_api_key_id",
        "citizen_name",
        "citizen_phone",
    )
    user_ids = list({row["reporter_id"] for row in rows if row["reporter_id"] is not None})
    key_ids = list(
        {row["reporter_api_key_id"] for row in rows if row["reporter_api_key_id"] is not None}
    )
    users = {
        user["id"]: user
        for user in await User.filter(id__in=user_ids).values("id", "display_name", "phone")
    }
    roles: dict[uuid.UUID, set[str]] = {}
    for user_id, role in await RoleAssignment.filter(user_id__in=user_ids).values_list(
        "user_id", "role"
    ):
        roles.setdefault(user_id, set()).add(str(role))
    keys = dict(await ApiKey.filter(id__in=key_ids).values_list("id", "name"))
    found: dict[uuid.UUID, Contacts] = {}
    audited: list[AuditEntry] = []
    for row in rows:
        reporter, collector = _people(
            row,
            users.get(row["reporter_id"]),
            roles.get(row["reporter_id"], set()),
            keys.get(row["reporter_api_key_id"]),
        )
        whole = may_read_contacts(actor, row["region_code"])
        shown = Contacts(_shown(reporter, whole), _shown(collector, whole))
        found[row["id"]] = shown
        read = [
            name
            for name, person in (("reporter", reporter), ("collector", collector))
            if person is not None
            and person.kind is not ContactKind.INTEGRATION
            and (person.name or person.phone)
        ]
        if whole and read:
            audited.append(
                AuditEntry(
                    actor_id=actor.user_id or actor.api_key_id,
                    actor_label=actor.label[:100],
                    action=AUDITED_ACTION,
                    object_type="event",
                    object_id=str(row["id"]),
                    region_code=row["region_code"],
                    detail={"fields": read},
                )
            )
    if audited:
        await AuditEntry.bulk_create(audited)
    return found
