"""Administrative approval (行政审批): the item catalogue and its published guide, flows as
versioned data per unit, applications through their steps (review, return and resubmit,
passing up past a level's authority ceiling, decision, registering, filing) and collection."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from api import clock, flows
from api.auth import Principal
from api.domains.accounts.enums import Role
from api.domains.accounts.models import RoleAssignment, User
from api.domains.approvals.assessments import readable_assessments
from api.domains.approvals.definitions import (
    MAX_DAYS,
    POLICY_ACTION,
    Step,
    check_steps,
    decision_index,
    steps_of,
)
from api.domains.approvals.enums import (
    WAITING_FOR_STAFF,
    Action,
    ApplicationStatus,
    Stage,
    StepAction,
)
from api.domains.approvals.files import ACCEPTED_TYPES
from api.domains.approvals.flow import APPLICATION_TRANSITIONS, APPLICATIONS
from api.domains.approvals.forms import check_form, check_template
from api.domains.approvals.models import (
    Application,
    ApprovalFile,
    ApprovalFlowVersion,
    ApprovalItem,
    RiskAssessment,
)
from api.domains.hierarchy.models import Department, Region
from api.domains.notices import service as notices
from api.errors import (
    Conflict,
    ErrorCode,
    NotAllowed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from api.flows.calendar import LOCAL, DeadlineUnit, add_limit, calendar_from
from api.flows.models import FlowStep
from api.flows.transitions import Transition
from api.i18n import Message, _
from api.pagination import Page, PageRequest, make_page, split_cursor
from api.query import subtree_filter
from api.regions import ORDER, Level, ancestor_at, in_subtree
from policies.enforcer import authorize, get_enforcer, scope_prefixes

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MATERIAL_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
MAX_MATERIALS = 30
MAX_FILES_PER_MATERIAL = 10
MAX_NOTE = 2000
# what a step action is in the timeline, and back
STEP_ACTION = {
    Action.REVIEW: StepAction.REVIEW,
    Action.RETURN: StepAction.RETURN,
    Action.APPROVE: StepAction.APPROVE,
    Action.REFUSE: StepAction.APPROVE,
    Action.REGISTER: StepAction.REGISTER,
    Action.FILE: StepAction.FILE,
}


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True, slots=True)
class Material:
    """A material an application must (or may) bring."""

    key: str
    name: str
    required: bool = True
    original: bool = False  # 原件 (else 复印件)
    file_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "required": self.required,
            "original": self.original,
            "fileTypes": list(self.file_types),
        }


@dataclass(frozen=True, slots=True)
class ItemInput:
    code: str
    name: str
    region_code: str
    promised_days: int
    decides_at: Level
    form_template: Mapping[str, Any]
    materials: Sequence[Material] = ()
    department_id: uuid.UUID | None = None
    legal_basis: str = ""
    fee: str = ""
    where_to_apply: str = ""
    published: bool = False


def _check_item(data: ItemInput) -> None:
    if not CODE.fullmatch(data.code):
        raise ValidationFailed(_("a code is 1-40 letters, digits, '.', '_' or '-'"), field="code")
    if not data.name.strip() or len(data.name) > 100:
        raise ValidationFailed(_("a name of 1 to 100 characters"), field="name")
    if not 1 <= data.promised_days <= MAX_DAYS:
        raise ValidationFailed(
            _("promised days are 1 to {MAX_DAYS} working days", MAX_DAYS=MAX_DAYS),
            field="promisedDays",
        )
    for name, value, limit in (
        ("legalBasis", data.legal_basis, 5000),
        ("fee", data.fee, 100),
        ("whereToApply", data.where_to_apply, 200),
    ):
        if len(value) > limit:
            raise ValidationFailed(_("at most {limit} characters", limit=limit), field=name)
    if data.decides_at is Level.GRID:
        raise ValidationFailed(_("a grid decides nothing"), field="decidesAt")
    item_level = Level.of_code(data.region_code)
    if item_level is None or item_level is Level.GRID:
        raise ValidationFailed(_("an item belongs to a region above the grids"), field="regionCode")
    if ORDER.index(data.decides_at) < ORDER.index(item_level):
        raise ValidationFailed(
            _("the ceiling may not lie above the unit that owns the item"), field="decidesAt"
        )
    if len(data.materials) > MAX_MATERIALS:
        raise ValidationFailed(
            _("at most {MAX_MATERIALS} materials", MAX_MATERIALS=MAX_MATERIALS), field="materials"
        )
    seen: set[str] = set()
    for index, material in enumerate(data.materials):
        where = f"materials.{index}"
        if not MATERIAL_KEY.fullmatch(material.key) or material.key in seen:
            raise ValidationFailed(_("a unique key of letters, digits, '_'"), field=f"{where}.key")
        seen.add(material.key)
        if not material.name.strip() or len(material.name) > 100:
            raise ValidationFailed(_("a name of 1 to 100 characters"), field=f"{where}.name")
        if not material.file_types or not set(material.file_types) <= ACCEPTED_TYPES:
            raise ValidationFailed(
                _("file types among {items}", items=", ".join(sorted(ACCEPTED_TYPES))),
                field=f"{where}.fileTypes",
            )
    check_template(data.form_template)


async def save_item(
    *, actor: Principal, data: ItemInput, item_id: uuid.UUID | None = None
) -> ApprovalItem:
    """Add an item to the catalogue of the caller's unit, or change one (事项目录)."""
    if Level.of_code(data.region_code) is None:
        raise ValidationFailed(_("not a region code"), field="regionCode")
    authorize(actor.assignments, "approval_item", "manage", at=data.region_code)
    _check_item(data)
    if not await Region.filter(code=data.region_code, is_active=True).exists():
        raise ValidationFailed(
            _("no region {region_code}", region_code=data.region_code), field="regionCode"
        )
    if (
        data.department_id is not None
        and not await Department.filter(
            subtree_filter([data.region_code], "region_code"), id=data.department_id
        ).exists()
    ):
        raise NotFound("department", data.department_id, field="departmentId")
    values = {
        "code": data.code,
        "name": data.name.strip(),
        "region_code": data.region_code,
        "department_id": data.department_id,
        "legal_basis": data.legal_basis,
        "promised_days": data.promised_days,
        "fee": data.fee,
        "where_to_apply": data.where_to_apply,
        "materials": [material.as_json() for material in data.materials],
        "form_template": dict(data.form_template),
        "decides_at": data.decides_at.value,
        "published": data.published,
    }
    async with in_transaction():
        if item_id is None:
            if await ApprovalItem.filter(code=data.code).exists():
                raise Conflict(
                    _("item {code} exists", code=data.code),
                    field="code",
                    code=ErrorCode.ALREADY_EXISTS,
                )
            try:
                return await ApprovalItem.create(id=uuid.uuid4(), **values)  # type: ignore[arg-type]
            except IntegrityError as error:
                raise Conflict(
                    _("item {code} exists", code=data.code),
                    field="code",
                    code=ErrorCode.ALREADY_EXISTS,
                ) from error
        item = await _managed_item(actor, item_id)
        if data.published and item.flow_version == 0:
            raise ValidationFailed(_("save a flow before publishing"), field="published")
        for name, value in values.items():
            setattr(item, name, value)
        item.version += 1
        await item.save()
        return item


async def _managed_item(actor: Principal, item_id: uuid.UUID) -> ApprovalItem:
    prefixes = scope_prefixes(actor.assignments, "approval_item", "manage")
    item = (
        await ApprovalItem.filter(subtree_filter(prefixes, "region_code"), id=item_id)
        .select_for_update()
        .first()
    )
    if item is None:
        raise NotFound("approval item", item_id, field="id")
    authorize(actor.assignments, "approval_item", "manage", at=item.region_code)
    return item


async def save_flow(
    *, actor: Principal, item_id: uuid.UUID, steps: Sequence[Step]
) -> ApprovalFlowVersion:
    """A new version of the item's flow: new applications start on it, running ones keep
    following the version they started with."""
    async with in_transaction():
        item = await _managed_item(actor, item_id)  # locked: one new version at a time
        check_steps(steps, item_region=item.region_code, decides_at=Level(item.decides_at))
        item.flow_version += 1
        item.version += 1
        await item.save(update_fields=["flow_version", "version", "updated_at"])
        return await ApprovalFlowVersion.create(
            item_id=item.id,
            version=item.flow_version,
            steps=[step.as_json() for step in steps],
            created_by_id=actor.user_id,
        )


async def guide(*, item_id: uuid.UUID) -> ApprovalItem | None:
    """The published guide of an item (办事指南): readable by anyone."""
    return await ApprovalItem.filter(id=item_id, published=True).first()


async def guides(*, region_code: str | None, page: PageRequest) -> tuple[Page[ApprovalItem], Any]:
    """Published items offered at a region (its own and its ancestors' units), by code."""
    query = ApprovalItem.filter(published=True)
    if region_code is not None:
        if Level.of_code(region_code) is None:
            raise ValidationFailed(_("not a region code"), field="regionCode")
        query = query.filter(
            region_code__in=[region_code[: len(code)] for code in _ancestry(region_code)]
        )
    filtered = query
    if page.after is not None:
        query = query.filter(code__gt=page.after)
    rows = await query.order_by("code").limit(page.first + 1)
    return make_page(rows, page, lambda item: item.code), filtered


def _ancestry(code: str) -> list[str]:
    return [code[: level.code_length] for level in ORDER if level.code_length <= len(code)]


async def flow_version(*, item_id: uuid.UUID, version: int) -> ApprovalFlowVersion | None:
    return await ApprovalFlowVersion.filter(item_id=item_id, version=version).first()


# ---------------------------------------------------------------- applications


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    item_id: uuid.UUID
    region_code: str  # the community applied at
    form: Mapping[str, Any]
    materials: Mapping[str, Sequence[uuid.UUID]] = field(default_factory=dict)
    application_id: uuid.UUID | None = None  # chosen by the client: a retry is the same
    # 代办: the resident staff file for
    applicant_name: str | None = None
    applicant_phone: str | None = None
    applicant_id: uuid.UUID | None = None


def _is_citizen(actor: Principal) -> bool:
    return actor.user_id is not None and any(a.role == Role.CITIZEN for a in actor.assignments)


def readable_applications(actor: Principal) -> Q:
    """Staff read the applications made in their subtree; an applicant reads their own."""
    condition = subtree_filter(
        scope_prefixes(actor.assignments, "application", "read"), "region_code"
    )
    if actor.user_id is not None:
        condition |= Q(applicant_id=actor.user_id) | Q(filed_by_id=actor.user_id)
    return condition


def _own(actor: Principal) -> Q:
    if actor.user_id is None:
        return Q(id__in=[])
    return Q(applicant_id=actor.user_id) | Q(filed_by_id=actor.user_id)


async def _check_materials(
    item: ApprovalItem,
    materials: Mapping[str, Sequence[uuid.UUID]],
    *,
    actor: Principal,
    application_id: uuid.UUID,
) -> list[uuid.UUID]:
    """Every required material brought, each file the caller's own, unlisted elsewhere and of
    a type the material accepts; returns the files' ids."""
    declared = {m["key"]: m for m in item.materials}
    for key in materials:
        if key not in declared:
            raise ValidationFailed(
                _("the item asks for no material {key!r}", key=key), field=f"materials.{key}"
            )
    for key, material in declared.items():
        if material["required"] and not materials.get(key):
            raise ValidationFailed(
                _("{material} is required", material=material["name"]), field=f"materials.{key}"
            )
    wanted = [file_id for ids in materials.values() for file_id in ids]
    if any(len(ids) > MAX_FILES_PER_MATERIAL for ids in materials.values()):
        raise ValidationFailed(
            _(
                "at most {MAX_FILES_PER_MATERIAL} files a material",
                MAX_FILES_PER_MATERIAL=MAX_FILES_PER_MATERIAL,
            ),
            field="materials",
        )
    files = {
        f.id: f
        for f in await ApprovalFile.filter(
            Q(application_id=None) | Q(application_id=application_id),
            id__in=wanted,
            uploaded_by_id=actor.user_id,
            assessment_id=None,
        )
    }
    for key, ids in materials.items():
        for file_id in ids:
            found = files.get(file_id)
            if found is None:
                raise NotFound("file", file_id, field=f"materials.{key}")
            if found.content_type not in declared[key]["fileTypes"]:
                raise ValidationFailed(
                    _(
                        "{filename}: {declared} takes {items}, not {content_type}",
                        filename=found.filename,
                        declared=declared[key]["name"],
                        items=", ".join(declared[key]["fileTypes"]),
                        content_type=found.content_type,
                    ),
                    field=f"materials.{key}",
                    code=ErrorCode.UNSUPPORTED_FILE,
                )
    return wanted


def _wait_at(application: Application, steps: Sequence[Step], index: int) -> Stage:
    """Put the application at step `index`: the region holding it, who it waits for."""
    step = steps[index]
    application.step_index = index
    application.holder_region_code = ancestor_at(application.region_code, step.level)
    application.waiting_role = step.role
    application.waiting_department_id = step.department_id
    return Stage.of_step(index)


MAX_TOLD = 200  # a step's holders told of a new arrival (a city centre may have many staff)


async def _holders(application: Application, steps: Sequence[Step] = ()) -> list[uuid.UUID]:
    """Who the application now waits for: the step's named approvers, else everyone holding
    its role (and department) at the region holding it."""
    if application.waiting_role is None:
        return []
    if steps:
        named = steps[application.step_index].approver_ids
        if named:
            return list(named)
    query = RoleAssignment.filter(
        region_code=application.holder_region_code, role=application.waiting_role
    )
    if application.waiting_department_id is not None:
        query = query.filter(department_id=application.waiting_department_id)
    rows = await query.limit(MAX_TOLD).values_list("user_id", flat=True)
    return [uuid.UUID(str(user_id)) for user_id in rows]


def _waiting_title(application: Application) -> Message:
    return _(
        "To approve {number} {applicant}",
        number=application.number,
        applicant=application.applicant_name,
    )


def _wait_for_collection(application: Application) -> Stage:
    application.holder_region_code = application.region_code
    application.waiting_role = Role.COMMUNITY_STAFF.value
    application.waiting_department_id = None
    return Stage.COLLECTION


async def submit(*, actor: Principal, data: ApplicationInput) -> Application:
    """申请: a citizen applies at their community, or community staff file on a resident's
    behalf (代办, recorded as such)."""
    if actor.user_id is None:
        raise NotAllowed(_("applications are made from a user's account"))
    citizen = _is_citizen(actor)
    if Level.of_code(data.region_code) is not Level.COMMUNITY:
        raise ValidationFailed(_("apply at a community"), field="regionCode")
    if citizen:
        authorize(actor.assignments, "application", "apply", at=data.region_code)
    else:
        try:
            authorize(actor.assignments, "application", "file_on_behalf", at=data.region_code)
        except PermissionDenied as error:
            raise NotAllowed(
                _("your roles may not file applications on a resident's behalf")
            ) from error
        if not data.applicant_name or not data.applicant_name.strip():
            raise ValidationFailed(_("name the resident you file for"), field="applicantName")
    if data.application_id is not None:
        earlier = await Application.filter(id=data.application_id).first()
        if earlier is not None:
            if earlier.filed_by_id != actor.user_id:
                raise Conflict(_("that id is taken"), field="id", code=ErrorCode.ALREADY_EXISTS)
            return earlier
    item = await ApprovalItem.filter(id=data.item_id, published=True).first()
    if item is None:
        raise NotFound("approval item", data.item_id, field="itemId")
    if not in_subtree(data.region_code, item.region_code):
        raise ValidationFailed(
            _(
                "{name} is not offered at {region_code}",
                name=item.name,
                region_code=data.region_code,
            ),
            field="regionCode",
        )
    if not await Region.filter(code=data.region_code, is_active=True).exists():
        raise ValidationFailed(
            _("no community {region_code}", region_code=data.region_code), field="regionCode"
        )
    check_form(item.form_template, data.form)
    application_id = data.application_id or uuid.uuid4()
    file_ids = await _check_materials(
        item, data.materials, actor=actor, application_id=application_id
    )
    definition = await ApprovalFlowVersion.get(item_id=item.id, version=item.flow_version)
    steps = steps_of(definition.steps)
    now = clock.now()
    applicant_id: uuid.UUID | None
    if citizen:
        user = await User.get(id=actor.user_id)
        name, phone, applicant_id = user.display_name or user.username, user.phone, user.id
    else:
        name = (data.applicant_name or "").strip()
        phone, applicant_id = data.applicant_phone, data.applicant_id
    if len(name) > 50 or (phone is not None and len(phone) > 20):
        raise ValidationFailed(_("a name of up to 50 characters"), field="applicantName")
    application = Application(
        id=application_id,
        number=f"SP{data.region_code}-{now.astimezone(LOCAL):%Y%m%d}-{application_id.hex[:6].upper()}",
        item_id=item.id,
        flow_version=definition.version,
        status=ApplicationStatus.IN_REVIEW,
        applicant_id=applicant_id,
        applicant_name=name,
        applicant_phone=phone,
        filed_by_id=actor.user_id,
        on_behalf=not citizen,
        region_code=data.region_code,
        form=dict(data.form),
        materials={key: [str(i) for i in ids] for key, ids in data.materials.items()},
        created_at=now,
        promised_due_at=add_limit(
            now,
            item.promised_days,
            DeadlineUnit.WORKING_DAYS,
            await calendar_from(now.astimezone(LOCAL).date()),
        ),
    )
    stage = _wait_at(application, steps, 0)
    try:
        async with in_transaction():
            await flows.start(
                APPLICATIONS,
                application,
                actor=actor,
                action=Action.SUBMIT,
                stage=stage,
                note="代办" if not citizen else "",
            )
            await ApprovalFile.filter(id__in=file_ids).update(application_id=application.id)
            await notices.notify(
                user_ids=await _holders(application, steps),
                kind="application_waiting",
                title=_waiting_title(application),
                region_code=application.region_code,
            )
    except IntegrityError as error:
        # the same id sent twice at once: the first one wrote it
        earlier = await Application.filter(id=application_id, filed_by_id=actor.user_id).first()
        if earlier is None:
            raise Conflict(
                _("that id is taken"), field="id", code=ErrorCode.ALREADY_EXISTS
            ) from error
        return earlier
    return application


async def _steps(application: Application) -> list[Step]:
    definition = await ApprovalFlowVersion.get(
        item_id=application.item_id, version=application.flow_version
    )
    return steps_of(definition.steps)


def _may_act(actor: Principal, step: Step, holder: str, action: StepAction) -> None:
    """The caller holds the step's role at the region holding it (and its department, and is
    among its named approvers where it names some), and policy lets that role act there."""
    enforcer = get_enforcer()
    level = Level.of_code(holder)
    assert level is not None
    holds = any(
        a.role == step.role
        and in_subtree(holder, a.region_code)
        and (step.department_id is None or a.department_id == step.department_id)
        and enforcer.allows(a.role, level, "application", POLICY_ACTION[action], at=holder)
        for a in actor.assignments
    )
    if not holds:
        raise NotAllowed(
            _(
                "step {name} waits for {role} of {holder}",
                name=step.name,
                role=step.role,
                holder=holder,
            )
        )
    if step.approver_ids and actor.user_id not in step.approver_ids:
        raise NotAllowed(_("step {name} is for its named approvers", name=step.name))


def _note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise ValidationFailed(_("give the reason"), field="note")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("at most {MAX_NOTE} characters", MAX_NOTE=MAX_NOTE), field="note")
    return note


async def take_step(
    *,
    actor: Principal,
    application_id: uuid.UUID,
    action: Action,
    note: str = "",
    certificate_number: str | None = None,
    expected_version: int | None = None,
) -> Application:
    """审核 review, 反退 return, 审批 approve or refuse, 注册 register, 备案 file: the running
    step's action, by who it waits for. Approving below the item's ceiling passes it up to the
    step that may decide (approved here, waiting above)."""
    if action not in STEP_ACTION:
        raise ValidationFailed(
            _("{value} is not a step's action", value=action.value), field="action"
        )
    note = _note(note, required=action in (Action.RETURN, Action.REFUSE))
    if certificate_number is not None and not 1 <= len(certificate_number.strip()) <= 60:
        raise ValidationFailed(_("a number of 1 to 60 characters"), field="certificateNumber")
    async with flows.transition(
        APPLICATIONS,
        actor=actor,
        record_id=application_id,
        action=action,
        note=note,
        scope=readable_applications(actor),
        expected_version=expected_version,
    ) as move:
        application = move.record
        steps = await _steps(application)
        step = steps[application.step_index]
        step_action = STEP_ACTION[action]
        if step_action not in step.actions:
            raise Conflict(
                _("step {name} does not allow {value}", name=step.name, value=step_action.value),
                field="action",
                code=ErrorCode.INVALID_TRANSITION,
            )
        _may_act(actor, step, application.holder_region_code, step_action)
        table = APPLICATION_TRANSITIONS[action]
        item = await ApprovalItem.get(id=application.item_id)
        ceiling = Level(item.decides_at)
        below_ceiling = ORDER.index(step.level) > ORDER.index(ceiling)
        if action is Action.REFUSE and below_ceiling:
            raise NotAllowed(
                _(
                    "{name} is decided at {value} level: approve to pass it up, or return it for correction",
                    name=item.name,
                    value=ceiling.value,
                )
            )
        if certificate_number is not None:
            application.certificate_number = certificate_number.strip()
        if action is Action.REVIEW:
            if application.step_index + 1 >= len(steps):
                raise Conflict(_("the last step decides: approve or refuse"), field="action")
            move.transition = Transition(
                table.frm, table.to, _wait_at(application, steps, application.step_index + 1)
            )
        elif action is Action.APPROVE and below_ceiling:
            target = decision_index(steps, decides_at=ceiling, start=application.step_index + 1)
            assert target is not None  # a saved flow always has a deciding step
            move.action = Action.PASS_UP
            move.transition = Transition(
                table.frm, ApplicationStatus.IN_REVIEW, _wait_at(application, steps, target)
            )
        elif action is Action.RETURN:
            application.waiting_role = None
            await move.tell(
                _applicants(application),
                kind="application_returned",
                title=_("Application to complete {number}", number=application.number),
                body=note,
            )
        elif action is Action.REFUSE:
            application.refusal_reason = note
            application.decided_at = move.now
            application.waiting_role = None
            await move.tell(
                _applicants(application),
                kind="application_refused",
                title=_("Application not approved {number}", number=application.number),
                body=note,
            )
        else:  # approved, registered or filed: on to the next step, or down for collection
            if action is Action.APPROVE:
                application.decided_at = move.now
            if application.step_index + 1 < len(steps):
                move.transition = Transition(
                    table.frm,
                    ApplicationStatus.APPROVED,
                    _wait_at(application, steps, application.step_index + 1),
                )
            else:
                if not application.certificate_number:
                    raise ValidationFailed(
                        _("give the certificate or licence number"), field="certificateNumber"
                    )
                move.transition = Transition(
                    table.frm,
                    ApplicationStatus.READY_FOR_COLLECTION,
                    _wait_for_collection(application),
                )
                await move.tell(
                    await _holders(application),
                    kind="application_waiting",
                    title=_(
                        "Certificate to collect {number} {applicant}",
                        number=application.number,
                        applicant=application.applicant_name,
                    ),
                )
                await move.tell(
                    _applicants(application),
                    kind="application_ready",
                    title=_("Certificate ready to collect {number}", number=application.number),
                    body=f"{item.name} {application.certificate_number}",
                )
        if move.transition.stage not in (None, Stage.COLLECTION):  # arrived at a step
            await move.tell(
                await _holders(application, steps),
                kind="application_waiting",
                title=_waiting_title(application),
            )
    return move.record


def _applicants(application: Application) -> list[uuid.UUID]:
    return [application.applicant_id] if application.applicant_id else [application.filed_by_id]


async def resubmit(
    *,
    actor: Principal,
    application_id: uuid.UUID,
    form: Mapping[str, Any],
    materials: Mapping[str, Sequence[uuid.UUID]],
    note: str = "",
    expected_version: int | None = None,
) -> Application:
    """补正: the applicant (or whoever filed it for them) corrects a returned application and
    sends it back to the step that returned it: the same application, a new timeline row."""
    note = _note(note, required=False)
    async with flows.transition(
        APPLICATIONS,
        actor=actor,
        record_id=application_id,
        action=Action.RESUBMIT,
        note=note,
        scope=_own(actor),
        expected_version=expected_version,
    ) as move:
        application = move.record
        item = await ApprovalItem.get(id=application.item_id)
        check_form(item.form_template, form)
        file_ids = await _check_materials(
            item, materials, actor=actor, application_id=application.id
        )
        await ApprovalFile.filter(id__in=file_ids).update(application_id=application.id)
        application.form = dict(form)
        application.materials = {key: [str(i) for i in ids] for key, ids in materials.items()}
        steps = await _steps(application)
        table = APPLICATION_TRANSITIONS[Action.RESUBMIT]
        move.transition = Transition(
            table.frm, table.to, _wait_at(application, steps, application.step_index)
        )
        await move.tell(
            await _holders(application, steps),
            kind="application_waiting",
            title=_waiting_title(application),
        )
    return move.record


def _handover_communities(actor: Principal) -> list[str]:
    """The communities whose certificates the caller may hand over: a community's staff, or
    a grid worker of one of its grids."""
    enforcer = get_enforcer()
    found = []
    for a in actor.assignments:
        level = Level.of_code(a.region_code)
        if level not in (Level.COMMUNITY, Level.GRID):
            continue
        if enforcer.allows(a.role, level, "application", "hand_over", at=a.region_code):
            found.append(ancestor_at(a.region_code, Level.COMMUNITY))
    return found


async def hand_over(
    *,
    actor: Principal,
    application_id: uuid.UUID,
    note: str = "",
    expected_version: int | None = None,
) -> Application:
    """领取: the community (its staff, or the resident's grid worker) hands the certificate to
    the resident, and says so."""
    note = _note(note, required=False)
    communities = _handover_communities(actor)
    async with flows.transition(
        APPLICATIONS,
        actor=actor,
        record_id=application_id,
        action=Action.HAND_OVER,
        note=note,
        scope=readable_applications(actor) | Q(region_code__in=communities),
        expected_version=expected_version,
    ) as move:
        application = move.record
        if application.region_code not in communities:
            raise NotAllowed(_("the certificate is handed over by the community it was applied at"))
        application.collected_at = move.now
        application.waiting_role = None
    return move.record


async def get_application(*, actor: Principal, application_id: uuid.UUID) -> Application | None:
    return await Application.filter(readable_applications(actor), id=application_id).first()


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    item_id: uuid.UUID | None = None
    status: ApplicationStatus | None = None
    region_code: str | None = None
    overdue: bool | None = None


def _newest_first(query: Any, page: PageRequest) -> Any:
    if page.after is not None:
        after_at, after_id = split_cursor(page.after)
        query = query.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, id__lt=after_id))
    return query.order_by("-created_at", "-id").limit(page.first + 1)


def _created_key(application: Application) -> str:
    return f"{application.created_at.isoformat()}|{application.id}"


async def list_applications(
    *, actor: Principal, filters: ApplicationFilter, page: PageRequest
) -> tuple[Page[Application], Any]:
    """Applications made in the caller's subtree, newest first."""
    if filters.region_code is not None:
        if Level.of_code(filters.region_code) is None:
            raise ValidationFailed(_("not a region code"), field="regionCode")
        authorize(actor.assignments, "application", "read", at=filters.region_code)
        prefixes = [filters.region_code]
    else:
        prefixes = scope_prefixes(actor.assignments, "application", "read")
        if not prefixes:
            raise PermissionDenied(_("your roles may not read applications"))
    query = Application.filter(subtree_filter(prefixes, "region_code"))
    if filters.item_id is not None:
        query = query.filter(item_id=filters.item_id)
    if filters.status is not None:
        query = query.filter(status=filters.status)
    if filters.overdue is True:
        query = query.filter(status__in=list(WAITING_FOR_STAFF), due_at__lt=clock.now())
    elif filters.overdue is False:
        query = query.filter(Q(due_at=None) | Q(due_at__gte=clock.now()))
    rows = await _newest_first(query, page)
    return make_page(rows, page, _created_key), query


async def my_applications(*, actor: Principal, page: PageRequest) -> tuple[Page[Application], Any]:
    """The caller's own applications (as applicant, or filed by them), newest first."""
    query = Application.filter(_own(actor))
    rows = await _newest_first(query, page)
    return make_page(rows, page, _created_key), query


def task_filter(actor: Principal) -> Q:
    """What waits for the caller: applications held at a region where the caller holds the
    role the running step waits for (and its department)."""
    branches = []
    for a in actor.assignments:
        condition = Q(holder_region_code=a.region_code, waiting_role=str(a.role))
        if a.department_id is not None:
            condition &= Q(waiting_department_id=None) | Q(waiting_department_id=a.department_id)
        else:
            condition &= Q(waiting_department_id=None)
        branches.append(condition)
    if not branches:
        return Q(id__in=[])
    return Q(*branches, join_type="OR") & Q(status__in=list(WAITING_FOR_STAFF))


def _due_key(application: Application) -> str:
    assert application.due_at is not None  # what waits for staff runs a stage clock
    return f"{application.due_at.isoformat()}|{application.id}"


async def my_tasks(*, actor: Principal, page: PageRequest) -> tuple[Page[Application], Any]:
    """myApprovalTasks: what waits for the caller's action, the soonest due first."""
    query = Application.filter(task_filter(actor))
    filtered = query
    if page.after is not None:
        due_text, _unused, id_text = page.after.partition("|")
        try:
            after_due, after_id = datetime.fromisoformat(due_text), uuid.UUID(id_text)
        except ValueError as error:
            raise ValidationFailed(_("malformed cursor"), field="after") from error
        query = query.filter(Q(due_at__gt=after_due) | Q(due_at=after_due, id__gt=after_id))
    rows = await query.order_by("due_at", "id").limit(page.first + 1)
    return make_page(rows, page, _due_key), filtered


async def timelines(application_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[FlowStep]]:
    """The steps of each application, oldest first, in one query (the caller has read them)."""
    grouped: dict[uuid.UUID, list[FlowStep]] = {}
    rows = await FlowStep.filter(
        flow=APPLICATIONS.name, record_id__in=list(application_ids)
    ).order_by("record_id", "id")
    for row in rows:
        grouped.setdefault(row.record_id, []).append(row)
    return grouped


async def readable_file(*, actor: Principal, file_id: uuid.UUID) -> ApprovalFile:
    """A material of an application the caller may read, an assessment's report to who may read
    the assessment, or a file the caller uploaded; anything else is not found."""
    found = await ApprovalFile.filter(id=file_id).first()
    if found is None:
        raise NotFound("file", file_id)
    if found.uploaded_by_id == actor.user_id:
        return found
    if (
        found.application_id is not None
        and await Application.filter(readable_applications(actor), id=found.application_id).exists()
    ):
        return found
    if (
        found.assessment_id is not None
        and await RiskAssessment.filter(
            readable_assessments(actor), id=found.assessment_id
        ).exists()
    ):
        return found
    raise NotFound("file", file_id)
