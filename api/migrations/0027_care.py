"""Care groups (helpers, visit rules, visits linked to care records), safety inspections and
hazards on the flow kernel with their ledger exports, rankings published to the public,
appraisals of party members and branches, and the village officials roster; the enums are
written out here, as a migration applies the same SQL forever."""

from enum import StrEnum

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class HelperKind(StrEnum):
    STAFF = "staff"
    VOLUNTEER = "volunteer"
    PARTY_MEMBER = "party_member"


class TargetKind(StrEnum):
    HOUSE = "house"
    BUILDING = "building"
    ORGANISATION = "organisation"


class HazardLevel(StrEnum):
    GENERAL = "general"
    MAJOR = "major"


class InspectionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ExportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Grade(StrEnum):
    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASICALLY_QUALIFIED = "basically_qualified"
    UNQUALIFIED = "unqualified"


class Basis(StrEnum):
    VOTE = "vote"
    COMMITTEE = "committee"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SpecialGroup(StrEnum):
    RELEASED_PRISONER = "released_prisoner"
    COMMUNITY_CORRECTION = "community_correction"
    MENTAL_DISORDER = "mental_disorder"
    DRUG_USER = "drug_user"
    KEY_YOUTH = "key_youth"
    AIDS_RISK = "aids_risk"
    LEFT_BEHIND_CHILD = "left_behind_child"
    ELDERLY_ALONE = "elderly_alone"
    DISABLED = "disabled"


class Migration(migrations.Migration):
    dependencies = [("gridgov", "0026_economy")]

    initial = False

    operations = [
        ops.CreateModel(
            name='AppraisalRound',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organisation_id', fields.UUIDField(description='the branch (党支部) or community committee')),
                ('organisation_name', fields.CharField(max_length=100)),
                ('region_code', fields.CharField(description="the branch's region", max_length=15)),
                ('year', fields.SmallIntField()),
                ('status', fields.CharEnumField(description='OPEN: open\nCLOSED: closed', enum_type=RoundStatus, max_length=8)),
                ('opened_by_id', fields.UUIDField(null=True)),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'party_appraisal_rounds', 'app': 'gridgov', 'unique_together': (('organisation_id', 'year'),), 'pk_attr': 'id', 'table_description': "A branch's democratic appraisal of its members for one year (民主评议党员)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BranchAppraisal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organisation_id', fields.UUIDField()),
                ('organisation_name', fields.CharField(max_length=100)),
                ('region_code', fields.CharField(max_length=15)),
                ('year', fields.SmallIntField()),
                ('rated', fields.IntField(description='events and appeals rated by the people served')),
                ('satisfied', fields.IntField(description='of those, rated 4 or 5')),
                ('satisfaction', fields.DecimalField(null=True, description='satisfied / rated', max_digits=5, decimal_places=4)),
                ('grade', fields.CharEnumField(description='EXCELLENT: excellent\nQUALIFIED: qualified\nBASICALLY_QUALIFIED: basically_qualified\nUNQUALIFIED: unqualified', enum_type=Grade, max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('appraised_by_id', fields.UUIDField(null=True)),
                ('appraised_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'party_branch_appraisals', 'app': 'gridgov', 'unique_together': (('organisation_id', 'year'),), 'pk_attr': 'id', 'table_description': 'The year-end appraisal of a branch (年终考评) by the organisation above, with the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CareHelper',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('record_id', fields.UUIDField(description="the care group's special-group record")),
                ('region_code', fields.CharField(description="the person's grid", max_length=15)),
                ('kind', fields.CharEnumField(description='STAFF: staff\nVOLUNTEER: volunteer\nPARTY_MEMBER: party_member', enum_type=HelperKind, max_length=16)),
                ('helper_id', fields.UUIDField(description='a user, volunteer or party member, by kind')),
                ('helper_label', fields.CharField(max_length=100)),
                ('assigned_by_id', fields.UUIDField(null=True)),
                ('assigned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'care_helpers', 'app': 'gridgov', 'indexes': [Index(fields=['record_id', 'ended_at'])], 'pk_attr': 'id', 'table_description': 'A helper paired with a person in a care group (结对帮扶); ended pairings stay.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CareVisitRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('region_code', fields.CharField(max_length=15)),
                ('group', fields.CharEnumField(description='RELEASED_PRISONER: released_prisoner\nCOMMUNITY_CORRECTION: community_correction\nMENTAL_DISORDER: mental_disorder\nDRUG_USER: drug_user\nKEY_YOUTH: key_youth\nAIDS_RISK: aids_risk\nLEFT_BEHIND_CHILD: left_behind_child\nELDERLY_ALONE: elderly_alone\nDISABLED: disabled', enum_type=SpecialGroup, max_length=24)),
                ('every_days', fields.SmallIntField()),
                ('set_by_id', fields.UUIDField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'care_visit_rules', 'app': 'gridgov', 'unique_together': (('region_code', 'group'),), 'pk_attr': 'id', 'table_description': 'How often a care group is visited (走访频次) in a region and below; the deepest rule'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Hazard',
            fields=[
                ('status', fields.CharField(max_length=16)),
                ('version', fields.IntField(default=1)),
                ('flow_version', fields.SmallIntField(default=1, description='the flow definition it started with')),
                ('stage', fields.CharField(null=True, max_length=16)),
                ('stage_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('red_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_by_stage', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('card', fields.CharField(default='none', description='worst so far', max_length=8)),
                ('warning_level', fields.SmallIntField(default=0)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('inspection_id', fields.UUIDField(db_index=True)),
                ('region_code', fields.CharField(max_length=15)),
                ('hazard_type', fields.CharField(description='GB/T 31000 5.19 隐患类型', max_length=4)),
                ('level', fields.CharEnumField(description='GENERAL: general\nMAJOR: major', enum_type=HazardLevel, max_length=8)),
                ('description', fields.CharField(max_length=1000)),
                ('photo_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('owner_name', fields.CharField(description='整改责任人', max_length=100)),
                ('owner_user_id', fields.UUIDField(null=True, description='told of the deadline, if a user')),
                ('deadline', fields.DatetimeField(description='整改期限', auto_now=False, auto_now_add=False)),
                ('inspector_id', fields.UUIDField()),
                ('found_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reinspected_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reinspection_note', fields.TextField(null=True, unique=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('event_id', fields.UUIDField(null=True, description='the event it was escalated into')),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'care_hazards', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'found_at'])], 'pk_attr': 'id', 'table_description': 'A hazard found in an inspection and its rectification (整改), on the flow kernel.'},
            bases=['ClockColumns'],
        ),
        ops.CreateModel(
            name='Inspection',
            fields=[
                ('status', fields.CharField(max_length=16)),
                ('version', fields.IntField(default=1)),
                ('flow_version', fields.SmallIntField(default=1, description='the flow definition it started with')),
                ('stage', fields.CharField(null=True, max_length=16)),
                ('stage_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('remind_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('red_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('due_by_stage', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('card', fields.CharField(default='none', description='worst so far', max_length=8)),
                ('warning_level', fields.SmallIntField(default=0)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('region_code', fields.CharField(description="the target's grid", max_length=15)),
                ('target_kind', fields.CharEnumField(description='HOUSE: house\nBUILDING: building\nORGANISATION: organisation', enum_type=TargetKind, max_length=16)),
                ('target_id', fields.UUIDField()),
                ('target_label', fields.CharField(max_length=200)),
                ('inspector_id', fields.UUIDField()),
                ('inspector_label', fields.CharField(max_length=100)),
                ('inspected_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.TextField(default='', unique=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'care_inspections', 'app': 'gridgov', 'indexes': [Index(fields=['region_code', 'inspected_at'])], 'pk_attr': 'id', 'table_description': 'A safety inspection (安全检查) of a house, building or organisation, on the flow kernel'},
            bases=['ClockColumns'],
        ),
        ops.CreateModel(
            name='LedgerExport',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('requested_by_id', fields.UUIDField(description='the user or API key that asked; the only reader')),
                ('region_code', fields.CharField(max_length=15)),
                ('first_day', fields.DateField()),
                ('last_day', fields.DateField()),
                ('status_filter', fields.CharField(null=True, max_length=16)),
                ('level_filter', fields.CharField(null=True, max_length=8)),
                ('overdue_only', fields.BooleanField(default=False)),
                ('state', fields.CharEnumField(description='QUEUED: queued\nRUNNING: running\nDONE: done\nFAILED: failed', enum_type=ExportState, max_length=8)),
                ('rows_total', fields.IntField(null=True, description='known once the job has counted them')),
                ('rows_written', fields.IntField(default=0)),
                ('attempts', fields.IntField(default=0)),
                ('error', fields.CharField(null=True, max_length=500)),
                ('sha256', fields.CharField(null=True, description="the finished file's", max_length=64)),
                ('size', fields.BigIntField(null=True)),
                ('filename', fields.CharField(max_length=100)),
                ('content_type', fields.CharField(default='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', max_length=80)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'care_ledger_exports', 'app': 'gridgov', 'indexes': [Index(fields=['requested_by_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'An XLSX export of the hazard ledger, written by a worker job; offered for download to'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberAppraisal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('round_id', fields.UUIDField()),
                ('member_id', fields.UUIDField(description='the party member (registry)')),
                ('member_name', fields.CharField(max_length=50)),
                ('region_code', fields.CharField(description="the branch's region", max_length=15)),
                ('year', fields.SmallIntField()),
                ('grade', fields.CharEnumField(description='EXCELLENT: excellent\nQUALIFIED: qualified\nBASICALLY_QUALIFIED: basically_qualified\nUNQUALIFIED: unqualified', enum_type=Grade, max_length=24)),
                ('basis', fields.CharEnumField(description='VOTE: vote\nCOMMITTEE: committee', enum_type=Basis, max_length=12)),
                ('votes', fields.JSONField(default=dict, description='grade → votes', encoder=JSON_DUMPS, decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('recorded_by_id', fields.UUIDField(null=True)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'party_member_appraisals', 'app': 'gridgov', 'unique_together': (('round_id', 'member_id'),), 'indexes': [Index(fields=['member_id', 'year'])], 'pk_attr': 'id', 'table_description': "A member's grade in a round, with the votes or the committee's decision behind it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VillageOfficial',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('person_id', fields.UUIDField()),
                ('person_name', fields.CharField(max_length=50)),
                ('community_code', fields.CharField(description='the village (community) served', max_length=12)),
                ('post', fields.CharField(description='e.g. 村党支部书记助理', max_length=50)),
                ('term_start', fields.DateField()),
                ('term_end', fields.DateField()),
                ('created_by_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'party_village_officials', 'app': 'gridgov', 'unique_together': (('person_id', 'term_start'),), 'indexes': [Index(fields=['community_code'])], 'pk_attr': 'id', 'table_description': 'A college-graduate village official (大学生村官): the person, the village served, the post'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VillageOfficialAppraisal',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('official_id', fields.UUIDField()),
                ('year', fields.SmallIntField()),
                ('grade', fields.CharEnumField(description='EXCELLENT: excellent\nQUALIFIED: qualified\nBASICALLY_QUALIFIED: basically_qualified\nUNQUALIFIED: unqualified', enum_type=Grade, max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('appraised_by_id', fields.UUIDField(null=True)),
                ('appraised_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'party_village_official_appraisals', 'app': 'gridgov', 'unique_together': (('official_id', 'year'),), 'pk_attr': 'id', 'table_description': "A village official's yearly appraisal by the township."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='HouseholdVisit',
            name='care_record_id',
            field=fields.UUIDField(null=True, description='the care-group record (关爱对象) the visit was paid to'),
        ),
        ops.AddIndex(
            model_name='HouseholdVisit',
            index=Index(fields=['care_record_id', 'visited_at']),
        ),
        ops.AddField(
            model_name='RankingSnapshot',
            name='published_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='RankingSnapshot',
            name='published_by_id',
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name='RankingSnapshot',
            name='withdrawal_reason',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='RankingSnapshot',
            name='withdrawn_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='SpecialGroupRecord',
            name='group',
            field=fields.CharEnumField(description='RELEASED_PRISONER: released_prisoner\nCOMMUNITY_CORRECTION: community_correction\nMENTAL_DISORDER: mental_disorder\nDRUG_USER: drug_user\nKEY_YOUTH: key_youth\nAIDS_RISK: aids_risk\nLEFT_BEHIND_CHILD: left_behind_child\nELDERLY_ALONE: elderly_alone\nDISABLED: disabled', enum_type=SpecialGroup, max_length=24),
        ),
    ]
