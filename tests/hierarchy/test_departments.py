"""Departments: admin changes with typed errors, reads scoped to the subtree."""

from __future__ import annotations

import httpx
import pytest

from api.domains.hierarchy.models import Department
from tests import factories
from tests.factories import gql

CREATE = """
mutation($input: CreateDepartmentInput!) {
  createDepartment(input: $input) {
    __typename
    ... on DepartmentPayload { department { code regionCode categories } }
    ... on Error { code field }
  }
}"""
LIST = "query($c: String) { departments(category: $c, first: 100) { totalCount edges { node { code regionCode } } } }"


async def test_admin_creates_a_department_with_sorted_unique_categories(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")

    body = await gql(
        client,
        CREATE,
        {
            "input": {
                "regionCode": "410611",
                "code": "civil",
                "name": "民政局",
                "categories": ["0302", "0301", "0302"],
            }
        },
        token=admin,
    )

    assert body["data"]["createDepartment"] == {
        "__typename": "DepartmentPayload",
        "department": {"code": "civil", "regionCode": "410611", "categories": ["0301", "0302"]},
    }


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        (
            {"regionCode": "410611001001", "code": "x", "name": "x"},
            "INVALID",
            "regionCode",
        ),  # a community
        ({"regionCode": "4106110", "code": "x", "name": "x"}, "INVALID_CODE", "regionCode"),
        ({"regionCode": "410611", "code": "bad code!", "name": "x"}, "INVALID", "code"),
        ({"regionCode": "410611", "code": "x", "name": ""}, "INVALID", "name"),
        (
            {"regionCode": "410611", "code": "x", "name": "x", "categories": ["y" * 33]},
            "INVALID",
            "categories",
        ),
        ({"regionCode": "410611", "code": "police", "name": "dup"}, "ALREADY_EXISTS", "code"),
    ],
)
async def test_bad_departments_get_typed_errors(
    client: httpx.AsyncClient, data: dict, code: str, field: str
) -> None:
    await factories.region_tree()
    await factories.department("410611", code="police")
    _, admin = await factories.signed_in("admin", "4106")

    body = await gql(client, CREATE, {"input": data}, token=admin)

    result = body["data"]["createDepartment"]
    assert (result["code"], result["field"]) == (code, field)
    assert await Department.all().count() == 1


async def test_departments_are_listed_within_scope_and_by_category(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    await factories.department("410611", code="police")
    await factories.department("410602", code="police")
    await Department.create(
        region_code="410611001", code="office", name="街道办", categories=["0401"]
    )
    _, township = await factories.signed_in("township_centre", "410611001")
    _, district = await factories.signed_in("district_command", "410611")

    mine = await gql(client, LIST, {}, token=township)
    district_all = await gql(client, LIST, {}, token=district)
    handling = await gql(client, LIST, {"c": "0101"}, token=district)

    assert [e["node"]["regionCode"] for e in mine["data"]["departments"]["edges"]] == ["410611001"]
    assert district_all["data"]["departments"]["totalCount"] == 2
    assert [e["node"]["code"] for e in handling["data"]["departments"]["edges"]] == ["police"]
