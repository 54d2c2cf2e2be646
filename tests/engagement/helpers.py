"""Shared pieces of the citizens' side tests: WeChat sign-in and binding through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import gql

WECHAT_LOGIN = """
mutation($code: String!) {
  wechatLogin(code: $code) {
    __typename
    ... on AuthPayload { accessToken user { username roles { role regionCode } } }
    ... on WechatBindingRequired { bindingToken expiresInSeconds }
    ... on RateLimitedError { retryAfterSeconds }
    ... on Error { code field message }
  }
}"""
BIND = """
mutation($token: String!, $phone: String!, $code: String!) {
  bindWechat(bindingToken: $token, phone: $phone, verificationCode: $code) {
    __typename
    ... on AuthPayload { accessToken user { username roles { role regionCode } } }
    ... on Error { code field message }
  }
}"""
REQUEST_CODE = """
mutation($phone: String!) { requestPhoneCode(phone: $phone) { __typename } }"""
SET_RULE = """
mutation($channel: CitizenChannel!, $region: String!, $receiver: ChannelReceiver!) {
  setChannelRule(channel: $channel, regionCode: $region, receiver: $receiver, note: "分拨到中心") {
    __typename
    ... on ChannelRulePayload { rule { id channel regionCode receiver note setBy } }
    ... on Error { code field message }
  }
}"""


async def wechat_login(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    return dict((await gql(client, WECHAT_LOGIN, {"code": code}))["data"]["wechatLogin"])


async def bind(client: httpx.AsyncClient, token: str, phone: str) -> dict[str, Any]:
    sent = await gql(client, REQUEST_CODE, {"phone": phone})
    # a number that got a code a moment ago (registering) keeps that code
    assert sent["data"]["requestPhoneCode"]["__typename"] in {
        "PhoneCodePayload",
        "RateLimitedError",
    }, sent
    body = await gql(client, BIND, {"token": token, "phone": phone, "code": "000000"})
    return dict(body["data"]["bindWechat"])


async def wechat_citizen(client: httpx.AsyncClient, name: str, phone: str) -> str:
    """Sign in through the WeChat stub and bind to the phone; returns the access token."""
    unbound = await wechat_login(client, f"dev-{name}.1")
    assert unbound["__typename"] == "WechatBindingRequired", unbound
    bound = await bind(client, unbound["bindingToken"], phone)
    assert bound["__typename"] == "AuthPayload", bound
    return str(bound["accessToken"])


async def set_rule(
    client: httpx.AsyncClient, token: str, channel: str, region: str, receiver: str
) -> dict[str, Any]:
    body = await gql(
        client,
        SET_RULE,
        {"channel": channel, "region": region, "receiver": receiver},
        token=token,
    )
    return dict(body["data"]["setChannelRule"])
