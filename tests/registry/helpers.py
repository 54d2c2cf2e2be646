"""Registry test data: valid identifiers and the GraphQL documents the tests send."""

from __future__ import annotations

from typing import Any

import httpx
from stdnum.cn import ric, uscc

from tests.factories import gql

GRID = "410611001001001"  # 金山社区第1网格
SIBLING_GRID = "410611001001010"
OTHER_COMMUNITY = "410611001010"  # shares the prefix 4106110010 with 410611001001
TOWNSHIP = "410611001"
OTHER_TOWNSHIP = "410611002"


def id_number(birth: str = "19800101", sequence: int = 123, region: str = "410611") -> str:
    """A valid 18-character resident ID number; an odd sequence is a man."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(serial: str = "MA0000000") -> str:
    body = f"91410611{serial}"
    return body + uscc.calc_check_digit(body)


REGISTER_HOUSEHOLD = """
mutation($input: RegisterHouseholdInput!) {
  registerHousehold(input: $input) {
    __typename
    ... on HouseholdPayload {
      household { id uuid householdNumber headName regionCode
        members { uuid name idNumber phone relationToHead sex birthDate } }
    }
    ... on Error { code message field }
  }
}
"""

PERSON_FIELDS = """
  id uuid name idNumber phone regionCode personType sex birthDate ethnicity version status
  householdId houseId relationToHead tags
"""

REGISTER_PERSON = f"""
mutation($input: RegisterPersonInput!) {{
  registerPerson(input: $input) {{
    __typename
    ... on PersonPayload {{ person {{ {PERSON_FIELDS} }} }}
    ... on Error {{ code message field }}
  }}
}}
"""

PEOPLE = f"""
query($filter: PersonFilterInput, $first: Int, $after: String) {{
  people(filter: $filter, first: $first, after: $after) {{
    totalCount
    edges {{ cursor node {{ {PERSON_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

PERSON = f"""
query($id: ID!) {{ person(id: $id) {{ {PERSON_FIELDS} }} }}
"""


def household_input(
    number: str = "HH-0001", region_code: str = GRID, members: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "regionCode": region_code,
        "householdNumber": number,
        "address": "淇滨区金山街道金山社区1号楼1单元101",
        "members": members
        if members is not None
        else [
            {
                "relationToHead": "02",
                "person": {
                    "idNumber": id_number("19800101", 123),
                    "personType": "REGISTERED",
                    "name": "张伟",
                    "ethnicity": "01",
                    "phone": "13912345678",
                    "education": "20",
                    "politicalStatus": "13",
                    "maritalStatus": "20",
                    "religion": "00",
                },
            },
            {
                "relationToHead": "10",
                "person": {
                    "idNumber": id_number("19820315", 224),
                    "personType": "REGISTERED",
                    "name": "李娜",
                    "ethnicity": "03",
                    "phone": "13812345678",
                },
            },
        ],
    }


async def register_household(
    client: httpx.AsyncClient, token: str, **kwargs: Any
) -> dict[str, Any]:
    body = await gql(client, REGISTER_HOUSEHOLD, {"input": household_input(**kwargs)}, token=token)
    return body["data"]["registerHousehold"]  # type: ignore[no-any-return]
