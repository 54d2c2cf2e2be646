"""Grades (评价等级) over rankings: versioned bands of a score per kind of subject.

A band set names the metric whose value is the score and lists lower bounds with their grade
names, highest first; a subject gets the grade of the first band its score reaches, none when it
is not ranked (too few cases, no figure) or below every band. Pure but for loading and saving."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.audit.service import record
from api.domains.events.reference import _authorize_citywide
from api.domains.stats import formulas
from api.domains.stats.enums import LOWER_IS_BETTER, Metric, SubjectKind
from api.domains.stats.models import GradeBands
from api.errors import ValidationFailed
from api.i18n import _

MAX_BANDS = 10
MAX_GRADE = 20
MAX_NOTE = 200
# 优/良/中/差 of the on-time closure rate (按期结案率), for every kind of subject until the city
# sets its own
DEFAULT_METRIC = Metric.ON_TIME_CLOSURE_RATE
DEFAULT_BANDS: tuple[tuple[float, str], ...] = ((0.9, "优"), (0.8, "良"), (0.6, "中"), (0.0, "差"))
DEFAULT_FROM = date(2000, 1, 1)


@dataclass(frozen=True)
class Bands:
    version: int
    subject_kind: SubjectKind
    metric: Metric
    bands: tuple[tuple[float, str], ...]  # highest lower bound first
    effective_from: date
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "subject_kind": self.subject_kind.value,
            "metric": self.metric.value,
            "bands": [[minimum, grade] for minimum, grade in self.bands],
            "effective_from": self.effective_from.isoformat(),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bands:
        return cls(
            version=int(data["version"]),
            subject_kind=SubjectKind(data["subject_kind"]),
            metric=Metric(data["metric"]),
            bands=tuple((float(minimum), str(grade)) for minimum, grade in data["bands"]),
            effective_from=date.fromisoformat(data["effective_from"]),
            note=str(data.get("note", "")),
        )

    def grade_names(self) -> list[str]:
        return [grade for _unused, grade in self.bands]


def grade_of(bands: Bands, figures: formulas.Figures, minimum_cases: int) -> str | None:
    """The grade of one subject's figures; None when the score is not ranked or below all."""
    if formulas.sample_size(figures, bands.metric) < minimum_cases:
        return None
    score = formulas.metric_value(figures, bands.metric, {})
    if score is None:
        return None
    for minimum, grade in bands.bands:
        if score >= minimum:
            return grade
    return None


def _of(row: GradeBands) -> Bands:
    return Bands(
        version=row.version,
        subject_kind=SubjectKind(row.subject_kind),
        metric=Metric(row.metric),
        bands=tuple((float(minimum), str(grade)) for minimum, grade in row.bands),
        effective_from=row.effective_from,
        note=row.note,
    )


async def ensure_reference_data() -> None:
    """The default bands of every kind of subject that has none (idempotent)."""
    existing = set(await GradeBands.all().values_list("subject_kind", flat=True))
    now = clock.now()
    for kind in SubjectKind:
        if kind in existing:
            continue
        await GradeBands.create(
            subject_kind=kind,
            metric=DEFAULT_METRIC.value,
            bands=[[minimum, grade] for minimum, grade in DEFAULT_BANDS],
            effective_from=DEFAULT_FROM,
            note="built-in defaults",
            created_at=now,
        )


async def in_force(kind: SubjectKind, on: date) -> Bands | None:
    row = (
        await GradeBands.filter(subject_kind=kind, effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )
    return _of(row) if row is not None else None


def validate(metric: Metric, bands: Sequence[tuple[float, str]]) -> tuple[tuple[float, str], ...]:
    """Bands as an administrator gives them: 1–10 finite, distinct bounds and distinct non-empty
    names; returned highest bound first."""
    if metric in LOWER_IS_BETTER:
        raise ValidationFailed(
            _("bands are lower bounds: grade a metric where higher is better"), field="metric"
        )
    if not 1 <= len(bands) <= MAX_BANDS:
        raise ValidationFailed(_("give 1 to {MAX_BANDS} bands", MAX_BANDS=MAX_BANDS), field="bands")
    cleaned: list[tuple[float, str]] = []
    for minimum, grade in bands:
        name = (grade or "").strip()
        if not name or len(name) > MAX_GRADE:
            raise ValidationFailed(
                _("a grade is 1 to {MAX_GRADE} characters", MAX_GRADE=MAX_GRADE), field="bands"
            )
        if not math.isfinite(minimum) or abs(minimum) > 1_000_000:
            raise ValidationFailed(_("a lower bound is a number within ±1,000,000"), field="bands")
        cleaned.append((float(minimum), name))
    if len({minimum for minimum, _unused in cleaned}) != len(cleaned):
        raise ValidationFailed(_("two bands share a lower bound"), field="bands")
    if len({grade for _unused2, grade in cleaned}) != len(cleaned):
        raise ValidationFailed(_("two bands share a grade"), field="bands")
    return tuple(sorted(cleaned, key=lambda band: -band[0]))


async def set_bands(
    *,
    actor: Principal,
    subject_kind: SubjectKind,
    metric: Metric,
    bands: Sequence[tuple[float, str]],
    effective_from: date,
    note: str = "",
) -> Bands:
    """A new version of a kind's grade bands (city administrators and command), in force from
    `effective_from`; rankings frozen before keep the bands they were frozen with."""
    city = _authorize_citywide(actor, "grade_bands")
    cleaned = validate(metric, bands)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            _("note is at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note"
        )
    async with in_transaction():
        row = await GradeBands.create(
            subject_kind=subject_kind,
            metric=metric.value,
            bands=[[minimum, grade] for minimum, grade in cleaned],
            effective_from=effective_from,
            note=note,
            created_by_id=actor.user_id,
            created_at=clock.now(),
        )
        await record(
            actor=actor,
            action="grade_bands.update",
            object_type="grade_bands",
            object_id=str(row.version),
            region_code=city,
            detail={
                "subject_kind": subject_kind.value,
                "metric": metric.value,
                "bands": row.bands,
                "effective_from": effective_from.isoformat(),
            },
        )
    return _of(row)
