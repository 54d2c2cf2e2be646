"""The ledger is append-only in the database itself: an entry is never edited or deleted, by
any code; a correction is a new entry."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from api import clock
from api.domains.points import ledger
from api.domains.points.enums import SourceKind
from api.domains.points.models import LedgerEntry, PointsMember
from tests.points.helpers import COMMUNITY


async def test_the_database_refuses_to_edit_or_delete_an_entry(db: None) -> None:
    member = await PointsMember.create(
        id=uuid.uuid4(),
        kind="volunteer",
        status="linked",
        name="志愿者",
        region_code=COMMUNITY,
        created_at=clock.now(),
    )
    entry = await ledger.credit(
        member_id=member.id,
        source=SourceKind.MANUAL,
        key="first",
        points=Decimal(5),
        verifier=None,
        reason="服务",
    )
    assert entry is not None

    for change in (
        LedgerEntry.filter(id=entry.id).update(points=Decimal(50)),
        LedgerEntry.filter(id=entry.id).delete(),
    ):
        with pytest.raises((IntegrityError, OperationalError), match="append-only"):
            async with in_transaction():
                await change

    kept = await LedgerEntry.get(id=entry.id)
    assert (kept.points, await LedgerEntry.all().count()) == (Decimal(5), 1)
