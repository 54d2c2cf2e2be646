"""Tables of party work: appraisal rounds and their results, year-end appraisals of branches,
and the village officials roster."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from api.domains.partywork.enums import Basis, Grade, RoundStatus


class AppraisalRound(Model):
    """A branch's democratic appraisal of its members for one year (民主评议党员)."""

    id = fields.UUIDField(primary_key=True)
    organisation_id = fields.UUIDField(description="the branch (党支部) or community committee")
    organisation_name = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15, description="the branch's region")
    year = fields.SmallIntField()
    status = fields.CharEnumField(RoundStatus, max_length=8)
    opened_by_id = fields.UUIDField(null=True)
    opened_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "party_appraisal_rounds"
        unique_together = (("organisation_id", "year"),)


class MemberAppraisal(Model):
    """A member's grade in a round, with the votes or the committee's decision behind it."""

    id = fields.UUIDField(primary_key=True)
    round_id = fields.UUIDField()
    member_id = fields.UUIDField(description="the party member (registry)")
    member_name = fields.CharField(max_length=50)
    region_code = fields.CharField(max_length=15, description="the branch's region")
    year = fields.SmallIntField()
    grade = fields.CharEnumField(Grade, max_length=24)
    basis = fields.CharEnumField(Basis, max_length=12)
    votes: fields.JSONField[Any] = fields.JSONField(default=dict, description="grade → votes")
    note = fields.TextField(default="")
    recorded_by_id = fields.UUIDField(null=True)
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "party_member_appraisals"
        unique_together = (("round_id", "member_id"),)
        indexes = (("member_id", "year"),)


class BranchAppraisal(Model):
    """The year-end appraisal of a branch (年终考评) by the organisation above, with the
    satisfaction (群众满意度) of rated events and appeals in its region that year."""

    id = fields.UUIDField(primary_key=True)
    organisation_id = fields.UUIDField()
    organisation_name = fields.CharField(max_length=100)
    region_code = fields.CharField(max_length=15)
    year = fields.SmallIntField()
    rated = fields.IntField(description="events and appeals rated by the people served")
    satisfied = fields.IntField(description="of those, rated 4 or 5")
    satisfaction = fields.DecimalField(
        max_digits=5, decimal_places=4, null=True, description="satisfied / rated"
    )
    grade = fields.CharEnumField(Grade, max_length=24)
    note = fields.TextField(default="")
    appraised_by_id = fields.UUIDField(null=True)
    appraised_at = fields.DatetimeField()

    class Meta:
        table = "party_branch_appraisals"
        unique_together = (("organisation_id", "year"),)


class VillageOfficial(Model):
    """A college-graduate village official (大学生村官): the person, the village served, the post
    and the term."""

    id = fields.UUIDField(primary_key=True)
    person_id = fields.UUIDField()
    person_name = fields.CharField(max_length=50)
    community_code = fields.CharField(max_length=12, description="the village (community) served")
    post = fields.CharField(max_length=50, description="e.g. 村党支部书记助理")
    term_start = fields.DateField()
    term_end = fields.DateField()
    created_by_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "party_village_officials"
        unique_together = (("person_id", "term_start"),)
        indexes = (("community_code",),)


class VillageOfficialAppraisal(Model):
    """A village official's yearly appraisal by the township."""

    id = fields.UUIDField(primary_key=True)
    official_id = fields.UUIDField()
    year = fields.SmallIntField()
    grade = fields.CharEnumField(Grade, max_length=24)
    note = fields.TextField(default="")
    appraised_by_id = fields.UUIDField(null=True)
    appraised_at = fields.DatetimeField()

    class Meta:
        table = "party_village_official_appraisals"
        unique_together = (("official_id", "year"),)
