"""The report's files, opened with the libraries an officer's tools use: the xlsx with
openpyxl, the csv with the csv module, the docx with python-docx, the chart with
Pillow. Vietnamese text must come back exactly as it went in."""

from __future__ import annotations

import csv
from datetime import date, datetime
from io import BytesIO, StringIO

import docx
import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.exports.chart import report_chart
from bot.exports.csv import report_csv
from bot.exports.docx import Issuer, report_docx
from bot.exports.xlsx import report_xlsx, sheet_name
from bot.i18n import translator
from bot.report import CycleReport, build_report, grid
from tests.report_fixture import (
    DATED,
    DIRECTORY,
    DUE,
    HANOI,
    PLAN,
    REPORT,
    UPDATES,
    at,
    update,
)

VI, EN = translator("vi"), translator("en")


@pytest.fixture
def report() -> CycleReport:
    return build_report(PLAN, REPORT, DUE, DIRECTORY, UPDATES, HANOI)


@pytest.fixture
def no_updates() -> CycleReport:
    return build_report(PLAN, DATED, date(2023, 8, 31), DIRECTORY, [], HANOI)


def _rows(sheet: object) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]  # type: ignore[attr-defined]


def test_xlsx_round_trip(report: CycleReport, no_updates: CycleReport) -> None:
    book = load_workbook(BytesIO(report_xlsx([report, no_updates], VI, HANOI)))
    assert book.sheetnames == ["III.2 22-08-2023", "II.8.1 31-08-2023", "Tất cả cập nhật"]
    summary = book["III.2 22-08-2023"]
    assert summary.freeze_panes == "A2"
    rows = _rows(summary)
    assert rows[0] == ["Đơn vị", "Tình trạng", "Thời điểm cập nhật", "Người gửi", "Tiến độ",
                       "Tỷ lệ hoàn thành (%)", "Nội dung cập nhật mới nhất"]
    assert rows[1:6] == [
        ["UBND huyện Gia Bình", "chưa báo cáo", None, None, None, None, None],
        # Local time, without a zone: 17:30 UTC on the 22nd is 00:30 on the 23rd.
        ["Sở Xây dựng", "muộn", datetime(2023, 8, 23, 0, 30), "Chị Lan", "đang thực hiện",
         None, "gửi muộn"],
        ["Sở Y tế", "muộn", datetime(2023, 8, 23, 8, 0), "Chị Lan", "đang vướng", 80,
         "chậm 80%"],
        ["Sở Khoa học và Công nghệ", "đúng hạn", datetime(2023, 8, 20, 9, 0),
         "một cựu thành viên", "hoàn thành", None, "đã nộp"],
        ["Sở Tư pháp", "đúng hạn", datetime(2023, 8, 22, 16, 0), "Chị Lan", "hoàn thành", 100,
         "xong 100%"],
    ]
    assert [r[:2] for r in rows[7:]] == [["Số đơn vị phải báo cáo", 5], ["Đúng hạn", 2],
                                         ["Báo cáo muộn", 2], ["Chưa báo cáo", 1],
                                         ["Tỷ lệ đã báo cáo", "80%"]]
    assert summary.column_dimensions["A"].width >= len("Sở Khoa học và Công nghệ")
    assert summary["C2"].number_format == "General"
    assert summary["C3"].number_format == "dd/mm/yyyy hh:mm"
    every = _rows(book["Tất cả cập nhật"])
    assert every[0] == ["Đơn vị", "Nhiệm vụ", "Kỳ báo cáo", "Người gửi", "Thời gian",
                        "Tiến độ", "Tỷ lệ hoàn thành (%)", "Nội dung"]
    assert len(every) == 1 + 7  # every update, the ones that count for nothing included
    assert every[1] == ["Sở Khoa học và Công nghệ", "III.2", "22/08/2023",
                        "một cựu thành viên", datetime(2023, 8, 20, 9, 0), "hoàn thành", None,
                        "đã nộp"]
    assert ["Sở Tư pháp", "III.2", "22/08/2023", "Chị Lan", datetime(2023, 8, 21, 10, 0),
            "đang thực hiện", 50, "đang tổng hợp"] in every
    assert book["Tất cả cập nhật"].freeze_panes == "A2"
    # A cycle with no update at all: its one unit is missing.
    dated = _rows(book["II.8.1 31-08-2023"])
    assert dated[1] == ["Sở Tư pháp", "chưa báo cáo", None, None, None, None, None]
    assert dated[2] == [None] * 7 and dated[3][:2] == ["Số đơn vị phải báo cáo", 1]
    assert dated[7][:2] == ["Tỷ lệ đã báo cáo", "0%"]


def test_xlsx_in_english(report: CycleReport) -> None:
    book = load_workbook(BytesIO(report_xlsx([report], EN, HANOI)))
    assert book.sheetnames == ["III.2 22-08-2023", "Every update"]
    assert _rows(book.active)[1][:2] == ["UBND huyện Gia Bình", "not reported"]


@pytest.mark.parametrize(("text", "expected"), [
    ("III.2 22/08/2023", "III.2 22-08-2023"),
    ("a[b]c:d*e?f/g\\h", "a-b-c-d-e-f-g-h"),
    ("x" * 40, "x" * 31),
    ("", "Sheet"),
])
def test_sheet_names_excel_accepts(text: str, expected: str) -> None:
    assert sheet_name(text, set()) == expected


def test_sheet_names_stay_unique() -> None:
    taken: set[str] = set()
    names = [sheet_name("y" * 40, taken) for _ in range(3)]
    assert names == ["y" * 31, "y" * 27 + " (2)", "y" * 27 + " (3)"]
    assert all(len(n) <= 31 for n in names)


def test_csv_round_trip(report: CycleReport) -> None:
    content = report_csv([report], VI, HANOI)
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Nhiệm vụ", "Kỳ báo cáo", "Đơn vị", "Tình trạng", "Thời điểm cập nhật",
                       "Người gửi", "Tiến độ", "Tỷ lệ hoàn thành (%)",
                       "Nội dung cập nhật mới nhất"]
    assert rows[1:] == [
        ["III.2", "22/08/2023", "UBND huyện Gia Bình", "chưa báo cáo", "", "", "", "", ""],
        ["III.2", "22/08/2023", "Sở Xây dựng", "muộn", "00:30 23/08/2023", "Chị Lan",
         "đang thực hiện", "", "gửi muộn"],
        ["III.2", "22/08/2023", "Sở Y tế", "muộn", "08:00 23/08/2023", "Chị Lan",
         "đang vướng", "80", "chậm 80%"],
        ["III.2", "22/08/2023", "Sở Khoa học và Công nghệ", "đúng hạn", "09:00 20/08/2023",
         "một cựu thành viên", "hoàn thành", "", "đã nộp"],
        ["III.2", "22/08/2023", "Sở Tư pháp", "đúng hạn", "16:00 22/08/2023", "Chị Lan",
         "hoàn thành", "100", "xong 100%"],
    ]


def test_csv_quotes_commas_and_line_breaks_in_updates() -> None:
    tricky = [u for u in UPDATES if u.unit_id != "so-tp"]
    tricky.append(update("so-tp", at(21, 9), 'vướng "vốn", chờ UBND;\ndòng hai'))
    report = build_report(PLAN, REPORT, DUE, DIRECTORY, tricky, HANOI)
    rows = list(csv.reader(StringIO(report_csv([report], VI, HANOI).decode("utf-8-sig"))))
    assert rows[-1][-1] == 'vướng "vốn", chờ UBND;\ndòng hai'


def _docx_text(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    document = docx.Document(BytesIO(content))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows]
              for table in document.tables]
    return paragraphs, tables


def test_docx_draft(report: CycleReport) -> None:
    content = report_docx([report], Issuer("Bắc Ninh", "Sở Kế hoạch và Đầu tư"), VI)
    paragraphs, tables = _docx_text(content)
    header, units, closing = tables
    assert header[0][0].split("\n") == ["UBND TỈNH BẮC NINH", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
                                        "Số: ……/BC"]
    assert header[0][1].split("\n") == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                        "Độc lập - Tự do - Hạnh phúc",
                                        "Bắc Ninh, ngày … tháng … năm 2023"]
    assert "BÁO CÁO" in paragraphs
    assert "Báo cáo định kỳ gửi Sở Kế hoạch và Đầu tư — kỳ 22/08/2023" in paragraphs
    assert "(Nhiệm vụ III.2 theo Kế hoạch thử)" in paragraphs
    assert [p for p in paragraphs if p.startswith("- ")] == [
        "- Số đơn vị phải báo cáo: 5", "- Đúng hạn: 2", "- Báo cáo muộn: 2",
        "- Chưa báo cáo: 1", "- Tỷ lệ đã báo cáo: 80%"]
    assert units[0] == ["STT", "Đơn vị", "Tình trạng", "Nội dung cập nhật mới nhất",
                        "Tỷ lệ hoàn thành (%)"]
    assert units[1] == ["1", "UBND huyện Gia Bình", "chưa báo cáo", "", ""]
    assert units[3] == ["3", "Sở Y tế", "muộn (đang vướng)", "chậm 80%", "80%"]
    assert units[5] == ["5", "Sở Tư pháp", "đúng hạn (hoàn thành)", "xong 100%", "100%"]
    assert len(units) == 6
    assert "Nơi nhận:" in closing[0][0] and "THỦ TRƯỞNG ĐƠN VỊ" in closing[0][1]


def test_docx_without_a_known_issuer_leaves_places_to_fill(report: CycleReport) -> None:
    paragraphs, tables = _docx_text(report_docx([report], Issuer(None, None), EN))
    assert tables[0][0][0].split("\n")[:2] == ["PEOPLE'S COMMITTEE OF …… PROVINCE", "……"]
    assert "REPORT" in paragraphs


def test_chart_is_a_phone_sized_png(report: CycleReport) -> None:
    reports = [build_report(PLAN, REPORT, d, DIRECTORY, UPDATES if d == DUE else [], HANOI)
               for d in (date(2023, 7, 22), date(2023, 8, 5), DUE)]
    content = report_chart(grid(reports, today=date(2023, 8, 25)), VI)
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(BytesIO(content)) as image:
        image.load()
        # 800 px wide; the height grows with the rows: (0.5 + 0.45 + 5 × 0.24) in × 150.
        assert image.size == (800, 322)
        colours = {image.getpixel((x, y))[:3]  # type: ignore[index]
                   for x in range(430, 790, 5) for y in range(80, 300, 5)}
    assert {(0x2E, 0x7D, 0x32), (0xF9, 0xA8, 0x25), (0xC6, 0x28, 0x28)} <= colours


def test_chart_of_nothing_still_draws() -> None:
    empty = grid([], today=date(2023, 8, 25))
    with Image.open(BytesIO(report_chart(empty, EN))) as image:
        assert image.size[0] == 800


def test_a_province_sized_chart_shows_the_units_most_to_chase() -> None:
    # 5,000 units would need a picture 180,000 px tall, past what Agg can draw: the
    # chart keeps MAX_ROWS of them, those missing most often, still in name order.
    from bot.exports.chart import MAX_ROWS, shown_rows
    from bot.plans import Task
    from bot.report import Cell, Grid

    names = tuple(f"UBND xã {i:04d}" for i in range(5_000))
    missing = {i * 83 % 5_000 for i in range(MAX_ROWS)}  # the units that never reported
    cells = tuple(tuple(Cell.MISSING if i in missing else Cell.LATE if i % 7 == 0 and c == 0
                        else Cell.ON_TIME for c in range(6)) for i in range(5_000))
    big = Grid(Task("III.2", "III", "Báo cáo định kỳ", ""), tuple(date(2023, m, 5)
                                                                   for m in range(6, 12)),
               names, cells)
    shown = shown_rows(big)
    assert shown.units == tuple(names[i] for i in sorted(missing))
    assert shown.cells == tuple(cells[i] for i in sorted(missing))
    small = Grid(big.task, big.cycles, names[:MAX_ROWS], cells[:MAX_ROWS])
    assert shown_rows(small) is small  # below the cap, every unit, as before
    with Image.open(BytesIO(report_chart(big, VI))) as image:
        # (0.5 + 0.45 + 0.18 + 60 × 0.24) in × 150 px
        assert image.size == (800, round((0.5 + 0.45 + 0.18 + MAX_ROWS * 0.24) * 150))
