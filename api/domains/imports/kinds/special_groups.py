"""Special groups (特殊人群): a registered person put under a group, natural key (person, group).

The follow-up columns and the group's own fields are checked by the registry's own rules, as
`addToSpecialGroup` checks them (`clean_follow_up`, `groups.clean_details`); each of the groups'
fields is a column of its own, and a row may fill only its group's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson

from api.domains.imports.enums import ImportKind, RowErrorCode
from api.domains.imports.kinds import Column, Derived, Problem, RowContext, choice
from api.domains.imports.kinds.records import (
    PERSON,
    PERSON_DERIVED,
    PERSON_REFERENCE,
    RULE_SQL_TYPES,
    PersonRecords,
    invalid,
    typed,
)
from api.domains.registry import groups
from api.domains.registry.enums import RecordKind, SpecialGroup
from api.domains.registry.service import SPECIAL_GROUP_RULES, clean_follow_up
from api.domains.registry.validation import Rule, field_name
from api.errors import ValidationFailed

GROUPS = {
    "刑满释放人员": SpecialGroup.RELEASED_PRISONER.value,
    "社区矫正人员": SpecialGroup.COMMUNITY_CORRECTION.value,
    "严重精神障碍患者": SpecialGroup.MENTAL_DISORDER.value,
    "吸毒人员": SpecialGroup.DRUG_USER.value,
    "重点青少年": SpecialGroup.KEY_YOUTH.value,
    "艾滋病危险人员": SpecialGroup.AIDS_RISK.value,
    "农村留守儿童": SpecialGroup.LEFT_BEHIND_CHILD.value,
    "留守儿童": SpecialGroup.LEFT_BEHIND_CHILD.value,
    "独居老人": SpecialGroup.ELDERLY_ALONE.value,
    "孤寡老人": SpecialGroup.ELDERLY_ALONE.value,
    "残疾人": SpecialGroup.DISABLED.value,
} | {group.value: group.value for group in SpecialGroup}

FOLLOW_UP_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "risk_level": ("风险等级", "危险等级", "危险性评估等级"),
    "management_status": ("管控情况", "管理状态"),
    "attention_level": ("关注程度",),
    "helpers": ("帮扶人", "帮扶人员"),
    "follow_up_note": ("随访情况", "随访记录", "备注"),
}

# Headers of the groups' own fields (GB/T 31000 §5.20–5.43); a name two groups share (the
# treatment of a mental disorder and of an AIDS risk) is one column.
DETAIL_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "crime_type": ("罪名", "罪名分类"),
    "original_sentence": ("原判刑期", "原判刑罚"),
    "released_on": ("释放日期",),
    "prison": ("服刑场所", "原服刑场所"),
    "handover": ("衔接情况",),
    "placement": ("安置情况",),
    "is_recidivist": ("是否累犯",),
    "correction_type": ("矫正类别",),
    "reception_method": ("接收方式",),
    "histories": ("四史情况",),
    "involvements": ("三涉情况",),
    "team_composition": ("矫正小组人员组成", "矫正小组"),
    "starts_on": ("矫正开始日期",),
    "ends_on": ("矫正结束日期",),
    "termination_type": ("矫正解除类型", "矫正终止类型"),
    "family_economy": ("家庭经济状况",),
    "diagnosis": ("目前诊断类型", "诊断类型"),
    "treatment": ("治疗情况", "收治情况"),
    "hospitalisation_reason": ("实施住院治疗原因", "住院治疗原因"),
    "managers": ("参与管理人员",),
    "assistance": ("帮扶情况",),
    "guardian_name": ("监护人", "监护人姓名"),
    "first_found_on": ("首次发现日期",),
    "drug_type": ("滥用毒品种类", "毒品种类"),
    "control_status": ("吸毒管控情况", "吸毒人员管控情况"),
    "has_criminal_record": ("有无违法犯罪史", "有无犯罪史"),
    "youth_type": ("重点青少年类型", "青少年类型"),
    "family_situation": ("家庭情况",),
    "assistance_means": ("帮扶手段",),
    "infection_route": ("感染途径",),
    "attention_type": ("关注类型",),
    "guardian_relation": ("与监护人关系", "监护人关系"),
    "father_whereabouts": ("父亲外出去向", "父亲务工地"),
    "mother_whereabouts": ("母亲外出去向", "母亲务工地"),
    "school": ("就读学校",),
    "is_childless": ("是否孤寡",),
    "carer_name": ("照护人", "照护人姓名"),
    "carer_relation": ("与照护人关系", "照护人关系"),
    "health": ("健康状况",),
    "disability_category": ("残疾类别",),
    "disability_grade": ("残疾等级",),
}


def _detail_rules() -> dict[str, Rule]:
    """One rule per field name, to turn a cell into the value a mutation would receive (the
    group's own rule checks it in `finish`); a shared name must mean the same kind of value."""
    rules: dict[str, Rule] = {}
    for schema in groups.DETAILS.values():
        for name, rule in schema.items():
            assert rules.setdefault(name, rule).kind == rule.kind, name
    assert rules.keys() == DETAIL_HEADERS.keys(), rules.keys() ^ DETAIL_HEADERS.keys()
    return rules


DETAIL_RULES: Final = _detail_rules()


def _cell(rule: Rule) -> Any:
    return lambda raw: typed(rule, raw)


class SpecialGroups(PersonRecords):
    record_kind = RecordKind.SPECIAL_GROUP.value
    kind = ImportKind.SPECIAL_GROUPS
    table = "registry_special_groups"
    key = ("id_number", "special_group")
    # a person is in a group once at a time: an ended record is left alone, a new one begins
    unique = (("person_id", "person_id"), ('"group"', "special_group"))
    unique_where = "status = 'active'"
    columns = (
        PERSON,
        Column(
            "special_group",
            ("特殊人群类型", "人群类型", "人群类别", "group"),
            required=True,
            parse=choice(GROUPS, "刑满释放人员, 社区矫正人员 … or released_prisoner …"),
            updatable=False,
            target='"group"',
        ),
        *(
            Column(
                name,
                FOLLOW_UP_HEADERS[name],
                max_length=2000,
                parse=_cell(rule),
                sql_type=RULE_SQL_TYPES.get(rule.kind, "text"),
            )
            for name, rule in SPECIAL_GROUP_RULES.items()
        ),
        *(
            Column(
                name,
                DETAIL_HEADERS[name],
                max_length=200,
                parse=_cell(rule),
                sql_type=RULE_SQL_TYPES.get(rule.kind, "text"),
                target=None,
            )
            for name, rule in DETAIL_RULES.items()
        ),
    )
    derived = (*PERSON_DERIVED, Derived("details", "jsonb", source=tuple(DETAIL_RULES)))
    references = (PERSON_REFERENCE,)

    def finish(self, values: dict[str, Any], context: RowContext) -> list[Problem]:
        group = SpecialGroup(values["special_group"])
        filled = {name: values[name] for name in DETAIL_RULES if values[name] is not None}
        foreign = [name for name in filled if name not in groups.DETAILS[group]]
        if foreign:
            return [(foreign[0], RowErrorCode.INVALID, f"not a field of {group.value}", None)]
        try:
            values |= clean_follow_up(
                group, {name: values[name] for name in SPECIAL_GROUP_RULES}, partial=False
            )
            details = groups.clean_details(group, filled)
        except ValidationFailed as error:
            problem = invalid(error)
            return [(FIELDS.get(error.field or ""), problem.code, problem.reason, None)]
        values["details"] = orjson.dumps(details).decode()
        return []

    def _merged(self, present: Sequence[str]) -> dict[str, str]:
        # A file's detail columns replace those fields (an empty cell clears one); the fields
        # of columns it lacks stay, as with every other column.
        given = ", ".join(f"'{name}'" for name in DETAIL_RULES if name in present)
        if not given:
            return {}
        return {"details": f"({self.table}.details - ARRAY[{given}]) || EXCLUDED.details"}


# the GraphQL field names a ValidationFailed points at → the file's columns
FIELDS: Final = {field_name(name): name for name in SPECIAL_GROUP_RULES} | {
    field_name(name, "details."): name for name in DETAIL_RULES
}
