"""The ledger's invariants under any interleaving (hypothesis, against the real database through
the services): credits, debits and verifications retried, sequentially or at the same moment,
keep every balance equal to the sum of its entries and never book a source twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from tortoise import connections

from api import clock
from api.auth import Assignment, Principal
from api.domains.points import ledger, posts
from api.domains.points.enums import ClaimStatus, PostStatus, SourceKind
from api.domains.points.models import LedgerEntry, PointsMember, PostClaim, WelfarePost
from api.errors import DomainError
from tests.points.helpers import COMMUNITY

CLAIMS = 3
STAFF = Principal(
    user_id=uuid.uuid4(),
    username="staff",
    assignments=(Assignment("community_staff", COMMUNITY),),
)

amounts = st.integers(min_value=1, max_value=500).map(lambda tenths: Decimal(tenths) / 10)
operation = st.one_of(
    st.tuples(st.just("verify"), st.integers(0, CLAIMS - 1)),  # a verification (or its retry)
    st.tuples(
        st.just("rebook"), st.integers(0, CLAIMS - 1)
    ),  # a crashed verification's credit replayed
    st.tuples(st.just("credit"), amounts, st.integers(0, 2)),  # a manual credit, request 0–2
    st.tuples(st.just("debit"), amounts, st.integers(3, 5)),  # a manual debit, request 3–5
)
# rounds of operations; the operations of one round run at the same moment
rounds = st.lists(st.lists(operation, min_size=1, max_size=4), min_size=1, max_size=4)


async def _setup() -> tuple[PointsMember, list[PostClaim], WelfarePost]:
    now = clock.now()
    member = await PointsMember.create(
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        kind="party_member",
        status="linked",
        name="党员",
        region_code=COMMUNITY,
        created_at=now,
    )
    post = await WelfarePost.create(
        id=uuid.uuid4(),
        region_code=COMMUNITY,
        title="助老送餐",
        starts_at=now,
        ends_at=now + timedelta(days=1),
        slots=CLAIMS,
        claimed=CLAIMS,
        points=Decimal("4.5"),
        hours=Decimal("1.5"),
        status=PostStatus.OPEN,
        created_at=now,
    )
    claims = []
    for _ in range(CLAIMS):
        # one member holds one claim of a post: each claim here is of a post of its own
        own = await WelfarePost.create(
            **{k: v for k, v in post.__dict__.items() if k in WELFARE_FIELDS}, id=uuid.uuid4()
        )
        claims.append(
            await PostClaim.create(
                id=uuid.uuid4(),
                post_id=own.id,
                member_id=member.id,
                user_id=member.user_id,
                region_code=COMMUNITY,
                title=own.title,
                do_until=own.ends_at,
                status=ClaimStatus.DONE,
                done_at=now,
                created_at=now,
            )
        )
    return member, claims, post


WELFARE_FIELDS = (
    "region_code",
    "title",
    "starts_at",
    "ends_at",
    "slots",
    "claimed",
    "points",
    "hours",
    "status",
    "created_at",
)


async def _run(
    op: tuple[Any, ...], member: PointsMember, claims: list[PostClaim], requests: list[uuid.UUID]
) -> str:
    try:
        if op[0] == "verify":
            await posts.verify(actor=STAFF, claim_id=claims[op[1]].id)
        elif op[0] == "rebook":
            await ledger.credit(
                member_id=member.id,
                source=SourceKind.POST_COMPLETION,
                key=str(claims[op[1]].id),
                points=Decimal("4.5"),
                hours=Decimal("1.5"),
                verifier=STAFF,
            )
        else:
            sign = 1 if op[0] == "credit" else -1
            await ledger.adjust(
                member=member,
                actor=STAFF,
                points=sign * op[1],
                hours=Decimal(0),
                reason="property test",
                request_id=requests[op[2]],
            )
    except DomainError as error:
        return error.code.value
    return "ok"


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(plan=rounds)
# two verifications of one claim and its replayed credit at once; a debit past zero beside a
# manual credit sent twice at once
@example(
    plan=[
        [("verify", 0), ("verify", 0), ("rebook", 0)],
        [("debit", Decimal("50"), 3), ("credit", Decimal("3"), 0), ("credit", Decimal("3"), 0)],
        [("debit", Decimal("4"), 4), ("debit", Decimal("4"), 5)],
    ]
)
async def test_any_interleaving_keeps_balances_equal_to_entries_and_books_each_source_once(
    db: None, plan: list[list[tuple[Any, ...]]]
) -> None:
    member, claims, _ = await _setup()
    requests = [uuid.uuid4() for _ in range(6)]
    verifications: dict[int, list[str]] = defaultdict(list)
    for round_ in plan:
        outcomes = await asyncio.gather(*(_run(op, member, claims, requests) for op in round_))
        for op, outcome in zip(round_, outcomes, strict=True):
            if op[0] == "verify":
                verifications[op[1]].append(outcome)
        # an expected conflict (a second verification, a debit past zero) is typed, never a crash
        assert set(outcomes) <= {"ok", "INVALID_TRANSITION", "INVALID", "CONFLICT"}, outcomes

    # of the verifications of one claim, one wins; the others are typed conflicts
    for outcomes in verifications.values():
        assert sorted(outcomes) == ["INVALID_TRANSITION"] * (len(outcomes) - 1) + ["ok"]

    entries = await LedgerEntry.filter(member_id=member.id)
    by_source = defaultdict(int)
    for entry in entries:
        by_source[(entry.source_kind, entry.source_key)] += 1
    assert all(count == 1 for count in by_source.values()), by_source

    # each verified or replayed claim is credited exactly once; a manual request at most once
    verified = {
        str(c.id)
        for c in await PostClaim.filter(id__in=[c.id for c in claims], status=ClaimStatus.VERIFIED)
    }
    verify_or_rebook = {
        str(claims[op[1]].id) for round_ in plan for op in round_ if op[0] in ("rebook",)
    }
    credited = {key for kind, key in by_source if kind == SourceKind.POST_COMPLETION}
    assert credited == verified | verify_or_rebook

    _, rows = await connections.get("default").execute_query(
        "SELECT b.period_key, b.points, b.hours, b.entries,"
        " (SELECT coalesce(sum(points), 0) FROM points_ledger l WHERE l.member_id = b.member_id"
        "  AND l.period_key = b.period_key) AS entry_points,"
        " (SELECT coalesce(sum(hours), 0) FROM points_ledger l WHERE l.member_id = b.member_id"
        "  AND l.period_key = b.period_key) AS entry_hours,"
        " (SELECT count(*) FROM points_ledger l WHERE l.member_id = b.member_id"
        "  AND l.period_key = b.period_key) AS entry_count"
        " FROM points_balances b WHERE b.member_id = $1",
        [member.id],
    )
    assert len(rows) == (1 if entries else 0)
    for row in rows:
        assert (row["points"], row["hours"], row["entries"]) == (
            row["entry_points"],
            row["entry_hours"],
            row["entry_count"],
        )
    totals = await ledger.totals(member.id)
    assert totals.points == sum((e.points for e in entries), Decimal(0))
    assert totals.points >= 0 and totals.hours >= 0
