"""The classification of emergencies (GB/T 35561 突发事件分类与编码): its four categories and
their sub-types, as a reference table in code.

/work/shared/reference holds no copy of the standard, so this encodes the categories of the
Emergency Response Law (自然灾害, 事故灾难, 公共卫生事件, 社会安全事件) and their sub-types as
GB/T 35561 names them, with codes of our own shape: 2 digits for a category, 4 for a sub-type
within it (not the standard's 6-digit codes). Each sub-type names its CAP 1.2 category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from api.errors import ValidationFailed
from api.i18n import _


@dataclass(frozen=True, slots=True)
class EmergencyType:
    code: str
    name: str
    cap_category: str  # CAP 1.2 info/category


CATEGORIES: Final[dict[str, EmergencyType]] = {
    "01": EmergencyType("01", "自然灾害", "Geo"),
    "02": EmergencyType("02", "事故灾难", "Safety"),
    "03": EmergencyType("03", "公共卫生事件", "Health"),
    "04": EmergencyType("04", "社会安全事件", "Security"),
}

SUBTYPES: Final[dict[str, EmergencyType]] = {
    t.code: t
    for t in (
        EmergencyType("0101", "水旱灾害", "Met"),
        EmergencyType("0102", "气象灾害", "Met"),
        EmergencyType("0103", "地震灾害", "Geo"),
        EmergencyType("0104", "地质灾害", "Geo"),
        EmergencyType("0105", "海洋灾害", "Met"),
        EmergencyType("0106", "生物灾害", "Env"),
        EmergencyType("0107", "森林草原火灾", "Fire"),
        EmergencyType("0201", "工矿商贸等企业安全事故", "Safety"),
        EmergencyType("0202", "交通运输事故", "Transport"),
        EmergencyType("0203", "公共设施和设备事故", "Infra"),
        EmergencyType("0204", "核与辐射事故", "CBRNE"),
        EmergencyType("0205", "环境污染和生态破坏事件", "Env"),
        EmergencyType("0206", "火灾事故", "Fire"),
        EmergencyType("0301", "传染病疫情", "Health"),
        EmergencyType("0302", "群体性不明原因疾病", "Health"),
        EmergencyType("0303", "食品安全和职业危害", "Health"),
        EmergencyType("0304", "动物疫情", "Health"),
        EmergencyType("0305", "其他严重影响公众健康和生命安全的事件", "Health"),
        EmergencyType("0401", "恐怖袭击事件", "Security"),
        EmergencyType("0402", "经济安全事件", "Security"),
        EmergencyType("0403", "涉外突发事件", "Security"),
        EmergencyType("0404", "群体性事件", "Security"),
        EmergencyType("0405", "重大刑事案件", "Security"),
    )
}


def emergency_type(code: str, *, field: str = "typeCode") -> EmergencyType:
    """The sub-type of `code` (a 4-digit code of SUBTYPES), else INVALID on `field`."""
    found = SUBTYPES.get(code)
    if found is None:
        raise ValidationFailed(
            _(
                "{code!r} is no emergency sub-type of GB/T 35561 (e.g. 0202 交通运输事故)",
                code=code,
            ),
            field=field,
        )
    return found


def category_of(code: str) -> EmergencyType:
    return CATEGORIES[code[:2]]


def all_types() -> list[tuple[EmergencyType, list[EmergencyType]]]:
    """Every category with its sub-types, in code order."""
    return [
        (category, [t for t in SUBTYPES.values() if t.code.startswith(category.code)])
        for category in CATEGORIES.values()
    ]
