"""The citizens' side beyond appeals: WeChat mini-program sign-in, routing rules per channel,
and the public boards (closed appeals shown by choice, moderated opinions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry

from api.domains.engagement import boards, routing, wechat
from api.domains.engagement.enums import (
    Channel,
    OpinionKind,
    OpinionStatus,
    Receiver,
    RefusalReason,
)
from api.domains.engagement.models import ChannelRule, Opinion
from api.domains.engagement.verification import phone_verifier
from api.domains.events.enums import EventStatus
from api.errors import NotFound, RateLimited
from api.pagination import PageRequest, page_request
from schema.accounts.mutations import _auth_payload, _ttls
from schema.accounts.types import AuthPayload
from schema.engagement.schema import AppealPayload, AppealResult, AppealType
from schema.errors import (
    ConflictError,
    DomainErrorResults,
    NotAllowedError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from schema.pagination import Connection, Counted, connection
from schema.permissions import allow, public, signed_in
from schema.scalars import parse_uuid
from schema.types import Info

T = TypeVar("T")

strawberry.enum(
    Channel, name="CitizenChannel", description="A way in for people outside the staff."
)
strawberry.enum(Receiver, name="ChannelReceiver", description="Who receives a channel's appeals.")
strawberry.enum(OpinionKind, name="OpinionKind", description="意见 or 建议.")
strawberry.enum(OpinionStatus, name="OpinionStatus", description="Where moderation stands.")
strawberry.enum(RefusalReason, name="OpinionRefusalReason", description="Why it is not shown.")


def _terms(info: Info) -> wechat.SessionTerms:
    context = info.context
    return wechat.SessionTerms(
        secret=context.settings.secret_key(),
        ip=context.client_ip,
        user_agent=context.request.headers.get("user-agent"),
        **_ttls(info),
    )


def _id(value: str, noun: str) -> UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFound(noun, value, field="id")
    return parsed


# ---------------------------------------------------------------- WeChat


@strawberry.type(
    description="The WeChat user is not bound to an account yet: prove a phone with "
    "requestPhoneCode, then bindWechat with this token."
)
class WechatBindingRequired:
    binding_token: str = strawberry.field(description="Short-lived; only for bindWechat.")
    expires_in_seconds: int


WechatLoginResult = Annotated[
    AuthPayload | WechatBindingRequired | ValidationError | NotAllowedError | RateLimitedError,
    strawberry.union("WechatLoginResult", description="Outcome of a WeChat sign-in."),
]
BindWechatResult = Annotated[
    AuthPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | NotAllowedError
    | RateLimitedError,
    strawberry.union("BindWechatResult", description="Outcome of binding WeChat to a phone."),
]


@strawberry.type(description="The WeChat binding has ended.")
class WechatUnbound:
    unbound: bool = True


UnbindWechatResult = Annotated[
    WechatUnbound | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("UnbindWechatResult", description="Outcome of unbinding WeChat."),
]


# ---------------------------------------------------------------- routing


@strawberry.type(
    name="ChannelRule", description="Who receives a channel's new appeals in a region."
)
class ChannelRuleType:
    id: strawberry.ID
    channel: Channel
    region_code: str = strawberry.field(description="The rule holds here and below.")
    receiver: Receiver
    note: str
    set_by: str = strawberry.field(description="Who set it.")
    set_at: datetime

    @classmethod
    def from_model(cls, rule: ChannelRule) -> ChannelRuleType:
        return cls(
            id=strawberry.ID(str(rule.id)),
            channel=rule.channel,
            region_code=rule.region_code,
            receiver=rule.receiver,
            note=rule.note,
            set_by=rule.set_by_label,
            set_at=rule.set_at,
        )


@strawberry.type(description="The rule now in force.")
class ChannelRulePayload:
    rule: ChannelRuleType


ChannelRuleResult = Annotated[
    ChannelRulePayload | ValidationError | NotFoundError | NotAllowedError,
    strawberry.union("ChannelRuleResult", description="Outcome of setting a channel rule."),
]


# ---------------------------------------------------------------- public boards


@strawberry.type(
    description="A closed appeal its reporter chose to show: no personal data (no name, "
    "phone, address, location or description)."
)
class PublicAppeal:
    id: strawberry.ID
    title: str
    category_key: str
    category_name: str
    community_code: str | None = strawberry.field(description="Where, at community level.")
    community_name: str | None
    status: EventStatus
    result: str = strawberry.field(description="The handling's result, as given to the reporter.")
    satisfaction: int | None = strawberry.field(description="The reporter's rating, 1–5.")
    closed_at: datetime | None

    @classmethod
    def from_entry(cls, entry: boards.PublicAppealEntry) -> PublicAppeal:
        return cls(
            id=strawberry.ID(entry.id),
            title=entry.title,
            category_key=entry.category_key,
            category_name=entry.category_name,
            community_code=entry.community_code,
            community_name=entry.community_name,
            status=EventStatus(entry.status),
            result=entry.result,
            satisfaction=entry.satisfaction,
            closed_at=datetime.fromisoformat(entry.closed_at) if entry.closed_at else None,
        )


@strawberry.type(description="An approved opinion or suggestion; its author is never shown.")
class PublicOpinion:
    id: strawberry.ID
    kind: OpinionKind
    title: str = strawberry.field(description="Plain text as typed: never render it as HTML.")
    body: str = strawberry.field(description="Plain text as typed: never render it as HTML.")
    reply: str = strawberry.field(description="Staff's public answer, if any.")
    community_code: str
    community_name: str | None
    published_at: datetime

    @classmethod
    def from_entry(cls, entry: boards.PublicOpinionEntry) -> PublicOpinion:
        return cls(
            id=strawberry.ID(entry.id),
            kind=OpinionKind(entry.kind),
            title=entry.title,
            body=entry.body,
            reply=entry.reply,
            community_code=entry.community_code,
            community_name=entry.community_name,
            published_at=datetime.fromisoformat(entry.published_at),
        )


@strawberry.type(
    name="CitizenOpinion", description="An opinion with its moderation, for its author and staff."
)
class OpinionType:
    id: strawberry.ID
    kind: OpinionKind
    title: str
    body: str
    region_code: str = strawberry.field(description="The community it concerns.")
    status: OpinionStatus
    refusal_reason: RefusalReason | None
    reply: str
    created_at: datetime
    moderated_at: datetime | None

    @classmethod
    def from_model(cls, opinion: Opinion) -> OpinionType:
        return cls(
            id=strawberry.ID(str(opinion.id)),
            kind=opinion.kind,
            title=opinion.title,
            body=opinion.body,
            region_code=opinion.region_code,
            status=opinion.status,
            refusal_reason=opinion.refusal_reason,
            reply=opinion.reply,
            created_at=opinion.created_at,
            moderated_at=opinion.moderated_at,
        )


@strawberry.type(description="The opinion after the change.")
class OpinionPayload:
    opinion: OpinionType


OpinionResult = Annotated[
    OpinionPayload | ValidationError | NotFoundError | ConflictError | NotAllowedError,
    strawberry.union("OpinionResult", description="Outcome of an opinion change."),
]


def _board(
    page: boards.BoardPage, request: PageRequest, convert: Callable[[Any], T]
) -> Connection[T]:
    return connection(page.as_page(request), Counted(page.total), convert)


@strawberry.type
class CitizensQuery:
    @strawberry.field(
        description="公开栏: closed appeals their reporters chose to show, in a region, newest "
        "first; no sign-in needed.",
        extensions=public(),
    )
    async def public_appeals(
        self, info: Info, region_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[PublicAppeal]:
        request = page_request(first, after)
        page = await boards.public_appeals(
            region_code=region_code,
            page=request,
            redis=info.context.redis,
            cache_seconds=info.context.settings.gridgov_public_board_cache_seconds,
        )
        return _board(page, request, PublicAppeal.from_entry)

    @strawberry.field(
        description="意见建议: residents' opinions and suggestions approved by staff, in a "
        "region, newest first; no sign-in needed.",
        extensions=public(),
    )
    async def public_opinions(
        self,
        info: Info,
        region_code: str,
        kind: OpinionKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PublicOpinion]:
        request = page_request(first, after)
        page = await boards.public_opinions(
            region_code=region_code,
            kind=kind,
            page=request,
            redis=info.context.redis,
            cache_seconds=info.context.settings.gridgov_public_board_cache_seconds,
        )
        return _board(page, request, PublicOpinion.from_entry)

    @strawberry.field(
        description="Opinions of a region's communities for moderation, newest first.",
        extensions=allow("opinion", "read"),
    )
    async def opinions(
        self,
        info: Info,
        region_code: str,
        status: OpinionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OpinionType]:
        page, filtered = await boards.opinions_for_staff(
            actor=info.context.principal,
            region_code=region_code,
            status=status,
            page=page_request(first, after),
        )
        return connection(page, filtered, OpinionType.from_model)

    @strawberry.field(
        description="Your opinions and how they were moderated, newest first.",
        extensions=allow("opinion", "submit"),
    )
    async def my_opinions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[OpinionType]:
        page, filtered = await boards.my_opinions(
            actor=info.context.principal, page=page_request(first, after)
        )
        return connection(page, filtered, OpinionType.from_model)

    @strawberry.field(
        description="Channel rules set in a region, its subtree and on its path above, newest "
        "first: the rules in force and their history.",
        extensions=allow("channel_rule", "read"),
    )
    async def channel_rules(
        self,
        info: Info,
        region_code: str,
        channel: Channel | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ChannelRuleType]:
        page, filtered = await routing.list_rules(
            actor=info.context.principal,
            region_code=region_code,
            channel=channel,
            page=page_request(first, after),
        )
        return connection(page, filtered, ChannelRuleType.from_model)


@strawberry.type
class CitizensMutation:
    @strawberry.mutation(
        description="微信登录: exchange the mini-program's wx.login code; a bound user is signed "
        "in, an unbound one gets a token for bindWechat.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *public()],
    )
    async def wechat_login(self, info: Info, code: str) -> WechatLoginResult:
        outcome = await wechat.sign_in(
            code=code,
            client=wechat.wechat_client(info.context.settings),
            redis=info.context.redis,
            throttle=info.context.throttle,
            terms=_terms(info),
        )
        if outcome.tokens is not None:
            return _auth_payload(outcome.tokens)
        assert outcome.binding_token is not None
        return WechatBindingRequired(
            binding_token=outcome.binding_token, expires_in_seconds=outcome.binding_expires_in
        )

    @strawberry.mutation(
        description="绑定: bind the WeChat user to the citizen account of a phone proved by its "
        "code (requestPhoneCode); the account is made if the phone has none. Signs in.",
        extensions=[DomainErrorResults(raises=(RateLimited,)), *public()],
    )
    async def bind_wechat(
        self,
        info: Info,
        binding_token: str,
        phone: str,
        verification_code: str,
        city_code: str | None = None,
    ) -> BindWechatResult:
        tokens = await wechat.bind(
            binding_token=binding_token,
            phone=phone,
            verification_code=verification_code,
            verifier=phone_verifier(info.context.settings),
            throttle=info.context.throttle,
            terms=_terms(info),
            city_code=city_code,
        )
        return _auth_payload(tokens)

    @strawberry.mutation(
        description="解除绑定: end your account's WeChat binding; the WeChat user can be bound "
        "again after a fresh wechatLogin. Not bound: NOT_FOUND.",
        extensions=signed_in(),
    )
    async def unbind_wechat(self, info: Info) -> UnbindWechatResult:
        await wechat.unbind(actor=info.context.principal)
        return WechatUnbound()

    @strawberry.mutation(
        description="渠道分拨: who receives a channel's new appeals in a region and below (the "
        "deepest rule wins; the previous rule stays in the history).",
        extensions=allow("channel_rule", "set"),
    )
    async def set_channel_rule(
        self,
        info: Info,
        channel: Channel,
        region_code: str,
        receiver: Receiver,
        note: str = "",
    ) -> ChannelRuleResult:
        rule = await routing.set_rule(
            actor=info.context.principal,
            channel=channel,
            region_code=region_code,
            receiver=receiver,
            note=note,
        )
        return ChannelRulePayload(rule=ChannelRuleType.from_model(rule))

    @strawberry.mutation(
        description="Show your appeal on the public board once it is closed (or stop showing "
        "it); only its title, category, community, status, result and rating are shown.",
        extensions=allow("appeal", "read"),
    )
    async def set_appeal_public(self, info: Info, id: strawberry.ID, public: bool) -> AppealResult:
        event = await boards.set_appeal_public(
            actor=info.context.principal, appeal_id=_id(id, "appeal"), public=public
        )
        return AppealPayload(appeal=AppealType.from_model(event))

    @strawberry.mutation(
        description="意见建议: an opinion or suggestion on a community, public once staff "
        "approve it (plain text).",
        extensions=allow("opinion", "submit"),
    )
    async def submit_opinion(
        self, info: Info, kind: OpinionKind, title: str, body: str, region_code: str
    ) -> OpinionResult:
        opinion = await boards.submit_opinion(
            actor=info.context.principal,
            kind=kind,
            title=title,
            body=body,
            region_code=region_code,
        )
        return OpinionPayload(opinion=OpinionType.from_model(opinion))

    @strawberry.mutation(
        description="审核: approve an opinion for the public board (with an optional public "
        "reply) or refuse it with a reason.",
        extensions=allow("opinion", "moderate"),
    )
    async def moderate_opinion(
        self,
        info: Info,
        id: strawberry.ID,
        approve: bool,
        refusal_reason: RefusalReason | None = None,
        reply: str = "",
    ) -> OpinionResult:
        opinion = await boards.moderate_opinion(
            actor=info.context.principal,
            opinion_id=_id(id, "opinion"),
            approve=approve,
            refusal_reason=refusal_reason,
            reply=reply,
        )
        return OpinionPayload(opinion=OpinionType.from_model(opinion))
