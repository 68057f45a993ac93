"""A draft of the summary report the compiling office (Sở KH&ĐT for the 5th/22nd
report) sends upward, as a Word document an officer edits before signing.

The layout follows Vietnamese administrative documents: the issuing body on the
left and the national motto on the right, the title, the headline figures, a table
of every unit, and a closing with the recipients and the signature left to fill in.
Times New Roman 13 pt is the font those documents are written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell

from bot.exports.labels import headline_figures, progress_label, status_label
from bot.i18n import Translator, format_day
from bot.report import CycleReport

FONT = "Times New Roman"
SIZE = Pt(13)
PLACEHOLDER = "……"


@dataclass(frozen=True)
class Issuer:
    """Who the draft is from: the province, and the office that compiles the reports."""

    province: str | None
    office: str | None


def _line(container: DocumentObject | _Cell, text: str, *, bold: bool = False,
          italic: bool = False, center: bool = False, size: Pt | None = None) -> None:
    empty_cell = isinstance(container, _Cell) and [p.text for p in container.paragraphs] == [""]
    # A new table cell holds one empty paragraph already: write into it.
    paragraph = container.paragraphs[0] if empty_cell else container.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size is not None:
        run.font.size = size


def _header(document: DocumentObject, issuer: Issuer, year: int, t: Translator) -> None:
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    province = (issuer.province or PLACEHOLDER).upper()
    _line(left, t.gettext("PEOPLE'S COMMITTEE OF {province} PROVINCE").format(
        province=province), center=True, size=Pt(12))
    _line(left, (issuer.office or PLACEHOLDER).upper(), bold=True, center=True, size=Pt(12))
    _line(left, t.gettext("No.: {number}/BC").format(number=PLACEHOLDER), center=True,
          size=Pt(12))
    _line(right, t.gettext("SOCIALIST REPUBLIC OF VIETNAM"), bold=True, center=True,
          size=Pt(12))
    _line(right, t.gettext("Independence - Freedom - Happiness"), bold=True, center=True)
    _line(right, t.gettext("{place}, day … month … year {year}").format(
        place=issuer.province or PLACEHOLDER, year=year), italic=True, center=True)


def _figures(document: DocumentObject, report: CycleReport, t: Translator) -> None:
    _line(document, t.gettext("I. SUMMARY"), bold=True)
    for label, value in headline_figures(report, t):
        _line(document, f"- {label}: {value}")


def _units(document: DocumentObject, report: CycleReport, t: Translator) -> None:
    _line(document, t.gettext("II. EACH UNIT"), bold=True)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    headings = (t.gettext("No."), t.gettext("Unit"), t.gettext("Status"),
                t.gettext("Latest update"), t.gettext("Percent"))
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for number, unit in enumerate(report.units, 1):
        latest = unit.latest
        status = status_label(t, unit.status)
        if latest is not None:
            status += f" ({progress_label(t, latest.status)})"
        values = (str(number), unit.name, status, latest.text if latest else "",
                  f"{latest.percent}%" if latest and latest.percent is not None else "")
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    _widths(table, UNIT_TABLE_WIDTHS)


# No., unit, status, latest update, percent: the update's words get the room. Within
# an A4 page's 16 cm between the margins.
UNIT_TABLE_WIDTHS = (Cm(1.3), Cm(4.4), Cm(3.0), Cm(5.6), Cm(1.7))


def _widths(table: Table, widths: tuple[Length, ...]) -> None:
    """Word takes a column's width from its cells, LibreOffice from the column: set both."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _section(document: DocumentObject, report: CycleReport, t: Translator) -> None:
    _line(document, t.gettext("REPORT"), bold=True, center=True, size=Pt(14))
    _line(document, t.gettext("{title} — cycle {date}").format(
        title=report.task.title, date=format_day(report.due, t.language)),
        bold=True, center=True)
    _line(document, t.gettext("(Task {code} of the plan “{plan}”)").format(
        code=report.task.code, plan=report.plan.title), italic=True, center=True)
    _figures(document, report, t)
    _units(document, report, t)


def _closing(document: DocumentObject, t: Translator) -> None:
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _line(left, t.gettext("Recipients:"), bold=True, italic=True, size=Pt(12))
    _line(left, t.gettext("- The Provincial People's Committee (to report);"), size=Pt(11))
    _line(left, t.gettext("- Filed: Archives."), size=Pt(11))
    _line(right, t.gettext("HEAD OF THE OFFICE"), bold=True, center=True)
    _line(right, t.gettext("(Signature, full name and seal)"), italic=True, center=True)


def report_docx(reports: Sequence[CycleReport], issuer: Issuer, t: Translator) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = SIZE
    year = max((r.due.year for r in reports), default=0)
    _header(document, issuer, year, t)
    for index, report in enumerate(reports):
        if index:  # each task's report on a page of its own
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _section(document, report, t)
    _closing(document, t)
    out = BytesIO()
    document.save(out)
    return out.getvalue()
