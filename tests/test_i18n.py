"""Messages in the reader's language (api/i18n.py, issue 30 part 1): the catalog is complete, its
placeholders match, no message bypasses it, and a client gets every kind of error in Chinese
(zh-CN) or English (en) by Accept-Language, else by the user's saved language."""

from __future__ import annotations

import ast
import re
import string
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api import i18n
from api.errors import NotFound, PermissionDenied, ValidationFailed
from api.i18n import Message, _
from policies import terms
from tests import factories
from tests.accounts.test_websocket import ws_url  # noqa: F401 - the app on a real uvicorn
from tests.factories import gql, signed_in
from tests.realtime.servers import Feed

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("api", "schema", "workers", "policies")
# as README's `pybabel extract -k _ -k _p:1c,2 -k NotFound:1`
KEYWORDS: dict[str, Any] = {"_": None, "_p": ((1, "c"), 2), "NotFound": (1,)}
# raised with a message a client reads: the message must come from the catalog (`_()`)
CLIENT_ERRORS = {
    "DomainError",
    "ValidationFailed",
    "Conflict",
    "NotAllowed",
    "AuthenticationFailed",
    "RateLimited",
    "Unauthenticated",
    "PermissionDenied",
    "RefusedAddress",
    "Unresolvable",
    "FeedEnded",
    "FeedExpired",
    "FeedInterrupted",
    "TooManySubscriptions",
    "GraphQLError",
    "Open311Error",
}
MESSAGE_ARGUMENT = {"Open311Error": 1}  # (status, description)
CJK = re.compile(r"[\u4e00-\u9fff]")
# two English words in a row: a sentence left in English (codes and field names are single words)
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def _extracted() -> set[tuple[str | None, str]]:
    """(context, msgid) of every message in the code."""
    found: set[tuple[str | None, str]] = set()
    for source in SOURCES:
        for _filename, _line, message, _comments, context in extract_from_dir(
            str(ROOT / source),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=(),
        ):
            if isinstance(message, str) and message:
                found.add((context, message))
    return found


def _catalog(path: Path) -> dict[tuple[str | None, str], Any]:
    with path.open("rb") as file:
        return {(m.context, str(m.id)): m for m in read_po(file) if m.id}


def _placeholders(text: str) -> list[tuple[str, str, str]]:
    return sorted(
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


# ---------------------------------------------------------------- the catalog


def test_every_message_has_a_chinese_translation() -> None:
    """A msgid in the code without a zh-CN translation (or one only in the code, not in the
    template) fails here: run the README's extract/update commands and translate it."""
    extracted = _extracted()
    template = _catalog(i18n.LOCALE_DIR / "gridgov.pot")
    chinese = _catalog(i18n.catalog_path("zh-CN"))
    assert sorted(extracted - template.keys()) == [], "not in gridgov.pot: run pybabel extract"
    untranslated = sorted(
        (str(context), msgid)
        for context, msgid in extracted
        if (context, msgid) not in chinese
        or not chinese[context, msgid].string
        or chinese[context, msgid].fuzzy
    )
    assert untranslated == [], f"{len(untranslated)} messages lack a zh-CN translation"
    assert len(extracted) > 900


def test_translations_keep_the_placeholders() -> None:
    chinese = _catalog(i18n.catalog_path("zh-CN"))
    wrong = {
        msgid: entry.string
        for (_context, msgid), entry in chinese.items()
        if entry.string and _placeholders(msgid) != _placeholders(entry.string)
    }
    assert wrong == {}


def test_translations_are_chinese() -> None:
    chinese = _catalog(i18n.catalog_path("zh-CN"))
    english = sorted(
        m
        for (_c, m), entry in chinese.items()
        if entry.string
        and not CJK.search(entry.string)
        and re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", m))  # words, not only {a} ({b})
    )
    # a few msgids are a name or code alone (API key → "API 密钥" has CJK; "Webhook" has none)
    assert set(english) <= {"webhook"}, english


def test_no_client_message_bypasses_the_catalog() -> None:
    """An error a client reads, raised with a bare literal or f-string instead of `_()`: its
    message could never be translated (/work/wt/i18n_codemod.py converts such sites)."""
    bare = []
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in CLIENT_ERRORS:
                    continue
                position = MESSAGE_ARGUMENT.get(name, 0)
                messages = node.args[position : position + 1] + [
                    k.value for k in node.keywords if k.arg == "message"
                ]
                for message in messages:
                    if isinstance(message, ast.JoinedStr) or (
                        isinstance(message, ast.Constant) and isinstance(message.value, str)
                    ):
                        bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []


def test_every_policy_object_and_action_is_a_word_of_the_catalog() -> None:
    """So "your roles do not allow {action} on {obj}" has no English word in it."""
    rows = [
        [cell.strip() for cell in line.split(",")]
        for line in (ROOT / "policies" / "policy.csv").read_text().splitlines()
        if line.startswith("p,")
    ]
    assert {row[3] for row in rows} - terms.NOUNS.keys() == set()
    assert {row[4] for row in rows} - terms.ACTIONS.keys() == set()
    assert i18n.render(terms.action("file"), "zh-CN") == "立案"  # the step, not the noun
    assert i18n.render("file", "zh-CN") == "文件"


# ---------------------------------------------------------------- Message


def test_a_message_is_its_english_text_and_renders_in_chinese() -> None:
    message = _("username {username} is taken", username="zhang")
    assert message == "username zhang is taken"
    assert isinstance(str(message), Message) and str(ValidationFailed(message)) == message
    assert message.render("en") == "username zhang is taken"
    assert message.render("zh-CN") == "用户名 zhang 已被占用"
    assert i18n.render(message, "fr") == "username zhang is taken"  # unknown: English
    # a plain string that is a msgid, and a parameter that is one (NotFound's kind)
    assert i18n.render("sign in first", "zh-CN") == "请先登录"
    missing = NotFound("event", 42)
    assert missing.message == "event 42 not found"
    assert i18n.render(missing.message, "zh-CN") == "事件 42 不存在"
    assert i18n.render(PermissionDenied().args[0], "zh-CN") == "无权操作"
    # a msgid the catalog lacks stays English
    assert i18n.render(_("no such msgid {n}", n=1), "zh-CN") == "no such msgid 1"


# ---------------------------------------------------------------- over HTTP

LOGIN = """
mutation ($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename ... on Error { code message }
  }
}
"""
CREATE_USER = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) { __typename ... on Error { code message field } }
}
"""
DEACTIVATE = """
mutation ($id: ID!) { deactivateUser(id: $id) { __typename ... on Error { code message } } }
"""
REVOKE = """
mutation ($id: ID!) { revokeRole(assignmentId: $id) { __typename ... on Error { code message } } }
"""
SET_LANGUAGE = """
mutation ($language: Language) { setMyLanguage(language: $language) {
  __typename ... on UserPayload { user { language } } ... on Error { code message } } }
"""
ME = "{ me { username language } }"


async def _ask(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    language: str | None,
    token: str | None = None,
) -> dict[str, Any]:
    """Without `language`, no Accept-Language at all (the saved one or the default applies)."""
    sent = {"Authorization": f"Bearer {token}"} if token else {}
    if language is not None:
        sent["Accept-Language"] = language
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )
    return response.json()


async def _errors_by_type(client: httpx.AsyncClient, language: str) -> dict[str, str]:
    """One message of each error type a client can meet, in `language`."""
    admin, admin_token = await signed_in("admin", "410611001")
    clerk, clerk_token = await signed_in("grid_worker", "410611001001001")
    messages: dict[str, str] = {}

    async def result(query: str, variables: dict[str, Any], token: str | None, field: str) -> None:
        body = await gql(
            client, query, variables, token=token, headers={"Accept-Language": language}
        )
        assert "errors" not in body, body
        member = body["data"][field]
        messages[member["__typename"]] = member["message"]

    async def top_level(query: str, token: str | None) -> None:
        body = await gql(client, query, token=token, headers={"Accept-Language": language})
        error = body["errors"][0]
        messages[error["extensions"]["code"]] = error["message"]

    await result(
        CREATE_USER,
        {
            "input": {
                "username": "x",
                "displayName": "张三",
                "password": "Grid-Worker-2026",
                "roles": [{"role": "GRID_WORKER", "regionCode": "410611001001001"}],
            }
        },
        admin_token,
        "createUser",
    )
    await result(DEACTIVATE, {"id": str(uuid.uuid4())}, admin_token, "deactivateUser")
    # the user's only role: revoking it is a conflict
    assignment = await clerk.assignments.all().first()
    assert assignment is not None
    await result(REVOKE, {"id": str(assignment.id)}, admin_token, "revokeRole")
    await result(LOGIN, {"username": admin.username, "password": "wrong"}, None, "login")
    for _attempt in range(12):
        body = await gql(
            client,
            LOGIN,
            {"username": admin.username, "password": "wrong"},
            headers={"Accept-Language": language},
        )
        member = body["data"]["login"]
        if member["__typename"] == "RateLimitedError":
            messages["RateLimitedError"] = member["message"]
            break
    await top_level(ME, "not-a-token")
    await top_level("{ users(first: 1) { totalCount } }", clerk_token)
    return messages


@pytest.mark.usefixtures("db")
async def test_every_error_type_is_in_chinese_for_zh_cn_and_in_english_for_en(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    chinese = await _errors_by_type(client, "zh-CN")
    english = await _errors_by_type(client, "en")
    assert (
        set(chinese)
        == set(english)
        >= {
            "ValidationError",
            "NotFoundError",
            "ConflictError",
            "AuthenticationError",
            "RateLimitedError",
            "UNAUTHENTICATED",
            "FORBIDDEN",
        }
    ), chinese
    for kind, message in chinese.items():
        assert CJK.search(message), (kind, message)
        assert not ENGLISH_PHRASE.search(message), (kind, message)
    for kind, message in english.items():
        assert not CJK.search(message), (kind, message)
        assert ENGLISH_PHRASE.search(message), (kind, message)
    assert english["AuthenticationError"] == "wrong username or password"
    assert chinese["AuthenticationError"] == "用户名或密码错误"


@pytest.mark.usefixtures("db")
async def test_the_saved_language_applies_where_the_request_names_none(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _account, token = await signed_in("grid_worker", "410611001001001")
    bare = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with bare:
        # nothing saved, no header: the deployment's default (zh-CN)
        saved = await _ask(bare, SET_LANGUAGE, {"language": "EN"}, language=None, token=token)
        assert saved["data"]["setMyLanguage"]["user"]["language"] == "en"
        me = await _ask(bare, ME, language=None, token=token)
        assert me["data"]["me"]["language"] == "en"
        refused = await _ask(bare, "{ users(first: 1) { totalCount } }", language=None, token=token)
        assert not CJK.search(refused["errors"][0]["message"])
        # the header wins over the saved language
        asked = await _ask(
            bare, "{ users(first: 1) { totalCount } }", language="zh-CN,zh;q=0.9", token=token
        )
        assert CJK.search(asked["errors"][0]["message"])
        # back to the default
        await _ask(bare, SET_LANGUAGE, {"language": None}, language=None, token=token)
        default = await _ask(bare, "{ users(first: 1) { totalCount } }", language=None, token=token)
        assert CJK.search(default["errors"][0]["message"])
        # an unknown language falls back to the saved one, then the default
        unknown = await _ask(bare, "{ users(first: 1) { totalCount } }", language="fr", token=token)
        assert CJK.search(unknown["errors"][0]["message"])


CHANGES = "subscription($scope: String!, $after: Int) { eventChanges(scope: $scope, after: $after) { sequence } }"


async def test_a_subscription_refusal_is_in_the_connection_language(ws_url: str) -> None:  # noqa: F811
    """Over the websocket, whose headers a browser cannot set: connection_init's acceptLanguage."""
    await factories.region_tree()
    _, township = await signed_in("township_centre", "410611001")
    said = {}
    for language in ("zh-CN", "en"):
        feed = Feed(ws_url, township, language=language)
        try:
            await feed.open(CHANGES, {"scope": "410611001", "after": -1})
            message = await feed.next(timeout=10)
        finally:
            await feed.close()
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "INVALID"
        said[language] = errors[0]["message"]
    assert said == {"zh-CN": "after 为序号（≥ 0）", "en": "after is a sequence (≥ 0)"}
