"""'What is my unit due for this month' on the seed plan.

Every expectation below was worked out by reading shared/seed/000_b8282576a36d616c.txt,
not by running the code: the task ids are the sections of the seed (see the
comments in bot/data/seed_plan.yaml), the roles follow who the plan names as chủ
trì / phối hợp / recipient, and collectives expand as the directory says ("Các sở,
ban, ngành, địa phương" = every department and the eight district-level units).
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.agenda import (
    Agenda,
    AssignmentIndex,
    ItemKind,
    Role,
    assignments,
    month_agenda,
    overdue_items,
)
from bot.calendar import Month, OnDate, Weekly, Yearly
from bot.datafiles import load_directory, load_plan
from bot.plans import Plan, Task, TaskKind
from bot.units import Directory, Unit, UnitKind

DIRECTORY = load_directory()
SEED = load_plan(directory=DIRECTORY)

L, C, COL = Role.LEAD, Role.COORDINATING, Role.COLLECT
DL, REP, ON, OD = ItemKind.DEADLINE, ItemKind.REPORT, ItemKind.ONGOING, ItemKind.OVERDUE


def summary(agenda: Agenda) -> set[tuple[Role, ItemKind, str, date | None]]:
    return {(i.role, i.kind, i.task.code, i.due or i.until) for i in agenda.items}


def agenda(unit: str, year: int, month: int, today: date) -> Agenda:
    return month_agenda([SEED], DIRECTORY, unit, Month(year, month), today)


# (unit, month, today, expected items) — each worked out by hand from the seed text.
CASES = [
    pytest.param("so-tp", (2023, 8), date(2023, 8, 10), {
        (L, DL, "II.1.3", date(2023, 8, 31)),  # "trước ngày 31/8/2023", all sở, ban, ngành
        (L, DL, "II.8.1", date(2023, 8, 31)),  # Sở Tư pháp chủ trì … "trong tháng 8/2023"
        (L, REP, "III.2", date(2023, 8, 5)),  # "trước ngày 05 và 22 hàng tháng"
        (L, REP, "III.2", date(2023, 8, 22)),
        (C, ON, "II.2.2", None),  # "các sở ngành … tăng cường phối hợp", hàng tuần/tháng
        (L, OD, "II.3.4", date(2023, 7, 31)),  # "Trong tháng 7/2023" — not done
        (L, OD, "II.6.3", date(2023, 7, 31)),  # "xong trước ngày 31/7/2023"
    }, id="so-tu-phap-2023-08"),
    pytest.param("so-khdt", (2023, 9), date(2023, 9, 1), {
        (L, DL, "II.4.1", date(2023, 9, 30)),  # "báo cáo UBND tỉnh trong Quý III/2023"
        (L, DL, "II.6.4", date(2023, 9, 30)),  # "trong quý III/2023 trình Thủ tướng"
        (L, ON, "II.1.5", None),  # "hàng tháng rà soát tiến độ các dự án đầu tư công"
        (COL, REP, "III.2", date(2023, 9, 5)),  # receives the 5th/22nd, never sends it
        (COL, REP, "III.2", date(2023, 9, 22)),
        (C, ON, "II.2.2", None),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.3.12", date(2023, 8, 31)),  # "báo cáo Thường trực Tỉnh ủy trong tháng 8"
        # II.1.3 is sent *to* Sở KH&ĐT: it collects, so it is never overdue for it.
    }, id="so-khdt-2023-09"),
    pytest.param("vien-ptktxh", (2024, 2), date(2024, 2, 1), {
        (COL, REP, "II.3.6", date(2024, 2, 15)),  # "vào ngày 15 và 30 hàng tháng"
        (COL, REP, "II.3.6", date(2024, 2, 29)),  # 30 in a leap February → 29
        (L, REP, "III.2", date(2024, 2, 5)),  # the institute is a provincial agency too
        (L, REP, "III.2", date(2024, 2, 22)),
        (C, ON, "II.2.2", None),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.1.3", date(2023, 8, 31)),
    }, id="vien-2024-02"),
    pytest.param("so-nnptnt", (2023, 10), date(2023, 10, 2), {
        (L, REP, "III.2", date(2023, 10, 5)),
        (L, REP, "III.2", date(2023, 10, 22)),
        (L, ON, "II.5.1.2b", date(2023, 11, 30)),  # "Cao điểm tháng 7- tháng 11/2023"
        (L, ON, "II.5.1.4", date(2023, 12, 31)),  # "Tháng 8 - tháng 12/2023"
        (L, ON, "II.5.1.5", date(2023, 12, 31)),  # "Tháng 7 - tháng 12/2023"
        (L, ON, "II.5.1.3", date(2024, 3, 31)),  # "Tháng 9/2023 - tháng 3/2024"
        (L, ON, "II.1.2", None),  # a project owner: "hàng tuần, hàng tháng kiểm đếm"
        (C, DL, "II.3.7", date(2023, 10, 10)),  # "dự kiến khởi công đầu tháng 10/2023"
        (C, ON, "II.2.2", None),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.1.3", date(2023, 8, 31)),
        (L, OD, "II.5.1.11", date(2023, 8, 31)),  # "Tháng 7,8/2023"
        (L, OD, "II.5.1.2a", date(2023, 9, 30)),  # "Tháng 7-9/2023"
        (L, OD, "II.5.1.10", date(2023, 9, 30)),  # "trong tháng 8,9/2023"
        (L, OD, "II.5.1.12", date(2023, 9, 30)),  # "Tháng 8,9/2023"
    }, id="so-nnptnt-2023-10"),
    pytest.param("to-cg-1", (2023, 7), date(2023, 7, 20), {
        # The plan starts 18/07/2023 (Kết luận 759 of that day): the 15th is before it.
        (L, REP, "II.3.6", date(2023, 7, 30)),
        (C, DL, "II.3.4", date(2023, 7, 31)),  # "Tổ trưởng các Tổ phải cùng tham gia"
    }, id="to-chuyen-gia-1-2023-07"),
    pytest.param("to-cg-3", (2025, 2), date(2025, 2, 3), {
        (L, REP, "II.3.6", date(2025, 2, 15)),
        (L, REP, "II.3.6", date(2025, 2, 28)),  # 30 in February 2025 → 28
    }, id="to-chuyen-gia-3-2025-02"),
    pytest.param("ubnd-h-gia-binh", (2023, 9), date(2023, 9, 4), {
        (L, REP, "III.2", date(2023, 9, 5)),
        (L, REP, "III.2", date(2023, 9, 22)),
        (L, ON, "II.1.2", None),
        (L, ON, "II.2.2", None),  # "UBND cấp huyện rà soát tiến độ công tác GPMB"
        (C, DL, "II.5.1.10", date(2023, 9, 30)),  # "Làm việc với UBND các huyện …"
        (C, DL, "II.5.1.12", date(2023, 9, 30)),
        (L, OD, "II.3.3", date(2023, 7, 31)),  # set up their own expert teams in July
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.1.3", date(2023, 8, 31)),
    }, id="gia-binh-2023-09"),
    pytest.param("ubnd-tp-bac-ninh", (2023, 9), date(2023, 9, 4), {
        (L, DL, "II.4.3", date(2023, 9, 30)),  # its own night-economy scheme, "quý III/2023"
        (C, DL, "II.4.2", date(2023, 9, 30)),  # Sở Công Thương's scheme, with the city
        (C, DL, "II.5.1.10", date(2023, 9, 30)),
        (C, DL, "II.5.1.12", date(2023, 9, 30)),
        (L, REP, "III.2", date(2023, 9, 5)),
        (L, REP, "III.2", date(2023, 9, 22)),
        (L, ON, "II.1.2", None),
        (L, ON, "II.2.2", None),
        (L, OD, "II.3.3", date(2023, 7, 31)),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.1.3", date(2023, 8, 31)),
    }, id="tp-bac-ninh-2023-09"),
    pytest.param("so-tc", (2023, 8), date(2023, 8, 1), {
        (COL, DL, "II.1.3", date(2023, 8, 31)),  # proposals are sent to Sở Tài chính
        (L, REP, "III.2", date(2023, 8, 5)),
        (L, REP, "III.2", date(2023, 8, 22)),
        (C, ON, "II.1.5", None),  # "Sở KH&ĐT chủ trì, phối hợp Sở Tài chính, hàng tháng"
        (C, ON, "II.2.2", None),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
    }, id="so-tai-chinh-2023-08"),
    pytest.param("so-xd", (2023, 11), date(2023, 11, 6), {
        (L, DL, "II.6.2.1", date(2023, 11, 30)),  # "Xong trong tháng 11/2023"
        (L, REP, "III.2", date(2023, 11, 5)),
        (L, REP, "III.2", date(2023, 11, 22)),
        (L, ON, "II.1.2", None),  # a project owner (chủ đầu tư): "hàng tuần, hàng tháng"
        (C, ON, "II.2.2", None),
        (L, OD, "II.3.4", date(2023, 7, 31)),
        (L, OD, "II.6.3", date(2023, 7, 31)),
        (L, OD, "II.1.3", date(2023, 8, 31)),
        # II.6.2.2 ("Xong trong tháng 6/2024") starts in June 2024: nothing in 2023.
    }, id="so-xay-dung-2023-11"),
]


@pytest.mark.parametrize(("unit", "month", "today", "expected"), CASES)
def test_seed_units_month(unit: str, month: tuple[int, int], today: date,
                          expected: set[tuple[Role, ItemKind, str, date | None]]) -> None:
    assert summary(agenda(unit, *month, today)) == expected


def test_items_are_ordered_by_date() -> None:
    items = agenda("so-nnptnt", 2023, 10, date(2023, 10, 2)).items
    keys = [i.sort_key for i in items]
    assert keys == sorted(keys)


def test_undated_tasks_are_counted_not_listed() -> None:
    result = agenda("so-tp", 2023, 8, date(2023, 8, 10))
    # II.3.8, II.3.11, II.9 and III.3 name every sở, ban, ngành and give no deadline.
    assert sorted(t.code for _, t in result.undated) == ["II.3.11", "II.3.8", "II.9", "III.3"]


def test_done_tasks_are_not_overdue_and_show_as_done() -> None:
    done = {("bn-2023-q3", "II.3.4"), ("bn-2023-q3", "II.8.1")}
    result = month_agenda([SEED], DIRECTORY, "so-tp", Month(2023, 8), date(2023, 8, 10),
                          done=done)
    assert "II.3.4" not in {i.task.code for i in result.overdue}
    (ii81,) = [i for i in result.items if i.task.code == "II.8.1"]
    assert ii81.done


def test_reported_cycle_is_marked() -> None:
    reported = {("bn-2023-q3", "III.2", date(2023, 8, 5))}
    result = month_agenda([SEED], DIRECTORY, "so-tp", Month(2023, 8), date(2023, 8, 10),
                          reported=reported)
    marks = {i.due: i.done for i in result.items if i.task.code == "III.2"}
    assert marks == {date(2023, 8, 5): True, date(2023, 8, 22): False}


def test_future_month_does_not_call_tomorrow_overdue() -> None:
    # Asked on 10/08/2023 about October: the 31/08 deadlines are not overdue yet.
    result = agenda("so-tp", 2023, 10, date(2023, 8, 10))
    assert {i.task.code for i in result.overdue} == {"II.3.4", "II.6.3"}


def test_overdue_as_of_today() -> None:
    items = overdue_items([SEED], DIRECTORY, "so-tp", date(2023, 9, 1))
    assert [(i.task.code, i.due) for i in items] == [
        ("II.3.4", date(2023, 7, 31)), ("II.6.3", date(2023, 7, 31)),
        ("II.1.3", date(2023, 8, 31)), ("II.8.1", date(2023, 8, 31)),
    ]


def test_unit_without_obligations_gets_an_empty_agenda() -> None:
    # The steering committee for urban planning is named in the plan but assigned nothing.
    assert agenda("bcd-qhc-do-thi", 2023, 8, date(2023, 8, 1)).is_empty


def test_recurring_reports_stop_when_the_plan_is_closed() -> None:
    closed = Plan(**{**SEED.__dict__, "ends": date(2023, 12, 31)})
    result = month_agenda([closed], DIRECTORY, "so-tp", Month(2024, 1), date(2024, 1, 2))
    assert not [i for i in result.items if i.kind is ItemKind.REPORT]
    open_result = agenda("so-tp", 2024, 1, date(2024, 1, 2))
    assert len([i for i in open_result.items if i.kind is ItemKind.REPORT]) == 2


def test_merged_unit_obligations_go_to_its_successor() -> None:
    # 2025 reorganisation: Sở KH&ĐT merged into Sở Tài chính. The old plan's wording
    # ("gửi Sở Kế hoạch và Đầu tư") now lands at Sở Tài chính; history is kept.
    units = [u if u.id != "so-khdt" else Unit(**{**u.__dict__, "merged_into": "so-tc"})
             for u in DIRECTORY]
    merged = Directory(units)
    result = month_agenda([SEED], merged, "so-tc", Month(2023, 9), date(2023, 9, 1))
    codes = summary(result)
    assert (COL, REP, "III.2", date(2023, 9, 5)) in codes  # it now collects the reports
    assert (L, DL, "II.4.1", date(2023, 9, 30)) in codes  # Sở KH&ĐT's own task
    assert (L, REP, "III.2", date(2023, 9, 5)) not in codes  # and no longer reports to itself
    # Asking for the old unit answers for the new one.
    assert month_agenda([SEED], merged, "so-khdt", Month(2023, 9), date(2023, 9, 1)).unit_id \
        == "so-tc"


def test_inactive_unit_is_no_longer_designated() -> None:
    units = [u if u.id != "ubnd-h-gia-binh" else Unit(**{**u.__dict__, "active": False})
             for u in DIRECTORY]
    assert "ubnd-h-gia-binh" not in Directory(units).expand("dia-phuong")


def test_yearly_and_weekly_specs_in_a_small_plan() -> None:
    directory = Directory([Unit("a", "Đơn vị A", UnitKind.DEPARTMENT)])
    plan = Plan("p", "Kế hoạch thử", starts=date(2025, 1, 1), tasks=(
        Task("1", "I", "Báo cáo năm", "…", lead=("a",), kind=TaskKind.REPORT,
             deadline_text="trước ngày 15 tháng 11 hằng năm",
             due=(Yearly(dates=((11, 15),)),), number=1),
        Task("2", "I", "Giao ban", "…", lead=("a",), deadline_text="hàng tuần",
             due=(Weekly(),), number=2),
        Task("3", "I", "Nộp hồ sơ", "…", lead=("a",), deadline_text="ngày 05/11/2025",
             due=(OnDate(date(2025, 11, 5)),), number=3),
    ))
    november = month_agenda([plan], directory, "a", Month(2025, 11), date(2025, 11, 1))
    assert summary(november) == {
        (L, REP, "1", date(2025, 11, 15)), (L, ON, "2", None), (L, DL, "3", date(2025, 11, 5)),
    }
    october = month_agenda([plan], directory, "a", Month(2025, 10), date(2025, 10, 1))
    assert summary(october) == {(L, ON, "2", None)}


def test_the_index_gives_every_unit_what_assignments_gives() -> None:
    # What the snapshot keeps for /due: the same assignments, roles and order as a
    # scan of every task, for every unit — merged, inactive and collectives too.
    units = [Unit(**{**u.__dict__, "merged_into": "so-tc"}) if u.id == "so-khdt" else
             Unit(**{**u.__dict__, "active": False}) if u.id == "ubnd-h-gia-binh" else u
             for u in DIRECTORY]
    for directory in (DIRECTORY, Directory(units)):
        index = AssignmentIndex([SEED], directory)
        for unit in directory:
            unit_id = directory.successor(unit.id)
            assert index.of(unit_id) == assignments([SEED], directory, unit_id), unit_id
            month, today = Month(2023, 9), date(2023, 9, 1)
            assert month_agenda([SEED], directory, unit_id, month, today,
                                assigned=index.of(unit_id)) == \
                month_agenda([SEED], directory, unit_id, month, today)
