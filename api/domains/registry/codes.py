"""Code tables of the registry, loaded as data: GB/T 31000-2015 §5 (keys "5.11" …) and the
national standards its person fields refer to (keys "sex", "ethnicity" …)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class CodeTable:
    key: str
    name: str
    standard: str
    names: dict[str, str]  # code → name, in the standard's order

    def __contains__(self, code: object) -> bool:
        return code in self.names


@functools.cache
def tables() -> dict[str, CodeTable]:
    found: dict[str, CodeTable] = {}
    gbt = json.loads((DATA / "gbt31000_codes.json").read_text(encoding="utf-8"))
    for key, table in gbt["tables"].items():
        found[key] = CodeTable(
            key=key,
            name=table["name"],
            standard="GB/T 31000-2015",
            names={entry["code"]: entry["name"] for entry in table["codes"]},
        )
    national = json.loads((DATA / "national_codes.json").read_text(encoding="utf-8"))
    for key, table in national["tables"].items():
        found[key] = CodeTable(
            key=key,
            name=table["name"],
            standard=table["standard"],
            names={entry["code"]: entry["name"] for entry in table["codes"]},
        )
    return found


def table(key: str) -> CodeTable:
    return tables()[key]
