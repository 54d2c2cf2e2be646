"""Account administration: creation rules, role assignments per level, scope."""

from __future__ import annotations

import httpx
import pytest

from api.domains.accounts.models import RoleAssignment, User
from tests import factories
from tests.factories import gql

CREATE_USER = """
mutation($input: CreateUserInput!) {
  createUser(input: $input) {
    __typename
    ... on UserPayload { user { username roles { role regionCode } } }
    ... on Error { code field }
  }
}"""
ASSIGN = """
mutation($user: ID!, $role: RoleAssignmentInput!) {
  assignRole(userId: $user, role: $role) {
    __typename
    ... on RoleAssignmentPayload { assignment { role regionCode } }
    ... on Error { code field }
  }
}"""
USERS = "query($code: String) { users(regionCode: $code, first: 100) { totalCount edges { node { username } } } }"


def new_user(**overrides: object) -> dict:
    data = {
        "username": "wang.fang",
        "displayName": "王芳",
        "password": "Grid-Worker-2026",
        "roles": [{"role": "GRID_WORKER", "regionCode": "410611001001001"}],
    }
    data.update(overrides)
    return data


async def test_admin_creates_a_grid_worker(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611001")

    body = await gql(client, CREATE_USER, {"input": new_user()}, token=admin)

    assert body["data"]["createUser"] == {
        "__typename": "UserPayload",
        "user": {
            "username": "wang.fang",
            "roles": [{"role": "GRID_WORKER", "regionCode": "410611001001001"}],
        },
    }
    stored = await User.get(username="wang.fang")
    assert (
        stored.password_hash.startswith("$argon2")
        and "Grid-Worker-2026" not in stored.password_hash
    )


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"password": "short1A"}, "WEAK_PASSWORD", "password"),
        ({"password": "alllowercaseletters"}, "WEAK_PASSWORD", "password"),
        ({"password": "Wang.Fang-2026x"}, "WEAK_PASSWORD", "password"),  # contains the username
        ({"username": "x"}, "INVALID", "username"),
        ({"username": "Robert'); DROP TABLE users;--"}, "INVALID", "username"),
        ({"displayName": "   "}, "INVALID", "displayName"),
        ({"roles": []}, "INVALID", "assignments"),
        (
            {"roles": [{"role": "GRID_WORKER", "regionCode": "410611001"}]},
            "ROLE_NOT_AT_LEVEL",
            "role",
        ),
        (
            {"roles": [{"role": "GRID_WORKER", "regionCode": "41061100100"}]},
            "INVALID_CODE",
            "regionCode",
        ),
        (
            {"roles": [{"role": "DEPARTMENT_STAFF", "regionCode": "410611001"}]},
            "INVALID",
            "departmentId",
        ),
        ({"phone": "call me"}, "INVALID", "phone"),
    ],
)
async def test_bad_accounts_get_typed_errors_and_nothing_is_written(
    client: httpx.AsyncClient, overrides: dict, code: str, field: str
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611001")
    before = await User.all().count()

    body = await gql(client, CREATE_USER, {"input": new_user(**overrides)}, token=admin)

    assert body["data"]["createUser"] == {
        "__typename": "ValidationError",
        "code": code,
        "field": field,
    }
    assert await User.all().count() == before


async def test_duplicate_usernames_conflict(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611001")
    await gql(client, CREATE_USER, {"input": new_user()}, token=admin)

    again = await gql(client, CREATE_USER, {"input": new_user(username="WANG.FANG")}, token=admin)

    assert again["data"]["createUser"] == {
        "__typename": "ConflictError",
        "code": "ALREADY_EXISTS",
        "field": "username",
    }
    assert await User.filter(username="wang.fang").count() == 1


async def test_an_admin_cannot_grant_roles_outside_its_township(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611001")
    outside = new_user(roles=[{"role": "GRID_WORKER", "regionCode": "410611002001001"}])
    above = new_user(roles=[{"role": "DISTRICT_COMMAND", "regionCode": "410611"}])

    # out of scope looks like absent: a typed NotFoundError, no hint that the region exists
    for roles in (outside, above):
        body = await gql(client, CREATE_USER, {"input": roles}, token=admin)
        assert body["data"]["createUser"]["__typename"] == "NotFoundError"
    assert await User.filter(username="wang.fang").count() == 0


async def test_users_are_listed_within_scope_only(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    await factories.user("grid_worker", "410611001001001", username="in.a")
    await factories.user("grid_worker", "410611002001001", username="in.b")
    _, admin_a = await factories.signed_in("admin", "410611001", username="admin.a")

    listed = await gql(client, USERS, {}, token=admin_a)
    names = [edge["node"]["username"] for edge in listed["data"]["users"]["edges"]]

    assert names == ["admin.a", "in.a"]
    other = await User.get(username="in.b")
    lookup = await gql(
        client,
        "query($id: ID!) { user(id: $id) { username } }",
        {"id": str(other.id)},
        token=admin_a,
    )
    assert lookup["data"]["user"] is None


async def test_role_assignment_and_revocation(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    worker = await factories.user("grid_worker", "410611001001001")

    leader = await gql(
        client,
        ASSIGN,
        {"user": str(worker.id), "role": {"role": "GRID_LEADER", "regionCode": "410611001001001"}},
        token=admin,
    )
    twice = await gql(
        client,
        ASSIGN,
        {"user": str(worker.id), "role": {"role": "GRID_LEADER", "regionCode": "410611001001001"}},
        token=admin,
    )
    wrong_level = await gql(
        client,
        ASSIGN,
        {"user": str(worker.id), "role": {"role": "CITY_COMMAND", "regionCode": "410611"}},
        token=admin,
    )

    assert leader["data"]["assignRole"]["__typename"] == "RoleAssignmentPayload"
    assert twice["data"]["assignRole"] == {
        "__typename": "ConflictError",
        "code": "ALREADY_EXISTS",
        "field": None,
    }
    assert wrong_level["data"]["assignRole"] == {
        "__typename": "ValidationError",
        "code": "ROLE_NOT_AT_LEVEL",
        "field": "role",
    }
    assignment = await RoleAssignment.get(user_id=worker.id, role="grid_leader")
    revoked = await gql(
        client,
        "mutation($id: ID!) { revokeRole(assignmentId: $id) { __typename } }",
        {"id": str(assignment.id)},
        token=admin,
    )
    assert revoked["data"]["revokeRole"]["__typename"] == "RoleAssignmentPayload"
    assert await RoleAssignment.filter(user_id=worker.id).count() == 1


async def test_the_last_role_cannot_be_revoked(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611")
    worker = await factories.user("grid_worker", "410611001001001")
    assignment = await RoleAssignment.get(user_id=worker.id)

    body = await gql(
        client,
        "mutation($id: ID!) { revokeRole(assignmentId: $id) { __typename ... on Error { code } } }",
        {"id": str(assignment.id)},
        token=admin,
    )

    assert body["data"]["revokeRole"] == {"__typename": "ConflictError", "code": "CONFLICT"}
    assert await RoleAssignment.filter(user_id=worker.id).count() == 1


async def test_a_township_admin_cannot_lock_out_a_district_officer(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    _, admin = await factories.signed_in("admin", "410611001")
    officer = await factories.user("district_command", "410611")
    await RoleAssignment.create(user=officer, role="grid_worker", region_code="410611001001001")

    body = await gql(
        client,
        "mutation($id: ID!) { deactivateUser(id: $id) { __typename } }",
        {"id": str(officer.id)},
        token=admin,
    )

    assert body["data"]["deactivateUser"]["__typename"] == "NotFoundError"
    assert (await User.get(id=officer.id)).is_active


SET_PASSWORD = """
mutation($id: ID!, $password: String!) {
  setUserPassword(id: $id, password: $password) {
    __typename
    ... on UserPayload { user { username } }
    ... on Error { code field }
  }
}"""
LOGIN = """
mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { __typename }
}"""
ME = "{ me { username } }"


async def test_an_admin_sets_a_password_and_the_old_sessions_end(
    client: httpx.AsyncClient,
) -> None:
    await factories.region_tree()
    admin_account, admin = await factories.signed_in("admin", "410611001")
    worker, worker_token = await factories.signed_in("grid_worker", "410611001001001")
    _, elsewhere = await factories.signed_in("admin", "410611002")
    _, leader = await factories.signed_in("township_centre", "410611001")
    before = (await User.get(id=worker.id)).password_hash

    refused = {
        "weak": (admin, "short", "WEAK_PASSWORD"),
        "out of scope": (elsewhere, "Qibin-River-2026!", "NOT_FOUND"),
    }
    for token, password, code in refused.values():
        body = await gql(
            client, SET_PASSWORD, {"id": str(worker.id), "password": password}, token=token
        )
        assert body["data"]["setUserPassword"]["code"] == code, body
    own = await gql(
        client,
        SET_PASSWORD,
        {"id": str(admin_account.id), "password": "Qibin-River-2026!"},
        token=admin,
    )
    assert own["data"]["setUserPassword"] == {
        "__typename": "ValidationError",
        "code": "INVALID",
        "field": "id",
    }
    not_admin = await gql(
        client, SET_PASSWORD, {"id": str(worker.id), "password": "Qibin-River-2026!"}, token=leader
    )
    assert not_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await User.get(id=worker.id)).password_hash == before

    body = await gql(
        client, SET_PASSWORD, {"id": str(worker.id), "password": "Qibin-River-2026!"}, token=admin
    )
    assert body["data"]["setUserPassword"]["__typename"] == "UserPayload"
    signed_out = await gql(client, ME, token=worker_token)
    assert signed_out["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    login = await gql(client, LOGIN, {"u": worker.username, "p": "Qibin-River-2026!"})
    assert login["data"]["login"]["__typename"] == "AuthPayload"
    audit = await gql(
        client, "{ auditLog(first: 20) { edges { node { action objectId } } } }", token=admin
    )
    entries = [edge["node"] for edge in audit["data"]["auditLog"]["edges"]]
    assert {"action": "user.set_password", "objectId": str(worker.id)} in entries


ME_IN_FULL = """{ me { id username displayName phone isActive createdAt lastLoginAt
                     roles { id role regionCode departmentId } } }"""
USER_IN_FULL = """query($id: ID!) { user(id: $id) { id username displayName phone isActive createdAt
                     lastLoginAt roles { id role regionCode departmentId } } }"""


async def test_me_shows_what_user_shows_and_a_new_role_at_once(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    police = await factories.department("410611", "police")
    housing = await factories.department("410611001", "housing", "住建")
    _, admin = await factories.signed_in("admin", "410611")
    staff = await factories.user("department_staff", "410611001", department_id=housing.id)
    # assignments made in an order unlike the one roles are listed in
    for role, code, department in [
        ("grid_worker", "410611001001001", None),
        ("department_staff", "410611", police.id),
        ("community_staff", "410611001001", None),
    ]:
        await RoleAssignment.create(
            user=staff, role=role, region_code=code, department_id=department
        )
    await User.filter(id=staff.id).update(phone="13800000000")
    login = await gql(
        client,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) "
        "{ ... on AuthPayload { accessToken } } }",
        {"u": staff.username, "p": factories.PASSWORD},
    )
    token = login["data"]["login"]["accessToken"]

    me = (await gql(client, ME_IN_FULL, token=token))["data"]["me"]
    seen_by_admin = await gql(client, USER_IN_FULL, {"id": me["id"]}, token=admin)
    granted = await gql(
        client,
        ASSIGN,
        {"user": str(staff.id), "role": {"role": "GRID_LEADER", "regionCode": "410611001001001"}},
        token=admin,
    )
    after = (await gql(client, ME_IN_FULL, token=token))["data"]["me"]

    assert me == seen_by_admin["data"]["user"]
    assert me["phone"] == "13800000000" and me["lastLoginAt"] is not None
    assert [(r["role"], r["regionCode"]) for r in me["roles"]] == [
        ("DEPARTMENT_STAFF", "410611"),
        ("DEPARTMENT_STAFF", "410611001"),
        ("COMMUNITY_STAFF", "410611001001"),
        ("GRID_WORKER", "410611001001001"),
    ]
    assert granted["data"]["assignRole"]["__typename"] == "RoleAssignmentPayload"
    assert ("GRID_LEADER", "410611001001001") in [
        (r["role"], r["regionCode"]) for r in after["roles"]
    ]
    assert after == (await gql(client, USER_IN_FULL, {"id": me["id"]}, token=admin))["data"]["user"]
