"""Per-request dataloaders: one query per kind of relation, never one per row."""

from __future__ import annotations

import uuid
from functools import cached_property

from strawberry.dataloader import DataLoader

from api.auth import Principal
from api.domains.accounts.models import RoleAssignment
from api.domains.accounts.service import assignments_of
from api.domains.approvals.models import RiskReview
from api.domains.economy.models import Milestone, ProgressReport, ProjectAttachment
from api.domains.emergencies.models import (
    CapAlert,
    EmergencyPlan,
    IncidentTask,
    SituationReport,
)
from api.domains.events.attachments import attachments_of
from api.domains.events.contacts import Contacts, contacts_of
from api.domains.events.models import Attachment, Category, Cohandling, SiteCheck, TimelineEntry
from api.domains.events.service import timelines
from api.domains.hierarchy.models import Department
from api.domains.points.ledger import Totals
from api.domains.registry.models import (
    Building,
    Enrolment,
    House,
    Household,
    PendingChange,
    Person,
    SpecialGroupRecord,
)
from api.flows.models import FlowStep
from schema.approvals import dataloaders as approvals
from schema.economy import dataloaders as economy
from schema.emergencies import dataloaders as emergencies
from schema.events import dataloaders as cohandling
from schema.points import dataloaders as points
from schema.registry import dataloaders as registry
from schema.supervision import dataloaders as supervision


async def _load_assignments(user_ids: list[uuid.UUID]) -> list[list[RoleAssignment]]:
    grouped = await assignments_of(user_ids)
    return [grouped.get(user_id, []) for user_id in user_ids]


async def _load_timelines(event_ids: list[uuid.UUID]) -> list[list[TimelineEntry]]:
    grouped = await timelines(event_ids)
    return [grouped.get(event_id, []) for event_id in event_ids]


async def _load_attachments(event_ids: list[uuid.UUID]) -> list[list[Attachment]]:
    grouped = await attachments_of(event_ids)
    return [grouped.get(event_id, []) for event_id in event_ids]


ContactsKey = tuple[Principal, uuid.UUID]  # the reader, the event


async def _load_contacts(keys: list[ContactsKey]) -> list[Contacts | None]:
    """Reporters and collectors of a page's events, read (and audited) once per reader."""
    found: dict[ContactsKey, Contacts] = {}
    for actor in {actor for actor, _ in keys}:
        ids = [event_id for reader, event_id in keys if reader == actor]
        for event_id, contacts in (await contacts_of(actor=actor, event_ids=ids)).items():
            found[(actor, event_id)] = contacts
    return [found.get(key) for key in keys]


async def _load_departments(ids: list[uuid.UUID]) -> list[Department | None]:
    found = {d.id: d for d in await Department.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def _load_categories(keys: list[str]) -> list[Category | None]:
    found = {c.key: c for c in await Category.filter(key__in=keys)}
    return [found.get(k) for k in keys]


class Loaders:
    """Created per request, so nothing cached outlives it or crosses users."""

    @cached_property
    def assignments_by_user(self) -> DataLoader[uuid.UUID, list[RoleAssignment]]:
        return DataLoader(load_fn=_load_assignments)

    @cached_property
    def timeline_by_event(self) -> DataLoader[uuid.UUID, list[TimelineEntry]]:
        return DataLoader(load_fn=_load_timelines)

    @cached_property
    def contacts_by_event(self) -> DataLoader[ContactsKey, Contacts | None]:
        return DataLoader(load_fn=_load_contacts)

    @cached_property
    def supervision_steps(self) -> DataLoader[uuid.UUID, list[FlowStep]]:
        return DataLoader(load_fn=supervision.load_steps)

    @cached_property
    def department(self) -> DataLoader[uuid.UUID, Department | None]:
        return DataLoader(load_fn=_load_departments)

    @cached_property
    def category(self) -> DataLoader[str, Category | None]:
        return DataLoader(load_fn=_load_categories)

    @cached_property
    def attachments_by_event(self) -> DataLoader[uuid.UUID, list[Attachment]]:
        return DataLoader(load_fn=_load_attachments)

    # an event's co-handling tasks (协办) with their own steps, and its on-site checks
    @cached_property
    def cohandlings_by_event(self) -> DataLoader[uuid.UUID, list[Cohandling]]:
        return DataLoader(load_fn=cohandling.load_cohandlings)

    @cached_property
    def cohandling_steps(self) -> DataLoader[uuid.UUID, list[FlowStep]]:
        return DataLoader(load_fn=cohandling.load_cohandling_steps)

    @cached_property
    def site_checks_by_event(self) -> DataLoader[uuid.UUID, list[SiteCheck]]:
        return DataLoader(load_fn=cohandling.load_site_checks)

    # registry (基础数据)
    @cached_property
    def sensitive_read(self) -> DataLoader[registry.SensitiveRead, bool]:
        return DataLoader(load_fn=registry.load_sensitive_reads)

    @cached_property
    def members_by_household(self) -> DataLoader[uuid.UUID, list[Person]]:
        return DataLoader(load_fn=registry.load_members)

    @cached_property
    def residents_by_house(self) -> DataLoader[uuid.UUID, list[Person]]:
        return DataLoader(load_fn=registry.load_residents)

    @cached_property
    def special_groups_by_person(self) -> DataLoader[uuid.UUID, list[SpecialGroupRecord]]:
        return DataLoader(load_fn=registry.load_special_groups)

    @cached_property
    def enrolments_by_person(self) -> DataLoader[uuid.UUID, list[Enrolment]]:
        return DataLoader(load_fn=registry.load_enrolments)

    @cached_property
    def person(self) -> DataLoader[uuid.UUID, Person | None]:
        return DataLoader(load_fn=registry.load_people)

    @cached_property
    def household(self) -> DataLoader[uuid.UUID, Household | None]:
        return DataLoader(load_fn=registry.load_households)

    @cached_property
    def house(self) -> DataLoader[uuid.UUID, House | None]:
        return DataLoader(load_fn=registry.load_houses)

    @cached_property
    def building(self) -> DataLoader[uuid.UUID, Building | None]:
        return DataLoader(load_fn=registry.load_buildings)

    @cached_property
    def pending_change(self) -> DataLoader[tuple[Principal, uuid.UUID], PendingChange | None]:
        return DataLoader(load_fn=registry.load_pending_changes)

    # economy (经济运行): a project's milestones and monthly progress
    @cached_property
    def project_milestones(self) -> DataLoader[uuid.UUID, list[Milestone]]:
        return DataLoader(load_fn=economy.load_milestones)

    @cached_property
    def project_attachments(self) -> DataLoader[uuid.UUID, list[ProjectAttachment]]:
        return DataLoader(load_fn=economy.load_attachments)

    @cached_property
    def project_progress(self) -> DataLoader[uuid.UUID, list[ProgressReport]]:
        return DataLoader(load_fn=economy.load_progress)

    # emergencies (应急管理): an incident's record
    @cached_property
    def incident_tasks(self) -> DataLoader[uuid.UUID, list[IncidentTask]]:
        return DataLoader(load_fn=emergencies.load_tasks)

    @cached_property
    def incident_reports(self) -> DataLoader[uuid.UUID, list[SituationReport]]:
        return DataLoader(load_fn=emergencies.load_reports)

    @cached_property
    def incident_timeline(self) -> DataLoader[uuid.UUID, list[FlowStep]]:
        return DataLoader(load_fn=emergencies.load_timelines)

    @cached_property
    def incident_alerts(self) -> DataLoader[uuid.UUID, list[CapAlert]]:
        return DataLoader(load_fn=emergencies.load_alerts)

    @cached_property
    def emergency_plan(self) -> DataLoader[uuid.UUID, EmergencyPlan | None]:
        return DataLoader(load_fn=emergencies.load_plans)

    # approvals (行政审批, 风险评估)
    @cached_property
    def timeline_by_application(self) -> DataLoader[uuid.UUID, list[FlowStep]]:
        return DataLoader(load_fn=approvals.load_timelines)

    @cached_property
    def reviews_by_assessment(self) -> DataLoader[uuid.UUID, list[RiskReview]]:
        return DataLoader(load_fn=approvals.load_reviews)

    # dual-post points (双岗双争)
    @cached_property
    def points_balance(self) -> DataLoader[points.BalanceKey, Totals]:
        return DataLoader(load_fn=points.load_balances)

    @cached_property
    def points_steps(self) -> DataLoader[uuid.UUID, list[FlowStep]]:
        return DataLoader(load_fn=points.load_steps)
