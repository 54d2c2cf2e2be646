"""Bounds on every input of the schema, declared once and checked before anything executes.

A text longer than the column it lands in, a date PostgreSQL or Python cannot hold, a NUL
character or a value nested hundreds of levels deep would otherwise fail deep inside a
service (tortoise's length check, asyncpg's date encoder, the recursion limit) as an internal
error. Here each is the client's error (`BAD_USER_INPUT`), found in the document by a
validation rule (cached with the document) and in the variables by one walk per request.

Lengths come from the tortoise models: an input type declares the model(s) its fields land in
and a field takes the `max_length` of the column of its name; arguments and fields named
otherwise are listed below; everything else has a generous cap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationContext,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    type_from_ast,
    visit,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition
from tortoise import fields
from tortoise.models import Model

from api import resident_ids
from api.bounds import RANGE_TEXT, column, within_range
from api.domains.accounts.models import ApiKey, RoleAssignment, User
from api.domains.announcements import messages, posts
from api.domains.announcements import service as announcements
from api.domains.announcements.models import Announcement, MessageThread, PublicPost
from api.domains.audit.models import AuditEntry
from api.domains.care.models import Hazard, Inspection
from api.domains.economy.models import Indicator, Milestone, ProgressReport, Project
from api.domains.emergencies.models import EmergencyPlan, Incident, IncidentTask
from api.domains.events.models import CalendarDay, Category, Event
from api.domains.hierarchy.models import Department, Region
from api.domains.intake.models import WorkOrder
from api.domains.meetings import service as meetings
from api.domains.meetings.models import Meeting
from api.domains.partywork.models import MemberAppraisal, VillageOfficial
from api.domains.points import pledges
from api.domains.points.models import PointsMember, WelfarePost
from api.domains.registry.models import (
    Building,
    Enrolment,
    House,
    Household,
    Organisation,
    PartyMember,
    PartyOrganisation,
    Person,
    SpecialGroupRecord,
    Volunteer,
)
from api.domains.stats.models import ScoringRules
from api.domains.supervision import reports as analysis_reports
from api.domains.webhooks.models import WebhookEndpoint
from api.i18n import _

MAX_TEXT: Final = 10_000  # free text with no column of its own (descriptions, notes: TEXT)
MAX_ID: Final = 200  # a global id is ~60 characters, a cursor less
MAX_SEARCH: Final = 100  # search words, matched with ILIKE
MAX_SECRET: Final = 1024  # passwords and tokens: hashing a megabyte per guess is a DoS
MAX_NESTING: Final = 16  # lists and objects within each other in one value; the schema needs 4

LENGTH_KEY: Final = "gridgov.max_length"


# Input types and the models their fields land in: a field takes the column of its own name.
INPUT_MODELS: Final[Mapping[str, tuple[type[Model], ...]]] = {
    "AppealInput": (Event,),
    "HazardInput": (Hazard,),
    "VillageOfficialInput": (VillageOfficial,),
    "AppraiseMemberInput": (MemberAppraisal,),
    "RecordInspectionInput": (Inspection,),
    "BuildingFieldsInput": (Building,),
    "CreateDepartmentInput": (Department,),
    "UpdateDepartmentInput": (Department,),
    "CreateRegionInput": (Region,),
    "UpdateRegionInput": (Region,),
    "CreateUserInput": (User,),
    "UpdateUserInput": (User,),
    "FollowUpInput": (SpecialGroupRecord,),
    "HouseFieldsInput": (House,),
    "HouseholdFieldsInput": (Household,),
    "RegisterHouseholdInput": (Household,),
    "HouseholdMemberInput": (Person,),
    "MovePersonInput": (Person,),
    "OrganisationFieldsInput": (Organisation,),
    "PartyMemberFieldsInput": (PartyMember,),
    "PublishNoticeInput": (Announcement,),
    "ScheduleMeetingInput": (Meeting,),
    "PublishPostInput": (PublicPost,),
    "SendMessageInput": (MessageThread,),
    "PartyMemberInput": (PartyMember,),
    "PartyOrganisationFieldsInput": (PartyOrganisation,),
    "PartyOrganisationInput": (PartyOrganisation,),
    "PersonFieldsInput": (Person,),
    "RegisterPersonInput": (Person,),
    "ReportEventInput": (Event,),
    "RoleAssignmentInput": (RoleAssignment,),
    "ScoringRulesInput": (ScoringRules,),
    "VolunteerFieldsInput": (Volunteer,),
    "VolunteerInput": (Volunteer,),
    "WorkOrderInput": (WorkOrder, Event),
    "EmergencyPlanInput": (EmergencyPlan,),
    "PlanTaskInput": (IncidentTask,),
    "OpenIncidentInput": (Incident,),
    "JoinDualPostInput": (PointsMember,),
    "WelfarePostInput": (WelfarePost,),
    "CreateProjectInput": (Project,),
    "UpdateProjectInput": (Project,),
    "MilestoneInput": (Milestone,),
    "ProgressInput": (ProgressReport,),
    "DefineIndicatorInput": (Indicator,),
    "EnrolmentTermsInput": (Enrolment,),
}


def _lazy(model: type[Model], name: str) -> Callable[[], int]:
    return functools.partial(column, model, name)


def _fixed(length: int) -> Callable[[], int]:
    return lambda: length


# Arguments and fields whose name is not their column's, wherever they appear.
BY_NAME: Final[Mapping[str, Callable[[], int]]] = {
    "regionCode": _lazy(Region, "code"),
    "parentCode": _lazy(Region, "code"),
    "scope": _lazy(Region, "code"),
    "cityCode": _lazy(Region, "code"),
    "categoryKey": _lazy(Category, "key"),
    "parentKey": _lazy(Category, "key"),
    "category": _lazy(Category, "key"),
    "username": _lazy(User, "username"),
    "ticketId": _lazy(WorkOrder, "ticket_id"),
    "callerName": _lazy(WorkOrder, "caller_name"),
    "callerPhone": _lazy(WorkOrder, "caller_phone"),
    "phone": _lazy(User, "phone"),
    "password": _fixed(MAX_SECRET),
    "currentPassword": _fixed(MAX_SECRET),
    "newPassword": _fixed(MAX_SECRET),
    "refreshToken": _fixed(MAX_SECRET),
    "verificationCode": _fixed(MAX_SEARCH),
    "search": _fixed(MAX_SEARCH),
    "text": _fixed(MAX_SEARCH),
    "after": _fixed(MAX_ID),
}

# Fields typed wider than their column: the service compacts them before they land. An ID
# number may carry spaces or hyphens between its parts (api.resident_ids), as in an import.
WIDER_THAN_COLUMN: Final[Mapping[str, Callable[[], int]]] = {
    name: _fixed(resident_ids.TYPED_LENGTH)
    for name in ("idNumber", "ownerIdNumber", "landlordIdNumber", "legalPersonIdNumber")
}

# Positions of one field only: "Type.field" (an input field) or "Type.field.argument".
BY_COORDINATE: Final[Mapping[str, Callable[[], int]]] = {
    "Query.region.code": _lazy(Region, "code"),
    "Query.regionPath.code": _lazy(Region, "code"),
    "Mutation.updateRegion.code": _lazy(Region, "code"),
    "Mutation.deactivateRegion.code": _lazy(Region, "code"),
    "Mutation.reactivateRegion.code": _lazy(Region, "code"),
    "Query.auditLog.action": _lazy(AuditEntry, "action"),
    "Query.auditLog.objectType": _lazy(AuditEntry, "object_type"),
    "Query.auditLog.objectId": _lazy(AuditEntry, "object_id"),
    "Mutation.createApiKey.name": _lazy(ApiKey, "name"),
    "Mutation.setCalendarDay.name": _lazy(CalendarDay, "name"),
    "Mutation.registerWebhook.url": _lazy(WebhookEndpoint, "url"),
    "Mutation.deregisterRecord.reason": _lazy(Person, "deregistered_reason"),
    "ReportEventInput.citizenName": _lazy(Event, "citizen_name"),
    "ReportEventInput.citizenPhone": _lazy(Event, "citizen_phone"),
    "WorkOrderInput.idempotencyKey": _lazy(WorkOrder, "idempotency_key"),
    "RegisterCitizenInput.displayName": _lazy(User, "display_name"),
    "Mutation.addIncidentTask.title": _lazy(IncidentTask, "title"),
    "Mutation.addIncidentTask.team": _lazy(IncidentTask, "team"),
    "Mutation.reassignIncidentTask.team": _lazy(IncidentTask, "team"),
    "Mutation.openIncidentFromEvent.typeCode": _lazy(Incident, "type_code"),
    "Query.emergencyPlans.typeCode": _lazy(EmergencyPlan, "type_code"),
    # wider than the service's limit, so an oversized body is its typed error (INVALID, body)
    "PublishNoticeInput.body": _fixed(4 * announcements.MAX_BODY),
    "Mutation.revokeNotice.reason": _fixed(announcements.MAX_REASON),
    # wider than the service's limits, so an oversized agenda or minutes is its typed error
    "ScheduleMeetingInput.agenda": _fixed(4 * meetings.MAX_AGENDA),
    "Mutation.recordMeetingMinutes.minutes": _fixed(4 * meetings.MAX_MINUTES),
    "Mutation.requestMeetingLeave.reason": _fixed(meetings.MAX_REASON),
    "Mutation.cancelMeeting.reason": _fixed(meetings.MAX_REASON),
    "PublishPostInput.body": _fixed(4 * posts.MAX_BODY),
    "Mutation.withdrawPost.reason": _fixed(posts.MAX_REASON),
    "SendMessageInput.body": _fixed(4 * messages.MAX_BODY),
    "Mutation.replyToThread.body": _fixed(4 * messages.MAX_BODY),
    # a pledge is a sentence or two, not a search word; wider than the service's limit, so an
    # oversized one is its typed error
    "Mutation.makePledge.text": _fixed(2 * pledges.MAX_TEXT),
    "JoinDualPostInput.communityCode": _lazy(Region, "code"),
    # wider than the service's limit, so an oversized section is its typed error
    "AnalysisReportSectionInput.body": _fixed(2 * analysis_reports.MAX_BODY),
}


def _length_of(coordinate: str, name: str, models: Iterable[type[Model]], is_id: bool) -> int:
    if coordinate in BY_COORDINATE:
        return BY_COORDINATE[coordinate]()
    if name in WIDER_THAN_COLUMN:
        return WIDER_THAN_COLUMN[name]()
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    for model in models:
        field = model._meta.fields_map.get(snake)
        if isinstance(field, fields.CharField):
            return int(field.max_length)
    if name in BY_NAME:
        return BY_NAME[name]()
    return MAX_ID if is_id else MAX_TEXT


def _is_text(type_: GraphQLInputType) -> tuple[bool, bool]:
    named = get_named_type(type_)
    return named.name in ("String", "ID"), named.name == "ID"


def install(schema: GraphQLSchema) -> None:
    """Write each text input's bound onto the schema (the argument's or input field's
    extensions), where the rule and the variables check read it."""

    def bound(
        position: GraphQLArgument | GraphQLInputField,
        coordinate: str,
        name: str,
        models: Iterable[type[Model]],
    ) -> None:
        text, is_id = _is_text(position.type)
        if text:
            position.extensions = {
                **(position.extensions or {}),
                LENGTH_KEY: _length_of(coordinate, name, models, is_id),
            }

    for type_name, named in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(named, GraphQLInputObjectType):
            models = INPUT_MODELS.get(type_name, ())
            for name, input_field in named.fields.items():
                bound(input_field, f"{type_name}.{name}", name, models)
        elif hasattr(named, "fields"):
            for field_name, field in named.fields.items():
                for name, argument in field.args.items():
                    bound(argument, f"{type_name}.{field_name}.{name}", name, ())


def limit_of(position: GraphQLArgument | GraphQLInputField | None) -> int:
    if position is None:
        return MAX_TEXT
    return int((position.extensions or {}).get(LENGTH_KEY, MAX_TEXT))


# PostgreSQL stores no NUL character in text: one in an input would fail at the database, as an
# internal error, after part of the work was done.
NUL_MESSAGE: Final = "Text must not contain the NUL character (U+0000)."


def _too_long(limit: int) -> str:
    return f"Text longer than {limit} characters."


class _PositionLimits(Visitor):
    """Keeps the bound of the argument or input field being visited (`types` is a TypeInfo or
    a ValidationContext, which answer the same questions)."""

    types: TypeInfo | ValidationContext

    def __init__(self) -> None:
        super().__init__()
        self.limits: list[int] = []

    def enter_argument(self, *_: Any) -> None:
        self.limits.append(limit_of(self.types.get_argument()))

    def leave_argument(self, *_: Any) -> None:
        self.limits.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = self.types.get_parent_input_type()
        named = get_named_type(parent) if parent is not None else None
        field = (
            named.fields.get(node.name.value) if isinstance(named, GraphQLInputObjectType) else None
        )
        self.limits.append(limit_of(field))

    def leave_object_field(self, *_: Any) -> None:
        self.limits.pop()


class BoundedLiterals(_PositionLimits, ValidationRule):
    """Text literals of the document: no NUL, no longer than the position allows."""

    def __init__(self, context: ValidationContext):
        ValidationRule.__init__(self, context)
        self.types = context
        self.limits = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))
        elif self.limits and len(node.value) > self.limits[-1]:
            self.report_error(GraphQLError(_too_long(self.limits[-1]), node))


# The variables check: per document and operation, each variable's type and the bound of the
# position it is used at (a scalar variable's bound is its position's; the smallest if used at
# several). Kept for the most recent documents, like the parser's cache.
_VariablePlan = dict[str, tuple[GraphQLInputType, int]]
_plans: OrderedDict[tuple[int, str, str | None], _VariablePlan] = OrderedDict()
_PLANS_KEPT: Final = 1024


class _VariablePositions(_PositionLimits):
    def __init__(self, type_info: TypeInfo):
        super().__init__()
        self.types = type_info
        self.found: dict[str, int] = {}

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if self.limits:
            name = node.name.value
            self.found[name] = min(self.found.get(name, MAX_TEXT), self.limits[-1])


def _plan(
    schema: GraphQLSchema, document: DocumentNode, query: str, operation_name: str | None
) -> _VariablePlan:
    key = (id(schema), query, operation_name)
    plan = _plans.get(key)
    if plan is not None:
        _plans.move_to_end(key)
        return plan
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
        and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        )
    ]
    plan = {}
    for operation in operations[:1]:
        type_info = TypeInfo(schema)
        positions = _VariablePositions(type_info)
        # fragments spread into the operation hold positions too
        visit(document, TypeInfoVisitor(type_info, positions))
        for definition in operation.variable_definitions or ():
            type_ = type_from_ast(schema, definition.type)
            if type_ is None:
                continue
            name = definition.variable.name.value
            plan[name] = (type_, positions.found.get(name, MAX_TEXT))  # type: ignore[assignment]
    _plans[key] = plan
    if len(_plans) > _PLANS_KEPT:
        _plans.popitem(last=False)
    return plan


class OutOfBounds(Exception):
    def __init__(self, message: str, path: list[str | int]):
        super().__init__(message)
        self.message = message
        self.path = path


def check_variables(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> GraphQLError | None:
    """The first variable value out of bounds, as a client error; None if all are in."""
    if not variables:
        return None
    plan = _plan(schema, document, query, operation_name)
    for name, value in variables.items():
        type_, limit = plan.get(name, (None, MAX_TEXT))
        try:
            _check(value, type_, limit, 0, [])
        except OutOfBounds as problem:
            if problem.message == NUL_MESSAGE:
                return GraphQLError(NUL_MESSAGE)  # the same words wherever the NUL is
            where = "".join(
                f"[{step}]" if isinstance(step, int) else f".{step}" for step in problem.path
            )
            return GraphQLError(
                _(
                    "Variable '${name}{where}': {message}",
                    name=name,
                    where=where,
                    message=problem.message,
                )
            )
    return None


def _check(value: Any, type_: Any, limit: int, depth: int, path: list[str | int]) -> None:
    """Walk a variable's value along its declared type (loosely: a value of the wrong shape
    is left to coercion, which refuses it with its own message)."""
    if depth > MAX_NESTING:
        raise OutOfBounds(f"nested deeper than {MAX_NESTING} levels.", path)
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(value, str):
        if "\x00" in value:
            raise OutOfBounds(NUL_MESSAGE, path)
        if len(value) > limit:
            raise OutOfBounds(_too_long(limit), path)
    elif isinstance(value, list):
        item_type = type_.of_type if isinstance(type_, GraphQLList) else None
        for index, item in enumerate(value):
            _check(item, item_type, limit, depth + 1, [*path, index])
    elif isinstance(value, dict):
        object_type = type_ if isinstance(type_, GraphQLInputObjectType) else None
        for key, item in value.items():
            if "\x00" in key:
                raise OutOfBounds(NUL_MESSAGE, path)
            field = object_type.fields.get(key) if object_type is not None else None
            _check(
                item,
                field.type if field is not None else None,
                limit_of(field) if field is not None else MAX_TEXT,
                depth + 1,
                [*path, key],
            )


# Dates: the Date and DateTime scalars refuse what lies outside the documented range.


def _in_range(value: dt.date, kind: str) -> None:
    if not within_range(value):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a {kind}: "{value.isoformat()}". {kind}s run from {RANGE_TEXT}.'
        )


def _bounded(definition: ScalarDefinition, kind: str) -> ScalarDefinition:
    parse = definition.parse_value
    assert parse is not None

    def parse_value(value: object) -> object:
        parsed = parse(value)
        _in_range(parsed, kind)
        return parsed

    return dataclasses.replace(definition, parse_value=parse_value)


SCALAR_OVERRIDES: Final[Mapping[object, ScalarDefinition]] = {
    dt.date: _bounded(DateDefinition, "Date"),
    dt.datetime: _bounded(DateTimeDefinition, "DateTime"),
}
