"""Community services (providers, residents' requests and ratings), appointment slots and
bookings (预约联动), and service teams with members; the volunteers' free-text team becomes a team
of their community with them as members (the text stays, deprecated). Enums written out here,
as a migration applies the same SQL forever."""

from enum import StrEnum

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class HelperKind(StrEnum):
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    PARTY_MEMBER = "party_member"


class ProviderStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class ServiceRequestStatus(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class SlotStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Migration(migrations.Migration):
    dependencies = [('gridgov', '0034_cohandling')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AppointmentSlot',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('region_code', fields.CharField(description='the publishing region', max_length=15)),
                ('department_id', fields.UUIDField(null=True, description='the publishing department, if any')),
                ('title', fields.CharField(max_length=100)),
                ('description', fields.CharField(default='', max_length=1000)),
                ('location', fields.CharField(default='', max_length=200)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('capacity', fields.IntField()),
                ('booked', fields.IntField(default=0, description='live bookings; never above capacity')),
                ('status', fields.CharEnumField(default=SlotStatus.OPEN, description='OPEN: open\nCANCELLED: cancelled', enum_type=SlotStatus, max_length=16)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appointment_slots', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'starts_at'])], 'pk_attr': 'id', 'table_description': 'A time a department or community offers for appointments (预约联动), with its capacity.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AppointmentBooking',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('slot', fields.ForeignKeyField('gridgov.AppointmentSlot', source_field='slot_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('region_code', fields.CharField(description="the slot's region", max_length=15)),
                ('booked_by_id', fields.UUIDField(db_index=True)),
                ('for_name', fields.CharField(default='', description="'' : the booker", max_length=50)),
                ('note', fields.CharField(default='', max_length=500)),
                ('status', fields.CharEnumField(default=BookingStatus.BOOKED, description='BOOKED: booked\nCANCELLED: cancelled', enum_type=BookingStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appointment_bookings', 'app': 'gridgov', 'pk_attr': 'id', 'table_description': 'A booking of a slot by a citizen for themself, or by staff for a named resident.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceProvider',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('region_code', fields.CharField(description='the community that lists it', max_length=15)),
                ('name', fields.CharField(max_length=100)),
                ('kinds', ArrayField(default=list, description='service kind keys', element_type='VARCHAR(24)')),
                ('description', fields.CharField(default='', max_length=1000)),
                ('area_served', fields.CharField(default='', max_length=200)),
                ('contact_name', fields.CharField(default='', max_length=50)),
                ('contact_phone', fields.CharField(description='E.164', max_length=20)),
                ('price_notes', fields.CharField(default='', max_length=500)),
                ('credit_code', fields.CharField(null=True, description='统一社会信用代码', max_length=18)),
                ('status', fields.CharEnumField(default=ProviderStatus.ACTIVE, description='ACTIVE: active\nSUSPENDED: suspended', enum_type=ProviderStatus, max_length=16)),
                ('suspended_reason', fields.CharField(null=True, max_length=500)),
                ('suspended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('complaints', fields.IntField(default=0, description='ratings that carried a complaint')),
                ('ratings', fields.IntField(default=0)),
                ('rating_sum', fields.IntField(default=0)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'service_providers', 'app': 'gridgov', 'unique_together': (('region_code', 'name'),), 'pk_attr': 'id', 'table_description': 'A provider of community services (家政, 家电维修, 保姆, 养老, 托幼 …) listed by a community.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True, description='may be chosen by the client')),
                ('provider', fields.ForeignKeyField('gridgov.ServiceProvider', source_field='provider_id', db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.RESTRICT)),
                ('region_code', fields.CharField(description="the provider's community", max_length=15)),
                ('requester_id', fields.UUIDField(db_index=True)),
                ('kind', fields.CharField(max_length=24)),
                ('note', fields.CharField(default='', max_length=500)),
                ('status', fields.CharEnumField(default=ServiceRequestStatus.REQUESTED, description='REQUESTED: requested\nCOMPLETED: completed\nCANCELLED: cancelled', enum_type=ServiceRequestStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rating', fields.SmallIntField(null=True, description='1 to 5 stars')),
                ('rating_comment', fields.CharField(default='', max_length=500)),
                ('complaint', fields.BooleanField(default=False)),
                ('rated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'service_requests', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'created_at'])], 'pk_attr': 'id', 'table_description': "A resident's request of a provider's service, and its rating once completed."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceTeam',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('region_code', fields.CharField(description='a grid or a community', max_length=15)),
                ('name', fields.CharField(max_length=100)),
                ('description', fields.CharField(default='', max_length=500)),
                ('leader_kind', fields.CharEnumField(null=True, description='STAFF: staff\nVOLUNTEER: volunteer\nPARTY_MEMBER: party_member', enum_type=HelperKind, max_length=16)),
                ('leader_id', fields.UUIDField(null=True)),
                ('leader_label', fields.CharField(default='', max_length=100)),
                ('service_items', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('duty_schedule', fields.JSONField(default=list, description='[{"weekday": 1-7, "start": "08:00", "end": "12:00", "note"}]', encoder=JSON_DUMPS, decoder=loads)),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'service_teams', 'app': 'gridgov', 'unique_together': (('region_code', 'name'),), 'pk_attr': 'id', 'table_description': 'A service team (服务团队) of a grid or community: its leader, items and duty schedule.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceTeamMember',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('gridgov.ServiceTeam', source_field='team_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(description='STAFF: staff\nVOLUNTEER: volunteer\nPARTY_MEMBER: party_member', enum_type=HelperKind, max_length=16)),
                ('member_id', fields.UUIDField(description='a user, volunteer or party member, by kind')),
                ('label', fields.CharField(max_length=100)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'service_team_members', 'app': 'gridgov', 'indexes': [Index(fields=['member_id', 'kind'])], 'pk_attr': 'id', 'table_description': 'A member of a team: staff, a registered volunteer or a party member; leaving keeps the row.'},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                "CREATE INDEX service_providers_region ON service_providers (region_code varchar_pattern_ops, status)",
                "ALTER TABLE service_providers ADD CONSTRAINT service_providers_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE INDEX service_requests_region ON service_requests (region_code varchar_pattern_ops, created_at)",
                "ALTER TABLE service_requests ADD CONSTRAINT service_requests_rating_range"
                " CHECK (rating IS NULL OR rating BETWEEN 1 AND 5)",
                "CREATE INDEX appointment_slots_region ON appointment_slots (region_code varchar_pattern_ops, starts_at)",
                "ALTER TABLE appointment_slots ADD CONSTRAINT appointment_slots_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                # overbooking is impossible whatever the code does: the count never passes capacity
                "ALTER TABLE appointment_slots ADD CONSTRAINT appointment_slots_capacity"
                " CHECK (booked >= 0 AND booked <= capacity AND capacity > 0)",
                # ... and nobody holds two live bookings of one slot for the same person
                "CREATE UNIQUE INDEX appointment_bookings_once ON appointment_bookings"
                " (slot_id, booked_by_id, for_name) WHERE status = 'booked'",
                "CREATE INDEX appointment_bookings_to_remind ON appointment_bookings (slot_id)"
                " WHERE status = 'booked' AND reminded_at IS NULL",
                "CREATE INDEX service_teams_region ON service_teams (region_code varchar_pattern_ops)",
                "ALTER TABLE service_teams ADD CONSTRAINT service_teams_region_fk"
                " FOREIGN KEY (region_code) REFERENCES regions (code) ON DELETE RESTRICT",
                "CREATE UNIQUE INDEX service_team_members_once ON service_team_members"
                " (team_id, kind, member_id) WHERE left_at IS NULL",
                # Volunteers' free-text teams become teams of their community (the text stays)
                "INSERT INTO service_teams (id, region_code, name, description, leader_label,"
                " service_items, duty_schedule, created_at, updated_at, version)"
                " SELECT gen_random_uuid(), c.code, t.name, '', '', '[]', '[]', now(), now(), 1"
                " FROM (SELECT DISTINCT substr(region_code, 1, 12) AS community, btrim(team) AS name"
                "       FROM registry_volunteers"
                "       WHERE team IS NOT NULL AND btrim(team) <> '' AND length(region_code) >= 12) t"
                " JOIN regions c ON c.code = t.community",
                "INSERT INTO service_team_members (id, team_id, kind, member_id, label, joined_at)"
                " SELECT gen_random_uuid(), st.id, 'volunteer', v.id, left(p.name, 100), v.created_at"
                " FROM registry_volunteers v"
                " JOIN registry_people p ON p.id = v.person_id"
                " JOIN service_teams st ON st.region_code = substr(v.region_code, 1, 12)"
                "  AND st.name = btrim(v.team)"
                " WHERE v.status = 'active' AND length(v.region_code) >= 12",
            ],
            [
                "DELETE FROM service_team_members",
                "DELETE FROM service_teams",
                "DROP INDEX service_team_members_once",
                "ALTER TABLE service_teams DROP CONSTRAINT service_teams_region_fk",
                "DROP INDEX service_teams_region",
                "DROP INDEX appointment_bookings_to_remind",
                "DROP INDEX appointment_bookings_once",
                "ALTER TABLE appointment_slots DROP CONSTRAINT appointment_slots_capacity",
                "ALTER TABLE appointment_slots DROP CONSTRAINT appointment_slots_region_fk",
                "DROP INDEX appointment_slots_region",
                "ALTER TABLE service_requests DROP CONSTRAINT service_requests_rating_range",
                "DROP INDEX service_requests_region",
                "ALTER TABLE service_providers DROP CONSTRAINT service_providers_region_fk",
                "DROP INDEX service_providers_region",
            ],
        ),
    ]
