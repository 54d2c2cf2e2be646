"""The labels of the closed loop's codes in zh-CN and en, chosen by argument, Accept-Language
or the deployment default; and the language negotiation itself."""

from __future__ import annotations

import httpx
import pytest

import schema  # noqa: F401 - imports every domain, so every vocabulary is registered
from api import vocabulary
from api.language import negotiate
from tests.factories import gql

QUERY = """
query($language: Language) {
  vocabulary(language: $language) { language version lists { name terms { code label } } }
}"""


def _lists(body: dict) -> dict[str, dict[str, str]]:
    return {
        entry["name"]: {term["code"]: term["label"] for term in entry["terms"]}
        for entry in body["data"]["vocabulary"]["lists"]
    }


def test_every_code_has_a_label_in_both_languages() -> None:
    for name, (enum, labels) in vocabulary.LABELS.items():
        assert set(labels) == set(enum), name
        for member, (chinese, english) in labels.items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), (name, member)
            assert english.isascii() and english.strip(), (name, member)


def test_every_vocabulary_is_an_enum_of_the_schema_with_the_same_codes() -> None:
    from graphql import GraphQLEnumType

    from api.settings import Environment, Settings
    from schema import build_schema

    types = build_schema(Settings(gridgov_env=Environment.TEST))._schema.type_map
    for name, (enum, _) in vocabulary.LABELS.items():
        assert isinstance(types.get(name), GraphQLEnumType), name
        assert set(types[name].values) == {member.name for member in enum}, name
    # the domains above the events domain label theirs too (registered beside their enums)
    assert {"CitizenChannel", "ServiceProviderStatus", "AnalysisReportStatus", "LedgerKind"} <= (
        set(vocabulary.LABELS)
    )


def test_an_unlabelled_member_fails_at_registration() -> None:
    from enum import StrEnum

    class Colour(StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(ValueError, match="unlabelled"):
        vocabulary.register("Colour", Colour, {Colour.RED: ("红", "Red")})
    assert "Colour" not in vocabulary.LABELS


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,en;q=0.5,zh;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("fr", "zh-CN"),
        ("en;q=abc", "zh-CN"),
        ("en;q=0", "zh-CN"),
        ("*", "zh-CN"),
        ("de," * 400 + "en", "zh-CN"),  # read no further than 500 characters
    ],
)
def test_accept_language_is_negotiated(header: str | None, expected: str) -> None:
    assert negotiate(header, "zh-CN") == expected


async def test_labels_in_the_language_asked_for(client: httpx.AsyncClient) -> None:
    chinese = await gql(client, QUERY, {}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    english = await gql(client, QUERY, {}, headers={"Accept-Language": "en-US,en;q=0.9"})
    asked = await gql(client, QUERY, {"language": "EN"}, headers={"Accept-Language": "zh-CN"})
    unknown = await gql(client, QUERY, {}, headers={"Accept-Language": "fr"})

    assert chinese["data"]["vocabulary"]["language"] == "ZH_CN"
    assert list(_lists(chinese)["EventStep"].values()) == [
        *("问题上报", "案卷建立", "任务指派", "调查落实", "处理反馈", "结案归档", "跟踪评价")
    ]
    assert _lists(chinese)["EventStatus"]["IN_PROGRESS"] == "处置中"
    assert _lists(english)["EventSource"]["HOTLINE"] == "12345 hotline"
    assert asked["data"]["vocabulary"]["language"] == "EN"
    assert _lists(asked) == _lists(english)
    assert unknown["data"]["vocabulary"]["language"] == "ZH_CN"  # the deployment's default
    versions = {body["data"]["vocabulary"]["version"] for body in (chinese, english, asked)}
    assert versions == {vocabulary.version()}


async def test_an_unknown_language_argument_is_a_typed_refusal(client: httpx.AsyncClient) -> None:
    body = await gql(client, QUERY, {"language": "FR"})

    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
