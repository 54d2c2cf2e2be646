"""The nightly job freezes the quarter that ended, once per community with members."""

from __future__ import annotations

import uuid
from decimal import Decimal

from api import clock
from api.domains.points import ledger
from api.domains.points.enums import SourceKind
from api.domains.points.models import PeriodSnapshot, PeriodSnapshotEntry, PointsMember
from api.domains.points.periods import current_period, previous
from tests import factories
from tests.points.helpers import COMMUNITY, OTHER_COMMUNITY
from workers.points import freeze_points_periods


async def _member(region_code: str, name: str, status: str = "linked") -> PointsMember:
    return await PointsMember.create(
        id=uuid.uuid4(),
        kind="party_member",
        status=status,
        name=name,
        region_code=region_code,
        created_at=clock.now(),
    )


async def test_the_ended_quarter_is_frozen_once_per_community(db: None) -> None:
    await factories.region_tree()
    first = await _member(COMMUNITY, "甲")
    await _member(COMMUNITY, "乙")
    await _member(OTHER_COMMUNITY, "丙")
    await _member("410611002001", "丁", status="pending")  # nobody active there: nothing
    last = previous(current_period())
    await ledger.credit(
        member_id=first.id,
        source=SourceKind.MANUAL,
        key="last-quarter",
        points=Decimal(6),
        verifier=None,
        reason="服务",
        period_key=last,
    )

    assert await freeze_points_periods({}) == 2
    assert await freeze_points_periods({}) == 0
    snapshot = await PeriodSnapshot.get(region_code=COMMUNITY, period_key=last)
    entries = await PeriodSnapshotEntry.filter(snapshot_id=snapshot.id).order_by("rank")
    assert (entries[0].rank, entries[0].member_id, entries[0].points) == (1, first.id, Decimal(6))
    assert len(entries) == 2
    assert not await PeriodSnapshot.exists(region_code="410611002001")
