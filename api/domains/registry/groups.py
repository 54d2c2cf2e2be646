"""Special groups (特殊人群): each group's risk-level code table and the declared schema of its
own fields (GB/T 31000-2015 §5.20–5.43), kept in `SpecialGroupRecord.details`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from api.domains.registry.enums import SpecialGroup
from api.domains.registry.validation import Rule, clean, coded, text

# The code table a group's risk level is given in; groups the standard gives no risk scale of
# their own use 5.60 危害程度 (high / medium / low).
RISK_TABLES: Final[Mapping[SpecialGroup, str]] = {
    SpecialGroup.RELEASED_PRISONER: "5.21",  # 危险性评估类型
    SpecialGroup.COMMUNITY_CORRECTION: "5.60",
    SpecialGroup.MENTAL_DISORDER: "5.32",  # 目前危险性评估等级
    SpecialGroup.DRUG_USER: "5.60",
    SpecialGroup.KEY_YOUTH: "5.60",
    SpecialGroup.AIDS_RISK: "5.60",
}


def _codes(table_key: str) -> Rule:
    return Rule("codes", table=table_key)


DATE = Rule("date")
BOOL = Rule("bool")

DETAILS: Final[Mapping[SpecialGroup, Mapping[str, Rule]]] = {
    SpecialGroup.RELEASED_PRISONER: {
        "crime_type": coded("5.20"),  # 罪名分类
        "original_sentence": text(100),
        "released_on": DATE,
        "prison": text(100),
        "handover": coded("5.22"),  # 衔接情况
        "placement": coded("5.23"),  # 安置情况
        "is_recidivist": BOOL,
    },
    SpecialGroup.COMMUNITY_CORRECTION: {
        "correction_type": coded("5.24"),  # 矫正类别
        "reception_method": coded("5.25"),  # 接收方式
        "histories": _codes("5.26"),  # "四史"情况
        "involvements": _codes("5.27"),  # "三涉"情况
        "team_composition": _codes("5.28"),  # 矫正小组人员组成
        "starts_on": DATE,
        "ends_on": DATE,
        "termination_type": coded("5.29"),  # 矫正解除(终止)类型
    },
    SpecialGroup.MENTAL_DISORDER: {
        "family_economy": coded("5.30"),  # 家庭经济状况
        "diagnosis": coded("5.31"),  # 目前诊断类型
        "treatment": coded("5.33"),  # 治疗情况
        "hospitalisation_reason": coded("5.34"),  # 实施住院治疗原因
        "managers": _codes("5.35"),  # 参与管理人员
        "assistance": _codes("5.36"),  # 帮扶情况
        "guardian_name": text(50),
    },
    SpecialGroup.DRUG_USER: {
        "first_found_on": DATE,
        "drug_type": text(50),
        "control_status": coded("5.37"),  # 管控情况
        "has_criminal_record": BOOL,
    },
    SpecialGroup.KEY_YOUTH: {
        "youth_type": coded("5.41"),  # 人员类型(重点青少年)
        "family_situation": coded("5.42"),  # 家庭情况
        "guardian_name": text(50),
        "assistance_means": _codes("5.43"),  # 帮扶手段
    },
    SpecialGroup.AIDS_RISK: {
        "infection_route": coded("5.38"),  # 感染途径
        "attention_type": coded("5.39"),  # 关注类型
        "treatment": coded("5.40"),  # 收治情况
        "has_criminal_record": BOOL,
    },
    SpecialGroup.LEFT_BEHIND_CHILD: {
        "guardian_name": text(50),  # 监护人
        "guardian_relation": text(20),
        "father_whereabouts": text(100),  # 父母外出务工去向
        "mother_whereabouts": text(100),
        "school": text(100),
    },
    SpecialGroup.ELDERLY_ALONE: {
        "is_childless": BOOL,  # 孤寡 (no children to rely on) rather than living alone
        "carer_name": text(50),  # 照护人
        "carer_relation": text(20),
        "health": text(200),
    },
    SpecialGroup.DISABLED: {
        "disability_category": text(20),  # 残疾类别
        "disability_grade": text(10),  # 残疾等级
        "carer_name": text(50),
        "carer_relation": text(20),
    },
}


def clean_details(group: SpecialGroup, values: Mapping[str, Any]) -> dict[str, Any]:
    """The group's own fields, checked against its declared schema; JSON-ready (dates as
    ISO text)."""
    cleaned = clean(DETAILS[group], values, prefix="details.")
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in cleaned.items()
        if value not in (None, [])
    }
