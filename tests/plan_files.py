"""A parsed plan as the importer's tests send it: built from ``ParsedPlan``, written
as the JSON (or YAML) an admin downloads, corrects and sends back. Its units are
named as a plan writes them, none resolved: the import resolves them against the
seed directory (``bot/data/units.yaml``), where "Sở Ngoại vụ" and "Cục Thống kê
tỉnh" are unknown."""

from __future__ import annotations

import json
from datetime import date

import yaml

from bot.calendar import DateRange, Monthly, OnDate, Quarterly
from bot.plan_import.model import ParsedPlan, ParsedTask, UnitRef

UNKNOWN_MAPPED = "Sở Ngoại vụ"  # the seed directory suggests Sở Nội vụ
UNKNOWN_NEW = "Cục Thống kê tỉnh"  # no suggestion at all


def _units(*names: str) -> tuple[UnitRef, ...]:
    return tuple(UnitRef(name) for name in names)


def sample_plan(title: str = "Kế hoạch cải cách hành chính Quý III/2023") -> ParsedPlan:
    return ParsedPlan(
        title=title, number="45/KH-UBND", issued=date(2023, 7, 20), year=2023, tasks=(
            ParsedTask("I.1", "Rà soát, đơn giản hóa thủ tục hành chính nội bộ; báo cáo "
                       "kết quả về UBND tỉnh.", lead=_units("Sở Tư pháp"),
                       coordinating=_units(UNKNOWN_MAPPED, "Sở Tài chính"),
                       deadline_text="trước ngày 31/8/2023", due=(OnDate(date(2023, 8, 31)),)),
            ParsedTask("I.2", "Công bố số liệu thống kê về cải cách hành chính.",
                       lead=_units(UNKNOWN_NEW), deadline_text="Tháng 9/2023",
                       due=(DateRange(date(2023, 9, 1), date(2023, 9, 30)),)),
            ParsedTask("I.3", "Báo cáo tình hình giải ngân vốn đầu tư công.",
                       lead=_units("Sở Tài chính"), deadline_text="trước ngày 20 hằng tháng",
                       due=(Monthly((20,)),)),
            ParsedTask("II.1", "Kiểm tra công tác cải cách hành chính tại các sở, ngành.",
                       lead=_units("Sở Nội vụ"), coordinating=_units("Sở Tư pháp"),
                       deadline_text="trước ngày 15/8/2023", due=(OnDate(date(2023, 8, 15)),)),
            ParsedTask("II.2", "Tổng kết, đánh giá kết quả thực hiện kế hoạch.",
                       lead=_units("Sở Nội vụ"), deadline_text="hằng quý", due=(Quarterly(),)),
            ParsedTask("II.3", "Tuyên truyền về cải cách hành chính trên báo, đài.",
                       lead=_units("Sở Thông tin và Truyền thông", UNKNOWN_MAPPED)),
        ))


def as_json(plan: ParsedPlan) -> bytes:
    return json.dumps(plan.to_json(), ensure_ascii=False, indent=2).encode()


def as_yaml(plan: ParsedPlan) -> bytes:
    return yaml.safe_dump(plan.to_json(), allow_unicode=True, sort_keys=False).encode()
