"""A hand-built directory, plan and cycle for the report tests, whose figures are
worked out by hand in tests/test_report.py: five units owe III.2 on 22/08/2023 —
two on time (one through a merged unit), two late, one missing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.calendar import Monthly, OnDate
from bot.plans import Plan, Task, TaskKind
from bot.progress_text import UpdateStatus
from bot.report import CycleUpdate
from bot.units import Directory, Unit, UnitKind

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2023, 8, 22)

DIRECTORY = Directory([
    Unit("so-tp", "Sở Tư pháp", UnitKind.DEPARTMENT),
    Unit("so-yt", "Sở Y tế", UnitKind.DEPARTMENT),
    Unit("so-xd", "Sở Xây dựng", UnitKind.DEPARTMENT),
    Unit("so-khdt", "Sở Kế hoạch và Đầu tư", UnitKind.DEPARTMENT),
    Unit("so-khcn", "Sở Khoa học và Công nghệ", UnitKind.DEPARTMENT),
    # Merged in a reorganisation: what it sent still counts, for Sở KH&CN.
    Unit("so-tttt", "Sở Thông tin và Truyền thông", UnitKind.DEPARTMENT, merged_into="so-khcn"),
    Unit("h-gia-binh", "UBND huyện Gia Bình", UnitKind.LOCALITY),
    Unit("ubnd-tinh", "UBND tỉnh", UnitKind.OTHER),
    Unit("tat-ca", "Các sở, ban, ngành, địa phương", UnitKind.COLLECTIVE,
         member_kinds=(UnitKind.DEPARTMENT, UnitKind.LOCALITY)),
])
REPORT = Task("III.2", "III", "Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư", "…",
              lead=("tat-ca",), recipients=("so-khdt",), due=(Monthly((5, 22)),),
              deadline_text="trước ngày 05 và 22 hàng tháng", kind=TaskKind.REPORT, number=2)
DATED = Task("II.8.1", "II.8", "Rà soát quy định", "…", lead=("so-tp",),
             due=(OnDate(date(2023, 8, 31)),), number=1)
PLAN = Plan("kh", "Kế hoạch thử", starts=date(2023, 7, 18), province="Bắc Ninh",
            tasks=(DATED, REPORT))


def at(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=HANOI)


def update(unit: str, when: datetime, text: str = "đã gửi", *, member: str | None = "Chị Lan",
           status: UpdateStatus = UpdateStatus.IN_PROGRESS,
           percent: int | None = None) -> CycleUpdate:
    return CycleUpdate(unit, member, when, status, percent, text)


UPDATES = [
    update("so-tp", at(21, 10), "đang tổng hợp", percent=50),
    update("so-tp", at(22, 16), "xong 100%", status=UpdateStatus.DONE, percent=100),
    update("so-yt", at(23, 8), "chậm 80%", percent=80, status=UpdateStatus.BLOCKED),
    update("so-tttt", at(20, 9), "đã nộp", member=None, status=UpdateStatus.DONE),
    # 17:30 UTC on the 22nd is 00:30 on the 23rd in Hà Nội: late.
    update("so-xd", datetime(2023, 8, 22, 17, 30, tzinfo=UTC), "gửi muộn"),
    update("ubnd-tinh", at(21, 9), "không phải nộp"),  # owes nothing
    update("so-khdt", at(21, 9), "đơn vị nhận"),  # receives the report, owes none
]
