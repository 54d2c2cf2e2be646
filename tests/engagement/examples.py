"""The citizens' side records the GraphQL examples run against: the fixtures' citizen bound to
WeChat (the sender `wechat` signs in through it), their closed appeal shown on the public board,
an approved and a pending opinion of 金山社区, and the WeChat channel routed to townships."""

from __future__ import annotations

import uuid

from api import clock
from api.domains.accounts.models import User
from api.domains.engagement.enums import Channel, OpinionKind, OpinionStatus, Receiver
from api.domains.engagement.models import ChannelRule, Opinion, PublicAppeal, WechatBinding
from api.domains.events.enums import EventStatus
from api.domains.events.models import Event
from tests import factories

CITIZEN = "8613912345678"


async def engagement_fixtures() -> dict[str, str]:
    now = clock.now()
    citizen = await User.get(username=CITIZEN)
    await WechatBinding.create(
        id=uuid.uuid4(), openid="dev-openid-example", user_id=citizen.id, bound_at=now
    )
    closed = await Event.get(reporter_id=citizen.id, status=EventStatus.CLOSED)
    await PublicAppeal.create(
        event_id=closed.id, region_code=closed.region_code, made_public_at=now
    )
    await Opinion.create(
        id=uuid.uuid4(),
        kind=OpinionKind.SUGGESTION,
        title="增设电动车充电桩",
        body="小区电动车多，楼道充电不安全",
        region_code="410611001001",
        author_id=citizen.id,
        status=OpinionStatus.APPROVED,
        reply="已列入今年计划",
        moderated_at=now,
        created_at=now,
    )
    pending = await Opinion.create(
        id=uuid.uuid4(),
        kind=OpinionKind.OPINION,
        title="广场舞音量太大",
        body="晚上九点后仍在放音乐",
        region_code="410611001001",
        author_id=citizen.id,
        created_at=now,
    )
    await ChannelRule.create(
        channel=Channel.WECHAT,
        region_code="410611",
        receiver=Receiver.TOWNSHIP_CENTRE,
        set_by_label="district",
        set_at=now,
    )
    return {"<pending_opinion_id>": str(pending.id)}


async def wechat_token() -> str:
    """An access token of a session the citizen opened through WeChat."""
    from api import auth
    from api.domains.engagement.models import WechatSession
    from tests.conftest import TEST_SECRET

    citizen = await User.get(username=CITIZEN)
    binding = await WechatBinding.get(user_id=citizen.id)
    token = await factories.token_for(citizen)
    _, session_id, _ = auth.decode_access_token(token, secret=TEST_SECRET)
    await WechatSession.create(session_id=session_id, binding_id=binding.id, created_at=clock.now())
    return token
