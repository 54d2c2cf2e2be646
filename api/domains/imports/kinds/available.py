"""The kinds that can be imported."""

from __future__ import annotations

from api.domains.imports.enums import ImportKind
from api.domains.imports.kinds import Kind
from api.domains.imports.kinds.compounds import Compounds
from api.domains.imports.kinds.enrolments import Enrolments
from api.domains.imports.kinds.indicator_values import IndicatorValues
from api.domains.imports.kinds.organisations import Organisations
from api.domains.imports.kinds.party import PartyMembers, Volunteers
from api.domains.imports.kinds.people import Residents
from api.domains.imports.kinds.places import Buildings, Households, Houses
from api.domains.imports.kinds.regions import Regions
from api.domains.imports.kinds.special_groups import SpecialGroups
from api.domains.imports.kinds.users import Users

KINDS: dict[ImportKind, Kind] = {
    kind.kind: kind
    for kind in (
        Regions(),
        Users(),
        Residents(),
        Households(),
        Houses(),
        Buildings(),
        Organisations(),
        SpecialGroups(),
        PartyMembers(),
        Volunteers(),
        Enrolments(),
        IndicatorValues(),
        Compounds(),
    )
}


def kind_of(kind: ImportKind) -> Kind | None:
    return KINDS.get(kind)
