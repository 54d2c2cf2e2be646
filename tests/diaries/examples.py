"""The diary, patrol and round records graphql_examples/ operate on, and their placeholders."""

from __future__ import annotations

import uuid
from datetime import timedelta

from api import clock
from api.auth import Assignment, Principal
from api.domains.diaries import service
from api.domains.diaries.enums import DiaryKind, RoundAction, RoundKind, RoundStage, RoundStatus
from api.domains.diaries.flow import ROUNDS
from api.domains.diaries.models import InvestigationRound
from api.flows import SYSTEM, moves
from tests import factories
from tests.diaries.helpers import COMMUNITY, GRID


async def diary_fixtures() -> dict[str, str]:
    """A submitted diary of a grid worker of 410611001001001 and an open weekly round of its
    community (regions must exist)."""
    account = await factories.user("grid_worker", GRID, username="diary.writer")
    writer = Principal(
        user_id=account.id,
        username=account.username,
        assignments=(Assignment("grid_worker", GRID),),
    )
    diary = await service.write(
        actor=writer,
        day=service.local_today() - timedelta(days=1),
        kind=DiaryKind.RESIDENTS_NEWS,
        text="金山社区3号楼居民反映夜间噪音扰民，已约双方明日调解。",
        problems={"dispute": 1},
        household_ids=[],
    )
    today = service.local_today()
    first = today - timedelta(days=today.weekday())
    year, week, _ = today.isocalendar()
    round_ = InvestigationRound(
        id=uuid.uuid4(),
        kind=RoundKind.COMMUNITY.value,
        period_key=f"investigation:community:{year}-W{week:02d}",
        period_start=first,
        period_end=first + timedelta(days=6),
        region_code=COMMUNITY,
        title=f"本周矛盾纠纷排查（{year}年第{week}周）",
        status=RoundStatus.OPEN.value,
        created_at=clock.now(),
    )
    await moves.start(
        ROUNDS, round_, actor=SYSTEM, action=RoundAction.OPEN, stage=RoundStage.REPORT
    )
    return {
        "<diary_id>": str(diary.id),
        "<round_id>": str(round_.id),
        "<today>": today.isoformat(),
        "<week_start>": first.isoformat(),
    }
