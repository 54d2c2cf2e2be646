"""WeChat mini-program sign-in: the stub and the real code2session client, binding to a
phone-verified citizen account, appeals with source WECHAT, and the whole way of an appeal from
the mini-program to the public board."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api import clock
from api.domains.accounts.models import User
from api.domains.audit.models import AuditEntry
from api.domains.engagement.models import WechatBinding
from api.domains.engagement.wechat import (
    Code2SessionClient,
    DevelopmentWechatClient,
    wechat_client,
)
from api.domains.events.models import Event, TimelineEntry
from api.errors import NotAllowed, ValidationFailed
from api.settings import Environment, Settings
from tests import factories
from tests.engagement.helpers import bind, set_rule, wechat_citizen, wechat_login
from tests.engagement.test_citizens import ONE, RATE, appeal, submit
from tests.factories import gql
from tests.intake.helpers import loopback

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 400
AAC = b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 400
TOWNSHIP = "410611001"
PERSONAL = ("13912345678", "8613912345678", "139****5678", "金山社区东门")


@pytest.fixture
def files_in_tmp(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "gridgov_attachment_dir", tmp_path / "files")


async def _step(client: httpx.AsyncClient, token: str, mutation: str, **variables: Any) -> None:
    arguments = ", ".join(f"{name}: ${name}" for name in variables)
    declared = ", ".join(
        f"${name}: {'ID!' if name in {'id', 'departmentId'} else 'String!' if name == 'note' else 'Boolean!'}"
        for name in variables
    )
    body = await gql(
        client,
        f"mutation({declared}) {{ {mutation}({arguments}) {{ __typename"
        " ... on Error { code message } } }",
        variables,
        token=token,
    )
    assert body["data"][mutation]["__typename"] == "EventPayload", body


async def test_wechat_appeal_with_voice_routed_to_the_township_centre_to_the_public_board(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    _, district = await factories.signed_in("district_command", "410611")
    rule = await set_rule(client, district, "WECHAT", "410611", "TOWNSHIP_CENTRE")
    assert rule["__typename"] == "ChannelRulePayload", rule

    token = await wechat_citizen(client, "alice", "13912345678")
    again = await wechat_login(client, "dev-alice.2")  # bound: signed in at once
    assert again["__typename"] == "AuthPayload"
    assert again["user"]["roles"] == [{"role": "CITIZEN", "regionCode": "4106"}]

    submitted = await submit(
        client, token, appeal(public=True), photos=[("语音.mp3", MP3), ("录音.aac", AAC)]
    )
    assert submitted["__typename"] == "AppealPayload", submitted
    created = submitted["appeal"]
    assert [p["contentType"] for p in created["photos"]] == ["audio/mpeg", "audio/aac"]
    voice = await client.get(
        created["photos"][0]["url"], headers={"Authorization": f"Bearer {token}"}
    )
    assert voice.status_code == 200 and voice.content == MP3
    event = await Event.get(id=created["uuid"])
    assert (event.source, event.region_code) == ("wechat", "410611001001001")
    assert (event.handling_region_code, event.handling_level) == (TOWNSHIP, "township")
    report = await TimelineEntry.get(event_id=event.id, action="report")
    assert report.to_region_code == TOWNSHIP
    assert report.note == "渠道分拨: wechat → 街道/乡镇中心 (rule of 410611)"

    # The township centre triages it, the department handles it, the centre closes it.
    _, centre = await factories.signed_in("township_centre", TOWNSHIP)
    department = await factories.department(TOWNSHIP, code="sanitation", name="环卫所")
    _, staff = await factories.signed_in(
        "department_staff", TOWNSHIP, department_id=str(department.id)
    )
    await _step(client, centre, "fileEvent", id=created["uuid"])
    await _step(client, centre, "assignEvent", id=created["uuid"], departmentId=str(department.id))
    await _step(client, staff, "acceptEvent", id=created["uuid"])
    await _step(client, staff, "submitEventResult", id=created["uuid"], note="已清运，已设垃圾桶")
    await _step(client, centre, "verifyEvent", id=created["uuid"], passed=True)
    await _step(client, centre, "closeEvent", id=created["uuid"], note="办结")

    followed = (await gql(client, ONE, {"id": created["uuid"]}, token=token))["data"]["myAppeal"]
    assert followed["status"] == "CLOSED"
    levels = await gql(
        client,
        "query($id: ID!) { myAppeal(id: $id) { progress { action handlingLevel } } }",
        {"id": created["uuid"]},
        token=token,
    )
    steps = levels["data"]["myAppeal"]["progress"]
    assert steps[0] == {"action": "REPORT", "handlingLevel": "TOWNSHIP"}
    assert [s["action"] for s in steps][-3:] == ["SUBMIT", "VERIFY", "CLOSE"]
    rated = await gql(client, RATE, {"id": created["uuid"], "score": 5}, token=token)
    assert rated["data"]["rateAppeal"]["__typename"] == "AppealPayload"

    response = await client.post(
        "/graphql",
        json={
            "query": "query($r: String!) { publicAppeals(regionCode: $r, first: 10) {"
            " totalCount edges { node { id title categoryKey categoryName communityCode"
            " communityName status result satisfaction closedAt } } } }",
            "variables": {"r": "410611"},
        },
    )
    board = response.json()["data"]["publicAppeals"]
    assert board["totalCount"] == 1
    shown = board["edges"][0]["node"]
    assert shown == {
        "id": created["uuid"],
        "title": "小区门口垃圾堆放",
        "categoryKey": "city.0601",
        "categoryName": shown["categoryName"],
        "communityCode": "410611001001",
        "communityName": "金山社区",
        "status": "EVALUATED",
        "result": "已清运，已设垃圾桶",
        "satisfaction": 5,
        "closedAt": shown["closedAt"],
    }
    assert shown["closedAt"] is not None
    for personal in PERSONAL:
        assert personal not in response.text


async def test_binding_makes_the_account_once_and_an_openid_binds_one_account(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    first = await wechat_login(client, "dev-bob.1")
    second = await wechat_login(client, "dev-bob.2")
    other = await wechat_login(client, "dev-carol.1")

    bound = await bind(client, first["bindingToken"], "13800000001")
    twice = await bind(client, second["bindingToken"], "13800000002")  # the same WeChat user
    taken = await bind(client, other["bindingToken"], "13800000001")  # an account bound already
    wrong = await gql(
        client,
        'mutation { bindWechat(bindingToken: "forged", phone: "13800000003",'
        ' verificationCode: "000000") { __typename ... on Error { code field } } }',
    )

    assert bound["__typename"] == "AuthPayload"
    assert bound["user"]["username"] == "8613800000001"
    assert (twice["code"], twice["field"]) == ("ALREADY_EXISTS", "bindingToken")
    assert (taken["code"], taken["field"]) == ("ALREADY_EXISTS", "phone")
    assert wrong["data"]["bindWechat"] == {
        "__typename": "ValidationError",
        "code": "INVALID_TOKEN",
        "field": "bindingToken",
    }
    # nothing half-written: one account, one binding
    assert await User.all().values_list("username", flat=True) == ["8613800000001"]
    assert await WechatBinding.all().count() == 1


async def test_an_existing_phone_account_is_bound_and_keeps_its_password(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    from tests.engagement.test_citizens import LOGIN, PASSWORD, citizen

    await citizen(client, "13912345678")
    unbound = await wechat_login(client, "dev-dora.1")
    bound = await bind(client, unbound["bindingToken"], "+86 139 1234 5678")
    login = await gql(client, LOGIN, {"phone": "13912345678", "password": PASSWORD})

    assert bound["__typename"] == "AuthPayload"
    assert bound["user"]["username"] == "8613912345678"
    assert login["data"]["citizenLogin"]["__typename"] == "AuthPayload"
    assert await User.all().count() == 1


async def test_staff_accounts_are_not_bound(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    staff = await factories.user("grid_worker", "410611001001001", username="8613700000000")
    staff.phone = "+8613700000000"
    await staff.save()
    unbound = await wechat_login(client, "dev-erin.1")

    refused = await bind(client, unbound["bindingToken"], "13700000000")

    assert refused["code"] == "NOT_ALLOWED"
    assert await WechatBinding.all().count() == 0


async def test_invalid_and_reused_codes_are_typed_errors_then_rate_limited(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    first = await wechat_login(client, "dev-frank.1")
    reused = await wechat_login(client, "dev-frank.1")
    invalid = await wechat_login(client, "not-a-wechat-code")
    empty = await wechat_login(client, " ")
    answers = [await wechat_login(client, f"bad-{i}") for i in range(5)]

    assert first["__typename"] == "WechatBindingRequired"
    assert (reused["code"], reused["field"]) == ("INVALID_TOKEN", "code")
    assert (invalid["code"], invalid["field"]) == ("INVALID_TOKEN", "code")
    assert (empty["code"], empty["field"]) == ("INVALID", "code")
    assert answers[-1]["__typename"] == "RateLimitedError"
    # even a good code waits until the window passes
    assert (await wechat_login(client, "dev-frank.2"))["__typename"] == "RateLimitedError"


async def test_binding_tokens_expire_and_carry_no_session_key(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await factories.region_tree()
    unbound = await wechat_login(client, "dev-gina.1")
    claims = jwt.decode(unbound["bindingToken"], settings.secret_key(), algorithms=["HS256"])
    assert set(claims) == {"typ", "openid", "unionid", "exp"}
    assert unbound["expiresInSeconds"] == 600

    clock.move(timedelta(minutes=11))
    late = await bind(client, unbound["bindingToken"], "13800000009")
    assert (late["code"], late["field"]) == ("INVALID_TOKEN", "bindingToken")
    assert await User.all().count() == 0


async def test_the_development_client_refuses_production() -> None:
    stub = DevelopmentWechatClient(Environment.PRODUCTION)
    with pytest.raises(NotAllowed):
        await stub.code_to_session("dev-alice.1")
    development = wechat_client(Settings(gridgov_env=Environment.DEVELOPMENT))
    assert isinstance(development, DevelopmentWechatClient)
    assert (await development.code_to_session("dev-alice.7")).openid == "dev-openid-alice"
    with pytest.raises(ValidationFailed):
        await development.code_to_session("dev-")
    configured = wechat_client(
        Settings(gridgov_wechat_app_id="wx0123456789", gridgov_wechat_app_secret="s3cret")
    )
    assert isinstance(configured, Code2SessionClient)


def test_the_real_client_builds_the_code2session_request() -> None:
    client = Code2SessionClient(
        app_id="wx0123456789", app_secret="s3cret", api_base="https://api.weixin.qq.com/"
    )
    request = client.request("081abc")
    assert request.method == "GET"
    assert request.url.host == "api.weixin.qq.com"
    assert request.url.path == "/sns/jscode2session"
    assert dict(request.url.params) == {
        "appid": "wx0123456789",
        "secret": "s3cret",
        "js_code": "081abc",
        "grant_type": "authorization_code",
    }


async def _code2session_server(seen: list[dict[str, str]]) -> AsyncIterator[str]:
    """WeChat's endpoint on loopback: `good-*` codes are users, the rest WeChat's errors."""

    async def jscode2session(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        seen.append(params)
        code = params.get("js_code", "")
        if code.startswith("good-"):
            return JSONResponse(
                {"openid": f"o-{code}", "session_key": "SECRET-KEY", "unionid": "u-1"}
            )
        if code == "used":
            return JSONResponse({"errcode": 40163, "errmsg": "code been used"})
        if code == "busy":
            return JSONResponse({"errcode": 45011, "errmsg": "api minute-quota reach limit"})
        return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})

    app = Starlette(routes=[Route("/sns/jscode2session", jscode2session)])
    async for base in loopback(app):
        yield base


async def test_the_real_client_against_a_loopback_code2session(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.region_tree()
    seen: list[dict[str, str]] = []
    servers = _code2session_server(seen)
    base = await anext(servers)
    try:
        monkeypatch.setattr(settings, "gridgov_wechat_app_id", "wx0123456789")
        monkeypatch.setattr(settings, "gridgov_wechat_app_secret", "s3cret")
        monkeypatch.setattr(settings, "gridgov_wechat_api_base", base)

        signed = await wechat_login(client, "good-1")
        used = await wechat_login(client, "used")
        invalid = await wechat_login(client, "nonsense")
        busy = await wechat_login(client, "busy")
        bound = await bind(client, signed["bindingToken"], "13800000005")
    finally:
        await anext(servers, None)

    assert signed["__typename"] == "WechatBindingRequired"
    assert "SECRET-KEY" not in str(signed)
    assert seen[0] == {
        "appid": "wx0123456789",
        "secret": "s3cret",
        "js_code": "good-1",
        "grant_type": "authorization_code",
    }
    assert (used["code"], invalid["code"]) == ("INVALID_TOKEN", "INVALID_TOKEN")
    assert busy["__typename"] == "RateLimitedError"
    assert bound["__typename"] == "AuthPayload"
    binding = await WechatBinding.get(openid="o-good-1")
    assert binding.unionid == "u-1"


async def test_appeals_from_an_app_session_stay_citizen_and_staff_see_wechat(
    client: httpx.AsyncClient, files_in_tmp: None
) -> None:
    await factories.region_tree()
    token = await wechat_citizen(client, "hana", "13800000006")
    app_user = await User.get(username="8613800000006")
    app_token = await factories.token_for(app_user)  # a session not opened through WeChat

    through_wechat = await submit(client, token, appeal(title="微信上报"))
    through_app = await submit(client, app_token, appeal(title="应用上报"))
    mine = await gql(client, "{ myAppeals(first: 10) { totalCount } }", token=app_token)

    assert (await Event.get(id=through_wechat["appeal"]["uuid"])).source == "wechat"
    assert (await Event.get(id=through_app["appeal"]["uuid"])).source == "citizen"
    assert mine["data"]["myAppeals"]["totalCount"] == 2


UNBIND = "mutation { unbindWechat { __typename ... on Error { code field } } }"


async def test_a_citizen_unbinds_wechat_and_the_openid_binds_again(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    token = await wechat_citizen(client, "erin", "13912340001")
    anonymous = await gql(client, UNBIND)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await WechatBinding.all().count() == 1

    unbound = await gql(client, UNBIND, token=token)
    assert unbound["data"]["unbindWechat"] == {"__typename": "WechatUnbound"}
    assert await WechatBinding.all().count() == 0
    entry = await AuditEntry.get(action="citizen.unbind_wechat")
    account = await User.get(username="8613912340001")
    assert (entry.object_id, entry.region_code) == (str(account.id), "4106")
    # not bound any more: a typed error, nothing written
    again = await gql(client, UNBIND, token=token)
    assert again["data"]["unbindWechat"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
        "field": None,
    }
    assert await AuditEntry.filter(action="citizen.unbind_wechat").count() == 1

    # the openid is free: a fresh sign-in asks to bind, and binds to another phone
    fresh = await wechat_login(client, "dev-erin.2")
    assert fresh["__typename"] == "WechatBindingRequired", fresh
    rebound = await bind(client, fresh["bindingToken"], "13912340002")
    assert rebound["__typename"] == "AuthPayload", rebound
    assert rebound["user"]["username"] == "8613912340002"
    signed_in = await wechat_login(client, "dev-erin.3")
    assert signed_in["__typename"] == "AuthPayload"
    assert signed_in["user"]["username"] == "8613912340002"
    assert await WechatBinding.all().count() == 1
