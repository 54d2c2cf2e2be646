"""Work diaries (民情日记): written by grid workers, read and reviewed (点评) by the levels
above in scope, a noted problem turned into an event in one step; and the quotas (考核要求)
that turn a period's diaries and visits into facts the points rules price."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.enums import (
    DiaryAction,
    DiaryKind,
    DiaryStage,
    DiaryStatus,
    ProblemType,
    QuotaPeriod,
)
from api.domains.diaries.flow import DIARIES
from api.domains.diaries.models import (
    Diary,
    DiaryAttachment,
    DiaryEvent,
    DiaryQuota,
    QuotaShortfall,
)
from api.domains.diaries.scope import (
    check,
    home_grid,
    local_today,
    newest_first,
    readable,
    retried,
    signed_in_user,
    subtree,
)
from api.domains.events import reporting
from api.domains.events.attachments import StoredFile, store_uploads
from api.domains.events.enums import Source
from api.domains.events.models import Event
from api.domains.positions.models import WorkerPosition
from api.domains.registry.models import Household
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.flows import moves
from api.flows.calendar import LOCAL
from api.i18n import _
from api.pagination import Page, PageRequest
from api.regions import Level
from api.uploads import UploadedFile
from policies.enforcer import scope_prefixes

MAX_TEXT = 5000
MAX_REMARK = 2000
MAX_BACKDATE = timedelta(days=31)  # a diary is kept day by day, not written up months later
MAX_HOUSEHOLDS = 50
MAX_PROBLEMS = 999
POSITION_WINDOW = timedelta(hours=2)  # how old a position may be to count as evidence


def _text(value: str, *, field: str, limit: int, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed(_("{field} is required", field=field), field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(
            _("{field} is at most {limit} characters", field=field, limit=limit), field=field
        )
    return cleaned


def _problems(problems: Mapping[str, int]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for name, count in problems.items():
        try:
            kind = ProblemType(name)
        except ValueError:
            raise ValidationFailed(
                _("unknown problem type {name!r}", name=name), field="problems"
            ) from None
        if not 0 <= count <= MAX_PROBLEMS:
            raise ValidationFailed(
                _("a count is 0 to {MAX_PROBLEMS}", MAX_PROBLEMS=MAX_PROBLEMS), field="problems"
            )
        if count:
            cleaned[kind.value] = count
    return cleaned


async def _households(actor: Principal, household_ids: Sequence[uuid.UUID]) -> list[str]:
    """The households, each in the caller's area (a visit outside it is refused)."""
    wanted = list(dict.fromkeys(household_ids))
    if len(wanted) > MAX_HOUSEHOLDS:
        raise ValidationFailed(
            _("at most {MAX_HOUSEHOLDS} households", MAX_HOUSEHOLDS=MAX_HOUSEHOLDS),
            field="householdIds",
        )
    found = dict(await Household.filter(id__in=wanted).values_list("id", "region_code"))
    for household_id in wanted:
        if household_id not in found:
            raise NotFound("household", household_id, field="householdIds")
        check(actor, "household_visit", "record", at=str(found[household_id]), what="the household")
    return [str(household_id) for household_id in wanted]


async def _position(user_id: uuid.UUID, now: datetime) -> WorkerPosition | None:
    """The author's reported position nearest to now within the window (evidence)."""
    return (
        await WorkerPosition.filter(user_id=user_id, at__gte=now - POSITION_WINDOW, at__lte=now)
        .order_by("-at")
        .first()
    )


async def write(
    *,
    actor: Principal,
    day: date,
    kind: DiaryKind,
    text: str,
    problems: Mapping[str, int],
    household_ids: Sequence[uuid.UUID],
    photos: Sequence[UploadedFile] = (),
    files: FileLimits | None = None,
    client_id: uuid.UUID | None = None,
) -> Diary:
    """A diary entry of the caller's grid, with its photos, submitted for review by its
    community; a client-chosen id makes a retry (sequential or concurrent) return the same
    diary."""
    author_id = signed_in_user(actor)
    if (
        earlier := await retried(
            Diary, client_id, owner_id=author_id, noun="diary", owner_column="author_id"
        )
    ) is not None:
        return earlier
    grid = home_grid(actor, "diary", "write")
    today = local_today()
    if day > today:
        raise ValidationFailed(_("a diary cannot be written for a future date"), field="day")
    if day < today - MAX_BACKDATE:
        raise ValidationFailed(_("a diary is written within 31 days of its date"), field="day")
    now = clock.now()
    position = await _position(author_id, now)
    diary = Diary(
        id=client_id or uuid.uuid4(),
        author_id=author_id,
        author_label=(actor.display_name or actor.username)[:100],
        region_code=grid,
        day=day,
        kind=kind.value,
        text=_text(text, field="text", limit=MAX_TEXT, required=True),
        problems=_problems(problems),
        household_ids=await _households(actor, household_ids),
        lat=position.lat if position else None,
        lng=position.lng if position else None,
        position_at=position.at if position else None,
        status=DiaryStatus.SUBMITTED.value,
        flow_version=DIARIES.version,
        created_at=now,
    )
    stored: list[StoredFile] = []
    if photos:
        assert files is not None, "photos need the limits of stored files"
        stored = await store_uploads(
            photos, root=files.root, max_bytes=files.max_bytes, max_files=files.max_files
        )
    try:
        await _start(diary, actor=actor, stored=stored, author_id=author_id, now=now)
    except IntegrityError:
        # a concurrent retry of the same diary committed first: it is this one
        earlier = await retried(
            Diary, client_id, owner_id=author_id, noun="diary", owner_column="author_id"
        )
        if earlier is None:
            raise
        return earlier
    return diary


async def _start(
    diary: Diary,
    *,
    actor: Principal,
    stored: Sequence[StoredFile],
    author_id: uuid.UUID,
    now: datetime,
) -> None:
    async with in_transaction():
        await moves.start(
            DIARIES, diary, actor=actor, action=DiaryAction.WRITE, stage=DiaryStage.REVIEW
        )
        await DiaryAttachment.bulk_create(
            [
                DiaryAttachment(
                    id=uuid.uuid4(),
                    diary_id=diary.id,
                    sha256=file.sha256,
                    content_type=file.content_type,
                    size=file.size,
                    filename=file.filename,
                    uploaded_by_id=author_id,
                    created_at=now,
                )
                for file in stored
            ]
        )


@dataclass(frozen=True)
class FileLimits:
    """Where uploaded files go and how many and how large they may be (the settings')."""

    root: Path
    max_bytes: int
    max_files: int


async def attachments_of(
    diary_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[DiaryAttachment]]:
    found: dict[uuid.UUID, list[DiaryAttachment]] = {diary_id: [] for diary_id in diary_ids}
    rows = await DiaryAttachment.filter(diary_id__in=list(diary_ids)).order_by("created_at", "id")
    for row in rows:
        found[row.diary_id].append(row)
    return found


async def readable_attachment(*, actor: Principal, attachment_id: uuid.UUID) -> DiaryAttachment:
    """A file of a diary the caller may read; anything else is not found."""
    attachment = await DiaryAttachment.get_or_none(id=attachment_id)
    if (
        attachment is None
        or not await Diary.filter(readable_diaries(actor), id=attachment.diary_id).exists()
    ):
        raise NotFound("attachment", attachment_id)
    return attachment


def readable_diaries(actor: Principal) -> Q:
    """Diaries in the caller's read scope, and the caller's own."""
    return readable(actor, "diary", own_column="author_id")


async def get(*, actor: Principal, diary_id: uuid.UUID) -> Diary:
    diary = await Diary.filter(readable_diaries(actor), id=diary_id).first()
    if diary is None:
        raise NotFound("diary", diary_id)
    return diary


async def review(
    *, actor: Principal, diary_id: uuid.UUID, approve: bool, remark: str, version: int | None
) -> Diary:
    """Approve a diary or return it with a remark (点评); the author is told either way."""
    remark = _text(remark, field="remark", limit=MAX_REMARK, required=not approve)
    action = DiaryAction.APPROVE if approve else DiaryAction.RETURN
    async with moves.transition(
        DIARIES,
        actor=actor,
        record_id=diary_id,
        action=action,
        note=remark,
        scope=readable_diaries(actor),
        expected_version=version,
        authorize=lambda diary: check(
            actor, "diary", "review", at=diary.region_code, what="the diary"
        ),
    ) as move:
        diary = move.record
        diary.remark = remark
        diary.reviewed_by_id = actor.user_id
        diary.reviewed_at = move.now
        month, day = f"{diary.day:%m}", f"{diary.day:%d}"
        await move.tell(
            [diary.author_id],
            kind="diary_review",
            title=_("Your diary of {month}-{day} is approved", month=month, day=day)
            if approve
            else _("Your diary of {month}-{day} is sent back", month=month, day=day),
            body=remark,
        )
    return move.record


async def resubmit(
    *, actor: Principal, diary_id: uuid.UUID, text: str, version: int | None
) -> Diary:
    """The author's revision of a returned diary, submitted again."""
    author_id = signed_in_user(actor)
    cleaned = _text(text, field="text", limit=MAX_TEXT, required=True)

    def own(diary: Diary) -> None:
        if diary.author_id != author_id:
            raise NotFound("diary", diary_id)

    async with moves.transition(
        DIARIES,
        actor=actor,
        record_id=diary_id,
        action=DiaryAction.RESUBMIT,
        scope=Q(author_id=author_id),
        expected_version=version,
        authorize=own,
    ) as move:
        move.record.text = cleaned
    return move.record


async def raise_event(
    *,
    actor: Principal,
    diary_id: uuid.UUID,
    problem: ProblemType,
    title: str,
    description: str,
    category_key: str,
    event_id: uuid.UUID | None = None,
) -> tuple[Diary, Event]:
    """Report a problem noted in the diary as an event (上报), linked both ways; a retry with
    the same `event_id` is the same event."""
    diary = await get(actor=actor, diary_id=diary_id)
    if diary.problems.get(problem.value, 0) < 1:
        raise ValidationFailed(
            _("the diary notes no {value} problem", value=problem.value), field="problem"
        )
    linked = await DiaryEvent.filter(diary_id=diary.id, problem_type=problem.value).count()
    if event_id is None and linked >= diary.problems[problem.value]:
        raise Conflict(
            _("every {value} problem of this diary is already an event", value=problem.value),
            code=ErrorCode.ALREADY_EXISTS,
        )
    event = await reporting.report(
        actor=actor,
        data=reporting.ReportInput(
            title=title,
            description=description,
            category_key=category_key,
            source=Source.GRID_PATROL,
            region_code=diary.region_code,
            event_id=event_id or uuid.uuid4(),
        ),
    )
    if await DiaryEvent.exists(event_id=event.id):
        return diary, event  # a retry: already linked
    async with moves.transition(
        DIARIES,
        actor=actor,
        record_id=diary.id,
        action=DiaryAction.RAISE_EVENT,
        note=event.case_number or "",
        scope=readable_diaries(actor),
    ) as move:
        await DiaryEvent.create(
            diary_id=diary.id, event_id=event.id, problem_type=problem.value, created_at=move.now
        )
    return move.record, event


async def events_of(diary_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[DiaryEvent]]:
    found: dict[uuid.UUID, list[DiaryEvent]] = {diary_id: [] for diary_id in diary_ids}
    for link in await DiaryEvent.filter(diary_id__in=list(diary_ids)).order_by("id"):
        found[link.diary_id].append(link)
    return found


async def diary_of_event(*, actor: Principal, event_id: uuid.UUID) -> Diary | None:
    """The diary an event was raised from, if the caller may read it."""
    link = await DiaryEvent.get_or_none(event_id=event_id)
    if link is None:
        return None
    return await Diary.filter(readable_diaries(actor), id=link.diary_id).first()


async def mine(
    *, actor: Principal, first_day: date | None, last_day: date | None, page: PageRequest
) -> tuple[Page[Diary], QuerySet[Diary]]:
    """The caller's own diaries, newest first."""
    query = Diary.filter(author_id=signed_in_user(actor))
    if first_day is not None:
        query = query.filter(day__gte=first_day)
    if last_day is not None:
        query = query.filter(day__lte=last_day)
    return await newest_first(query, page)


async def to_review(
    *, actor: Principal, scope: str, status: DiaryStatus | None, page: PageRequest
) -> tuple[Page[Diary], QuerySet[Diary]]:
    """Diaries under `scope` the caller reviews (default: those awaiting review)."""
    check(actor, "diary", "read", at=scope, what="the region")
    query = Diary.filter(subtree([scope]), readable(actor, "diary"))
    query = query.filter(status=(status or DiaryStatus.SUBMITTED).value)
    return await newest_first(query, page)


# ---------------------------------------------------------------- quotas


def period_of(kind: QuotaPeriod, day: date) -> tuple[date, date]:
    """The ISO week or calendar month holding `day` (first and last day)."""
    if kind is QuotaPeriod.WEEK:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


async def set_quota(
    *,
    actor: Principal,
    role: str,
    region_code: str,
    period: QuotaPeriod,
    min_diaries: int,
    min_visits: int,
    min_visit_minutes: int,
) -> DiaryQuota:
    """A new version of the quota of `role` under `region_code`; periods already assessed keep
    the version they were assessed by."""
    if Level.of_code(region_code) is None:
        raise ValidationFailed(_("regionCode must be a region code"), field="regionCode")
    check(actor, "diary_quota", "set", at=region_code, what="the region")
    if role not in {"grid_worker", "grid_leader", "community_staff", "township_centre"}:
        raise ValidationFailed(_("quotas apply to grid and community staff"), field="role")
    for name, value, limit in (
        ("minDiaries", min_diaries, 100),
        ("minVisits", min_visits, 1000),
        ("minVisitMinutes", min_visit_minutes, 100_000),
    ):
        if not 0 <= value <= limit:
            raise ValidationFailed(_("{name} is 0 to {limit}", name=name, limit=limit), field=name)
    async with in_transaction():
        # one writer per quota at a time: versions are numbered without gaps or clashes
        await connections.get("default").execute_query(
            "SELECT pg_advisory_xact_lock(hashtext($1))", [f"quota:{role}:{region_code}:{period}"]
        )
        last = (
            await DiaryQuota.filter(role=role, region_code=region_code, period=period.value)
            .order_by("-version")
            .first()
        )
        return await DiaryQuota.create(
            role=role,
            region_code=region_code,
            period=period.value,
            version=(last.version + 1) if last else 1,
            min_diaries=min_diaries,
            min_visits=min_visits,
            min_visit_minutes=min_visit_minutes,
            created_by_id=actor.user_id,
            created_at=clock.now(),
        )


async def quotas(*, actor: Principal, scope: str) -> list[DiaryQuota]:
    """Every version of the quotas set at `scope`, its ancestors and its subtree."""
    check(actor, "diary_quota", "read", at=scope, what="the region")
    ancestors = [scope[:n] for n in (4, 6, 9, 12, 15) if n <= len(scope)]
    return await DiaryQuota.filter(Q(region_code__in=ancestors) | subtree([scope])).order_by(
        "region_code", "role", "period", "-version"
    )


QUOTA_FIGURES_SQL = """
WITH holders AS (
  SELECT DISTINCT ON (a.user_id, q.period) a.user_id, a.region_code, q.id AS quota_id, q.period
    FROM role_assignments AS a
    JOIN users AS u ON u.id = a.user_id AND u.is_active
    JOIN diary_quotas AS q ON q.role = a.role AND q.period = $1 AND q.created_at < $3
     AND starts_with(a.region_code, q.region_code)
   ORDER BY a.user_id, q.period, length(q.region_code) DESC, q.version DESC
)
SELECT h.user_id, h.region_code, h.quota_id, q.min_diaries, q.min_visits, q.min_visit_minutes,
       (SELECT count(*) FROM diaries AS d
         WHERE d.author_id = h.user_id AND d.day BETWEEN $4 AND $5
           AND d.status <> 'returned') AS diaries,
       (SELECT count(*) FROM household_visits AS v
         WHERE v.user_id = h.user_id AND v.visited_at >= $2 AND v.visited_at < $3) AS visits,
       (SELECT coalesce(sum(v.minutes), 0) FROM household_visits AS v
         WHERE v.user_id = h.user_id AND v.visited_at >= $2 AND v.visited_at < $3) AS minutes
  FROM holders AS h JOIN diary_quotas AS q ON q.id = h.quota_id
"""


async def assess_quotas(*, period: QuotaPeriod, today: date | None = None) -> int:
    """Assess the last complete period of every quota holder (once: a rerun adds nothing);
    returns the rows written. The newest version of the most specific quota set before the
    period ended applies."""
    today = today or local_today()
    first, last = period_of(period, period_of(period, today)[0] - timedelta(days=1))
    start = datetime.combine(first, time.min, LOCAL)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL)
    connection = connections.get("default")
    rows = await connection.execute_query_dict(
        QUOTA_FIGURES_SQL, [period.value, start, end, first, last]
    )
    if not rows:
        return 0
    now = clock.now()
    assessed = [
        QuotaShortfall(
            user_id=row["user_id"],
            region_code=row["region_code"],
            period=period.value,
            period_start=first,
            period_end=last,
            quota_id=row["quota_id"],
            diaries=row["diaries"],
            visits=row["visits"],
            visit_minutes=row["minutes"],
            missed=sum(
                (
                    row["diaries"] < row["min_diaries"],
                    row["visits"] < row["min_visits"],
                    row["minutes"] < row["min_visit_minutes"],
                )
            ),
            assessed_at=now,
        )
        for row in rows
    ]
    before = await QuotaShortfall.filter(period=period.value, period_start=first).count()
    await QuotaShortfall.bulk_create(assessed, ignore_conflicts=True)
    return await QuotaShortfall.filter(period=period.value, period_start=first).count() - before


async def assessments(
    *, actor: Principal, user_id: uuid.UUID | None, first_day: date, last_day: date
) -> list[QuotaShortfall]:
    """Assessed periods ending within the days: the caller's own, or a person's in scope."""
    query = QuotaShortfall.filter(period_end__gte=first_day, period_end__lte=last_day)
    if user_id is None or user_id == actor.user_id:
        query = query.filter(user_id=signed_in_user(actor))
    else:
        query = query.filter(
            subtree(scope_prefixes(actor.assignments, "diary", "read")), user_id=user_id
        )
    return await query.prefetch_related("quota").order_by("period_start", "id")
