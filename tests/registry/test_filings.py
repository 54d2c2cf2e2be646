"""Filing of self-help organisations (备案): the community files, the township files with a
number or refuses; enterprises, a second live filing and a second decision are refused."""

from __future__ import annotations

import asyncio

import httpx

from tests import factories
from tests.factories import gql
from tests.registry.helpers import GRID, TOWNSHIP, credit_code

REGISTER = """
mutation($input: OrganisationFieldsInput!) {
  registerOrganisation(regionCode: "410611001001001", input: $input) {
    __typename ... on OrganisationPayload { organisation { id } } ... on Error { code message }
  }
}"""
SUBMIT = """
mutation($input: SubmitOrganisationFilingInput!) {
  submitOrganisationFiling(input: $input) {
    __typename
    ... on OrganisationFilingPayload { filing { id status members { name phone } dueAt } }
    ... on Error { code field message }
  }
}"""
DECIDE = """
mutation($id: ID!, $file: Boolean!, $note: String!) {
  decideOrganisationFiling(id: $id, file: $file, note: $note) {
    __typename
    ... on OrganisationFilingPayload { filing { status filingNumber note reviewedByLabel } }
    ... on Error { code field message }
  }
}"""
LIST = """
query { organisationFilings(filter: {status: FILED}) { totalCount edges { node { filingNumber } } } }
"""


def _filing(organisation_id: str) -> dict[str, object]:
    return {
        "input": {
            "organisationId": organisation_id,
            "charter": "第一条 本会名称为金山社区老年互助会……",
            "members": [
                {"name": "王大妈", "role": "会长", "phone": "13803920001"},
                {"name": "李大爷", "role": "会员"},
            ],
        }
    }


async def test_the_township_files_a_social_organisation_with_a_number(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", GRID[:12])
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    _, other_township = await factories.signed_in("township_centre", TOWNSHIP)
    social = await gql(
        client, REGISTER, {"input": {"kind": "SOCIAL", "name": "金山社区老年互助会"}}, token=staff
    )
    organisation_id = social["data"]["registerOrganisation"]["organisation"]["id"]
    enterprise = await gql(
        client,
        REGISTER,
        {"input": {"kind": "ENTERPRISE", "name": "金山商行", "creditCode": credit_code()}},
        token=staff,
    )
    enterprise_id = enterprise["data"]["registerOrganisation"]["organisation"]["id"]

    refused_kind = await gql(client, SUBMIT, _filing(enterprise_id), token=staff)
    assert refused_kind["data"]["submitOrganisationFiling"]["field"] == "organisationId"
    no_members = _filing(organisation_id)
    no_members["input"]["members"] = []  # type: ignore[index]
    empty = await gql(client, SUBMIT, no_members, token=staff)
    assert empty["data"]["submitOrganisationFiling"]["field"] == "members"

    submitted = await gql(client, SUBMIT, _filing(organisation_id), token=staff)
    filing = submitted["data"]["submitOrganisationFiling"]["filing"]
    assert filing["status"] == "SUBMITTED" and filing["dueAt"] is not None
    assert filing["members"][0] == {"name": "王大妈", "phone": "+8613803920001"}
    twice = await gql(client, SUBMIT, _filing(organisation_id), token=staff)
    assert twice["data"]["submitOrganisationFiling"]["__typename"] == "ConflictError"

    # the community may not decide; two township officers deciding at once: one wins
    own = await gql(client, DECIDE, {"id": filing["id"], "file": True, "note": ""}, token=staff)
    assert "errors" in own
    results = await asyncio.gather(
        *(
            gql(client, DECIDE, {"id": filing["id"], "file": True, "note": ""}, token=token)
            for token in (township, other_township)
        )
    )
    kinds = sorted(r["data"]["decideOrganisationFiling"]["__typename"] for r in results)
    assert kinds == ["ConflictError", "OrganisationFilingPayload"]
    decided = next(
        r["data"]["decideOrganisationFiling"]["filing"]
        for r in results
        if r["data"]["decideOrganisationFiling"]["__typename"] == "OrganisationFilingPayload"
    )
    assert decided["status"] == "FILED"
    assert decided["filingNumber"].startswith(f"{TOWNSHIP}-") and decided["filingNumber"].endswith(
        "-0001"
    )
    listed = await gql(client, LIST, token=township)
    assert listed["data"]["organisationFilings"]["totalCount"] == 1


async def test_a_refused_filing_says_why_and_may_be_filed_again(
    client: httpx.AsyncClient, db: None
) -> None:
    await factories.region_tree()
    _, staff = await factories.signed_in("community_staff", GRID[:12])
    _, township = await factories.signed_in("township_centre", TOWNSHIP)
    social = await gql(
        client, REGISTER, {"input": {"kind": "SOCIAL", "name": "互助会"}}, token=staff
    )
    organisation_id = social["data"]["registerOrganisation"]["organisation"]["id"]
    first = await gql(client, SUBMIT, _filing(organisation_id), token=staff)
    filing_id = first["data"]["submitOrganisationFiling"]["filing"]["id"]

    no_reason = await gql(
        client, DECIDE, {"id": filing_id, "file": False, "note": ""}, token=township
    )
    assert no_reason["data"]["decideOrganisationFiling"]["field"] == "note"
    refused = await gql(
        client, DECIDE, {"id": filing_id, "file": False, "note": "章程不全"}, token=township
    )
    result = refused["data"]["decideOrganisationFiling"]["filing"]
    assert (result["status"], result["filingNumber"], result["note"]) == (
        "REFUSED",
        None,
        "章程不全",
    )

    again = await gql(client, SUBMIT, _filing(organisation_id), token=staff)
    assert again["data"]["submitOrganisationFiling"]["filing"]["status"] == "SUBMITTED"
