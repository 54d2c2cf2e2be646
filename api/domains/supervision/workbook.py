"""An analysis report's frozen figures as an XLSX workbook: small (a few hundred rows at most),
so written whole in memory by openpyxl's write-only mode when asked for; text cells made safe
from formula injection."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

from openpyxl import Workbook

from api.domains.supervision.models import AnalysisReport
from api.spreadsheets import formula_safe

TOTALS: Final = (
    ("cases", "立案数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
    ("due_to_handle", "应处置数"),
    ("handled_on_time", "按期处置数"),
    ("handled", "处置数"),
    ("reworked", "返工数"),
    ("dispatched", "派遣数"),
    ("returned", "回退数"),
    ("rated", "回访数"),
    ("satisfied", "满意数"),
    ("yellow_cards", "黄牌数"),
    ("red_cards", "红牌数"),
    ("reported", "上报数"),
)
RATES: Final = (
    ("closure_rate", "结案率"),
    ("on_time_closure_rate", "按期结案率"),
    ("on_time_handling_rate", "按期处置率"),
    ("rework_rate", "返工率"),
    ("accurate_dispatch_rate", "准确派遣率"),
    ("satisfaction", "满意度（1-5）"),
)
COUNT_HEADERS: Final = ("名称", "代码", "事件数", "未结", "已结", "黄牌", "红牌")


def _counts(sheet: Any, rows: Sequence[dict[str, Any]]) -> None:
    sheet.append(list(COUNT_HEADERS))
    for row in rows:
        sheet.append(
            [
                formula_safe(row.get("label")),
                formula_safe(row.get("key")),
                row["count"],
                row["open"],
                row["closed"],
                row["yellow"],
                row["red"],
            ]
        )


def figures_workbook(report: AnalysisReport) -> bytes:
    """The report's figures: a summary sheet, then counts by category, child region, source."""
    figures = report.figures
    book = Workbook(write_only=True)
    summary = book.create_sheet("汇总")
    summary.append(["报告", formula_safe(report.title)])
    summary.append(["编制单位", formula_safe(report.author_unit)])
    summary.append(["区域", report.region_code])
    summary.append(["期间", f"{report.period_start} 至 {report.period_end}"])
    summary.append(["数据生成时间", report.figures_generated_at.isoformat()])
    summary.append(["指标口径版本", figures.get("formula_version", "")])
    summary.append([])
    summary.append(["指标", "数值"])
    totals = figures.get("totals", {})
    for key, label in TOTALS:
        summary.append([label, totals.get(key)])
    rates = figures.get("rates", {})
    for key, label in RATES:
        summary.append([label, rates.get(key)])
    previous = figures.get("previous", {})
    summary.append([])
    summary.append(["上期立案数", previous.get("cases")])
    summary.append(["上期结案数", previous.get("closed")])
    summary.append(["上期结案率", previous.get("closure_rate")])
    for title, key in (
        ("分类", "by_category"),
        ("分区域", "by_child_region"),
        ("来源", "by_source"),
    ):
        _counts(book.create_sheet(title), figures.get(key, []))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
