"""智能分拨: category and department suggested from the city's own closed events.

A character n-gram TF-IDF (1–3 characters within words: no segmentation, no dictionary, no
downloaded weights) and a multinomial logistic regression, one for the category and one for the
department an event was dispatched to. Trained by the worker (one process at a time: a
transaction-level advisory lock, the loser skips), versioned in `triage_classifiers`; the newest
version answers. A category with fewer closed events than the configured minimum is left out,
and with fewer than two categories left there is no model: nothing is suggested rather than
guessed."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tortoise import connections
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from api.domains.events.scope import readable_events
from api.domains.triage.models import ClassifierVersion, Suggestion
from api.errors import ValidationFailed
from api.i18n import _

DEFAULT_MIN_PER_CATEGORY: Final = 20
MAX_TRAINING_EVENTS: Final = 50_000
SUGGESTED: Final = 3
HELD_OUT_SHARE: Final = 10  # percent of the history kept out of training to measure accuracy
TRAINING_LOCK: Final = "triage:classifier"
ENDED: Final = [EventStatus.CLOSED, EventStatus.EVALUATED]


@dataclass(frozen=True, slots=True)
class Trained:
    version: int | None  # None: another process was training, or too little history
    events_used: int
    categories: int
    top1: float | None
    top3: float | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Suggestions:
    classifier_version: int
    categories: list[tuple[str, float]]
    departments: list[tuple[str, float]]


def text_of(title: str, description: str) -> str:
    return f"{title} {description}".strip()


def held_out(event_id: uuid.UUID) -> bool:
    """A fixed tenth of the events, by id: the same split on every run over the same history."""
    return hashlib.sha256(event_id.bytes).digest()[0] % 100 < HELD_OUT_SHARE


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 3),
            min_df=2,
            sublinear_tf=True,
            max_features=200_000,
        ),
        LogisticRegression(max_iter=300, C=4.0),
    )


def top(pipeline: Any, texts: list[str], n: int = SUGGESTED) -> list[list[tuple[str, float]]]:
    """The n likeliest labels of each text with their probabilities, best first."""
    probabilities = pipeline.predict_proba(texts)
    labels = pipeline.classes_
    ranked = []
    for row in probabilities:
        order = row.argsort()[::-1][:n]
        ranked.append([(str(labels[i]), round(float(row[i]), 4)) for i in order])
    return ranked


def _accuracy(pipeline: Any, texts: list[str], labels: list[str]) -> tuple[float, float] | None:
    if not texts:
        return None
    ranked = top(pipeline, texts)
    top1 = sum(r[0][0] == label for r, label in zip(ranked, labels, strict=True)) / len(labels)
    top3 = sum(
        label in {k for k, _unused in r} for r, label in zip(ranked, labels, strict=True)
    ) / len(labels)
    return round(top1, 4), round(top3, 4)


def fit(
    rows: list[tuple[uuid.UUID, str, str, str | None]], min_per_category: int
) -> tuple[dict[str, Any], list[str], list[str], tuple[float, float] | None] | None:
    """(pipelines, categories, departments, held-out accuracy) from (id, text, category,
    department) rows, or None when fewer than two categories have enough history. CPU-bound:
    run in a thread."""
    counts: dict[str, int] = {}
    for _unused, _unused2, category, _unused3 in rows:
        counts[category] = counts.get(category, 0) + 1
    kept = sorted(c for c, n in counts.items() if n >= min_per_category)
    if len(kept) < 2:
        return None
    usable = [row for row in rows if row[2] in set(kept)]
    train = [row for row in usable if not held_out(row[0])]
    test = [row for row in usable if held_out(row[0])]
    if len({row[2] for row in train}) < 2:
        return None
    measured = _pipeline().fit([r[1] for r in train], [r[2] for r in train])
    accuracy = _accuracy(measured, [r[1] for r in test], [r[2] for r in test])
    category = _pipeline().fit([r[1] for r in usable], [r[2] for r in usable])
    pipelines: dict[str, Any] = {"category": category, "department": None}
    dispatched = [row for row in usable if row[3] is not None]
    per_department: dict[str, int] = {}
    for row in dispatched:
        per_department[str(row[3])] = per_department.get(str(row[3]), 0) + 1
    departments = sorted(d for d, n in per_department.items() if n >= min_per_category)
    if len(departments) >= 2:
        chosen = [row for row in dispatched if str(row[3]) in set(departments)]
        pipelines["department"] = _pipeline().fit(
            [r[1] for r in chosen], [str(r[3]) for r in chosen]
        )
    return pipelines, kept, departments, accuracy


async def train(*, min_per_category: int = DEFAULT_MIN_PER_CATEGORY) -> Trained:
    """Train a new version from the closed events, unless another process is training now."""
    if min_per_category < 1:
        raise ValidationFailed(_("min_per_category is at least 1"), field="minPerCategory")
    async with in_transaction() as connection:
        rows = await connection.execute_query_dict(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS mine", [TRAINING_LOCK]
        )
        if not rows[0]["mine"]:
            return Trained(None, 0, 0, None, None, reason="another process is training")
        history = (
            await Event.filter(status__in=ENDED, merged_into_id__isnull=True)
            .order_by("-reported_at")
            .limit(MAX_TRAINING_EVENTS)
            .values_list("id", "title", "description", "category_key", "assignee_department_id")
        )
        data = [
            (i, text_of(str(t), str(d)), str(c), str(dep) if dep else None)
            for i, t, d, c, dep in history
        ]
        result = await asyncio.to_thread(fit, data, min_per_category)
        if result is None:
            return Trained(
                None, len(data), 0, None, None, reason="too little history to suggest anything"
            )
        pipelines, categories, departments, accuracy = result
        latest = await ClassifierVersion.all().order_by("-id").first()
        version = await ClassifierVersion.create(
            id=(latest.id if latest else 0) + 1,
            trained_at=clock.now(),
            events_used=len(data),
            min_per_category=min_per_category,
            categories=categories,
            departments=departments,
            top1=accuracy[0] if accuracy else None,
            top3=accuracy[1] if accuracy else None,
            model=pickle.dumps(pipelines),
        )
    _forget()
    return Trained(
        version.id,
        len(data),
        len(categories),
        version.top1,
        version.top3,
    )


# The newest version's pipelines, kept per process: a version never changes once written.
_loaded: dict[int, dict[str, Any]] = {}


def _forget() -> None:
    _loaded.clear()


async def newest_classifier() -> ClassifierVersion | None:
    """The newest trained version's record (its figures), None before the first training."""
    return (
        await ClassifierVersion.all()
        .order_by("-id")
        .only("id", "trained_at", "events_used", "min_per_category", "top1", "top3")
        .first()
    )


async def current() -> tuple[int, dict[str, Any]] | None:
    """The newest version and its pipelines, None before the first training."""
    newest = await ClassifierVersion.all().order_by("-id").limit(1).values_list("id", flat=True)
    if not newest:
        return None
    version = int(newest[0])  # type: ignore[call-overload]
    if version not in _loaded:
        row = await ClassifierVersion.get(id=version)
        _forget()
        # Written only by train() above into our own database: trusted as the code is.
        _loaded[version] = pickle.loads(row.model)  # noqa: S301
    return version, _loaded[version]


async def suggest(text: str) -> Suggestions | None:
    """The top three categories and departments for a report's text; None without a model."""
    loaded = await current()
    if loaded is None or not text.strip():
        return None
    version, pipelines = loaded
    categories = (await asyncio.to_thread(top, pipelines["category"], [text]))[0]
    departments = (
        (await asyncio.to_thread(top, pipelines["department"], [text]))[0]
        if pipelines["department"] is not None
        else []
    )
    return Suggestions(version, categories, departments)


async def suggestions_for(*, actor: Principal, event_id: uuid.UUID) -> Suggestions | None:
    """What is suggested for an event in the caller's scope; the first answer is kept, so the
    acceptance rate compares what the desk was shown with what it chose."""
    event = await Event.filter(readable_events(actor), id=event_id).first()
    if event is None:
        return None
    kept = await Suggestion.get_or_none(event_id=event.id)
    if kept is not None:
        return Suggestions(
            kept.classifier_version,
            [(str(k), float(s)) for k, s in kept.categories],  # type: ignore[arg-type]
            [(str(k), float(s)) for k, s in kept.departments],  # type: ignore[arg-type]
        )
    found = await suggest(text_of(event.title, event.description))
    if found is None:
        return None
    await connections.get("default").execute_query(
        "INSERT INTO triage_suggestions (event_id, classifier_version, categories, departments,"
        " created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
        [
            event.id,
            found.classifier_version,
            _json(found.categories),
            _json(found.departments),
            clock.now(),
        ],
    )
    return found


def _json(pairs: list[tuple[str, float]]) -> str:
    import orjson

    return orjson.dumps([list(pair) for pair in pairs]).decode()


@dataclass(frozen=True, slots=True)
class Acceptance:
    suggested: int  # events in scope with a kept suggestion, reported since
    category_top1: float | None  # share whose category was the first suggestion
    category_top3: float | None
    dispatched: int  # of those, dispatched to a department
    department_top1: float | None
    department_top3: float | None


async def acceptance(*, actor: Principal, since: datetime) -> Acceptance:
    """How often the desk's choice (the event's category, the department it was dispatched to)
    was the first, or among the three, suggestions shown for it."""
    events = dict(
        (row[0], row[1:])
        for row in await Event.filter(readable_events(actor), reported_at__gte=since)
        .limit(MAX_TRAINING_EVENTS)
        .values_list("id", "category_key", "assignee_department_id")
    )
    kept = await Suggestion.filter(event_id__in=list(events))
    first = three = dispatched = dep_first = dep_three = 0
    for suggestion in kept:
        category, department = events[suggestion.event_id]
        keys = [str(k) for k, _unused in suggestion.categories]
        first += bool(keys) and keys[0] == category
        three += category in keys
        if department is not None:
            dispatched += 1
            ids = [str(k) for k, _unused2 in suggestion.departments]
            dep_first += bool(ids) and ids[0] == str(department)
            dep_three += str(department) in ids
    total = len(kept)
    return Acceptance(
        suggested=total,
        category_top1=round(first / total, 4) if total else None,
        category_top3=round(three / total, 4) if total else None,
        dispatched=dispatched,
        department_top1=round(dep_first / dispatched, 4) if dispatched else None,
        department_top3=round(dep_three / dispatched, 4) if dispatched else None,
    )
