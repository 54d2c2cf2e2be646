"""The basic-data registry (基础数据): people, households, houses, buildings, organisations,
special groups, party organisations and members, volunteers, and the change history.

Every table carries `region_code` (the grid, or the lowest region the record belongs to) with a
varchar_pattern_ops index, so subtree scoping and per-region counts read the index alone.
Code-table values (GB/T 31000-2015 and the national standards it refers to) are stored as their
codes; the service validates them against api/domains/registry/codes.py."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from api.domains.registry.enums import (
    ChangeAction,
    HouseholdType,
    OrganisationKind,
    PartyOrganisationLevel,
    PersonType,
    Programme,
    RecordKind,
    RecordStatus,
    SpecialGroup,
)
from api.flows.models import ClockColumns


class Building(Model):
    """A building (楼栋) with its position and floors."""

    id = fields.UUIDField(primary_key=True)
    building_code = fields.CharField(max_length=40, unique=True, description="natural key")
    region_code = fields.CharField(max_length=15)
    name = fields.CharField(max_length=100)
    address = fields.CharField(max_length=200)
    use = fields.CharField(max_length=4, null=True, description="GB/T 31000 5.17 建筑用途")
    floors_above = fields.SmallIntField(null=True)
    floors_below = fields.SmallIntField(null=True)
    lat = fields.FloatField(null=True, description="WGS-84")
    lng = fields.FloatField(null=True, description="WGS-84")
    footprint: fields.JSONField[Any] = fields.JSONField(
        null=True, description="GeoJSON Polygon, WGS-84 (besides the point)"
    )
    compound_code = fields.CharField(max_length=40, null=True, description="its 小区, if any")
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_buildings"


class House(Model):
    """A dwelling or premises (房屋); a rental house (出租房屋) carries its landlord and use."""

    id = fields.UUIDField(primary_key=True)
    house_code = fields.CharField(max_length=40, unique=True, description="natural key")
    region_code = fields.CharField(max_length=15)
    building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "gridgov.Building", related_name="houses", null=True, on_delete=fields.RESTRICT
    )
    address = fields.CharField(max_length=200)
    unit = fields.CharField(max_length=10, null=True)
    floor = fields.SmallIntField(null=True)
    number = fields.CharField(max_length=20, null=True)
    area = fields.DecimalField(max_digits=9, decimal_places=2, null=True, description="m²")
    use = fields.CharField(max_length=4, null=True, description="GB/T 31000 5.17 建筑用途")
    owner_name = fields.CharField(max_length=50, null=True)
    owner_id_number = fields.CharField(max_length=18, null=True)
    owner_phone = fields.CharField(max_length=20, null=True)
    is_rental = fields.BooleanField(default=False)
    landlord_name = fields.CharField(max_length=50, null=True)
    landlord_id_number = fields.CharField(max_length=18, null=True)
    landlord_phone = fields.CharField(max_length=20, null=True)
    rental_use = fields.CharField(max_length=4, null=True, description="GB/T 31000 5.18 出租用途")
    hazard_type = fields.CharField(max_length=4, null=True, description="GB/T 31000 5.19 隐患类型")
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    building_id: Any

    class Meta:
        table = "registry_houses"


class Household(Model):
    """A household (户): its members are the people pointing at it, with their relation to
    the head."""

    id = fields.UUIDField(primary_key=True)
    household_number = fields.CharField(max_length=40, unique=True, description="natural key")
    region_code = fields.CharField(max_length=15)
    household_type = fields.CharEnumField(
        HouseholdType, max_length=16, default=HouseholdType.FAMILY
    )
    head_name = fields.CharField(max_length=50, null=True)
    address = fields.CharField(max_length=200, null=True)
    house: fields.ForeignKeyNullableRelation[House] = fields.ForeignKeyField(
        "gridgov.House", related_name="households", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    house_id: Any

    class Meta:
        table = "registry_households"


class Person(Model):
    """A person living in the grid (实有人口), with the standard's common person fields."""

    id = fields.UUIDField(primary_key=True)
    id_number = fields.CharField(
        max_length=18, unique=True, description="natural key, upper-case X"
    )
    region_code = fields.CharField(max_length=15)
    person_type = fields.CharEnumField(PersonType, max_length=16)
    name = fields.CharField(max_length=50)
    former_name = fields.CharField(max_length=50, null=True)
    sex = fields.CharField(max_length=1, description="GB/T 2261.1")
    birth_date = fields.DateField()
    ethnicity = fields.CharField(max_length=2, null=True, description="GB/T 3304")
    native_place = fields.CharField(max_length=6, null=True, description="籍贯: region code")
    household_register_code = fields.CharField(
        max_length=12, null=True, description="户籍地: region code"
    )
    household_register_address = fields.CharField(max_length=200, null=True)
    current_address = fields.CharField(max_length=200, null=True)
    current_address_code = fields.CharField(max_length=15, null=True)
    phone = fields.CharField(max_length=20, null=True, description="E.164")
    education = fields.CharField(max_length=2, null=True, description="GB/T 4658")
    occupation = fields.CharField(max_length=100, null=True)
    political_status = fields.CharField(max_length=2, null=True, description="GB/T 4762")
    marital_status = fields.CharField(max_length=2, null=True, description="GB/T 2261.2")
    religion = fields.CharField(max_length=2, null=True, description="GA 214.12")
    household: fields.ForeignKeyNullableRelation[Household] = fields.ForeignKeyField(
        "gridgov.Household", related_name="members", null=True, on_delete=fields.RESTRICT
    )
    relation_to_head = fields.CharField(max_length=2, null=True, description="GB/T 4761")
    house: fields.ForeignKeyNullableRelation[House] = fields.ForeignKeyField(
        "gridgov.House", related_name="residents", null=True, on_delete=fields.RESTRICT
    )
    residence_consistency = fields.CharField(
        max_length=2, null=True, description="GB/T 31000 5.10 人户一致标识"
    )
    # floating population (流动人口)
    inflow_reason = fields.CharField(max_length=2, null=True, description="5.11 流入原因")
    certificate_type = fields.CharField(max_length=2, null=True, description="5.12 办证类型")
    certificate_number = fields.CharField(max_length=40, null=True)
    certificate_expires_on = fields.DateField(null=True)
    dwelling_type = fields.CharField(max_length=2, null=True, description="5.13 住所类型")
    # left behind (留守人员)
    left_behind_type = fields.CharField(max_length=2, null=True, description="5.15 留守人员类型")
    health_status = fields.CharField(max_length=2, null=True, description="5.14 健康状况")
    # foreign residents (境外人员)
    nationality = fields.CharField(max_length=3, null=True, description="ISO 3166 alpha-3")
    foreign_name = fields.CharField(max_length=100, null=True)
    passport_number = fields.CharField(max_length=30, null=True)
    visit_purpose = fields.CharField(max_length=2, null=True, description="5.16 来华目的")
    tags = ArrayField(element_type="varchar(40)", default=list)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    deregistered_reason = fields.CharField(max_length=200, null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    household_id: Any
    house_id: Any

    class Meta:
        table = "registry_people"


class SpecialGroupRecord(Model):
    """A person's membership of a special group (特殊人群) with its follow-up: common columns
    here, the group's own fields in `details`, validated against the group's declared schema."""

    id = fields.UUIDField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "gridgov.Person", related_name="special_groups", on_delete=fields.RESTRICT
    )
    group = fields.CharEnumField(SpecialGroup, max_length=24)
    region_code = fields.CharField(max_length=15, description="the person's grid, kept in step")
    risk_level = fields.CharField(max_length=2, null=True, description="per group code table")
    management_status = fields.CharField(max_length=2, null=True, description="5.37 管控情况")
    attention_level = fields.CharField(max_length=2, null=True, description="5.46 关注程度")
    helpers = ArrayField(element_type="varchar(50)", default=list)
    last_follow_up_at = fields.DatetimeField(null=True)
    follow_up_note = fields.TextField(null=True)
    details: fields.JSONField[Any] = fields.JSONField(default=dict)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    person_id: Any

    class Meta:
        table = "registry_special_groups"


class Enrolment(Model):
    """A person's or household's enrolment in a welfare or social-security programme (低保,
    特困, 优抚 …): as sensitive as a special group, so read under its own policy object
    (`enrolment`), its beneficiary's identifiers masked and audited like every registry
    identifier; ended by deregistration, never deleted (its history stays)."""

    id = fields.UUIDField(primary_key=True)
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "gridgov.Person", related_name="enrolments", null=True, on_delete=fields.RESTRICT
    )
    household: fields.ForeignKeyNullableRelation[Household] = fields.ForeignKeyField(
        "gridgov.Household", related_name="enrolments", null=True, on_delete=fields.RESTRICT
    )
    programme = fields.CharEnumField(Programme, max_length=32)
    region_code = fields.CharField(max_length=15, description="the beneficiary's grid")
    starts_on = fields.DateField()
    ends_on = fields.DateField(null=True, description="the last day granted (inclusive)")
    benefit_amount = fields.DecimalField(
        max_digits=12, decimal_places=2, null=True, description="per month"
    )
    currency = fields.CharField(max_length=3, default="CNY", description="ISO 4217")
    granting_department_id = fields.UUIDField(null=True, description="民政, 人社, 退役军人事务 …")
    note = fields.TextField(null=True)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    person_id: Any
    household_id: Any

    class Meta:
        table = "registry_enrolments"
        indexes = (("region_code", "programme", "status"),)


class Organisation(Model):
    """An enterprise (非公有制经济组织) or a social organisation (社会组织)."""

    id = fields.UUIDField(primary_key=True)
    credit_code = fields.CharField(
        max_length=18, unique=True, null=True, description="统一社会信用代码, natural key"
    )
    region_code = fields.CharField(max_length=15)
    kind = fields.CharEnumField(OrganisationKind, max_length=16)
    name = fields.CharField(max_length=200)
    enterprise_category = fields.CharField(max_length=2, null=True, description="5.44 企业类别")
    social_organisation_type = fields.CharField(
        max_length=2, null=True, description="5.47 社会组织类型"
    )
    registration_type = fields.CharField(max_length=3, null=True, description="5.51 登记注册类型")
    legal_person_name = fields.CharField(max_length=50, null=True)
    legal_person_id_number = fields.CharField(max_length=18, null=True)
    legal_person_phone = fields.CharField(max_length=20, null=True)
    address = fields.CharField(max_length=200, null=True)
    building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "gridgov.Building", related_name="organisations", null=True, on_delete=fields.RESTRICT
    )
    employee_count = fields.IntField(null=True)
    safety_hazard_type = fields.CharField(max_length=2, null=True, description="5.45 安全隐患类型")
    attention_level = fields.CharField(max_length=2, null=True, description="5.46 关注程度")
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    building_id: Any

    class Meta:
        table = "registry_organisations"


class PartyOrganisation(Model):
    """A party organisation of the grid structure: community committee → large-grid branch →
    medium-grid group (社区党委 → 大网格党支部 → 中网格党小组)."""

    id = fields.UUIDField(primary_key=True)
    region_code = fields.CharField(max_length=15)
    level = fields.CharEnumField(PartyOrganisationLevel, max_length=24)
    name = fields.CharField(max_length=100)
    parent: fields.ForeignKeyNullableRelation[PartyOrganisation] = fields.ForeignKeyField(
        "gridgov.PartyOrganisation", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    secretary_name = fields.CharField(max_length=50, null=True)
    secretary_phone = fields.CharField(max_length=20, null=True)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    parent_id: Any

    class Meta:
        table = "registry_party_organisations"


class PartyMember(Model):
    """A party member (党员); an in-service member (在职党员) registers with a community."""

    id = fields.UUIDField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "gridgov.Person", related_name="party_memberships", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=15)
    party_organisation: fields.ForeignKeyNullableRelation[PartyOrganisation] = (
        fields.ForeignKeyField(
            "gridgov.PartyOrganisation",
            related_name="members",
            null=True,
            on_delete=fields.RESTRICT,
        )
    )
    workplace = fields.CharField(max_length=200, null=True)
    building: fields.ForeignKeyNullableRelation[Building] = fields.ForeignKeyField(
        "gridgov.Building", related_name="party_members", null=True, on_delete=fields.RESTRICT
    )
    specialties = ArrayField(element_type="varchar(4)", default=list, description="5.5 专业特长")
    contact_phone = fields.CharField(max_length=20, null=True)
    is_in_service = fields.BooleanField(default=False, description="在职党员")
    registered_community_code = fields.CharField(max_length=12, null=True)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    person_id: Any
    party_organisation_id: Any
    building_id: Any

    class Meta:
        table = "registry_party_members"
        unique_together = (("person",),)


class Volunteer(Model):
    """A volunteer (志愿者) registered in a region."""

    id = fields.UUIDField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "gridgov.Person", related_name="volunteering", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=15)
    team = fields.CharField(max_length=100, null=True)
    specialties = ArrayField(element_type="varchar(4)", default=list, description="5.5 专业特长")
    service_hours = fields.DecimalField(max_digits=8, decimal_places=1, default=0)
    status = fields.CharEnumField(RecordStatus, max_length=16, default=RecordStatus.ACTIVE)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    person_id: Any

    class Meta:
        table = "registry_volunteers"
        unique_together = (("person",),)


class RegistryChange(Model):
    """One change of one registry record: who, when, and each field's old and new value
    (append-only)."""

    id = fields.BigIntField(primary_key=True)
    record_kind = fields.CharEnumField(RecordKind, max_length=24)
    record_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15)
    action = fields.CharEnumField(ChangeAction, max_length=16)
    actor_id = fields.UUIDField(null=True)
    actor_label = fields.CharField(max_length=100)
    changes: fields.JSONField[Any] = fields.JSONField(
        default=dict, description='{"field": {"old": …, "new": …}}'
    )
    at = fields.DatetimeField()
    approved_by_id = fields.UUIDField(null=True, description="who approved a reviewed change")
    approved_by_label = fields.CharField(max_length=100, null=True)

    class Meta:
        table = "registry_changes"


class ReviewRule(Model):
    """Whether a community holds its grid workers' registry edits and imports for review (审核)."""

    region_code = fields.CharField(max_length=12, primary_key=True, description="the community")
    required = fields.BooleanField(default=True)
    set_by_id = fields.UUIDField(null=True)
    set_by_label = fields.CharField(max_length=100)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_review_rules"


class PendingChange(ClockColumns):
    """An edit of a registry record held for the community's review: the diff against the record
    as it was (field → {old, new}), applied whole on approval (flow `registry_change`)."""

    id = fields.UUIDField(primary_key=True)
    record_kind = fields.CharEnumField(RecordKind, max_length=24)
    record_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the record's grid")
    base_version = fields.IntField(description="the record's version the diff was taken against")
    changes: fields.JSONField[Any] = fields.JSONField(
        default=dict, description='{"field": {"old": …, "new": …}}'
    )
    submitted_by_id = fields.UUIDField(null=True)
    submitted_by_label = fields.CharField(max_length=100)
    reviewed_by_id = fields.UUIDField(null=True)
    reviewed_by_label = fields.CharField(max_length=100, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    note = fields.TextField(default="", description="the reviewer's latest note")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_pending_changes"
        indexes = (("record_id", "status"), ("region_code", "status"))


class OrganisationFiling(ClockColumns):
    """A social organisation's filing (群众自助服务组织备案) with its charter and members, reviewed
    by the township and marked filed (with its number) or refused (flow `organisation_filing`)."""

    id = fields.UUIDField(primary_key=True)
    organisation_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the organisation's region")
    charter = fields.TextField(description="章程")
    members: fields.JSONField[Any] = fields.JSONField(
        default=list, description='[{"name", "role", "phone"}]'
    )
    filing_number = fields.CharField(max_length=32, null=True, unique=True, description="备案号")
    submitted_by_id = fields.UUIDField(null=True)
    submitted_by_label = fields.CharField(max_length=100)
    reviewed_by_id = fields.UUIDField(null=True)
    reviewed_by_label = fields.CharField(max_length=100, null=True)
    reviewed_at = fields.DatetimeField(null=True)
    note = fields.TextField(default="", description="the township's reason or remark")
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_organisation_filings"
        indexes = (("organisation_id", "status"), ("region_code", "status"))


class RecordFile(Model):
    """A photo or document of a registry record (person, household, house, building,
    organisation), kept once by its SHA-256 beside events' files; deleted softly (the row stays,
    the deletion audited)."""

    id = fields.UUIDField(primary_key=True)
    record_kind = fields.CharEnumField(RecordKind, max_length=24)
    record_id = fields.UUIDField()
    region_code = fields.CharField(max_length=15, description="the record's region when added")
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    filename = fields.CharField(max_length=200)
    caption = fields.CharField(max_length=200, default="")
    uploaded_by_id = fields.UUIDField(null=True)
    uploaded_by_label = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)
    deleted_at = fields.DatetimeField(null=True)
    deleted_by_id = fields.UUIDField(null=True)
    deleted_reason = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "registry_files"
        indexes = (("record_id", "created_at"),)


class SearchKey(Model):
    """A key a person, building or organisation is found by (拼音检索): its name's characters,
    full pinyin or initials (api/pinyin.py), kept in step with the name by
    api/domains/registry/search.py. The key column is collated "C" so that a prefix is a range
    of one B-tree, whatever the database's collation."""

    id = fields.BigIntField(primary_key=True)
    record_kind = fields.CharEnumField(RecordKind, max_length=24)
    record_id = fields.UUIDField()
    key = fields.CharField(max_length=120)
    indexed_from = fields.CharField(max_length=120, description="the names the keys were made of")

    class Meta:
        table = "registry_search_keys"


class RegistryCode(Model):
    """One code of a registry code table (字典/代码表): the national standard's codes as loaded
    (`is_national`, fixed), the city's own local codes, and a region's extensions used in its
    subtree only. Never deleted: a retired code stays readable on the records that carry it."""

    id = fields.IntField(primary_key=True)
    table_key = fields.CharField(max_length=16, description='"5.11", "ethnicity" …')
    code = fields.CharField(max_length=16)
    name = fields.CharField(max_length=100)
    is_national = fields.BooleanField(default=False, description="the standard's own code")
    # a region's own extension (null: the whole city's); used in its subtree only
    region_code = fields.CharField(max_length=15, null=True)
    is_active = fields.BooleanField(default=True)  # false: retired
    # the code tables' version when the row last changed (the loaded standard codes are 0)
    version = fields.IntField(default=0)
    changed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "registry_codes"
        unique_together = (("table_key", "code"),)
