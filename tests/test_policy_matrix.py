"""Role × level × action, through HTTP, against policies/policy.csv.

For every role, at every level where it may be held, and for every region level at or below it,
each guarded operation is tried on a target inside the role's subtree: it must succeed exactly
when policy.csv allows (role, target level, object, action), and fail with FORBIDDEN otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from api import clock
from api.domains.registry.enums import PartyOrganisationLevel
from api.domains.registry.models import PartyOrganisation
from api.regions import ORDER, Level
from policies.enforcer import get_enforcer
from tests import factories
from tests.factories import error_codes, gql

# One region per level on one branch of the test tree.
TARGET = {
    Level.CITY: "4106",
    Level.DISTRICT: "410611",
    Level.TOWNSHIP: "410611001",
    Level.COMMUNITY: "410611001001",
    Level.GRID: "410611001001001",
}

Probe = Callable[[httpx.AsyncClient, str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def read_region(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client, "query($c: String!) { region(code: $c) { code } }", {"c": code}, token=token
    )


async def update_region(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { updateRegion(code: $c, input: {households: 7}) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_departments(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { departments(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def update_department(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($id: ID!) { updateDepartment(id: $id, input: {phone: "0392"}) { __typename } }',
        {"id": ctx["departments"][code]},
        token=token,
    )


async def read_users(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { users(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_audit(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { auditLog(regionCode: $c) { edges { node { action } } } }",
        {"c": code},
        token=token,
    )


async def read_api_keys(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(client, "{ apiKeys { edges { node { id } } } }", token=token)


async def import_regions(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    return await start(
        client, token, "REGIONS", csv_bytes([["code", "name"]]), mode="VALIDATE", region_code=code
    )


async def import_compounds(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["code", "community_code", "name"]]
    return await start(
        client, token, "COMPOUNDS", csv_bytes(header), mode="VALIDATE", region_code=code
    )


async def import_users(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["username", "display_name", "role", "region_code"]]
    return await start(client, token, "USERS", csv_bytes(header), mode="VALIDATE", region_code=code)


async def import_residents(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["id_number", "name", "region_code"]]
    return await start(
        client, token, "RESIDENTS", csv_bytes(header), mode="VALIDATE", region_code=code
    )


async def import_indicator_values(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from tests.imports.helpers import csv_bytes, start

    header = [["indicator", "region_code", "period", "value"]]
    return await start(
        client, token, "INDICATOR_VALUES", csv_bytes(header), mode="VALIDATE", region_code=code
    )


async def read_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { registryStatistics(regionCode: $c) {"
        " ... on RegistryStatistics { totals { count } } } }",
        {"c": code},
        token=token,
    )


async def create_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    building = {"buildingCode": f"B-{uuid.uuid4().hex[:12]}", "name": "1号楼", "address": "金山路"}
    return await gql(
        client,
        "mutation($c: String!, $b: BuildingFieldsInput!) {"
        " registerBuilding(regionCode: $c, input: $b) { __typename } }",
        {"c": code, "b": building},
        token=token,
    )


async def export_registry(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { exportPeople(filter: {regionCode: $c}) { rowCount } }",
        {"c": code},
        token=token,
    )


async def read_pending_changes(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { registryPendingCounts(regionCode: $c) { regionCode } }",
        {"c": code},
        token=token,
    )


async def set_registry_review(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { setRegistryReview(regionCode: $c, required: false) {"
        " __typename } }",
        {"c": code},
        token=token,
    )


async def read_organisation_filings(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { organisationFilings(filter: {regionCode: $c}) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_statistics(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { eventStatistics(scope: $c, from: "2026-11-01", to: "2026-11-30")'
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def read_ranking(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { ranking(scope: $c, subject: DEPARTMENT, from: "2026-11-01",'
        ' to: "2026-11-30") { __typename } }',
        {"c": code},
        token=token,
    )


async def manage_approval_item(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    level = Level.of_code(code)
    assert level is not None
    item = {
        "code": f"P-{uuid.uuid4().hex[:8]}",
        "name": "探针事项",
        "regionCode": code,
        "promisedDays": 5,
        "decidesAt": level.name,
        "formTemplate": {"type": "object"},
    }
    return await gql(
        client,
        "mutation($i: ApprovalItemInput!) { saveApprovalItem(input: $i) { __typename } }",
        {"i": item},
        token=token,
    )


async def read_applications(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { applications(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_risk_assessments(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { riskAssessments(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def create_risk_assessment(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    decision = {"title": "探针", "sponsorUnit": "探针", "decisionType": "probe", "regionCode": code}
    return await gql(
        client,
        "mutation($i: RiskAssessmentInput!) { submitRiskAssessment(input: $i) { __typename } }",
        {"i": decision},
        token=token,
    )


async def read_diaries(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { diariesToReview(scope: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def set_diary_quota(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { setDiaryQuota(input: {role: "grid_worker", regionCode: $c,'
        " period: WEEK, minDiaries: 5, minVisits: 3, minVisitMinutes: 60}) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_projects(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { projectStatistics(scope: $c, from: "2026-01-01", to: "2026-12-31")'
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def manage_projects(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # an unknown category: allowed callers get its typed error, and nothing is written
    return await gql(
        client,
        'mutation($c: String!) { createProject(input: {name: "p", categoryCode: "none",'
        ' regionCode: $c, plannedInvestment: {amount: "1"}, startsOn: "2026-01-01",'
        ' endsOn: "2026-12-31"}) { __typename } }',
        {"c": code},
        token=token,
    )


async def read_indicator_values(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { indicatorAggregate(indicator: "none", scope: $c,'
        ' period: "2026-01-01") { __typename } }',
        {"c": code},
        token=token,
    )


async def read_patrols(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client, "query($c: String!) { patrols(scope: $c) { totalCount } }", {"c": code}, token=token
    )


async def read_region_features(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { regionFeatures(scope: $c, level: GRID) { __typename }"
        " boundaryViolations(scope: $c) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_map_workers(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { mapWorkers(scope: $c, area: {near: {lat: 35.7, lng: 114.3,"
        " radius: 1000}}) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_visit_coverage(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { visitCoverage(scope: $c, from: "2026-11-01T00:00:00+08:00",'
        ' to: "2026-12-01T00:00:00+08:00") { regionCode } }',
        {"c": code},
        token=token,
    )


async def read_round_report(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { roundReport(scope: $c, kind: COMMUNITY, from: "2026-11-01",'
        ' to: "2026-11-30") { __typename } }',
        {"c": code},
        token=token,
    )


async def read_incidents(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { incidents(scope: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def open_incident(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    report = {
        "title": "燃气泄漏",
        "description": "来电称小区燃气泄漏",
        "typeCode": "0203",
        "regionCode": code,
        "source": "PHONE",
    }
    return await gql(
        client,
        "mutation($i: OpenIncidentInput!) { openIncident(input: $i) { __typename } }",
        {"i": report},
        token=token,
    )


async def read_emergency_plans(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { emergencyPlans(scope: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def save_emergency_plan(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # the township's department is on the path of every target of the test tree's branch
    department = ctx["departments"][TARGET[Level.TOWNSHIP]]
    plan = {
        "code": f"P-{code}",
        "name": "燃气事故应急预案",
        "typeCode": "0203",
        "regionCode": code,
        "highestLevel": "III",
        "lowestLevel": "IV",
        "departments": [{"departmentId": department, "role": "RESPONSIBLE", "duty": "抢修"}],
    }
    return await gql(
        client,
        "mutation($p: EmergencyPlanInput!) { saveEmergencyPlan(input: $p) { __typename } }",
        {"p": plan},
        token=token,
    )


# (object, action, probe, levels the target may have)
async def publish_notice(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { publishNotice(input: {title: "t", body: "b",'
        " audience: {regionCodes: [$c]}}) { __typename } }",
        {"c": code},
        token=token,
    )


async def schedule_meeting(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    starts = clock.now() + timedelta(hours=3)
    return await gql(
        client,
        "mutation($c: String!, $s: DateTime!, $e: DateTime!) { scheduleMeeting(input: {"
        'kind: JOINT_MEETING, title: "t", startsAt: $s, endsAt: $e, place: "p", agenda: "a",'
        " regionCode: $c}) { __typename } }",
        {"c": code, "s": starts.isoformat(), "e": (starts + timedelta(hours=1)).isoformat()},
        token=token,
    )


async def party_organisation(code: str, ctx: dict[str, Any]) -> str:
    """One party organisation at the region, made the first time a probe asks for it."""
    organisations = ctx.setdefault("party_organisations", {})
    if code not in organisations:
        organisations[code] = str(
            (
                await PartyOrganisation.create(
                    id=uuid.uuid4(),
                    region_code=code,
                    level=PartyOrganisationLevel.COMMUNITY_COMMITTEE,
                    name="党委",
                )
            ).id
        )
    found: str = organisations[code]
    return found


async def read_organisation_life(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($o: ID!) { organisationLife(organisationId: $o) { warnings } }",
        {"o": await party_organisation(code, ctx)},
        token=token,
    )


async def appoint_party_post(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # allowed: a ValidationError (no such member of the organisation); refused: FORBIDDEN
    return await gql(
        client,
        "mutation($o: ID!, $m: ID!) { appointPartyPost(organisationId: $o, partyMemberId: $m,"
        ' post: SECRETARY, termStart: "2024-01-01") { __typename } }',
        {"o": await party_organisation(code, ctx), "m": str(uuid.uuid4())},
        token=token,
    )


async def send_message(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # allowed: an OUTSIDE_AREA ValidationError (no such colleague); refused: FORBIDDEN
    return await gql(
        client,
        'mutation($u: ID!) { sendMessage(input: {subject: "s", body: "b", userIds: [$u]})'
        " { __typename } }",
        {"u": str(uuid.uuid4())},
        token=token,
    )


async def broadcast_message(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { sendMessage(input: {subject: "s", body: "b",'
        " regionCodes: [$c]}) { __typename } }",
        {"c": code},
        token=token,
    )


async def publish_post(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { publishPost(input: {regionCode: $c, kind: PUBLICITY, title: "t",'
        ' body: "b"}) { __typename } }',
        {"c": code},
        token=token,
    )


async def read_points_members(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { pointsMembers(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def publish_welfare_post(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from api import clock

    now = clock.now()
    return await gql(
        client,
        "mutation($c: String!, $s: DateTime!, $e: DateTime!) { publishWelfarePost(input:"
        ' {regionCode: $c, title: "t", startsAt: $s, endsAt: $e, slots: 1, points: "1"})'
        " { __typename } }",
        {"c": code, "s": now.isoformat(), "e": now.replace(year=now.year + 1).isoformat()},
        token=token,
    )


async def read_post_claims(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { postClaims(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_pledges(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { pledges(regionCode: $c, periodKey: "2026Q4") { totalCount } }',
        {"c": code},
        token=token,
    )


async def freeze_points_period(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { freezePointsPeriod(regionCode: $c, periodKey: "2020Q1")'
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def _points_member(code: str, *, token: str | None = None, status: str = "linked") -> Any:
    """A member in community `code`; of the token's account when given (one per account)."""
    from api import auth
    from api.domains.points.models import PointsMember
    from tests.conftest import TEST_SECRET

    user_id = auth.decode_access_token(token, secret=TEST_SECRET)[0] if token else None
    if user_id is not None and (mine := await PointsMember.get_or_none(user_id=user_id)):
        return mine
    return await PointsMember.create(
        id=uuid.uuid4(),
        user_id=user_id,
        kind="party_member",
        status=status,
        name="党员",
        region_code=code,
        created_at=clock.now(),
    )


async def _welfare_post(code: str) -> Any:
    from api.domains.points.models import WelfarePost

    now = clock.now()
    return await WelfarePost.create(
        id=uuid.uuid4(),
        region_code=code,
        title="助老送餐",
        starts_at=now,
        ends_at=now + timedelta(days=1),
        slots=5,
        points=1,
        status="open",
        created_at=now,
    )


async def _pledge(code: str) -> Any:
    """A pledge of a period long over, awaiting its rating."""
    from api.domains.points.models import Pledge
    from api.domains.points.periods import ends_at

    member = await _points_member(code)
    return await Pledge.create(
        id=uuid.uuid4(),
        member_id=member.id,
        region_code=code,
        period_key="2020Q1",
        text="清理楼道小广告",
        keep_until=ends_at("2020Q1"),
        status="made",
        created_at=clock.now(),
    )


async def read_welfare_posts(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { welfarePosts(regionCode: $c, openOnly: false) { totalCount } }",
        {"c": code},
        token=token,
    )


async def confirm_points_member(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    member = await _points_member(code, status="pending")
    return await gql(
        client,
        "mutation($id: ID!) { confirmPointsMember(id: $id) { __typename } }",
        {"id": str(member.id)},
        token=token,
    )


async def claim_welfare_post(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    await _points_member(code, token=token)
    post = await _welfare_post(code)
    return await gql(
        client,
        "mutation($id: ID!) { claimWelfarePost(postId: $id) { __typename } }",
        {"id": str(post.id)},
        token=token,
    )


async def verify_post_claim(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from api.domains.points.models import PostClaim

    member, post = await _points_member(code), await _welfare_post(code)
    claim = await PostClaim.create(
        id=uuid.uuid4(),
        post_id=post.id,
        member_id=member.id,
        region_code=code,
        title=post.title,
        do_until=post.ends_at,
        status="done",
        done_at=clock.now(),
        created_at=clock.now(),
    )
    return await gql(
        client,
        'mutation($id: ID!) { verifyPostClaim(id: $id, remark: "属实") { __typename } }',
        {"id": str(claim.id)},
        token=token,
    )


async def read_member_ledger(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    member = await _points_member(code)
    return await gql(
        client,
        "query($id: ID!) { memberLedger(memberId: $id) { totalCount } }",
        {"id": str(member.id)},
        token=token,
    )


async def adjust_points(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    member = await _points_member(code)
    return await gql(
        client,
        'mutation($id: ID!, $r: UUID!) { adjustPoints(input: {memberId: $id, points: "1",'
        ' reason: "服务", requestId: $r}) { __typename } }',
        {"id": str(member.id), "r": str(uuid.uuid4())},
        token=token,
    )


async def follow_up_pledge(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    pledge = await _pledge(code)
    return await gql(
        client,
        'mutation($id: ID!) { followUpPledge(id: $id, note: "在推进") { __typename } }',
        {"id": str(pledge.id)},
        token=token,
    )


async def rate_pledge(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    pledge = await _pledge(code)
    return await gql(
        client,
        "mutation($id: ID!) { ratePledge(id: $id, branchScore: 4) { __typename } }",
        {"id": str(pledge.id)},
        token=token,
    )


async def rate_pledge_as_resident(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    pledge = await _pledge(code)
    return await gql(
        client,
        "mutation($id: ID!) { ratePledgeAsResident(id: $id, score: 4) { __typename } }",
        {"id": str(pledge.id)},
        token=token,
    )


async def read_hazard_ledger(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { hazardLedger(regionCode: $c, from: "2026-11-01", to: "2026-11-30")'
        " { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_event_ledger(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'query($c: String!) { eventLedger(kind: DISPUTES, regionCode: $c, from: "2026-11-01",'
        ' to: "2026-11-30") { totalCount } }',
        {"c": code},
        token=token,
    )


async def set_care_visit_rule(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { setCareVisitRule(regionCode: $c, group: ELDERLY_ALONE,"
        " everyDays: 7) { __typename } }",
        {"c": code},
        token=token,
    )


async def read_service_providers(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { serviceProviders(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def register_service_provider(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { registerServiceProvider(regionCode: $c, input: {name: "家政",'
        ' kinds: ["housekeeping"], contactPhone: "13912345678"}) { __typename } }',
        {"c": code},
        token=token,
    )


async def read_appointment_slots(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { appointmentSlots(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def publish_appointment_slot(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    starts = clock.now() + timedelta(days=1)
    return await gql(
        client,
        "mutation($c: String!, $s: DateTime!, $e: DateTime!) { publishAppointmentSlot(input:"
        ' {regionCode: $c, title: "咨询", startsAt: $s, endsAt: $e, capacity: 5}) { __typename } }',
        {"c": code, "s": starts.isoformat(), "e": (starts + timedelta(hours=1)).isoformat()},
        token=token,
    )


async def read_service_teams(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { serviceTeams(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def create_service_team(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { createServiceTeam(input: {regionCode: $c, name: "志愿队"})'
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def read_village_officials(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { villageOfficials(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_branch_appraisals(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { branchAppraisals(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_appraisal_rounds(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { appraisalRounds(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def register_village_official(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # the community's permission is checked before the person is read: an unknown person is a
    # typed not found
    return await gql(
        client,
        "mutation($c: String!, $p: ID!) { registerVillageOfficial(input: {personId: $p,"
        ' communityCode: $c, post: "书记助理", termStart: "2025-01-01", termEnd: "2027-12-31"})'
        " { __typename } }",
        {"c": code, "p": str(uuid.uuid4())},
        token=token,
    )


async def record_inspection(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($h: ID!, $at: DateTime!) { recordInspection(input: {targetKind: HOUSE,"
        ' targetId: $h, inspectedAt: $at, note: "", hazards: []}) { __typename } }',
        {"h": ctx["house"], "at": clock.now().isoformat()},
        token=token,
    )


def unknown_record(field: str, arguments: str = "") -> Probe:
    """A probe of a mutation on a record: the field's permission decides before any row is read,
    so an unknown id is a typed not found where allowed, FORBIDDEN where not."""

    async def probe(
        client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
    ) -> dict[str, Any]:
        return await gql(
            client,
            f"mutation($id: ID!) {{ {field}({arguments}) {{ __typename }} }}",
            {"id": str(uuid.uuid4())},
            token=token,
        )

    return probe


async def publish_ranking(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($id: ID!) { publishRanking(id: $id) { __typename } }",
        {"id": ctx["snapshots"][code]},
        token=token,
    )


async def ranking_snapshot(scope_code: str) -> Any:
    """A frozen ranking of the scope's departments, to publish."""
    from api.domains.stats.enums import PeriodKind, SubjectKind
    from api.domains.stats.models import RankingSnapshot

    return await RankingSnapshot.create(
        id=uuid.uuid4(),
        scope_code=scope_code,
        subject_kind=SubjectKind.DEPARTMENT,
        period_kind=PeriodKind.MONTH,
        period_start="2026-11-01",
        period_end="2026-11-30",
        formula_version="test",
        rules_version=0,
        rules={"points": {}, "minimum_cases": 1},
        created_at=clock.now(),
    )


async def merge_events(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # the field's permission decides before any row is read: unknown ids are a typed not found
    return await gql(
        client,
        "mutation($a: ID!, $b: ID!) { mergeEvent(reportId: $a, intoId: $b) { __typename } }",
        {"a": str(uuid.uuid4()), "b": str(uuid.uuid4())},
        token=token,
    )


async def read_spike_warnings(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { spikeWarnings(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_permission_matrix(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { permissionMatrix(role: GRID_WORKER, regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def grant_permission(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { grantPermission(input: {role: GRID_WORKER, object: "region",'
        ' action: "read", regionCode: $c}) { __typename } }',
        {"c": code},
        token=token,
    )


async def set_staffing_norm(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { setStaffingNorm(regionCode: $c, householdsPerStaff: 100)"
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def extend_code_table(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # a fresh 3-digit code of 5.51 (登记注册类型) per probe: an allowed add never collides
    ctx["next_code"] = ctx.get("next_code", 500) + 1
    return await gql(
        client,
        'mutation($c: String!, $k: String!) { addRegistryCode(input: {tableKey: "5.51",'
        ' code: $k, name: "本地", regionCode: $c}) { __typename } }',
        {"c": code, "k": str(ctx["next_code"])},
        token=token,
    )


async def set_grade_bands(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($i: GradeBandsInput!) { setGradeBands(input: $i) { __typename } }",
        {
            "i": {
                "subject": "REGION",
                "metric": "CLOSURE_RATE",
                "effectiveFrom": "2027-01-01",
                "bands": [{"minimum": 0, "grade": "合格"}],
            }
        },
        token=token,
    )


async def acknowledge_spike_warning(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from api.domains.triage.models import SpikeWarning

    now = clock.now()
    warning = await SpikeWarning.create(
        id=uuid.uuid4(),
        region_code=code,
        category_key="dispute.01",
        window_start=now - timedelta(days=7),
        window_end=now,
        count=6,
        baseline=0.5,
        baseline_days=56,
        p_value=0.0001,
        detected_at=now,
    )
    return await gql(
        client,
        "mutation($id: ID!) { acknowledgeSpikeWarning(id: $id) { __typename } }",
        {"id": str(warning.id)},
        token=token,
    )


async def read_analysis_reports(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { analysisReports(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def write_analysis_report(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # allowed: a draft (or, the second time, ALREADY_EXISTS); refused: FORBIDDEN
    return await gql(
        client,
        "mutation($c: String!) { createAnalysisReport(input: {regionCode: $c,"
        ' periodKind: MONTH, periodStart: "2026-11-01"}) { __typename } }',
        {"c": code},
        token=token,
    )


async def read_accountability(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String) { accountabilityProposals(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def raise_accountability(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    # allowed: a typed error (nothing linked, or not a lower level); refused: FORBIDDEN
    return await gql(
        client,
        "mutation($c: String!) { raiseAccountabilityProposal(input: {target: {kind: REGION,"
        ' regionCode: $c}, reason: "超期", requestedAction: CRITICISM}) { __typename } }',
        {"c": code},
        token=token,
    )


async def set_channel_rule(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "mutation($c: String!) { setChannelRule(channel: WECHAT, regionCode: $c, receiver: GRID)"
        " { __typename } }",
        {"c": code},
        token=token,
    )


async def read_channel_rules(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { channelRules(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def read_opinions(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        "query($c: String!) { opinions(regionCode: $c) { totalCount } }",
        {"c": code},
        token=token,
    )


async def submit_opinion(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    return await gql(
        client,
        'mutation($c: String!) { submitOpinion(kind: SUGGESTION, title: "建议", body: "增设路灯",'
        " regionCode: $c) { __typename } }",
        {"c": code},
        token=token,
    )


async def moderate_opinion(
    client: httpx.AsyncClient, token: str, code: str, ctx: dict[str, Any]
) -> dict[str, Any]:
    from api.domains.engagement.models import Opinion

    opinion = await Opinion.create(
        id=uuid.uuid4(),
        kind="suggestion",
        title="建议",
        body="增设路灯",
        region_code=code,
        author_id=uuid.uuid4(),
        created_at=clock.now(),
    )
    return await gql(
        client,
        "mutation($id: ID!) { moderateOpinion(id: $id, approve: true) { __typename } }",
        {"id": str(opinion.id)},
        token=token,
    )


PROBES: list[tuple[str, str, Probe, set[Level]]] = [
    ("region", "read", read_region, set(ORDER)),
    ("region", "update", update_region, set(ORDER)),
    ("region", "read", read_region_features, set(ORDER)),
    ("position", "read", read_map_workers, set(ORDER)),
    ("department", "read", read_departments, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("department", "update", update_department, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("user", "read", read_users, set(ORDER)),
    ("audit_log", "read", read_audit, set(ORDER)),
    ("import", "regions", import_regions, set(ORDER)),
    ("import", "users", import_users, set(ORDER)),
    ("import", "compounds", import_compounds, set(ORDER)),
    ("import", "residents", import_residents, set(ORDER)),
    ("import", "indicator_values", import_indicator_values, set(ORDER)),
    ("registry", "read", read_registry, set(ORDER)),
    ("registry", "create", create_registry, set(ORDER)),
    ("registry", "export", export_registry, set(ORDER)),
    ("registry_change", "read", read_pending_changes, set(ORDER)),
    # review is switched on for a community: elsewhere the input itself is wrong
    ("registry_change", "configure", set_registry_review, {Level.COMMUNITY}),
    ("organisation_filing", "read", read_organisation_filings, set(ORDER)),
    ("statistics", "read", read_statistics, set(ORDER)),
    ("ranking", "read", read_ranking, set(ORDER)),
    ("approval_item", "manage", manage_approval_item, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("application", "read", read_applications, set(ORDER[:4])),
    (
        "risk_assessment",
        "read",
        read_risk_assessments,
        {Level.CITY, Level.DISTRICT, Level.TOWNSHIP},
    ),
    (
        "risk_assessment",
        "create",
        create_risk_assessment,
        {Level.CITY, Level.DISTRICT, Level.TOWNSHIP},
    ),
    ("diary", "read", read_diaries, set(ORDER)),
    ("diary_quota", "set", set_diary_quota, set(ORDER)),
    ("patrol", "read", read_patrols, set(ORDER)),
    ("project", "read", read_projects, set(ORDER)),
    ("project", "manage", manage_projects, set(ORDER)),
    ("indicator_value", "read", read_indicator_values, set(ORDER)),
    ("household_visit", "read", read_visit_coverage, set(ORDER)),
    ("investigation_round", "read", read_round_report, set(ORDER)),
    ("incident", "read", read_incidents, set(ORDER)),
    ("incident", "open", open_incident, set(ORDER)),
    ("emergency_plan", "read", read_emergency_plans, set(ORDER)),
    ("emergency_plan", "manage", save_emergency_plan, set(ORDER)),
    ("announcement", "publish", publish_notice, set(ORDER)),
    ("meeting", "organise", schedule_meeting, set(ORDER)),
    ("party_life", "read", read_organisation_life, set(ORDER)),
    ("message", "broadcast", broadcast_message, set(ORDER)),
    ("party_life", "manage", appoint_party_post, set(ORDER)),
    ("message", "send", send_message, set(ORDER)),
    ("public_post", "publish", publish_post, set(ORDER)),
    ("points_member", "read", read_points_members, set(ORDER)),
    # a post and a frozen period belong to a community: elsewhere the input itself is wrong
    ("welfare_post", "publish", publish_welfare_post, {Level.COMMUNITY}),
    ("post_claim", "read", read_post_claims, set(ORDER)),
    ("pledge", "read", read_pledges, set(ORDER)),
    ("points_period", "freeze", freeze_points_period, {Level.COMMUNITY}),
    ("welfare_post", "read", read_welfare_posts, set(ORDER)),
    # members, claims and pledges belong to a community: elsewhere there is none to act on
    ("points_member", "confirm", confirm_points_member, {Level.COMMUNITY}),
    ("post_claim", "claim", claim_welfare_post, {Level.COMMUNITY}),
    ("post_claim", "verify", verify_post_claim, {Level.COMMUNITY}),
    ("points", "read", read_member_ledger, {Level.COMMUNITY}),
    ("points", "adjust", adjust_points, {Level.COMMUNITY}),
    ("pledge", "follow_up", follow_up_pledge, {Level.COMMUNITY}),
    ("pledge", "rate", rate_pledge, {Level.COMMUNITY}),
    ("pledge_rating", "rate", rate_pledge_as_resident, {Level.COMMUNITY}),
    ("inspection", "read", read_hazard_ledger, set(ORDER)),
    ("care_visit_rule", "update", set_care_visit_rule, set(ORDER)),
    ("ledger", "read", read_event_ledger, set(ORDER)),
    ("village_official", "read", read_village_officials, set(ORDER)),
    ("party_appraisal", "read", read_branch_appraisals, set(ORDER)),
    ("party_appraisal", "read", read_appraisal_rounds, set(ORDER)),
    # a village official serves a community, a house is in a grid: elsewhere the input is wrong
    ("village_official", "register", register_village_official, {Level.COMMUNITY}),
    ("inspection", "create", record_inspection, {Level.GRID}),
    # mutations of a record by id: only the field's permission is probed (levels where every
    # holder of the permission holds it, so a typed not found means allowed)
    (
        "care_helper",
        "assign",
        unknown_record("assignCareHelper", "recordId: $id, kind: STAFF, helperId: $id"),
        set(ORDER),
    ),
    (
        "inspection",
        "reinspect",
        unknown_record("reinspectHazard", 'id: $id, passed: true, note: ""'),
        {Level.GRID},
    ),
    (
        "inspection",
        "escalate",
        unknown_record("escalateHazard", 'id: $id, categoryKey: "city.0601"'),
        {Level.GRID},
    ),
    (
        "party_appraisal",
        "record",
        unknown_record("openAppraisalRound", "organisationId: $id, year: 2025"),
        set(ORDER),
    ),
    (
        "party_appraisal",
        "appraise_branch",
        unknown_record("appraiseBranch", "organisationId: $id, year: 2025, grade: QUALIFIED"),
        {Level.GRID},
    ),
    (
        "village_official",
        "register",
        unknown_record("appraiseVillageOfficial", "id: $id, year: 2025, grade: QUALIFIED"),
        {Level.COMMUNITY},
    ),
    ("ranking", "publish", publish_ranking, {Level.CITY, Level.DISTRICT, Level.TOWNSHIP}),
    ("event", "merge", merge_events, set(ORDER)),
    ("spike_warning", "read", read_spike_warnings, set(ORDER)),
    ("spike_warning", "acknowledge", acknowledge_spike_warning, {Level.COMMUNITY}),
    ("analysis_report", "read", read_analysis_reports, set(ORDER)),
    ("analysis_report", "write", write_analysis_report, set(ORDER[:4])),
    ("accountability", "read", read_accountability, set(ORDER)),
    ("accountability", "raise", raise_accountability, set(ORDER)),
    ("service_provider", "read", read_service_providers, set(ORDER)),
    # a provider belongs to a community, a slot to a level with departments or a community, a
    # team to a grid or community: elsewhere the input itself is wrong
    ("service_provider", "manage", register_service_provider, {Level.COMMUNITY}),
    ("appointment_slot", "read", read_appointment_slots, set(ORDER)),
    ("appointment_slot", "publish", publish_appointment_slot, set(ORDER[:4])),
    ("service_team", "read", read_service_teams, set(ORDER)),
    ("service_team", "manage", create_service_team, {Level.COMMUNITY, Level.GRID}),
    ("permission", "read", read_permission_matrix, set(ORDER)),
    ("permission", "grant", grant_permission, set(ORDER)),
    ("grid_norm", "set", set_staffing_norm, set(ORDER)),
    # code tables are extended by a city or a district: elsewhere the input itself is wrong
    ("code_table", "extend", extend_code_table, {Level.CITY, Level.DISTRICT}),
    # grade bands are city-wide: only a city-level assignment sets them
    ("grade_bands", "update", set_grade_bands, {Level.CITY}),
    ("channel_rule", "set", set_channel_rule, set(ORDER)),
    ("channel_rule", "read", read_channel_rules, set(ORDER)),
    ("opinion", "read", read_opinions, set(ORDER)),
    # an opinion concerns a community: elsewhere the input itself is wrong
    ("opinion", "submit", submit_opinion, {Level.COMMUNITY}),
    ("opinion", "moderate", moderate_opinion, {Level.COMMUNITY}),
]


def allowed_outcome(body: dict[str, Any]) -> bool:
    codes = error_codes(body)
    assert set(codes) <= {"FORBIDDEN"}, body
    return not codes


async def test_every_role_at_every_level_gets_exactly_what_policy_allows(
    client: httpx.AsyncClient, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "gridgov_import_dir", tmp_path / "imports")
    await factories.region_tree()
    departments = {}
    for level in (Level.CITY, Level.DISTRICT, Level.TOWNSHIP):
        departments[TARGET[level]] = str((await factories.department(TARGET[level])).id)
    snapshots = {
        TARGET[level]: str((await ranking_snapshot(TARGET[level])).id)
        for level in (Level.CITY, Level.DISTRICT, Level.TOWNSHIP)
    }
    from api.domains.registry.models import House

    house = await House.create(house_code="H-MATRIX", region_code=TARGET[Level.GRID], address="1号")
    ctx = {"departments": departments, "snapshots": snapshots, "house": str(house.id)}
    enforcer = get_enforcer()
    checked = 0
    mismatches = []
    for role in sorted({rule[0] for rule in enforcer.rules()}):
        for held_at in ORDER:
            if not enforcer.may_hold(role, held_at):
                continue
            department_id = None
            if role == "department_staff":
                department_id = departments[TARGET[held_at]]
            account = await factories.user(role, TARGET[held_at], department_id=department_id)
            token = await factories.token_for(account)
            for target_level in ORDER[ORDER.index(held_at) :]:
                for obj, action, probe, levels in PROBES:
                    if target_level not in levels:
                        continue
                    expected = enforcer.allows(role, target_level, obj, action)
                    body = await probe(client, token, TARGET[target_level], ctx)
                    if allowed_outcome(body) != expected:
                        mismatches.append(
                            (role, held_at, target_level, obj, action, expected, body)
                        )
                    checked += 1
    assert not mismatches, mismatches[:5]
    assert checked > 200


async def test_api_key_reads_only_what_integration_may(client: httpx.AsyncClient) -> None:
    await factories.region_tree()
    from api.auth import Assignment, Principal
    from api.domains.accounts import service

    console = Principal(username="console", assignments=(Assignment("admin", "4106"),))
    key = (await service.create_api_key(actor=console, name="hotline", region_code="410611")).secret

    region = await gql(client, '{ region(code: "410611001") { code } }', headers={"X-Api-Key": key})
    users = await gql(client, "{ users { totalCount } }", headers={"X-Api-Key": key})
    change = await gql(
        client,
        'mutation { updateRegion(code: "410611001", input: {households: 1}) { __typename } }',
        headers={"X-Api-Key": key},
    )

    assert region["data"]["region"] == {"code": "410611001"}
    assert error_codes(users) == ["FORBIDDEN"]
    assert error_codes(change) == ["FORBIDDEN"]
