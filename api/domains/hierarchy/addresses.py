"""Free-text addresses to regions (地址匹配, issue 30 part 4): 河南省鹤壁市淇滨区黄河路街道金山社区…
is placed in the deepest region whose name (or an alias, or the name without its level's
suffix: 淇滨区 → 淇滨) the address contains, with a confidence.

Every region is in our own hierarchy, names below the district included, so no gazetteer
library is needed (cpca, the usual one, is unmaintained since 2021 and brings pandas). A
region named in the address scores by how many of the levels on its path (itself and its
ancestors below the province) the address names too: 鹤壁市淇滨区黄河路街道金山社区 names all four
of the community's, confidence 1.0; 金山社区 alone names one of four, 0.25. The best candidate
wins; two different regions with the same best score, neither inside the other, are ambiguous;
a placement below `MIN_CONFIDENCE` is reported, never used silently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from api import pinyin
from api.domains.hierarchy.models import Region
from api.regions import ancestor_codes

MIN_CONFIDENCE: Final = 0.5
SHORT_NAME_WEIGHT: Final = 0.8  # 淇滨 for 淇滨区: likelier a coincidence than the full name
MAX_ADDRESS_LENGTH: Final = 300
# level suffixes a name is also written without (longest first)
SUFFIXES: Final = (
    "居民委员会",
    "村民委员会",
    "居委会",
    "村委会",
    "办事处",
    "自治县",
    "街道",
    "社区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "村",
)


class Outcome(StrEnum):
    PLACED = "placed"
    AMBIGUOUS = "ambiguous"
    UNCERTAIN = "uncertain"  # one best region, named too thinly to be placed
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Placement:
    outcome: Outcome
    region_code: str | None = None
    confidence: float = 0.0
    candidates: list[str] = field(default_factory=list)  # the tied or best regions' codes


def short_forms(name: str) -> list[str]:
    """A name as it is also written: without its level's suffix, if two characters remain."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [name[: -len(suffix)]]
    return []


class Matcher:
    """The names of a set of regions, ready to be looked for in addresses."""

    def __init__(self, regions: Iterable[tuple[str, str, list[str]]]):
        # name → [(code, weight)]
        self.names: dict[str, list[tuple[str, float]]] = {}
        self.codes: set[str] = set()
        for code, name, aliases in regions:
            self.codes.add(code)
            for full in dict.fromkeys([name, *aliases]):
                folded = pinyin.to_simplified(full)
                self._add(folded, code, 1.0)
                for short in short_forms(folded):
                    self._add(short, code, SHORT_NAME_WEIGHT)

    def _add(self, name: str, code: str, weight: float) -> None:
        entries = self.names.setdefault(name, [])
        for index, (known, known_weight) in enumerate(entries):
            if known == code:
                entries[index] = (code, max(weight, known_weight))
                return
        entries.append((code, weight))

    def place(self, address: str) -> Placement:
        """The deepest region the address names, best supported by its ancestors' names."""
        text = pinyin.to_simplified(address.strip())[:MAX_ADDRESS_LENGTH]
        # every occurrence of a name; the longest win where they overlap, so 金山 inside
        # 金山社区 does not also name 金山街道
        spans = []
        for name in self.names:
            start = text.find(name)
            while start >= 0:
                spans.append((start, start + len(name), name))
                start = text.find(name, start + 1)
        spans.sort(key=lambda span: (span[0] - span[1], span[0]))
        taken = [False] * len(text)
        named: dict[str, float] = {}
        for start, end, name in spans:
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            for code, weight in self.names[name]:
                named[code] = max(named.get(code, 0.0), weight)
        if not named:
            return Placement(Outcome.UNMATCHED)
        scored: list[tuple[float, str, float]] = []
        for code, weight in named.items():
            path = [a for a in ancestor_codes(code) if a in self.codes]
            score = weight + sum(named.get(ancestor, 0.0) for ancestor in path)
            scored.append((score, code, score / (len(path) + 1)))
        scored.sort(key=lambda item: (-item[0], -len(item[1])))
        best_score, best, confidence = scored[0]
        tied = [
            code
            for score, code, _ in scored[1:]
            if score == best_score and not best.startswith(code) and not code.startswith(best)
        ]
        if tied:
            return Placement(Outcome.AMBIGUOUS, candidates=[best, *tied])
        if confidence < MIN_CONFIDENCE:
            return Placement(
                Outcome.UNCERTAIN, region_code=best, confidence=confidence, candidates=[best]
            )
        return Placement(Outcome.PLACED, region_code=best, confidence=round(confidence, 2))


async def matcher_for(scope: str) -> Matcher:
    """A matcher over the active regions of `scope`'s subtree and its ancestors (whose names
    addresses carry: 河南省鹤壁市…)."""
    rows = await Region.filter(is_active=True, code__startswith=scope).values_list(
        "code", "name", "aliases"
    )
    above = await Region.filter(code__in=ancestor_codes(scope)).values_list(
        "code", "name", "aliases"
    )
    return Matcher((code, name, list(aliases or [])) for code, name, aliases in [*above, *rows])
