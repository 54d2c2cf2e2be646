"""Community assessment of members per period (考核): points, hours, posts completed, pledges
kept and meetings attended, all read from the ledger; a period ended is frozen into a snapshot
(like the ranking snapshots) from which the public leaderboard is read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.diaries.scope import check
from api.domains.points.enums import MemberStatus, SourceKind
from api.domains.points.ledger import current_rules, period_lock_key
from api.domains.points.models import PeriodSnapshot, PeriodSnapshotEntry, PointsMember
from api.domains.points.periods import bounds, current_period, has_ended, previous
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level

ACTIVE = [MemberStatus.LINKED.value, MemberStatus.CONFIRMED.value]

FIGURES = f"""
SELECT m.id, m.name, m.consents_to_publish,
       coalesce(sum(l.points), 0) AS points, coalesce(sum(l.hours), 0) AS hours,
       count(l.id) FILTER (WHERE l.source_kind = '{SourceKind.POST_COMPLETION.value}') AS posts,
       count(l.id) FILTER (WHERE l.source_kind = '{SourceKind.PLEDGE_RATED.value}') AS pledges,
       count(l.id) FILTER (WHERE l.source_kind = '{SourceKind.MEETING_ATTENDED.value}') AS meetings
FROM points_members m
LEFT JOIN points_ledger l ON l.member_id = m.id AND l.period_key = $2
WHERE m.region_code = $1 AND m.status = ANY($3::text[])
GROUP BY m.id
"""


@dataclass(frozen=True, slots=True)
class Figures:
    member_id: uuid.UUID
    name: str
    consents_to_publish: bool
    points: Decimal
    hours: Decimal
    posts_completed: int
    pledges_kept: int
    meetings_attended: int


def _community(region_code: str) -> str:
    if Level.of_code(region_code) is not Level.COMMUNITY:
        raise ValidationFailed(_("give a community's code"), field="regionCode")
    return region_code


async def _figures(
    region_code: str, period_key: str, member_ids: Sequence[uuid.UUID] | None = None
) -> list[Figures]:
    sql = FIGURES
    parameters: list[object] = [region_code, period_key, ACTIVE]
    if member_ids is not None:
        sql = sql.replace("GROUP BY", "AND m.id = ANY($4::uuid[]) GROUP BY")
        parameters.append(list(member_ids))
    _unused, rows = await connections.get("default").execute_query(sql, parameters)
    return [
        Figures(
            member_id=row["id"],
            name=row["name"],
            consents_to_publish=row["consents_to_publish"],
            points=Decimal(row["points"]),
            hours=Decimal(row["hours"]),
            posts_completed=row["posts"],
            pledges_kept=row["pledges"],
            meetings_attended=row["meetings"],
        )
        for row in rows
    ]


async def figures_of(
    *, actor: Principal, region_code: str, period_key: str, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Figures]:
    """The figures of some members of a community in a period (live, from the ledger)."""
    _community(region_code)
    bounds(period_key)
    check(actor, "points_member", "read", at=region_code, what="the community")
    return {f.member_id: f for f in await _figures(region_code, period_key, member_ids)}


def _ranked(figures: Sequence[Figures]) -> list[Figures]:
    return sorted(
        figures, key=lambda f: (-f.points, -f.hours, -f.posts_completed, f.name, str(f.member_id))
    )


async def _freeze(region_code: str, period_key: str) -> PeriodSnapshot | None:
    """Freeze one community's period; None if it was frozen before."""
    first, last = bounds(period_key)
    async with in_transaction():
        connection = connections.get("default")
        # no credit may land in the period while it is being read (they share this lock)
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [period_lock_key(region_code, period_key)],
        )
        if await PeriodSnapshot.exists(region_code=region_code, period_key=period_key):
            return None
        rules = await current_rules()
        snapshot = await PeriodSnapshot.create(
            id=uuid.uuid4(),
            region_code=region_code,
            period_key=period_key,
            first_day=first,
            last_day=last,
            rules_version=rules.version,
            created_at=clock.now(),
        )
        await PeriodSnapshotEntry.bulk_create(
            [
                PeriodSnapshotEntry(
                    snapshot_id=snapshot.id,
                    member_id=f.member_id,
                    rank=rank,
                    points=f.points,
                    hours=f.hours,
                    posts_completed=f.posts_completed,
                    pledges_kept=f.pledges_kept,
                    meetings_attended=f.meetings_attended,
                )
                for rank, f in enumerate(_ranked(await _figures(region_code, period_key)), start=1)
            ]
        )
    return snapshot


async def freeze(*, actor: Principal, region_code: str, period_key: str) -> PeriodSnapshot:
    """Freeze a community's ended period now (the nightly job does it otherwise)."""
    _community(region_code)
    bounds(period_key)
    check(actor, "points_period", "freeze", at=region_code, what="the community")
    if not has_ended(period_key):
        raise Conflict(
            _("{period_key} has not ended", period_key=period_key),
            field="periodKey",
            code=ErrorCode.INVALID_TRANSITION,
        )
    try:
        snapshot = await _freeze(region_code, period_key)
    except IntegrityError:
        snapshot = None
    if snapshot is None:
        raise Conflict(
            _("{period_key} is frozen already", period_key=period_key),
            field="periodKey",
            code=ErrorCode.ALREADY_EXISTS,
        )
    return snapshot


async def freeze_due() -> int:
    """Freeze the last ended period of every community with members (the nightly job)."""
    period = previous(current_period())
    _unused, rows = await connections.get("default").execute_query(
        "SELECT DISTINCT region_code FROM points_members WHERE status = ANY($1::text[])"
        " AND region_code NOT IN (SELECT region_code FROM points_snapshots WHERE period_key = $2)",
        [ACTIVE, period],
    )
    frozen = 0
    for row in rows:
        if len(row["region_code"]) == Level.COMMUNITY.code_length and await _freeze(
            row["region_code"], period
        ):
            frozen += 1
    return frozen


async def snapshot_of(region_code: str, period_key: str) -> PeriodSnapshot:
    _community(region_code)
    bounds(period_key)
    snapshot = await PeriodSnapshot.get_or_none(region_code=region_code, period_key=period_key)
    if snapshot is None:
        raise NotFound("frozen period", f"{region_code} {period_key}", field="periodKey")
    return snapshot


async def leaderboard(
    *, region_code: str, period_key: str, page: PageRequest
) -> tuple[PeriodSnapshot, Page[PeriodSnapshotEntry], dict[uuid.UUID, str]]:
    """光荣榜: a frozen period's ranking, for everyone, and the names of those on the page who
    consent now (consent is read when shown, so withdrawing it hides a name at once)."""
    snapshot = await snapshot_of(region_code, period_key)
    query = PeriodSnapshotEntry.filter(snapshot_id=snapshot.id)
    if page.after is not None:
        try:
            query = query.filter(rank__gt=int(page.after))
        except ValueError:
            raise ValidationFailed(_("malformed cursor"), field="after") from None
    rows = await query.order_by("rank").limit(page.first + 1)
    names = await PointsMember.filter(
        id__in=[row.member_id for row in rows], consents_to_publish=True
    ).values_list("id", "name")
    return snapshot, make_page(rows, page, lambda e: e.rank), dict(names)
