"""Tables of community service providers and requests, appointment slots and bookings, and
service teams with their members."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from api.domains.care.enums import HelperKind
from api.domains.services.enums import (
    BookingStatus,
    ProviderStatus,
    ServiceRequestStatus,
    SlotStatus,
)


class ServiceProvider(Model):
    """A provider of community services (家政, 家电维修, 保姆, 养老, 托幼 …) listed by a community."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the community that lists it")
    name = fields.CharField(max_length=100)
    kinds = ArrayField(element_type="varchar(24)", default=list, description="service kind keys")
    description = fields.CharField(max_length=1000, default="")
    area_served = fields.CharField(max_length=200, default="")
    contact_name = fields.CharField(max_length=50, default="")
    contact_phone = fields.CharField(max_length=20, description="E.164")
    price_notes = fields.CharField(max_length=500, default="")
    credit_code = fields.CharField(max_length=18, null=True, description="统一社会信用代码")
    status = fields.CharEnumField(ProviderStatus, max_length=16, default=ProviderStatus.ACTIVE)
    suspended_reason = fields.CharField(max_length=500, null=True)
    suspended_at = fields.DatetimeField(null=True)
    complaints = fields.IntField(default=0, description="ratings that carried a complaint")
    ratings = fields.IntField(default=0)
    rating_sum = fields.IntField(default=0)
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "service_providers"
        unique_together = (("region_code", "name"),)


class ServiceRequest(Model):
    """A resident's request of a provider's service, and its rating once completed."""

    id = fields.UUIDField(primary_key=True, description="may be chosen by the client")
    provider: fields.ForeignKeyRelation[ServiceProvider] = fields.ForeignKeyField(
        "gridgov.ServiceProvider", related_name="requests", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=15, description="the provider's community")
    requester_id = fields.UUIDField(db_index=True)
    kind = fields.CharField(max_length=24)
    note = fields.CharField(max_length=500, default="")
    status = fields.CharEnumField(
        ServiceRequestStatus, max_length=16, default=ServiceRequestStatus.REQUESTED
    )
    created_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    rating = fields.SmallIntField(null=True, description="1 to 5 stars")
    rating_comment = fields.CharField(max_length=500, default="")
    complaint = fields.BooleanField(default=False)
    rated_at = fields.DatetimeField(null=True)

    provider_id: Any

    class Meta:
        table = "service_requests"
        indexes = (("region_code", "created_at"),)


class AppointmentSlot(Model):
    """A time a department or community offers for appointments (预约联动), with its capacity."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="the publishing region")
    department_id = fields.UUIDField(null=True, description="the publishing department, if any")
    title = fields.CharField(max_length=100)
    description = fields.CharField(max_length=1000, default="")
    location = fields.CharField(max_length=200, default="")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    capacity = fields.IntField()
    booked = fields.IntField(default=0, description="live bookings; never above capacity")
    status = fields.CharEnumField(SlotStatus, max_length=16, default=SlotStatus.OPEN)
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "appointment_slots"
        indexes = (("region_code", "starts_at"),)


class AppointmentBooking(Model):
    """A booking of a slot by a citizen for themself, or by staff for a named resident."""

    id = fields.UUIDField(primary_key=True)
    slot: fields.ForeignKeyRelation[AppointmentSlot] = fields.ForeignKeyField(
        "gridgov.AppointmentSlot", related_name="bookings", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=15, description="the slot's region")
    booked_by_id = fields.UUIDField(db_index=True)
    for_name = fields.CharField(max_length=50, default="", description="'' : the booker")
    note = fields.CharField(max_length=500, default="")
    status = fields.CharEnumField(BookingStatus, max_length=16, default=BookingStatus.BOOKED)
    created_at = fields.DatetimeField()
    cancelled_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    slot_id: Any

    class Meta:
        table = "appointment_bookings"


class ServiceTeam(Model):
    """A service team (服务团队) of a grid or community: its leader, items and duty schedule."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15, description="a grid or a community")
    name = fields.CharField(max_length=100)
    description = fields.CharField(max_length=500, default="")
    leader_kind = fields.CharEnumField(HelperKind, max_length=16, null=True)
    leader_id = fields.UUIDField(null=True)
    leader_label = fields.CharField(max_length=100, default="")
    service_items: fields.JSONField[Any] = fields.JSONField(default=list)
    duty_schedule: fields.JSONField[Any] = fields.JSONField(
        default=list, description='[{"weekday": 1-7, "start": "08:00", "end": "12:00", "note"}]'
    )
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "service_teams"
        unique_together = (("region_code", "name"),)


class ServiceTeamMember(Model):
    """A member of a team: staff, a registered volunteer or a party member; leaving keeps the row."""

    id = fields.UUIDField(primary_key=True)
    team: fields.ForeignKeyRelation[ServiceTeam] = fields.ForeignKeyField(
        "gridgov.ServiceTeam", related_name="members", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(HelperKind, max_length=16)
    member_id = fields.UUIDField(description="a user, volunteer or party member, by kind")
    label = fields.CharField(max_length=100)
    joined_at = fields.DatetimeField()
    left_at = fields.DatetimeField(null=True)

    team_id: Any

    class Meta:
        table = "service_team_members"
        indexes = (("member_id", "kind"),)
