"""Care groups (关爱对象: 留守儿童, 独居孤寡老人, 残疾人): helpers paired with each person (结对帮扶),
visit-frequency rules as data per group, and who in a grid is overdue for a visit.

A person in a care group is a special-group record of the registry, so reading one is masked and
audited exactly as special groups are (`api/domains/registry/privacy.py`); visits are the
household visits of the diaries domain, linked to the record (`HouseholdVisit.care_record_id`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from tortoise import connections
from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User
from api.domains.care.enums import HelperKind
from api.domains.care.models import CareHelper, CareVisitRule
from api.domains.registry.enums import CARE_GROUPS, RecordKind, RecordStatus, SpecialGroup
from api.domains.registry.models import PartyMember, SpecialGroupRecord, Volunteer
from api.domains.registry.records import readable_record
from api.errors import Conflict, ErrorCode, NotFound, ValidationFailed
from api.i18n import _
from api.pagination import Page, PageRequest, make_page
from api.regions import Level, ancestor_at, in_subtree, path_codes
from policies.enforcer import authorize

MAX_HELPERS = 5  # a pairing is personal: more than a handful is nobody's
MAX_EVERY_DAYS = 366

# Visit every so many days where no rule is set: the civil-affairs practice of a weekly call on
# those living alone, and a monthly one on left-behind children and people with disabilities.
DEFAULT_EVERY_DAYS: Final[Mapping[SpecialGroup, int]] = {
    SpecialGroup.ELDERLY_ALONE: 7,
    SpecialGroup.LEFT_BEHIND_CHILD: 30,
    SpecialGroup.DISABLED: 30,
}


def _care_group(group: SpecialGroup, *, field: str = "group") -> SpecialGroup:
    if group not in CARE_GROUPS:
        raise ValidationFailed(_("{value} is not a care group", value=group.value), field=field)
    return group


async def care_record(
    actor: Principal, record_id: uuid.UUID, *, lock: bool = False, field: str = "recordId"
) -> SpecialGroupRecord:
    """An active care-group record the caller may read as a special group (else not found)."""
    record = await readable_record(
        actor, SpecialGroupRecord, record_id, kind=RecordKind.SPECIAL_GROUP, lock=lock, field=field
    )
    if record.group not in CARE_GROUPS:
        raise NotFound("care record", record_id, field=field)
    if record.status is not RecordStatus.ACTIVE:
        raise Conflict(_("the care record is ended"), field=field)
    return record


async def helper_region_and_label(
    kind: HelperKind, helper_id: uuid.UUID, *, field: str = "helperId"
) -> tuple[list[str], str]:
    """The regions a helper serves and how to name them; volunteers and party members serve
    their own community (neighbours help neighbours), staff the areas of their assignments.
    Service teams take their members by the same rule."""
    if kind is HelperKind.STAFF:
        user = await User.get_or_none(id=helper_id, is_active=True)
        # a citizen's account holds a city-wide assignment but is nobody's staff
        regions = (
            await RoleAssignment.filter(user_id=helper_id)
            .exclude(role__in=[Role.CITIZEN, Role.INTEGRATION])
            .values_list("region_code", flat=True)
        )
        if user is None or not regions:
            raise NotFound("user", helper_id, field=field)
        return [str(code) for code in regions], user.display_name or user.username
    model: Any = Volunteer if kind is HelperKind.VOLUNTEER else PartyMember
    found = await model.filter(id=helper_id, status=RecordStatus.ACTIVE).select_related("person")
    if not found:
        raise NotFound(kind.value, helper_id, field=field)
    member = found[0]
    return [ancestor_at(member.region_code, Level.COMMUNITY)], member.person.name


async def assign_helper(
    *, actor: Principal, record_id: uuid.UUID, kind: HelperKind, helper_id: uuid.UUID
) -> CareHelper:
    """Pair a helper with a person in a care group (结对帮扶); the helper's area must hold the
    person's grid."""
    async with in_transaction():
        record = await care_record(actor, record_id, lock=True)
        authorize(actor.assignments, "care_helper", "assign", at=record.region_code)
        regions, label = await helper_region_and_label(kind, helper_id)
        if not any(in_subtree(record.region_code, region) for region in regions):
            raise ValidationFailed(
                _("the helper serves outside the person's region"),
                field="helperId",
                code=ErrorCode.OUTSIDE_AREA,
            )
        current = await CareHelper.filter(record_id=record.id, ended_at=None)
        if any(h.helper_id == helper_id and h.kind == kind for h in current):
            raise ValidationFailed(
                _("the helper is already paired with this person"),
                field="helperId",
                code=ErrorCode.ALREADY_EXISTS,
            )
        if len(current) >= MAX_HELPERS:
            raise ValidationFailed(
                _("a person has at most {MAX_HELPERS} helpers", MAX_HELPERS=MAX_HELPERS),
                field="helperId",
            )
        return await CareHelper.create(
            id=uuid.uuid4(),
            record_id=record.id,
            region_code=record.region_code,
            kind=kind,
            helper_id=helper_id,
            helper_label=label[:100],
            assigned_by_id=actor.user_id,
            assigned_at=clock.now(),
        )


async def end_helper(*, actor: Principal, pairing_id: uuid.UUID) -> CareHelper:
    """End a pairing; it stays in the record's history."""
    async with in_transaction():
        pairing = await CareHelper.filter(id=pairing_id, ended_at=None).select_for_update().first()
        if pairing is None:
            raise NotFound("care helper", pairing_id, field="id")
        await care_record(actor, pairing.record_id, field="id")
        authorize(actor.assignments, "care_helper", "assign", at=pairing.region_code)
        pairing.ended_at = clock.now()
        await pairing.save(update_fields=["ended_at"])
        return pairing


async def helpers_of(record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[CareHelper]]:
    found: dict[uuid.UUID, list[CareHelper]] = {record_id: [] for record_id in record_ids}
    for helper in await CareHelper.filter(record_id__in=list(record_ids), ended_at=None).order_by(
        "assigned_at"
    ):
        found[helper.record_id].append(helper)
    return found


async def set_visit_rule(
    *, actor: Principal, region_code: str, group: SpecialGroup, every_days: int
) -> CareVisitRule:
    """Visit the group every `every_days` days in the region and below (走访频次)."""
    _care_group(group)
    if Level.of_code(region_code) is None:
        raise ValidationFailed(
            _("regionCode must be a region code"), field="regionCode", code=ErrorCode.INVALID_CODE
        )
    if not 1 <= every_days <= MAX_EVERY_DAYS:
        raise ValidationFailed(
            _("everyDays is 1 to {MAX_EVERY_DAYS}", MAX_EVERY_DAYS=MAX_EVERY_DAYS),
            field="everyDays",
        )
    authorize(actor.assignments, "care_visit_rule", "update", at=region_code)
    rule, _unused = await CareVisitRule.update_or_create(
        region_code=region_code,
        group=group,
        defaults={"every_days": every_days, "set_by_id": actor.user_id, "updated_at": clock.now()},
    )
    return rule


async def every_days(region_code: str, group: SpecialGroup) -> int:
    """The rule in force over a grid: the deepest region's, else the default."""
    rows = await CareVisitRule.filter(region_code__in=path_codes(region_code), group=group)
    if not rows:
        return DEFAULT_EVERY_DAYS[group]
    return max(rows, key=lambda rule: len(rule.region_code)).every_days


@dataclass(frozen=True)
class Overdue:
    """A person in a care group not visited within the group's rule."""

    record_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    group: SpecialGroup
    region_code: str
    every_days: int
    last_visited_at: datetime | None
    helpers: int


# The rule of each group is the deepest of the grid's ancestors' rows (the default when none);
# a care record is overdue when its newest linked visit is older than that.
OVERDUE_SQL = """
SELECT s.id, s.person_id, p.name, s."group", s.region_code,
       coalesce((SELECT r.every_days FROM care_visit_rules AS r
                  WHERE r."group" = s."group" AND r.region_code = ANY($2::varchar[])
                  ORDER BY length(r.region_code) DESC LIMIT 1),
                (SELECT d.days FROM jsonb_each_text($3::jsonb) AS d(name, days)
                  WHERE d.name = s."group")::int) AS every_days,
       (SELECT max(v.visited_at) FROM household_visits AS v WHERE v.care_record_id = s.id)
         AS last_visited_at,
       (SELECT count(*) FROM care_helpers AS h WHERE h.record_id = s.id AND h.ended_at IS NULL)
         AS helpers
  FROM registry_special_groups AS s JOIN registry_people AS p ON p.id = s.person_id
 WHERE s.region_code = $1 AND s.status = 'active' AND s."group" = ANY($4::varchar[])
"""


class OverdueCount:
    """The whole overdue list's size, for a connection's totalCount."""

    def __init__(self, rows: int):
        self.rows = rows

    async def count(self) -> int:
        return self.rows


async def overdue(
    *, actor: Principal, grid: str, group: SpecialGroup | None, page: PageRequest
) -> tuple[Page[Overdue], OverdueCount]:
    """People of the grid's care groups overdue for a visit, never visited first."""
    if Level.of_code(grid) is not Level.GRID:
        raise ValidationFailed(_("gridCode must be a grid's code"), field="gridCode")
    if group is not None:
        _care_group(group)
    # membership of a care group is itself what special-group reading protects
    authorize(actor.assignments, "special_group", "read", at=grid)
    groups = [group.value] if group else sorted(g.value for g in CARE_GROUPS)
    now = clock.now()
    # a grid holds a few dozen people in care: the rule and last visit of each come from one
    # query, and the cut by each one's own rule is made here
    rows = await connections.get("default").execute_query_dict(
        OVERDUE_SQL,
        [
            grid,
            path_codes(grid),
            json.dumps({g.value: days for g, days in DEFAULT_EVERY_DAYS.items()}),
            groups,
        ],
    )
    due = sorted(
        (
            Overdue(
                record_id=row["id"],
                person_id=row["person_id"],
                person_name=row["name"],
                group=SpecialGroup(row["group"]),
                region_code=row["region_code"],
                every_days=row["every_days"],
                last_visited_at=row["last_visited_at"],
                helpers=row["helpers"],
            )
            for row in rows
            if row["last_visited_at"] is None
            or row["last_visited_at"] < now - timedelta(days=row["every_days"])
        ),
        key=_key,
    )
    total = OverdueCount(len(due))
    if page.after is not None:
        due = [item for item in due if _key(item) > page.after]
    return make_page(due[: page.first + 1], page, _key), total


def _key(item: Overdue) -> str:
    # never visited first, then the longest unvisited; the record id breaks ties
    seen = item.last_visited_at.isoformat() if item.last_visited_at else "0000"
    return f"{seen}|{item.record_id}"
