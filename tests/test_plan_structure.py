"""The plan's structure → tasks: ids as written, who leads, which deadline; the rules
of ``bot/plan_import/structure.py`` one by one, on small documents built as blocks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.datafiles import load_directory
from bot.plan_import.model import Block, BlockKind, ParsedPlan, ParsedTask, SourceDocument
from bot.plan_import.structure import parse_plan
from bot.plan_import.units import UnitResolver, clause_actors
from bot.units import Directory


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def plan_of(directory: Directory, *lines: str | tuple[str, ...]) -> ParsedPlan:
    blocks = tuple(Block(BlockKind.ROW, " | ".join(line), line, 0) if isinstance(line, tuple)
                   else Block(BlockKind.PARAGRAPH, line) for line in lines)
    return parse_plan(SourceDocument("test.txt", blocks), directory)


def by_id(plan: ParsedPlan) -> dict[str, ParsedTask]:
    return {task.id: task for task in plan.tasks}


def leads(task: ParsedTask) -> list[str | None]:
    return [ref.unit_id for ref in task.lead]


HEAD = ("ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "Số: 123/KH-UBND",
        "Bắc Ninh, ngày 20 tháng 7 năm 2023", "KẾ HOẠCH",
        "Điều hành tăng trưởng kinh tế - xã hội Quý III/2023")


def test_the_head_of_the_plan(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "1. Sở Tư pháp rà soát văn bản.")
    assert plan.title == "Kế hoạch điều hành tăng trưởng kinh tế - xã hội Quý III/2023"
    assert (plan.number, plan.issued, plan.year) == ("123/KH-UBND", date(2023, 7, 20), 2023)


def test_ids_follow_sections_items_bullets_and_plain_paragraphs(directory: Directory) -> None:
    plan = plan_of(
        directory, *HEAD,
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Nâng cao trách nhiệm của các cấp, các ngành.",
        "II. NHIỆM VỤ VÀ GIẢI PHÁP",
        "Các cấp, các ngành tập trung thực hiện một số nhiệm vụ sau:",  # an opening: no task
        "1. Điều hành ngân sách. Cụ thể như sau:",
        "- Sở Tài chính chủ trì tổng hợp tình hình thu ngân sách.",
        "- Cục Thuế tỉnh: Tăng cường chống thất thu thuế.",
        "Sở Tư pháp chủ trì rà soát thủ tục, báo cáo UBND tỉnh trong tháng 8/2023.",
        "2. Đẩy mạnh cải cách hành chính.",
        "III. TỔ CHỨC THỰC HIỆN",
        "1. UBND các huyện, thị xã, thành phố xây dựng kịch bản điều hành.")
    tasks = by_id(plan)
    assert list(tasks) == ["II.1.1", "II.1.2", "II.1.3", "II.2", "III.1"]
    assert leads(tasks["II.1.1"]) == ["so-tc"] and leads(tasks["II.1.2"]) == ["cuc-thue"]
    assert tasks["II.1.3"].deadline_text == "trong tháng 8/2023"
    assert leads(tasks["III.1"]) == ["dia-phuong"]


def test_a_heading_with_its_own_deadline_is_a_task_too(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ",
                   "2. Đổi mới xúc tiến đầu tư; tổ chức Hội nghị xúc tiến trong Quý III/2023.",
                   "Tập trung giải phóng mặt bằng các dự án trọng điểm.")
    tasks = by_id(plan)
    assert set(tasks) == {"II.2", "II.2.1"}
    assert tasks["II.2"].due and not tasks["II.2.1"].due  # never an invented deadline


def test_a_bullet_ending_with_a_colon_hands_its_actor_down(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "5. Phát triển nông nghiệp. Cụ thể:",
                   "- Sở Nông nghiệp và Phát triển nông thôn chủ trì:",
                   "+ Tổ chức sản xuất vụ mùa (Tháng 7-9/2023).",
                   "+ Làm việc với UBND các huyện về làng nghề (Tháng 8,9/2023).")
    tasks = by_id(plan)
    assert list(tasks) == ["II.5.1.1", "II.5.1.2"]
    assert all(leads(t) == ["so-nnptnt"] for t in tasks.values())


def test_a_scope_then_clauses_with_their_own_actors(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "3. Tháo gỡ khó khăn:",
                   "Trong tháng 7/2023: Ban hành Quy chế làm việc của các Tổ chuyên gia; "
                   "UBND các huyện, thị xã, thành phố thành lập các Tổ chuyên gia; Các Sở, "
                   "ngành, địa phương tổng hợp các vấn đề còn tồn tại; đối với vướng mắc liên "
                   "ngành, Tổ trưởng các Tổ cùng tham gia giải quyết.",
                   "Viện Nghiên cứu Phát triển kinh tế - xã hội tỉnh tổng hợp kiến nghị.")
    tasks = by_id(plan)
    assert list(tasks) == ["II.3.1", "II.3.2", "II.3.3", "II.3.4"]
    assert [leads(tasks[k]) for k in tasks] == [
        [], ["dia-phuong"], ["so-ban-nganh-dia-phuong"], ["vien-ptktxh"]]
    assert all(tasks[k].deadline_text == "Trong tháng 7/2023" for k in list(tasks)[:3])
    assert "Tổ trưởng các Tổ" in tasks["II.3.3"].text  # a lower-case clause stays
    assert tasks["II.3.4"].due == ()


def test_a_new_lead_in_the_same_paragraph_is_a_new_task(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "4. Phát triển thương mại:",
                   "- Sở Công Thương chủ trì xây dựng đề án kinh tế đêm, báo cáo UBND tỉnh "
                   "trong Quý III/2023; UBND Thành phố Bắc Ninh chủ trì xây dựng đề án "
                   "phát triển kinh tế đêm (quý III/2023).")
    tasks = by_id(plan)
    assert [leads(tasks[k]) for k in tasks] == [["so-ct"], ["ubnd-tp-bac-ninh"]]
    assert list(tasks) == ["II.4.1", "II.4.2"]


def test_different_deadlines_in_one_task_are_split_with_letters(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "6. Quản lý đất đai:",
                   "- Sở Tài nguyên và Môi trường chủ trì, phê duyệt kế hoạch sử dụng đất "
                   "năm 2023; đôn đốc hoàn thành 04 dự án Nhà máy đốt rác (xong trong quý "
                   "III/2023); trong tháng 7/2023 xây dựng kế hoạch làm việc từng huyện.")
    tasks = by_id(plan)
    assert list(tasks) == ["II.6.1a", "II.6.1b", "II.6.1c"]
    assert [bool(t.due) for t in tasks.values()] == [False, True, True]
    assert all(leads(t) == ["so-tnmt"] for t in tasks.values())


def test_one_deadline_in_a_task_does_not_split_it(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "1. Đầu tư công:",
                   "- Yêu cầu các chủ đầu tư chỉ đạo nhà thầu đẩy nhanh tiến độ; hàng tuần, "
                   "hàng tháng kiểm đếm tiến độ dự án. Kiên quyết xử lý nhà thầu vi phạm.")
    (task,) = plan.tasks
    assert task.id == "II.1.1" and leads(task) == ["chu-dau-tu"]
    assert [type(s).__name__ for s in task.due] == ["Weekly", "Monthly"]


def test_labelled_blocks(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ CỤ THỂ",
                   "1. Xây dựng cơ sở dữ liệu đất đai",
                   "- Đơn vị chủ trì: Sở Tài nguyên và Môi trường",
                   "- Đơn vị phối hợp: Sở Tài chính, UBND các huyện, thị xã, thành phố",
                   "- Thời gian hoàn thành: trước ngày 30/9/2023",
                   "2. Nâng cấp Cổng dịch vụ công", "Cơ quan thực hiện: Ban Dân tộc tỉnh",
                   "Thời gian thực hiện: thường xuyên", "Sản phẩm: Cổng được nâng cấp")
    first, second = plan.tasks
    assert (first.id, leads(first), [r.unit_id for r in first.coordinating]) == (
        "II.1", ["so-tnmt"], ["so-tc", "dia-phuong"])
    assert first.due and first.deadline_text == "trước ngày 30/9/2023"
    assert second.lead[0].written == "Ban Dân tộc tỉnh" and second.lead[0].unit_id is None
    assert second.product == "Cổng được nâng cấp"
    assert [type(s).__name__ for s in second.due] == ["Ongoing"]


def test_task_tables_in_an_appendix(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "PHỤ LỤC", "DANH MỤC NHIỆM VỤ",
                   ("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp",
                    "Thời gian hoàn thành", "Sản phẩm"),
                   ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)"),
                   ("I", "Nhóm nhiệm vụ về thể chế", "", "", "", ""),
                   ("1", "Ban hành quy chế phối hợp", "Sở Tư pháp", "Sở Nội vụ",
                    "tháng 6/2023", "Quyết định"),
                   ("2", "Rà soát thủ tục hành chính", "Văn phòng UBND tỉnh", "",
                    "Quý III/2023", "Báo cáo"),
                   ("3", "Tuyên truyền", "Sở Thông tin và Truyền thông", "", "", ""))
    tasks = by_id(plan)
    assert list(tasks) == ["PL 1", "PL 2", "PL 3"]
    assert leads(tasks["PL 1"]) == ["so-tp"] and tasks["PL 1"].product == "Quyết định"
    assert tasks["PL 2"].deadline_text == "Quý III/2023" and tasks["PL 2"].due
    assert tasks["PL 3"].due == () and tasks["PL 3"].deadline_text is None


def test_hard_wrapped_lines_are_joined(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "1. Cải cách hành chính:",
                   "- Sở Tư pháp chủ trì rà soát các quy định của tỉnh làm phát sinh",
                   "chi phí, báo cáo UBND tỉnh trong tháng 8/2023.")
    (task,) = plan.tasks
    assert task.text.endswith("trong tháng 8/2023.") and task.due


def test_unknown_units_are_kept_as_written_with_suggestions(directory: Directory) -> None:
    resolver = UnitResolver(directory)
    unknown = resolver.resolve("Ban Dân tộc tỉnh")
    assert unknown.unit_id is None
    near = resolver.resolve("Sở Tài chánh")  # a typo resolves or is suggested
    assert near.unit_id == "so-tc" or any(s.unit_id == "so-tc" for s in near.suggestions)


@pytest.mark.parametrize(("clause", "lead"), [
    ("Các sở: Xây dựng, Tài nguyên và Môi trường, Công an tỉnh,... tháo gỡ khó khăn",
     ("Sở Xây dựng", "Sở Tài nguyên và Môi trường", "Công an tỉnh")),
    ("Yêu cầu các chủ đầu tư chỉ đạo nhà thầu", ("các chủ đầu tư",)),
    ("Sở Kế hoạch và Đầu tư chủ trì, phối hợp Sở Tài chính, hàng tháng rà soát",
     ("Sở Kế hoạch và Đầu tư",)),
    ("Cục Thuế tỉnh: Phối hợp thu tiền sử dụng đất", ("Cục Thuế tỉnh",)),
    ("Ban hành Quy chế làm việc", ()),
    ("Tổ chức thực hiện tốt công tác sản xuất", ()),
    ("Viện Nghiên cứu Phát triển kinh tế - xã hội tỉnh phối hợp với Sở Thông tin và "
     "Truyền thông tổng hợp", ("Viện Nghiên cứu Phát triển kinh tế - xã hội tỉnh",)),
])
def test_who_a_clause_names_first(clause: str, lead: tuple[str, ...]) -> None:
    assert clause_actors(clause).lead == lead


def test_ids_stay_unique(directory: Directory) -> None:
    plan = plan_of(directory, *HEAD, "II. NHIỆM VỤ", "1. Sở Tư pháp rà soát.",
                   "1. Sở Nội vụ rà soát.")
    assert [t.id for t in plan.tasks] == ["II.1", "II.1#2"]
