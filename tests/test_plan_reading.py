"""Reading plan documents into blocks: text in its encodings, text tables, Word, PDF.

Every fixture is built here, offline: the PDFs with fpdf2 and the DejaVu Sans font that
matplotlib ships (a dependency of the project), the Word files with python-docx.
"""

from __future__ import annotations

import contextlib
import functools
import io
import unicodedata
import zipfile
from pathlib import Path

import docx
import matplotlib
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.plan_import.model import Block, BlockKind
from bot.plan_import.reading import (
    UnreadableDocument,
    decode_text,
    normalize,
    read_document,
)

PLAN = """KẾ HOẠCH
Điều hành tăng trưởng kinh tế - xã hội Quý III/2023
1. Sở Tài chính chủ trì, phối hợp với Ủy ban nhân dân các huyện; văn hóa, khỏe mạnh.
- Thời gian hoàn thành: trước ngày 31/8/2023 – “đúng hạn”.
Người được giao nhiệm vụ: Trưởng phòng Quản lý đô thị, Đường dây nóng…
"""
LINES = [line for line in PLAN.splitlines() if line]
TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    """``text`` as Vietnamese Windows (cp1258) writes it: letters with their circumflex,
    breve or horn precomposed where the code page has them, tone marks combining."""
    out: list[list[str]] = []
    for char in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(char):
            out.append([char, "", ""])
        else:
            out[-1][2 if char in TONES else 1] += char
    return "".join(unicodedata.normalize("NFC", base + marks) + tone
                   for base, marks, tone in out).encode("cp1258")


def paragraphs(name: str, data: bytes) -> list[str]:
    return [b.text for b in read_document(name, data).blocks if b.kind is BlockKind.PARAGRAPH]


# --- text encodings ----------------------------------------------------------------


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: t.encode("utf-8-sig"),
    lambda t: t.encode("utf-16"),  # with its byte-order mark
    lambda t: t.encode("utf-16-le"),  # without one
    lambda t: t.encode("utf-16-be"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),  # Windows line ends
    cp1258_bytes,
], ids=["utf8", "utf8-bom", "utf16", "utf16le", "utf16be", "crlf", "cp1258"])
def test_every_encoding_of_the_same_text_reads_the_same(encode) -> None:
    assert paragraphs("plan.txt", encode(PLAN)) == LINES


def test_cp1258_round_trip_and_its_combining_marks_compose() -> None:
    data = cp1258_bytes(PLAN)
    assert "\u0301" in data.decode("cp1258")  # the tone marks really are combining
    assert data.decode("cp1258") != PLAN
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == PLAN
    assert normalize(decode_text(data)) == PLAN


def test_cp1252_text_is_not_taken_for_cp1258() -> None:
    # These bytes read in cp1258 as "Mă", "Săo", "Th" + a stray acute, "quư".
    text = "Mã hóa São Paulo, thì “quý” 2025 – café"
    assert decode_text(text.encode("cp1252")) == text
    assert paragraphs("x.txt", text.encode("cp1252")) == [text]


def test_binary_or_mislabelled_text_is_refused() -> None:
    with pytest.raises(UnreadableDocument, match="binary"):
        read_document("plan.txt", b"\x00\x01\x02\xff\xfe\x00\x00\x07" * 10)
    with pytest.raises(UnreadableDocument, match="UTF-16"):
        read_document("plan.txt", b"\xff\xfe\x00\xd8")  # a lone surrogate
    with pytest.raises(UnreadableDocument, match=r"\.doc\b.*\.docx"):
        read_document("plan.doc", b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnreadableDocument, match=r"\.odt.*\.docx, \.pdf or \.txt"):
        read_document("plan.odt", b"PK\x03\x04")


def test_markdown_and_nameless_files_are_text() -> None:
    assert paragraphs("plan.md", PLAN.encode()) == LINES
    assert paragraphs("plan", PLAN.encode()) == LINES


# --- normalize ---------------------------------------------------------------------


@pytest.mark.parametrize(("one", "other"), [
    ("Uỷ ban", "Ủy ban"), ("UỶ BAN", "ỦY BAN"), ("hoá", "hóa"), ("hoà", "hòa"),
    ("khoẻ", "khỏe"), ("thuỷ lợi", "thủy lợi"), ("Hoà Bình", "Hòa Bình"), ("xoã", "xõa"),
    ("hoạ", "họa"), ("loè", "lòe"), ("tuỳ", "tùy"), ("huỹ", "hũy"), ("suỵt", "suỵt"),
    ("hóa", "ho\u0301a"),  # a combining acute
])
def test_both_tone_placements_give_one_string(one: str, other: str) -> None:
    assert normalize(one) == normalize(other)
    assert unicodedata.is_normalized("NFC", normalize(one))


def test_normalize_keeps_the_seed_plans_own_spelling() -> None:
    seed = Path("/work/shared/seed/000_b8282576a36d616c.txt")
    text = seed.read_text("utf-8") if seed.exists() else PLAN
    assert normalize(text) == text
    assert normalize("hóa, Ủy ban, hoàn thành, ngoài, thuyền") == (
        "hóa, Ủy ban, hoàn thành, ngoài, thuyền")


def test_normalize_leaves_spelling_quotes_and_dashes_alone() -> None:
    text = "Quí IV-2025, Quý I – Quý II — “Kế hoạch” ‘số’ 123/KH-UBND"
    assert normalize(text) == text


def test_normalize_spaces_invisible_and_control_characters() -> None:
    assert normalize("Sở\u00a0Tài\u202fchính\u2003và\u3000UBND") == "Sở Tài chính và UBND"
    assert normalize("Kế\u200b hoạch\u200d\ufeff số\u00ad 5\u2060") == "Kế hoạch số 5"
    assert normalize("a\x00b\x07c\x1bd\x7fe\x9bf") == "abcdef"
    assert normalize("a\tb\nc") == "a\tb\nc"
    assert normalize("a\r\nb\rc\x0cd\u2028e") == "a\nb\nc\nd\ne"
    # a zero-width space between a vowel and its tone mark no longer keeps them apart
    assert normalize("ho\u200b\u0301a") == "hóa"


@settings(max_examples=300)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300)
@given(st.text(alphabet="oauyOAUYqQh ẻèéẽẹỷỳýỹỵảàáãạ\u0301\u0300\u0323.\n\u200b"))
def test_normalize_is_idempotent_on_vietnamese_vowels(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --- text tables -------------------------------------------------------------------


def test_pipe_rows_with_or_without_outer_pipes_and_markdown_rules() -> None:
    text = (
        "PHỤ LỤC\n"
        "| STT | Nội dung | Cơ quan chủ trì | Thời gian |\n"
        "|---|:---|---:|:-:|\n"
        "| 1 | Rà soát  quy hoạch | Sở Xây dựng | Quý III/2023 |\n"
        "2 | Báo cáo || Tháng 8/2023\n"
        "Ghi chú: như trên\n"
        "| Tổng hợp |\n"
    )
    blocks = read_document("pl.txt", text.encode()).blocks
    assert [(b.kind, b.table) for b in blocks] == [
        (BlockKind.PARAGRAPH, None), (BlockKind.ROW, 0), (BlockKind.ROW, 0),
        (BlockKind.ROW, 0), (BlockKind.PARAGRAPH, None), (BlockKind.ROW, 1)]
    assert blocks[1].cells == ("STT", "Nội dung", "Cơ quan chủ trì", "Thời gian")
    assert blocks[2].cells == ("1", "Rà soát quy hoạch", "Sở Xây dựng", "Quý III/2023")
    assert blocks[2].text == "1 | Rà soát quy hoạch | Sở Xây dựng | Quý III/2023"
    assert blocks[3].cells == ("2", "Báo cáo", "", "Tháng 8/2023")  # the empty cell kept
    assert blocks[5].cells == ("Tổng hợp",)


def test_tab_rows_and_tables_ended_by_other_lines() -> None:
    text = (
        "Nội dung\tChủ trì\tPhối hợp\n"
        "Xây dựng đề án\tSở Nội vụ\tCác sở, ngành\n"
        "\n"
        "\tmột dòng thụt lề\n"
        "a\tb\n"
        "| c | d |\n"
    )
    blocks = read_document("t.txt", text.encode()).blocks
    assert [(b.kind, b.table, b.cells) for b in blocks] == [
        (BlockKind.ROW, 0, ("Nội dung", "Chủ trì", "Phối hợp")),
        (BlockKind.ROW, 0, ("Xây dựng đề án", "Sở Nội vụ", "Các sở, ngành")),
        (BlockKind.PARAGRAPH, None, ()),
        (BlockKind.ROW, 1, ("a", "b")),
        (BlockKind.ROW, 2, ("c", "d")),  # from tabs to pipes: another table
    ]
    assert blocks[2].text == "một dòng thụt lề"


def test_lines_are_never_joined_and_spaces_are_collapsed() -> None:
    text = "1. Sở Tài chính chủ trì   tham mưu\n   cho UBND tỉnh  \n\n\n- Thời gian: Quý IV\n"
    assert paragraphs("x.txt", text.encode()) == [
        "1. Sở Tài chính chủ trì tham mưu", "cho UBND tỉnh", "- Thời gian: Quý IV"]


# --- docx --------------------------------------------------------------------------


def build_docx() -> bytes:
    document = docx.Document()
    document.add_heading("KẾ HOẠCH", level=1)
    document.add_paragraph("Thực hiện Kết luận số 759-KL/TU;\u00a0nhiệm vụ như sau:")
    document.add_paragraph("")  # empty: no block
    document.add_heading("PHỤ LỤC", level=2)
    table = document.add_table(rows=4, cols=4)
    for cell, text in zip(table.rows[0].cells,
                          ("STT", "Nội dung", "Cơ quan chủ trì", "Thời gian"), strict=True):
        cell.text = text
    first = table.rows[1].cells
    first[0].text, first[1].text, first[2].text, first[3].text = (
        "1", "Rà soát quy hoạch", "Sở Xây dựng", "Quý III/2023")
    first[1].add_paragraph("và báo cáo UBND tỉnh")  # a second paragraph in a cell
    second = table.rows[2].cells
    second[0].text, second[1].text = "2", "Hoàn thiện hồ sơ"
    second[2].text = "Sở Tài chính"
    lead = second[2].merge(table.rows[3].cells[2])  # one lead for rows 2 and 3
    lead.text = "Sở Tài chính"
    second[3].text = "Tháng 8/2023"
    third = table.rows[3].cells
    third[0].text, third[1].text, third[3].text = "3", "Giải ngân", "Quý IV/2023"
    section = table.add_row().cells
    merged = section[0].merge(section[3])  # a section row across the whole table
    merged.text = "II. LĨNH VỰC XÃ HỘI"
    document.add_paragraph("Nơi nhận:\n- Như trên;", style="List Bullet")
    document.add_table(rows=1, cols=2).rows[0].cells[0].text = "Bảng hai"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    blocks = read_document("kh.docx", build_docx()).blocks
    assert blocks[:3] == (
        Block(BlockKind.PARAGRAPH, "KẾ HOẠCH", style="Heading 1"),
        Block(BlockKind.PARAGRAPH, "Thực hiện Kết luận số 759-KL/TU; nhiệm vụ như sau:",
              style="Normal"),
        Block(BlockKind.PARAGRAPH, "PHỤ LỤC", style="Heading 2"),
    )
    rows = [b for b in blocks if b.kind is BlockKind.ROW]
    assert [b.cells for b in rows] == [
        ("STT", "Nội dung", "Cơ quan chủ trì", "Thời gian"),
        ("1", "Rà soát quy hoạch\nvà báo cáo UBND tỉnh", "Sở Xây dựng", "Quý III/2023"),
        ("2", "Hoàn thiện hồ sơ", "Sở Tài chính", "Tháng 8/2023"),
        ("3", "Giải ngân", "Sở Tài chính", "Quý IV/2023"),  # the vertical merge, again
        ("II. LĨNH VỰC XÃ HỘI",),  # the horizontal merge, once
        ("Bảng hai", ""),
    ]
    assert [b.table for b in rows] == [0, 0, 0, 0, 0, 1]
    assert blocks[3:8] == tuple(rows[:5])
    assert blocks[8:10] == (
        Block(BlockKind.PARAGRAPH, "Nơi nhận:", style="List Bullet"),
        Block(BlockKind.PARAGRAPH, "- Như trên;", style="List Bullet"),
    )
    assert blocks[10] == rows[5]
    assert read_document("kh.docx", build_docx()).pages is None


def test_docx_nested_table_is_kept_in_its_cell() -> None:
    document = docx.Document()
    cell = document.add_table(rows=1, cols=2).rows[0].cells[1]
    cell.text = "Các đơn vị:"
    inner = cell.add_table(rows=1, cols=2)
    inner.rows[0].cells[0].text, inner.rows[0].cells[1].text = "Sở Y tế", "Sở GD&ĐT"
    buffer = io.BytesIO()
    document.save(buffer)
    (row,) = read_document("n.docx", buffer.getvalue()).blocks
    assert row.cells == ("", "Các đơn vị:\nSở Y tế | Sở GD&ĐT")


def test_a_docx_sent_without_a_name_is_still_read() -> None:
    assert read_document("document", build_docx()).blocks[0].text == "KẾ HOẠCH"


@pytest.mark.parametrize("data", [
    b"not a zip at all", b"PK\x03\x04broken", b"", None,
], ids=["text", "bad-zip", "empty", "truncated"])
def test_corrupt_docx_is_unreadable(data: bytes | None) -> None:
    if data is None:
        whole = build_docx()
        data = whole[: len(whole) // 2]
    with pytest.raises(UnreadableDocument, match=r"kh\.docx"):
        read_document("kh.docx", data)


def test_a_zip_that_is_not_a_word_document_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(UnreadableDocument, match="cannot be read"):
        read_document("kh.docx", buffer.getvalue())


# --- pdf ---------------------------------------------------------------------------

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def build_pdf(pages: list[list[str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            # 11 pt type on a 5 mm line (1.3 leading, as Word prints): at a leading of
            # 1.0 a PDF's lines touch, and a text extractor may run them together.
            pdf.cell(h=5, text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_pages_are_read_line_by_line() -> None:
    data = build_pdf([LINES[:3], [*LINES[3:], "| Nội dung | Chủ trì |", "| Báo cáo | Sở Y tế |"]])
    document = read_document("kh.pdf", data)
    assert document.pages == 2
    texts = [b.text for b in document.blocks if b.kind is BlockKind.PARAGRAPH]
    assert texts == LINES
    rows = [b for b in document.blocks if b.kind is BlockKind.ROW]
    assert [(b.cells, b.table) for b in rows] == [
        (("Nội dung", "Chủ trì"), 0), (("Báo cáo", "Sở Y tế"), 0)]


def test_a_pdf_without_a_text_layer_is_unreadable() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument, match=r"no text layer \(scanned\?\)"):
        read_document("scan.pdf", buffer.getvalue())


def encrypted(data: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="chủ", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_password_protected_pdf_is_unreadable_with_a_clear_message() -> None:
    data = encrypted(build_pdf([LINES]), "bí mật")
    with pytest.raises(UnreadableDocument, match="password"):
        read_document("kh.pdf", data)


def test_a_pdf_encrypted_without_a_user_password_is_read() -> None:
    assert paragraphs("kh.pdf", encrypted(build_pdf([LINES]), "")) == LINES


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\nnot really", b"", b"\x00" * 100, None,
], ids=["header-only", "empty", "zeros", "truncated"])
def test_corrupt_pdf_is_unreadable(data: bytes | None) -> None:
    if data is None:
        whole = build_pdf([LINES])
        data = whole[: len(whole) // 3]
    with pytest.raises(UnreadableDocument, match=r"kh\.pdf"):
        read_document("kh.pdf", data)


# --- never anything but UnreadableDocument -----------------------------------------


@pytest.mark.parametrize("text", [b"||", b"| | |", b"|  |\n| a | b |"])
def test_a_table_row_with_nothing_in_it_is_no_block(text: bytes) -> None:
    # Found by the property below (hypothesis drew b"||"): an empty block.
    try:
        blocks = read_document("x.txt", text).blocks
    except UnreadableDocument:
        return
    assert all(block.text for block in blocks)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_as_text_read_or_are_refused(data: bytes) -> None:
    try:
        document = read_document("x.txt", data)
    except UnreadableDocument:
        return
    for block in document.blocks:
        assert block.text and block.text == normalize(block.text).strip()


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["x.docx", "x.pdf", "x"]), st.binary(max_size=500))
def test_random_bytes_as_documents_read_or_are_refused(name: str, data: bytes) -> None:
    with contextlib.suppress(UnreadableDocument):
        read_document(name, data)


@functools.cache
def real_documents() -> dict[str, bytes]:
    return {"kh.docx": build_docx(), "kh.pdf": build_pdf([LINES, LINES])}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["kh.docx", "kh.pdf"]), st.data())
def test_damaged_real_documents_read_or_are_refused(name: str, data: st.DataObject) -> None:
    whole = bytearray(real_documents()[name])
    for _ in range(data.draw(st.integers(1, 8))):
        whole[data.draw(st.integers(0, len(whole) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(whole) // 2, len(whole)))
    with contextlib.suppress(UnreadableDocument):
        read_document(name, bytes(whole[:cut]))
