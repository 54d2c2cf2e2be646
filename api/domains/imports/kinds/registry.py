"""The kinds that can be imported now."""

from __future__ import annotations

from api.domains.imports.enums import ImportKind
from api.domains.imports.kinds import Kind
from api.domains.imports.kinds.regions import Regions
from api.domains.imports.kinds.users import Users

KINDS: dict[ImportKind, Kind] = {kind.kind: kind for kind in (Regions(), Users())}


def kind_of(kind: ImportKind) -> Kind | None:
    return KINDS.get(kind)
