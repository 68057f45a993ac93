"""How a report reads on a phone when the province is large, and the nudge's look."""

from __future__ import annotations

from datetime import date, datetime

from bot.calendar import Monthly
from bot.i18n import translator
from bot.plans import Plan, Task, TaskKind
from bot.progress_text import UpdateStatus
from bot.report import CycleUpdate, build_report
from bot.rich import to_plain
from bot.units import Directory, Unit, UnitKind
from bot.workdays import WorkingCalendar
from handlers.due_view import View
from handlers.reminder_view import render_nudge
from handlers.report_view import render_summary
from tests.report_fixture import HANOI

DUE = date(2023, 8, 22)
UNITS = [Unit(f"u{n:02d}", f"Đơn vị số {n:02d}", UnitKind.DEPARTMENT) for n in range(1, 46)]
DIRECTORY = Directory([*UNITS, Unit("all", "Tất cả", UnitKind.COLLECTIVE,
                                    member_kinds=(UnitKind.DEPARTMENT,))])
TASK = Task("III.2", "III", "Báo cáo định kỳ", "…", lead=("all",), due=(Monthly((5, 22)),),
            deadline_text="trước ngày 05 và 22 hàng tháng", kind=TaskKind.REPORT)
PLAN = Plan("kh", "Kế hoạch", starts=date(2023, 7, 1), tasks=(TASK,))


def _view(language: str = "vi") -> View:
    return View(translator(language), DIRECTORY, WorkingCalendar(language=language))


def test_past_forty_units_the_on_time_ones_are_counted_not_listed() -> None:
    # 45 units: 01-30 on time, 31-35 late, 36-45 missing.
    def sent(n: int) -> CycleUpdate:
        day = 21 if n <= 30 else 23
        return CycleUpdate(f"u{n:02d}", "A", datetime(2023, 8, day, 9, tzinfo=HANOI),
                           UpdateStatus.DONE, None, "xong")

    report = build_report(PLAN, TASK, DUE, DIRECTORY, [sent(n) for n in range(1, 36)], HANOI)
    lines = to_plain(render_summary(report, _view())).splitlines()
    assert lines[2:4] == ["35/45 đơn vị đã báo cáo", "đúng hạn 30 · muộn 5 · chưa báo cáo 10"]
    units = lines[5:]
    assert units[:10] == [f"✗ Đơn vị số {n} — chưa báo cáo" for n in range(36, 46)]
    assert units[10:15] == [f"⏰ Đơn vị số {n} — muộn · hoàn thành" for n in range(31, 36)]
    assert units[15:] == ["✓ Còn 30 đơn vị báo cáo đúng hạn: xem đầy đủ trong tệp tổng hợp."]


def test_forty_units_are_listed_in_full() -> None:
    small = Directory([*UNITS[:40], Unit("all", "Tất cả", UnitKind.COLLECTIVE,
                                         member_kinds=(UnitKind.DEPARTMENT,))])
    report = build_report(PLAN, TASK, DUE, small, [], HANOI)
    view = View(translator("en"), small, WorkingCalendar(language="en"))
    lines = to_plain(render_summary(report, view)).splitlines()
    assert lines[2] == "0/40 units have reported" and len(lines) == 5 + 40


def test_the_nudge_before_and_after_the_due_date() -> None:
    workdays = WorkingCalendar(language="vi")
    before = render_nudge(TASK, DUE, "Sở Tư pháp", task_id=7, language="vi", workdays=workdays,
                          today=date(2023, 8, 21))
    assert to_plain(before.body).splitlines() == [
        "🔔 Nhắc từ quản trị viên: chưa nhận được báo cáo kỳ 22/08/2023 của Sở Tư pháp",
        "III.2 — Báo cáo định kỳ",
        "Hạn: trước ngày 22/08/2023 (Thứ Ba)",
        "Để báo cáo: /update III.2 <nội dung đã làm>",
    ]
    assert [o.data for row in before.options for o in row] == ["upd:c:7:20230822"]
    after = render_nudge(TASK, DUE, "Sở Tư pháp", task_id=7, language="en", workdays=workdays,
                         today=date(2023, 8, 23))
    assert to_plain(after.body).splitlines()[0] == (
        "🔔 From the administrators: the 22/08/2023 report of Sở Tư pháp has not been received")
    assert "/update" not in to_plain(after.body)
