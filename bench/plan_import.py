"""Plan import speed: pages per second on a long plan.

    python -m bench.plan_import [--pages 50] [--runs 5] [--format txt|docx]

The long plan is the seed plan's sections repeated, renumbered, until the text is
``--pages`` A4 pages long (≈ 3,000 characters a page, the density of the seed). The
time covers everything ``nhacviec plan parse`` does after reading the file: decoding,
normalising, the outline, units resolved against the directory, deadlines. Median of
``--runs`` runs, each cold: a fresh resolver and the word and clause caches cleared.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import time
from pathlib import Path

from bot.datafiles import load_directory
from bot.plan_import import parse_bytes
from bot.plan_import.units import clear_caches

SEED = Path(__file__).resolve().parent.parent / "tests/data/plans/seed.txt"
CHARS_PER_PAGE = 3000
ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
          "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII", "XXIII", "XXIV",
          "XXV", "XXVI", "XXVII", "XXVIII", "XXIX", "XXX"]


def long_plan(pages: int) -> str:
    """The seed's task sections again and again, each copy under its own numeral."""
    text = SEED.read_text(encoding="utf-8")
    head, _, rest = text.partition("II. NHIỆM VỤ VÀ GIẢI PHÁP")
    body = "II. NHIỆM VỤ VÀ GIẢI PHÁP" + rest
    copies = []
    index = 1
    while len(head) + sum(map(len, copies)) < pages * CHARS_PER_PAGE:
        copies.append(re.sub(r"^(II|III)\. ", lambda m, i=index: f"{ROMANS[min(i, 29)]}. ",
                             body, flags=re.M))
        index += 1
    return head + "\n".join(copies)


def as_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_pdf(text: str) -> tuple[bytes, int]:
    """A text PDF (fpdf2 and matplotlib's DejaVu Sans, as the reading tests use), and
    its real page count."""
    import matplotlib
    from fpdf import FPDF

    pdf = FPDF()
    font = Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"
    pdf.add_font("DejaVu", fname=str(font))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(w=pdf.epw, h=5, text=line.strip(), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output()), pdf.page_no()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", choices=("txt", "docx", "pdf"), default="txt")
    args = parser.parse_args()
    directory = load_directory()
    text = long_plan(args.pages)
    pages = args.pages
    if args.format == "pdf":
        # A PDF page at 11 pt holds less than 3,000 characters: print more text until
        # the PDF itself has the pages asked for, and report its own page count.
        scale = 1.0
        data, pages = as_pdf(text)
        while pages < args.pages:
            scale *= args.pages / pages
            text = long_plan(int(args.pages * scale) + 1)
            data, pages = as_pdf(text)
    else:
        data = text.encode("utf-8") if args.format == "txt" else as_docx(text)
    name = f"long.{args.format}"
    seconds, tasks = [], 0
    for _ in range(args.runs):
        clear_caches()
        started = time.perf_counter()
        plan = parse_bytes(name, data, directory)
        seconds.append(time.perf_counter() - started)
        tasks = len(plan.tasks)
    median = statistics.median(seconds)
    print(json.dumps({
        "format": args.format, "pages": pages, "characters": len(text), "tasks": tasks,
        "runs": args.runs, "median_seconds": round(median, 4),
        "pages_per_second": round(pages / median, 1),
        "min_seconds": round(min(seconds), 4), "max_seconds": round(max(seconds), 4),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
