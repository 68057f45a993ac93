"""Build the .docx plan fixtures (real Word tables) with python-docx.

    .venv/bin/python tests/data/plans/make_docx.py

Writes table_bacgiang_2024.docx next to this file: a plan whose tasks are in an
appendix table (a group row merged across all columns, a cell of two paragraphs),
annotated in table_bacgiang_2024.expected.yaml. The document's dates are fixed so
that a rebuild differs only in the zip's own timestamps.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

HEADER = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH BẮC GIANG",
    "Số: 98/KH-UBND",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Bắc Giang, ngày 08 tháng 5 năm 2024",
]
TITLE = ["KẾ HOẠCH", "Phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh Bắc Giang năm 2024"]
BODY = [
    ("Căn cứ Luật Phòng, chống thiên tai ngày 19/6/2013; Luật sửa đổi, bổ sung một số điều "
     "của Luật Phòng, chống thiên tai và Luật Đê điều ngày 17/6/2020; Kế hoạch phòng, chống "
     "thiên tai tỉnh Bắc Giang giai đoạn 2021-2025, UBND tỉnh ban hành Kế hoạch phòng, chống "
     "thiên tai và tìm kiếm cứu nạn năm 2024 như sau:", None),
    ("I. MỤC ĐÍCH, YÊU CẦU", "Heading 1"),
    ("1. Chủ động phòng ngừa, ứng phó kịp thời, khắc phục khẩn trương, hiệu quả hậu quả "
     "thiên tai; giảm thiểu thiệt hại về người và tài sản.", None),
    ("2. Quán triệt phương châm “bốn tại chỗ” trong công tác phòng, chống thiên tai.", None),
    ("II. NHIỆM VỤ, GIẢI PHÁP", "Heading 1"),
    ("Các nhiệm vụ cụ thể, cơ quan chủ trì, phối hợp và thời gian hoàn thành tại Phụ lục "
     "kèm theo.", None),
    ("III. TỔ CHỨC THỰC HIỆN", "Heading 1"),
    ("Thủ trưởng các sở, ban, ngành, Chủ tịch UBND các huyện, thị xã, thành phố chịu trách "
     "nhiệm tổ chức thực hiện Kế hoạch này; định kỳ 6 tháng báo cáo kết quả về Sở Nông "
     "nghiệp và Phát triển nông thôn (Cơ quan thường trực Ban Chỉ huy) để tổng hợp./.", None),
    ("PHỤ LỤC", "Heading 1"),
    ("NHIỆM VỤ PHÒNG, CHỐNG THIÊN TAI VÀ TÌM KIẾM CỨU NẠN NĂM 2024", None),
    ("(Kèm theo Kế hoạch số 98/KH-UBND ngày 08/5/2024 của UBND tỉnh Bắc Giang)", None),
]
COLUMNS = ("TT", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp",
           "Thời gian hoàn thành", "Sản phẩm đầu ra")
# A str row is a group heading merged across the table; a cell may hold several
# paragraphs (a tuple).
ROWS: list[str | tuple[str | tuple[str, ...], ...]] = [
    "I. CÔNG TÁC CHUẨN BỊ",
    ("1", "Kiện toàn Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh",
     "Sở NN&PTNT", "Sở Nội vụ", "trước ngày 31/5/2024", "Quyết định kiện toàn"),
    ("2", "Kiểm tra hiện trạng công trình đê điều, hồ đập trước mùa mưa lũ",
     "Sở Nông nghiệp và Phát triển nông thôn", "UBND các huyện, thị xã, thành phố",
     "Tháng 5 - tháng 6/2024", "Báo cáo kết quả kiểm tra"),
    ("3", "Xây dựng phương án ứng phó với bão mạnh, siêu bão, mưa lớn diện rộng",
     "Bộ Chỉ huy Quân sự tỉnh", ("Công an tỉnh;", "Sở NN&PTNT"), "Quý II/2024",
     "Phương án được phê duyệt"),
    ("4", "Tổ chức diễn tập phòng, chống thiên tai và tìm kiếm cứu nạn cấp tỉnh",
     "Bộ Chỉ huy Quân sự tỉnh", "Các sở, ban, ngành, địa phương", "Quý III/2024",
     "Báo cáo kết quả diễn tập"),
    "II. ỨNG PHÓ VÀ KHẮC PHỤC HẬU QUẢ",
    ("5", "Trực ban phòng, chống thiên tai 24/24 giờ trong mùa mưa bão",
     "Văn phòng thường trực Ban Chỉ huy PCTT và TKCN tỉnh", "", "Từ 15/5/2024",
     "Sổ trực ban"),
    ("6", "Tuyên truyền, phổ biến kiến thức phòng, chống thiên tai trên các phương tiện "
     "thông tin đại chúng", "Sở TT&TT", "Đài Phát thanh và Truyền hình tỉnh", "Thường xuyên",
     "Tin, bài, phóng sự"),
    ("7", "Báo cáo tổng kết công tác phòng, chống thiên tai năm 2024",
     "UBND các huyện, thị xã, thành phố", "Sở NN&PTNT", "trước ngày 05 tháng 12 năm 2024",
     "Báo cáo tổng kết"),
    ("8", "Khắc phục hậu quả thiên tai, hỗ trợ người dân sớm ổn định đời sống, sản xuất",
     "UBND các huyện, thị xã, thành phố", "Các sở, ban, ngành", "Sau khi thiên tai xảy ra",
     "Báo cáo thiệt hại, nhu cầu hỗ trợ"),
    ("9", "Rà soát, cập nhật Kế hoạch phòng, chống thiên tai tỉnh giai đoạn 2021-2025",
     "Sở NN&PTNT", "Các sở, ban, ngành", "", "Kế hoạch được cập nhật"),
]


def build(path: Path) -> None:
    doc = Document()
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(13)
    for line in HEADER:
        doc.add_paragraph(line)
    for line in TITLE:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, style in BODY:
        doc.add_paragraph(text, style=style)
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = name
    for row in ROWS:
        cells = table.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[-1])
            merged.text = row
            continue
        for cell, value in zip(cells, row, strict=True):
            parts = value if isinstance(value, tuple) else (value,)
            cell.text = parts[0]
            for part in parts[1:]:
                cell.add_paragraph(part)
    doc.add_paragraph("TM. ỦY BAN NHÂN DÂN")
    doc.add_paragraph("CHỦ TỊCH")
    props = doc.core_properties
    props.author = props.last_modified_by = "UBND tỉnh Bắc Giang"
    props.created = props.modified = datetime(2024, 5, 8, 8, 0, 0)
    props.title = TITLE[1]
    doc.save(str(path))


def main() -> None:
    target = HERE / "table_bacgiang_2024.docx"
    build(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
