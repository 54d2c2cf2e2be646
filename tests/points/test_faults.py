"""Bad input and faults of dual-post points: each a typed error with nothing written."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx

from api import clock
from api.domains.points.models import LedgerEntry, PointsBalance, PointsMember, PostClaim
from api.domains.registry.models import PartyMember, RegistryChange
from tests import factories
from tests.factories import gql
from tests.points.helpers import (
    ADJUST,
    CLAIM,
    COMMUNITY,
    COMPLETE,
    CONFIRM,
    FREEZE,
    JOIN,
    LEADERBOARD,
    OTHER_COMMUNITY,
    PLEDGE,
    PUBLISH,
    RATE,
    VERIFY,
    party_member,
    post_input,
    register,
    run,
    staff,
)
from tests.registry.helpers import id_number


async def _member(client: httpx.AsyncClient, phone: str, sequence: int) -> tuple[dict, str]:
    person, _ = await party_member(f"党员{sequence}", sequence)
    return await register(client, phone, person.id_number, name=person.name)


async def test_claims_refused_when_full_twice_late_or_own(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    community = await staff()
    first, first_token = await _member(client, "13800138011", 301)
    _, second_token = await _member(client, "13800138012", 303)
    _, third_token = await _member(client, "13800138013", 305)
    post = (await run(client, PUBLISH, community, input=post_input(slots=2)))["post"]

    claimed = await run(client, CLAIM, first_token, post=post["uuid"])
    assert claimed["__typename"] == "PostClaimPayload"
    again = await run(client, CLAIM, first_token, post=post["uuid"])
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_EXISTS")
    assert (await run(client, CLAIM, second_token, post=post["uuid"]))["__typename"] == (
        "PostClaimPayload"
    )
    full = await run(client, CLAIM, third_token, post=post["uuid"])
    assert (full["__typename"], full["code"]) == ("ConflictError", "CONFLICT")
    assert await PostClaim.all().count() == 2

    # evidence is required; completing after the post's period is refused
    empty = await run(client, COMPLETE, first_token, id=claimed["claim"]["uuid"], evidence="  ")
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "evidence")
    clock.move(timedelta(hours=4))
    first_token = await _token_of(first["uuid"])
    late = await run(client, COMPLETE, first_token, id=claimed["claim"]["uuid"], evidence="做完了")
    assert (late["__typename"], late["field"]) == ("ValidationError", "claim")
    assert (await PostClaim.get(id=claimed["claim"]["uuid"])).status == "claimed"


async def _token_of(member_id: str) -> str:
    from api.domains.accounts.models import User

    member = await PointsMember.get(id=member_id)
    return await factories.token_for(await User.get(id=member.user_id))


async def test_nobody_verifies_their_own_claim_and_two_verifications_credit_once(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    member, token = await _member(client, "13800138021", 311)
    post = (await run(client, PUBLISH, await staff(), input=post_input()))["post"]
    claim = (await run(client, CLAIM, token, post=post["uuid"]))["claim"]
    await run(client, COMPLETE, token, id=claim["uuid"], evidence="已完成")

    # the member holds a staff role too: still not their own verifier
    from api.domains.accounts.models import RoleAssignment

    account = await PointsMember.get(id=member["uuid"])
    await RoleAssignment.create(
        user_id=account.user_id, role="community_staff", region_code=COMMUNITY
    )
    own = await run(client, VERIFY, await _token_of(member["uuid"]), id=claim["uuid"], remark="")
    assert (own["__typename"], own["code"]) == ("NotAllowedError", "NOT_ALLOWED")

    # staff of another community do not find it
    outside = await run(client, VERIFY, await staff(OTHER_COMMUNITY), id=claim["uuid"], remark="")
    assert outside["__typename"] == "NotFoundError"

    a, b = await staff(), await staff()
    results = await asyncio.gather(
        gql(client, VERIFY, {"id": claim["uuid"], "remark": "属实"}, token=a),
        gql(client, VERIFY, {"id": claim["uuid"], "remark": "属实"}, token=b),
    )
    kinds = sorted(r["data"]["verifyPostClaim"]["__typename"] for r in results)
    assert kinds == ["ConflictError", "PostClaimPayload"]
    assert await LedgerEntry.filter(source_key=claim["uuid"]).count() == 1
    assert [str(p) for p in await PointsBalance.all().values_list("points", flat=True)] == ["5.0"]


async def test_adjustments_need_a_reason_and_never_overdraw(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    member, _ = await _member(client, "13800138031", 321)
    community = await staff()

    def adjust(points: str, reason: str, request: uuid.UUID | None = None) -> dict:
        return {
            "memberId": member["uuid"],
            "points": points,
            "reason": reason,
            "requestId": str(request or uuid.uuid4()),
        }

    no_reason = await run(client, ADJUST, community, input=adjust("3", "   "))
    assert (no_reason["__typename"], no_reason["field"]) == ("ValidationError", "reason")
    overdraw = await run(client, ADJUST, community, input=adjust("-1", "扣分"))
    assert (overdraw["__typename"], overdraw["field"]) == ("ValidationError", "points")
    precise = await run(client, ADJUST, community, input=adjust("0.25", "奖励"))
    assert (precise["__typename"], precise["field"]) == ("ValidationError", "points")
    assert await LedgerEntry.all().count() == 0

    # a retried request books once
    request = uuid.uuid4()
    once = await run(client, ADJUST, community, input=adjust("3", "奖励", request))
    twice = await run(client, ADJUST, community, input=adjust("3", "奖励", request))
    assert once["entry"]["id"] == twice["entry"]["id"]
    assert await LedgerEntry.all().count() == 1

    outside = await run(client, ADJUST, await staff(OTHER_COMMUNITY), input=adjust("3", "奖励"))
    assert outside["__typename"] == "NotFoundError"


async def test_pending_members_wait_for_the_community(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    member, token = await register(client, "13800138041", id_number("19880808", 331))
    assert member["status"] == "PENDING"
    post = (await run(client, PUBLISH, await staff(), input=post_input()))["post"]
    refused = await run(client, CLAIM, token, post=post["uuid"])
    assert refused["__typename"] == "NotAllowedError"
    pledge = await run(client, PLEDGE, token, text="认领一处楼道卫生")
    assert pledge["__typename"] == "NotAllowedError"

    confirmed = await run(client, CONFIRM, await staff(), id=member["uuid"])
    assert confirmed["member"]["status"] == "CONFIRMED"
    again = await run(client, CONFIRM, await staff(), id=member["uuid"])
    assert again["__typename"] == "ConflictError"
    assert (await run(client, CLAIM, token, post=post["uuid"]))["__typename"] == "PostClaimPayload"

    # one account, one membership
    joined = await run(
        client,
        JOIN,
        token,
        input={"name": "王五", "idNumber": id_number("19880808", 331), "communityCode": COMMUNITY},
    )
    assert (joined["__typename"], joined["code"]) == ("ConflictError", "ALREADY_EXISTS")


async def test_an_id_number_with_another_name_links_nothing(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    person, record = await party_member("王建国", 335)

    member, _ = await register(client, "13800138045", person.id_number, name="冒名者")

    assert (member["status"], member["kind"]) == ("PENDING", "PARTY_MEMBER")
    assert (await PointsMember.get(id=member["uuid"])).party_member_id is None
    record = await PartyMember.get(id=record.id)
    assert (record.registered_community_code, record.workplace) == (None, None)
    assert not await RegistryChange.filter(record_id=record.id).exists()


async def test_registration_input_is_checked_before_any_account_is_made(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    base = {
        "phone": "13800138051",
        "password": "Qihe-River-2026",
        "verificationCode": "000000",
        "member": {
            "name": "赵六",
            "idNumber": id_number("19880808", 331),
            "communityCode": COMMUNITY,
        },
    }
    from tests.points.helpers import REGISTER

    for member, field in [
        ({"idNumber": "12345"}, "idNumber"),
        ({"communityCode": "410611001"}, "communityCode"),
        ({"name": " "}, "name"),
    ]:
        body = await run(client, REGISTER, input={**base, "member": {**base["member"], **member}})
        assert body["field"] == field, body
    # longer than its column: refused at the edge, before anything runs
    long = await gql(
        client,
        REGISTER,
        {"input": {**base, "member": {**base["member"], "employerOrganisation": "党" * 201}}},
    )
    assert long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    from api.domains.accounts.models import User

    assert await User.all().count() == 0


async def test_the_leaderboard_is_public_frozen_and_names_only_who_consented(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    community = await staff()
    shown_member, shown = await _member(client, "13800138061", 341)
    member_ids = [shown_member["uuid"]]
    person, _ = await party_member("隐名", 343)
    hidden_member, hidden = await register(
        client, "13800138062", person.id_number, name=person.name, consents=False
    )
    for token, points in ((shown, "8"), (hidden, "9")):
        member = await PointsMember.get(user_id=(await _user_of(token)))
        await run(
            client,
            ADJUST,
            community,
            input={
                "memberId": str(member.id),
                "points": points,
                "reason": "服务",
                "requestId": str(uuid.uuid4()),
            },
        )
    from api.domains.points.periods import current_period

    period = current_period()
    early = await run(client, FREEZE, community, region=COMMUNITY, period=period)
    assert (early["__typename"], early["code"]) == ("ConflictError", "INVALID_TRANSITION")
    absent = await run(client, LEADERBOARD, region=COMMUNITY, period=period)
    assert absent["__typename"] == "NotFoundError"
    malformed = await run(client, LEADERBOARD, region=COMMUNITY, period="2026-4")
    assert malformed["__typename"] == "ValidationError"

    from tests.points.helpers import past_period_end

    past_period_end()
    community = await staff()
    assert (await run(client, FREEZE, community, region=COMMUNITY, period=period))[
        "__typename"
    ] == "FrozenPeriodPayload"
    twice = await run(client, FREEZE, community, region=COMMUNITY, period=period)
    assert (twice["__typename"], twice["code"]) == ("ConflictError", "ALREADY_EXISTS")
    board = await run(client, LEADERBOARD, region=COMMUNITY, period=period)
    rows = [
        (e["node"]["rank"], e["node"]["name"], e["node"]["points"])
        for e in board["entries"]["edges"]
    ]
    assert rows == [(1, None, "9.0"), (2, "党员341", "8.0")]

    # a credit for the frozen period lands in the current one: the frozen figures never change
    member = await PointsMember.get(id=hidden_member["uuid"])
    from api.domains.points import ledger
    from api.domains.points.enums import SourceKind

    entry = await ledger.credit(
        member_id=member.id,
        source=SourceKind.MEETING_ATTENDED,
        key="late-meeting",
        points=ledger.FIRST_RULES["meeting_points"],
        verifier=None,
        period_key=period,
    )
    assert entry is not None and entry.period_key != period
    again = await run(client, LEADERBOARD, region=COMMUNITY, period=period)
    assert again == board

    # consent withdrawn hides the name at once; given, shows it
    from tests.points.helpers import CONSENT

    assert (await run(client, CONSENT, await _token_of(member_ids[0]), consents=False))["member"][
        "consentsToPublish"
    ] is False
    await run(client, CONSENT, await _token_of(hidden_member["uuid"]), consents=True)
    swapped = await run(client, LEADERBOARD, region=COMMUNITY, period=period)
    names = [(e["node"]["rank"], e["node"]["name"]) for e in swapped["entries"]["edges"]]
    assert names == [(1, "隐名"), (2, None)]
    assert (await run(client, RATE, community, id=str(uuid.uuid4()), score=3))[
        "__typename"
    ] == "NotFoundError"


async def _user_of(token: str) -> uuid.UUID:
    from api import auth
    from tests.conftest import TEST_SECRET

    user_id, _, _ = auth.decode_access_token(token, secret=TEST_SECRET)
    return user_id
