"""Special groups (特殊人群): put a person under management, record follow-ups (随访)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from tortoise.transactions import in_transaction

from api import clock
from api.auth import Principal
from api.domains.registry import codes, groups
from api.domains.registry.enums import (
    ChangeAction,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.domains.registry.models import (
    Person,
    RegistryChange,
    SpecialGroupRecord,
)
from api.domains.registry.records import (
    apply_changes,
    check_version,
    created_changes,
    readable_record,
    save_record,
    write_history,
)
from api.domains.registry.validation import Rule, clean, coded, text
from api.errors import Conflict, ErrorCode, ValidationFailed
from api.i18n import _
from policies.enforcer import authorize

MAX_KEY: Final = 64
# A follow-up's idempotency key is kept in its history row, under this name.
IDEMPOTENCY_KEY: Final = "idempotency_key"

SPECIAL_GROUP_RULES: Final[Mapping[str, Rule]] = {
    "risk_level": text(2),  # checked against the group's own table below
    "management_status": coded("5.37"),
    "attention_level": coded("5.46"),
    "helpers": Rule("texts", max_length=50),
    "follow_up_note": text(2000),
}


def clean_follow_up(
    group: SpecialGroup, values: Mapping[str, Any], *, partial: bool
) -> dict[str, Any]:
    cleaned = clean(SPECIAL_GROUP_RULES, values, partial=partial)
    if cleaned.get("risk_level"):
        cleaned["risk_level"] = coded(groups.RISK_TABLES.get(group, "5.60")).clean(
            cleaned["risk_level"], field="riskLevel"
        )
    return cleaned


async def add_to_special_group(
    *,
    actor: Principal,
    person_id: uuid.UUID,
    group: SpecialGroup,
    values: Mapping[str, Any],
    details: Mapping[str, Any],
) -> SpecialGroupRecord:
    """Put a registered person under special-group management (特殊人群管理)."""
    async with in_transaction():
        person = await readable_record(
            actor, Person, person_id, kind=RecordKind.PERSON, lock=True, field="personId"
        )
        authorize(actor.assignments, "special_group", "create", at=person.region_code)
        if person.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the person is deregistered"), field="personId")
        await codes.refresh()
        cleaned = clean_follow_up(group, values, partial=False)
        checked = groups.clean_details(group, details)
        if await SpecialGroupRecord.exists(
            person_id=person.id, group=group, status=RecordStatus.ACTIVE
        ):
            raise ValidationFailed(
                _("the person is already in group {value}", value=group.value),
                field="group",
                code=ErrorCode.ALREADY_EXISTS,
            )
        record = SpecialGroupRecord(
            id=uuid.uuid4(),
            person=person,
            group=group,
            region_code=person.region_code,
            details=checked,
            **cleaned,
        )
        await record.save()
        await write_history(
            actor,
            RecordKind.SPECIAL_GROUP,
            record,
            ChangeAction.CREATE,
            created_changes(record, [*cleaned, "group", "person_id", "details"]),
        )
        return record


async def record_follow_up(
    *,
    actor: Principal,
    record_id: uuid.UUID,
    values: Mapping[str, Any],
    details: Mapping[str, Any] | None = None,
    followed_up: bool = True,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> SpecialGroupRecord:
    """Update a special-group record: a follow-up visit (随访) and its findings. With an
    idempotency key, a retry of the same follow-up (sequential or concurrent: the record's lock
    orders them) returns the record as the first one left it."""
    key = text(MAX_KEY).clean(idempotency_key, field="idempotencyKey")
    async with in_transaction():
        record = await readable_record(
            actor, SpecialGroupRecord, record_id, kind=RecordKind.SPECIAL_GROUP, lock=True
        )
        authorize(actor.assignments, "special_group", "update", at=record.region_code)
        if (
            key
            and await RegistryChange.filter(
                record_id=record.id,
                actor_id=actor.user_id or actor.api_key_id,
                changes__contains={IDEMPOTENCY_KEY: {"new": key}},
            ).exists()
        ):
            return record  # the phone's retry: recorded once
        check_version(record, expected_version)
        if record.status is not RecordStatus.ACTIVE:
            raise Conflict(_("the record is ended"), field="id")
        await codes.refresh()
        cleaned = clean_follow_up(record.group, values, partial=True)
        if details is not None:
            cleaned["details"] = record.details | groups.clean_details(record.group, details)
        if followed_up:
            cleaned["last_follow_up_at"] = clock.now()
        changes = apply_changes(record, cleaned)
        if changes:
            if key:
                changes[IDEMPOTENCY_KEY] = {"old": None, "new": key}
            record.version += 1
            await save_record(record, kind=RecordKind.SPECIAL_GROUP)
            await write_history(
                actor, RecordKind.SPECIAL_GROUP, record, ChangeAction.UPDATE, changes
            )
        return record


async def special_group_records(
    person_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, list[SpecialGroupRecord]]:
    grouped: dict[uuid.UUID, list[SpecialGroupRecord]] = {}
    for record in await SpecialGroupRecord.filter(person_id__in=list(person_ids)).order_by(
        "created_at"
    ):
        grouped.setdefault(record.person_id, []).append(record)
    return grouped
