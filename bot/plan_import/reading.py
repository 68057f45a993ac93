"""Reading a plan's document into blocks: paragraphs and table rows, in reading order.

Pure except for parsing the bytes it is given (no files, no network). Three formats:

* text (``.txt``, ``.md``, no suffix): decoded (see ``decode_text``), one PARAGRAPH per
  non-empty line, and lines that are table rows written as text (cells between ``|``,
  or split by tabs) as ROW blocks. Lines are never joined: hard-wrapped prose stays one
  paragraph a line, and the structure parser decides what belongs together.
* ``.docx``: the body's paragraphs and tables in document order (python-docx).
* ``.pdf`` with a text layer: its text page by page (pdfium), read like a text file.

Anything else, or a file that is not what its name says, raises ``UnreadableDocument``
with a message for the admin; a library's own exception never gets out.

Not handled: the legacy 8-bit Vietnamese font encodings (TCVN3/ABC, VNI), whose text is
stored as Latin-1 look-alikes ("KÕ ho¹ch") and needs a conversion table per font; such a
file reads as gibberish, not as an error. Nor scanned PDFs (no OCR), nor ``.doc``.
"""

from __future__ import annotations

import io
import itertools
import re
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

import docx
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from bot.plan_import.model import Block, BlockKind, SourceDocument
from bot.text import nfc

TEXT_SUFFIXES = ("", ".txt", ".md", ".text")
MAX_UNPACKED_DOCX = 200 * 1024 * 1024  # a .docx is a zip: refuse one that unpacks huge


class UnreadableDocument(ValueError):
    """The file cannot be read as a document: the message says why, for the admin."""


def read_document(name: str, data: bytes) -> SourceDocument:
    """The blocks of the document ``name`` holding ``data``, chosen by its suffix (and,
    for text names, by a PDF or zip signature at the start)."""
    suffix = PurePath(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        # A document sent without a (right) name: its signature says what it is.
        if data.startswith(b"%PDF-"):
            return _read_pdf(name, data)
        if data.startswith(b"PK\x03\x04"):
            return _read_docx(name, data)
        return SourceDocument(name, tuple(text_blocks(decode_text(data))))
    if suffix == ".docx":
        return _read_docx(name, data)
    if suffix == ".pdf":
        return _read_pdf(name, data)
    if suffix == ".doc":
        raise UnreadableDocument(
            f"{name}: old Word (.doc) files cannot be read; save it as .docx and send it again")
    raise UnreadableDocument(
        f"{name}: cannot read {suffix} files; send the plan as .docx, .pdf or .txt")


# --- text and its decoding ---------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),  # before UTF-16 LE, whose BOM starts it
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
EIGHT_BIT = ("cp1258", "cp1252")  # in order of preference on a tie


def decode_text(data: bytes) -> str:
    """The text of ``data``: by its byte-order mark (UTF-8, UTF-16, UTF-32); else
    strict UTF-8; else UTF-16 without a mark when every other byte is NUL; else the
    Windows code page that reads as more plausible Vietnamese (``_vietnamese_score``).
    Binary data raises ``UnreadableDocument``."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise UnreadableDocument(
                    f"the text says it is {codec.upper()} but is not valid {codec.upper()}"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        return _decode_utf16_without_bom(data)
    decoded: list[str] = []
    for codec in EIGHT_BIT:
        try:
            decoded.append(data.decode(codec))
        except UnicodeDecodeError:
            continue  # a byte this code page leaves undefined: not this one
    if not decoded:
        return data.decode(EIGHT_BIT[0], errors="replace")
    # max keeps the first of equal scores: cp1258, this being a Vietnamese bot.
    return max(decoded, key=_vietnamese_score)


def _decode_utf16_without_bom(data: bytes) -> str:
    """UTF-16 without a byte-order mark, told by its NULs (Latin text has a NUL in every
    high byte); anything else with NULs is binary."""
    if len(data) % 2 == 0:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        codec = "utf-16-le" if odd > 3 * even else "utf-16-be" if even > 3 * odd else None
        if codec and max(even, odd) * 4 >= len(data) // 2:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
    raise UnreadableDocument("this is not a text file (it holds binary data)")


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_BASE_VOWELS = "aăâeêioôơuưy"
_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in _BASE_VOWELS + _BASE_VOWELS.upper()
    for tone in ("", *_TONES)
) | frozenset("đĐ")
# The vowel sequences a Vietnamese syllable can have, tone marks left out (after "gi"
# and "qu", whose i and u belong to the consonant).
_NUCLEI_TEXT = """
    a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uă uâ
    ue uê ui uô uơ uy ưa ưi ươ ưu yê iêu yêu oai oay oeo uai uao uay uây ueo uôi uya uyê
    uyu ươi ươu
"""
_NUCLEI = frozenset(_NUCLEI_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+")
_COMBINING = re.compile("[\u0300-\u036f]")
SCORED_CHARACTERS = 100_000  # enough to tell the code page, a constant time
_VOWEL_RUN = re.compile(f"[{_BASE_VOWELS}]+")
_GLIDE_ONSET = re.compile(f"^(?:gi|qu)(?=[{_BASE_VOWELS}])")


def _vietnamese_score(text: str) -> int:
    """How much ``text`` reads as Vietnamese: +1 for each word with a non-ASCII letter
    that could be a Vietnamese syllable (only Vietnamese letters, at most one tone mark,
    a vowel sequence Vietnamese has, not ending in ă or â); -1 for each such word that
    cannot, and for each tone mark left over on no vowel; over the first 100,000
    characters. Counting Vietnamese letters alone is not enough: the cp1258 bytes of
    "Kế" (K, ê, combining acute) read in cp1252 as "Kêì", two letters."""
    composed = unicodedata.normalize("NFC", text[:SCORED_CHARACTERS])
    score = -len(_COMBINING.findall(composed))
    words = Counter(word for word in _WORD.findall(composed) if not word.isascii())
    return score + sum(count * _word_score(word) for word, count in words.items())


def _word_score(word: str) -> int:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for c in decomposed if c in _TONES)
    bare = _GLIDE_ONSET.sub("", unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if c not in _TONES)))
    plausible = (tones <= 1
                 and all(c.isascii() or c in _VIETNAMESE_LETTERS for c in word)
                 and all(run in _NUCLEI for run in _VOWEL_RUN.findall(bare))
                 and not bare.endswith(("ă", "â")))  # "ăn", "âm": never at the end
    return 1 if plausible else -1


_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_LINE_BREAKS = re.compile("\r\n?|[\v\f\u0085\u2028\u2029]")
# Control characters but tab and newline; format characters (zero-width spaces and
# joiners, soft hyphen, byte-order mark, direction marks).
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
                        "|[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        "\u2066-\u206f\ufeff\ufff9-\ufffb]")


def normalize(text: str) -> str:
    """One spelling for the same text: NFC, with the tone of a syllable-final "oa, oe, uy"
    on the first vowel ("hóa", "khỏe", "Ủy", as the province's own plans write them, and
    as ``bot.text.nfc`` does; "Quý" is left alone, its u belonging to the q); every
    Unicode space a plain space; line breaks "\\n"; control and zero-width characters
    removed, tabs and newlines kept. Quotes, dashes and spellings ("Quí") are kept."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return nfc(text)


def text_blocks(text: str) -> Iterator[Block]:
    """The blocks of a text: a PARAGRAPH per non-empty line, a ROW per line that is a
    table row written as text; consecutive rows of the same kind (``|`` or tab) share a
    table number, any other line ends the table."""
    numbers = itertools.count()
    table: int | None = None
    table_kind: str | None = None
    for line in normalize(text).split("\n"):
        line = line.strip()
        kind, cells = _text_row(line)
        if kind == "separator":  # a markdown |---|---| line: part of the table, no block
            continue
        if kind is None or cells is None:
            table = table_kind = None
            if line:
                yield Block(BlockKind.PARAGRAPH, _one_line(line))
            continue
        if table is None or kind != table_kind:
            table, table_kind = next(numbers), kind
        yield _row(cells, table)


_MARKDOWN_RULE = re.compile(r":?-+:?")


def _text_row(line: str) -> tuple[str | None, list[str] | None]:
    """("pipe" | "tab", cells) for a table row written as text, ("separator", None) for
    a markdown rule row, (None, None) for anything else. A pipe row has two cells or more,
    or one between a leading and a trailing pipe; a tab row has two cells or more."""
    if "|" in line:
        cells = line.split("|")
        framed = line.startswith("|") and line.endswith("|") and len(line) > 1
        if line.startswith("|"):
            cells = cells[1:]
        if line.endswith("|") and cells:
            cells = cells[:-1]
        cells = [_one_line(cell) for cell in cells]
        if cells and all(_MARKDOWN_RULE.fullmatch(cell.replace(" ", "")) for cell in cells):
            return "separator", None
        if cells and not any(cells):  # "||", "| | |": a row with nothing in it
            return "separator", None
        if len(cells) >= 2 or (framed and cells):
            return "pipe", cells
    if "\t" in line:
        cells = [_one_line(cell) for cell in line.split("\t")]
        if len(cells) >= 2:
            return "tab", cells
    return None, None


def _one_line(text: str) -> str:
    """Runs of spaces and tabs as one space, the ends stripped."""
    return " ".join(text.split())


def _row(cells: Iterable[str], table: int) -> Block:
    cells = tuple(cells)
    return Block(BlockKind.ROW, " | ".join(cells), cells=cells, table=table)


# --- docx --------------------------------------------------------------------------


def _read_docx(name: str, data: bytes) -> SourceDocument:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_DOCX:
                raise UnreadableDocument(f"{name}: the document unpacks to more than 200 MB")
    except zipfile.BadZipFile:
        raise UnreadableDocument(f"{name}: not a Word .docx file (damaged?)") from None
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = tuple(_docx_blocks(document.iter_inner_content(), _style_names(document)))
    except UnreadableDocument:
        raise
    except Exception as error:  # a damaged file fails anywhere inside python-docx
        raise UnreadableDocument(
            f"{name}: the Word document cannot be read (damaged?): {type(error).__name__}"
        ) from None
    return SourceDocument(name, blocks)


def _docx_blocks(content: Iterable[Paragraph | Table],
                 style_names: dict[str | None, str]) -> Iterator[Block]:
    """Paragraphs (one block a line: a manual line break ends one) and table rows, in
    document order. Word's automatic numbering (w:numPr: "1.", "a)") is not in a
    paragraph's text and is not added: the structure parser works from the visible text,
    and a numbered style's name is in ``style``. Text boxes, headers, footers, comments
    and content controls (w:sdt) at body level are not read."""
    table_number = 0
    for item in content:
        if isinstance(item, Paragraph):
            style = style_names.get(item._p.style) or style_names.get(None)
            for line in normalize(item.text).split("\n"):
                if text := _one_line(line):
                    yield Block(BlockKind.PARAGRAPH, text, style=style)
        elif isinstance(item, Table):
            for row in item.rows:
                cells = _row_cells(row)
                if any(cells):
                    yield _row(cells, table_number)
            table_number += 1


def _style_names(document: DocxDocument) -> dict[str | None, str]:
    """Paragraph style names by style id, and None's: the default paragraph style.
    Looked up once: python-docx finds the default anew, slowly, for every paragraph."""
    names: dict[str | None, str] = {}
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH and style.style_id and style.name:
            names[style.style_id] = style.name
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    if default is not None and default.name:
        names[None] = default.name
    return names


def _row_cells(row: _Row) -> list[str]:
    """A row's cell texts, a merged cell once: python-docx repeats a cell spanning columns
    (the same w:tc) and gives a vertically merged one's text in every row it spans."""
    cells: list[str] = []
    last: object = None
    for cell in row.cells:
        if cell._tc is last:
            continue
        last = cell._tc
        cells.append(_cell_text(cell))
    return cells


def _cell_text(cell: _Cell) -> str:
    """A cell's paragraphs, one a line; a table nested in it as rows of " | "-joined
    cells."""
    lines: list[str] = []
    for item in cell.iter_inner_content():
        if isinstance(item, Paragraph):
            lines.extend(_one_line(line) for line in normalize(item.text).split("\n"))
        elif isinstance(item, Table):
            lines.extend(" | ".join(_row_cells(row)) for row in item.rows)
    return "\n".join(line for line in lines if line)


# --- pdf ---------------------------------------------------------------------------


def _page_text(document: Any, index: int) -> str:  # pdfium.PdfDocument (untyped)
    page = document[index]
    try:
        text = page.get_textpage().get_text_range()
    finally:
        page.close()
    return str(text).replace("\r\n", "\n")


# pdfium is not thread-safe: one document at a time in the process.
_PDFIUM = threading.Lock()


def _read_pdf(name: str, data: bytes) -> SourceDocument:
    """A text-based PDF's pages, each read like a text file (its text rows too).
    pdfium (pypdfium2) rather than a pure-Python reader: eight times faster on a
    50-page plan (docs/benchmarks.md, issue 7)."""
    try:
        with _PDFIUM:
            document = pdfium.PdfDocument(data)
            try:
                texts = [_page_text(document, index) for index in range(len(document))]
            finally:
                document.close()
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise UnreadableDocument(
                f"{name}: the PDF is protected by a password; send it without one") from None
        raise UnreadableDocument(
            f"{name}: the PDF cannot be read (damaged?): {type(error).__name__}") from None
    if not texts:
        raise UnreadableDocument(f"{name}: the PDF has no pages")
    if not any(normalize(text).strip() for text in texts):
        raise UnreadableDocument(
            f"{name}: the PDF has no text layer (scanned?); send the .docx, or a PDF "
            "saved from Word")
    # One text: a table written as text goes on across a page break.
    blocks = tuple(text_blocks("\n".join(texts)))
    return SourceDocument(name, blocks, pages=len(texts))
