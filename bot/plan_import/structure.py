"""A plan's structure → its tasks: sections and bullets, labelled blocks, task tables.
Pure and deterministic: rules, no model, nothing looked up but the directory.

Reading rules (the same as the reviewed seed plan's, ``bot/data/seed_plan.yaml``):

- Ids are section paths as written: "II.3.6" is section II, item 3, its 6th bullet or
  paragraph; "+" sub-bullets add a level; a task table's rows are "PL <n>" in an
  appendix (Phụ lục), "<section>.<n>" elsewhere.
- Sections about purpose (mục đích, yêu cầu, căn cứ, quan điểm, mục tiêu) hold no
  tasks. An item heading that only sums up its bullets is not a task; one that carries
  its own deadline is, and so is an item with no bullets.
- A bullet that names its actor and ends with a colon ("- Sở Xây dựng chủ trì:")
  hands that actor to its sub-bullets.
- One paragraph may hold several tasks: after a scope ("Trong tháng 7/2023: …") each
  clause that opens with a unit is one; so is a clause that opens with "<unit> chủ
  trì", and a sentence that opens with a named unit. A task whose clauses carry
  different deadlines is split with letters (II.6.5a, II.6.5b …).
- Labelled lines ("Đơn vị chủ trì:", "Cơ quan thực hiện:", "Đơn vị phối hợp:",
  "Thời gian thực hiện/hoàn thành:") belong to the task above them.
- A deadline is only what the text says (``deadlines``); a task without one has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from bot.calendar import DeadlineSpec
from bot.plan_import.deadlines import DeadlineMatch, find_deadline, parse_deadline
from bot.plan_import.model import (
    Block,
    BlockKind,
    ParsedPlan,
    ParsedTask,
    SourceDocument,
    UnitRef,
)
from bot.plan_import.units import (
    UPPER,
    Actors,
    UnitResolver,
    clause_actors,
    split_names,
    strip_leading_words,
)
from bot.text import fold
from bot.units import Directory

_ROMAN = re.compile(r"^(?:PHẦN\s+|Phần\s+)?([IVXL]{1,6})\s*[.)/-]\s*(.*)$")
_ITEM = re.compile(r"^(\d{1,2})\s*[.)]\s*(?!\d)(.*)$")
_SUBITEM = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?\.?\s+(.*)$")
_LETTER = re.compile(r"^([a-zđ])\s*\)\s*(.*)$")
_BULLET = re.compile(r"^[-–•·*]\s*(.*)$")
_PLUS = re.compile(r"^\+\s*(.*)$")
_FOOTNOTE = re.compile(r"^\[\d+\]")
# Where the body ends: the recipients, or the signature block ("TM. ỦY BAN NHÂN DÂN").
_END_OF_BODY = re.compile(r"^(?:Nơi nhận|NƠI NHẬN)\s*:?|^(?:TM|KT|TL|Q)\.\s*[A-ZĐỦ]")
# A paragraph that points to the appendix holds no task of its own.
_POINTER = re.compile(r"\b(?:tại|theo|trong) (?:các )?Phụ lục\b", re.IGNORECASE)
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)\b")
_NO_TASK_SECTIONS = ("muc dich", "yeu cau", "can cu", "quan diem", "muc tieu",
                     "su can thiet", "ket qua dat duoc", "danh gia")
_LABEL = re.compile(
    r"^(?P<label>(?:đơn vị|cơ quan|bộ phận)\s+(?:chủ trì|thực hiện|phối hợp|tham mưu)"
    r"(?:\s+thực hiện)?|chủ trì(?:\s+thực hiện)?|phối hợp(?:\s+thực hiện)?"
    r"|thời gian(?:\s+(?:thực hiện|hoàn thành))?|thời hạn(?:\s+hoàn thành)?"
    r"|tiến độ(?:\s+thực hiện)?|sản phẩm|kết quả(?:\s+đầu ra)?)\s*:\s*(?P<value>.*)$",
    re.IGNORECASE)
_NUMBER = re.compile(r"\bSố\s*:?\s*(\d{1,5}\s*/\s*[A-ZĐ0-9][A-ZĐa-z0-9\-/.]*)")
_ISSUED = re.compile(r",\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
                     re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CLAUSES = re.compile(rf"\s*;\s*|(?<=[^.\d][.])\s+(?=[{UPPER}])")
MAX_SCOPE = 70  # characters of a "Trong tháng 7/2023:" scope before its colon


# --- the document's head ---------------------------------------------------------------

def _head(paragraphs: list[str]) -> tuple[str, str | None, date | None]:
    """Title, number, issued date, from the top of the document."""
    number = issued = None
    title = ""
    top = paragraphs[:30]
    for text in top:
        if number is None and (found := _NUMBER.search(text)):
            number = re.sub(r"\s+", "", found.group(1))
        if issued is None and (found := _ISSUED.search(text)):
            try:
                issued = date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
            except ValueError:
                issued = None
    for index, text in enumerate(top):
        if fold(text).startswith("ke hoach") and (text.isupper() or fold(text) == "ke hoach"):
            parts = [text]
            for position, following in enumerate(top[index + 1:index + 4]):
                # "KẾ HOẠCH" then its subject, in capitals or not ("Triển khai …").
                # The preamble ("Căn cứ …", "Thực hiện Nghị quyết … như sau:") is not.
                if re.match(r"(?:Căn cứ|Số\b|[IVX]+\s*[.)]|\d+\.)", following) \
                        or len(following) >= 200 or following.rstrip().endswith(":"):
                    break
                if following.isupper() or position == 0:
                    parts.append(following)
                else:
                    break
            # Capitals become sentence case; a subject written in lower case stays.
            title = " ".join(_sentence_case(p) if p.isupper() else p for p in parts)
            title = title[:1].upper() + title[1:]
            title = re.sub(r"^(Kế hoạch) (\w)", lambda m: f"{m.group(1)} {m.group(2).lower()}",
                           title)
            break
    if not title:
        title = next((t for t in top if len(t) > 10), "")[:200]
    return title, number, issued


def _sentence_case(text: str) -> str:
    words = text.split()
    out = []
    for word in words:
        if re.fullmatch(r"[IVXL]+(?:[/\-]\d+)?[.,;:]?", word):
            out.append(word)  # a Roman numeral: "QUÝ III/2023" keeps it
        else:
            out.append(word.lower())
    joined = " ".join(out)
    return joined[:1].upper() + joined[1:]


def plan_year(title: str, issued: date | None, paragraphs: Iterable[str]) -> int | None:
    """The year a phrase without one takes: the title's ("… năm 2026": a plan issued
    in December is for the next year), else the issue date's."""
    years = _YEAR.findall(title)
    if years:
        return int(years[-1])
    if issued is not None:
        return issued.year
    for text in list(paragraphs)[:10]:
        if years := _YEAR.findall(text):
            return int(years[-1])
    return None


# --- the outline ----------------------------------------------------------------------

@dataclass
class Node:
    """A heading, bullet or paragraph of the outline, with what hangs below it."""

    marker: str  # "II", "3", "-", "+", "a", "" (a plain paragraph), "1.2"
    level: int
    text: str
    children: list[Node] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)


def _unwrap(paragraphs: list[str], *, wrapped: bool = False) -> list[str]:
    """Hard-wrapped lines joined back: a line that starts in lower case continues the
    one before, unless that one ended a sentence. A PDF (``wrapped``) breaks every
    line at the margin: there any line that opens no entry continues a paragraph the
    line before left open (not a heading in capitals)."""
    joined: list[str] = []
    # A PDF line that reaches the margin goes on on the next line; a shorter one ended
    # its paragraph. The margin: the length most long lines have.
    lengths = sorted(len(t) for t in paragraphs)
    full = 0.85 * lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    previous = ""
    for text in paragraphs:
        # At the margin a line goes on, even after a ";" or a full stop (a paragraph
        # whose last line happens to fill the width is joined to the next: the cost
        # of reading a PDF, measured in the README).
        at_margin = wrapped and len(previous) >= full
        # "kinh tế" at the margin, "- xã hội" on the next line: a dash, not a bullet.
        dash = wrapped and re.match(r"[-–]\s+\S", text) is not None \
            and text.lstrip("-– ")[:1].islower()
        open_before = bool(joined) and (
            not joined[-1].endswith((".", ":", ";", "./.")) or at_margin)
        continues = bool(joined) and (text[:1].islower() or dash or (
            at_margin and not joined[-1].isupper() and not _opens_entry(text)))
        previous = text
        if open_before and continues and (dash or not _starts_marker(text)):
            joined[-1] = f"{joined[-1]} {text}"
        else:
            joined.append(text)
    return joined


def _opens_entry(text: str) -> bool:
    """A line that starts a heading, an item or a labelled line of its own."""
    return bool(_ROMAN.match(text) or _ITEM.match(text) or _SUBITEM.match(text)
                or _APPENDIX.match(text) or _END_OF_BODY.match(text)
                or _LABEL.match(_BULLET.sub(r"\1", text)) or text.isupper())


def _starts_marker(text: str) -> bool:
    return bool(_BULLET.match(text) or _PLUS.match(text) or _LETTER.match(text))


def outline(paragraphs: list[str]) -> list[Node]:
    """Sections (Roman) with their items, bullets and paragraphs, as a tree."""
    roots: list[Node] = []
    stack: list[Node] = []  # the open nodes, outermost first

    def attach(node: Node) -> None:
        while stack and stack[-1].level >= node.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    ended = False
    for text in paragraphs:
        if _END_OF_BODY.match(text):
            ended = True  # the recipients and the signature; an appendix may follow
        if ended and not _APPENDIX.match(text):
            continue
        ended = False
        if _FOOTNOTE.match(text):
            continue
        body = _BULLET.sub(r"\1", text) if _BULLET.match(text) else text
        if stack and (label := _LABEL.match(body)) and not _ROMAN.match(text):
            stack[-1].labels.append((fold(label.group("label")), label.group("value")))
            continue
        if (roman := _ROMAN.match(text)) and (roman.group(2).isupper() or not roman.group(2)):
            attach(Node(roman.group(1), 1, roman.group(2)))
        elif _APPENDIX.match(text):
            attach(Node("PL", 1, text))
        elif sub := _SUBITEM.match(text):
            attach(Node(".".join(g for g in sub.groups()[:3] if g), 3, sub.group(4)))
        elif item := _ITEM.match(text):
            attach(Node(item.group(1), 2, item.group(2)))
        elif letter := _LETTER.match(text):
            attach(Node(letter.group(1), 4, letter.group(2)))
        elif bullet := _BULLET.match(text):
            attach(Node("-", 5, bullet.group(1)))
        elif plus := _PLUS.match(text):
            attach(Node("+", 6, plus.group(1)))
        elif stack:
            # A plain paragraph is the next entry of the item it follows: a sibling of
            # the bullets there, not a child of the last one.
            while stack and stack[-1].level > 4:
                stack.pop()
            level = stack[-1].level + 1 if stack else 2
            attach(Node("", max(level, 5), text))
    return roots


# --- tasks from the outline -------------------------------------------------------------

@dataclass(frozen=True)
class _Draft:
    id: str
    text: str
    actors: Actors
    deadline: DeadlineMatch | None
    labels: tuple[tuple[str, str], ...] = ()


class _Reader:
    def __init__(self, resolver: UnitResolver, year: int | None) -> None:
        self.resolver = resolver
        self.year = year

    # One paragraph → (actor group → letter groups) of clauses.
    def segments(self, node: Node, inherited: Actors) -> list[list[_Draft]]:
        text = node.text.strip()
        scope: DeadlineMatch | None = None
        colon = text.find(":")
        if 0 < colon <= MAX_SCOPE:
            prefix = strip_leading_words(text[:colon])
            specs = parse_deadline(prefix, self.year)
            if specs and not clause_actors(prefix).lead:
                scope = DeadlineMatch(text[:colon].strip(), specs)
                text = text[colon + 1:].strip()
        clauses = [c for c in _CLAUSES.split(text) if c.strip()]
        if not clauses:
            return []
        groups: list[list[str]] = [[clauses[0]]]
        for clause in clauses[1:]:
            if self._opens_a_task(clause, scoped=scope is not None):
                groups.append([clause])
            else:
                groups[-1].append(clause)
        return [self._lettered(group, scope, inherited, node) for group in groups]

    def _opens_a_task(self, clause: str, *, scoped: bool) -> bool:
        opener = strip_leading_words(clause)
        if not opener[:1].isupper():
            return False
        actors = clause_actors(opener)
        if not actors.lead:
            return False
        if scoped or re.search(r"\bchủ trì\b", opener[:200], re.IGNORECASE):
            return True
        refs = self.resolver.refs(actors.lead)
        directory = self.resolver.directory
        return any(r.unit_id and not directory.get(r.unit_id).is_collective for r in refs)

    def _lettered(self, clauses: list[str], scope: DeadlineMatch | None, inherited: Actors,
                  node: Node) -> list[_Draft]:
        """One actor's clauses; split by letters where they carry different deadlines."""
        found = [find_deadline(c, self.year) for c in clauses]
        distinct = {m.specs for m in found if m is not None}
        runs: list[tuple[list[str], DeadlineMatch | None]] = []
        for clause, match in zip(clauses, found, strict=True):
            if not runs or (len(distinct) > 1 and match is not None
                            and match.specs != (runs[-1][1].specs if runs[-1][1] else None)):
                runs.append(([clause], match))
            else:
                runs[-1][0].append(clause)
                if runs[-1][1] is None and match is not None and len(distinct) == 1:
                    runs[-1] = (runs[-1][0], match)
        lead_actors = self._actors(clauses, inherited)
        drafts = []
        for run_clauses, match in runs:
            own = self._actors(run_clauses, Actors())
            actors = Actors(own.lead or lead_actors.lead,
                            own.coordinating or lead_actors.coordinating)
            drafts.append(_Draft("", "; ".join(c.strip().rstrip(";") for c in run_clauses),
                                 actors, match or scope, tuple(node.labels)))
        return drafts

    def _actors(self, clauses: list[str], inherited: Actors) -> Actors:
        lead: tuple[str, ...] = ()
        partners: list[str] = []
        for index, clause in enumerate(clauses):
            actors = clause_actors(_without_leading_deadline(clause, self.year))
            if not lead and actors.lead:
                lead = actors.lead
            elif actors.lead and index:
                partners.extend(actors.lead)  # "…; các sở ngành … tăng cường phối hợp"
            partners.extend(actors.coordinating)
        return Actors(lead or inherited.lead,
                      tuple(dict.fromkeys(partners)) or inherited.coordinating)


def _without_leading_deadline(clause: str, year: int | None) -> str:
    """"hàng tuần, hàng tháng, UBND cấp huyện rà soát …" → "UBND cấp huyện rà soát …"."""
    text = strip_leading_words(clause)
    match = find_deadline(text, year)
    if match is not None and text.startswith(match.text):
        return text[len(match.text):].lstrip(" ,:")
    return text


def _has_no_tasks(section: Node) -> bool:
    heading = fold(section.text)
    return any(heading.startswith(words) or f" {words}" in heading[:40]
               for words in _NO_TASK_SECTIONS) and "nhiem vu" not in heading


def _child_id(prefix: str, number: int) -> str:
    return f"{prefix}.{number}" if prefix else str(number)


def _tasks(reader: _Reader, nodes: list[Node], prefix: str,
           inherited: Actors) -> Iterator[_Draft]:
    number = 0
    has_items = any(n.marker.isdigit() for n in nodes)
    top = bool(prefix) and "." not in prefix  # the entries of a Roman section
    plain = [n for n in nodes if n.marker == "" and not n.children]
    for node in nodes:
        if top and node.marker == "" and not node.children and (
                has_items or (_POINTER.search(node.text) and not node.labels
                and not clause_actors(node.text).lead)):
            continue  # a section's opening paragraph, or a pointer to the appendix
        if top and not has_items and len(plain) == 1 and node is plain[0]:
            # A section whose one paragraph is its task: the section's own id ("III").
            for first in reader.segments(node, inherited)[:1]:
                yield from (_Draft(prefix + (letter if len(first) > 1 else ""), d.text,
                                   d.actors, d.deadline, d.labels)
                            for letter, d in zip("abcdefghij", first, strict=False))
            continue
        if node.marker in ("-", "+", ""):
            number += 1
            base = _child_id(prefix, number)
        elif "." in node.marker:  # "2.2." under item 2: the marker has the item in it
            section = prefix.split(".")[0] if prefix and not prefix[0].isdigit() else ""
            base = f"{section}.{node.marker}" if section else node.marker
        else:
            base = f"{prefix}.{node.marker}" if prefix else node.marker
            if node.marker.isdigit():
                number = int(node.marker)
        actors = inherited
        if node.children:
            own = reader.segments(node, inherited)
            heading_actors = own[0][0].actors if own and own[0] else inherited
            dated = [d for group in own for d in group if d.deadline is not None]
            if dated and node.level <= 4:
                # An item heading with its own deadline ("… tổ chức Hội nghị xúc tiến
                # trong Quý III/2023") is a task besides its bullets.
                yield _Draft(base, node.text.strip(), dated[0].actors, dated[0].deadline,
                             tuple(node.labels))
            if node.text.rstrip().endswith(":") and heading_actors.lead:
                actors = heading_actors
            yield from _tasks(reader, node.children, base, actors)
            continue
        groups = reader.segments(node, inherited)
        for index, group in enumerate(groups):
            if index:
                number += 1  # a second actor in the paragraph: the next entry's number
                base = _child_id(prefix, number)
            for letter, draft in zip("abcdefghijklmnopqrstuvwxyz", group, strict=False):
                code = base + letter if len(group) > 1 else base
                yield _Draft(code, draft.text, draft.actors, draft.deadline, draft.labels)


def _with_labels(reader: _Reader, draft: _Draft) -> ParsedTask:
    lead, coordinating = draft.actors.lead, draft.actors.coordinating
    deadline_text = draft.deadline.text if draft.deadline else None
    due: tuple[DeadlineSpec, ...] = draft.deadline.specs if draft.deadline else ()
    product = None
    for label, value in draft.labels:
        value = value.strip().rstrip(".;")
        if not value:
            continue
        if "phoi hop" in label:
            coordinating = split_names(value)
        elif "chu tri" in label or ("thuc hien" in label and "thoi gian" not in label) \
                or "tham muu" in label:
            lead = split_names(value)
        elif label.startswith(("thoi gian", "thoi han", "tien do")):
            deadline_text, due = value, parse_deadline(value, reader.year)
        elif label.startswith(("san pham", "ket qua")):
            product = value
    return ParsedTask(
        id=draft.id, text=draft.text, lead=reader.resolver.refs(lead),
        coordinating=_without(reader.resolver.refs(coordinating), reader.resolver.refs(lead)),
        deadline_text=deadline_text if due else (deadline_text if draft.labels else None),
        due=due, product=product)


def _without(refs: tuple[UnitRef, ...], leads: tuple[UnitRef, ...]) -> tuple[UnitRef, ...]:
    taken = {r.unit_id or r.written for r in leads}
    return tuple(r for r in refs if (r.unit_id or r.written) not in taken)


# --- task tables -----------------------------------------------------------------------

_COLUMNS = (
    ("tt", ("tt", "stt", "so tt", "so thu tu")),
    ("text", ("noi dung", "nhiem vu", "ten nhiem vu", "cong viec", "nhiem vu cu the",
              "noi dung cong viec", "nhiem vu, giai phap", "ten de an")),
    ("lead", ("chu tri", "co quan chu tri", "don vi chu tri", "co quan thuc hien",
              "don vi thuc hien", "co quan chu tri thuc hien", "don vi chu tri thuc hien")),
    ("coordinating", ("phoi hop", "co quan phoi hop", "don vi phoi hop")),
    ("deadline", ("thoi gian", "thoi gian hoan thanh", "thoi gian thuc hien", "thoi han",
                  "tien do", "thoi han hoan thanh", "thoi gian trinh")),
    ("product", ("san pham", "ket qua", "hinh thuc van ban", "san pham dau ra")),
)


def _column_of(cell: str) -> str | None:
    folded = re.sub(r"\s+", " ", fold(cell).strip(" .:")).strip()
    for column, names in _COLUMNS:
        if folded in names or any(folded.startswith(n + " ") for n in names if len(n) > 3):
            return column
    if "chu tri" in folded:
        return "lead"
    if "phoi hop" in folded:
        return "coordinating"
    if folded.startswith(("thoi gian", "thoi han")):
        return "deadline"
    return None


def _header(cells: tuple[str, ...]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _column_of(cell)
        if column and column not in columns:
            columns[column] = index
    if "text" in columns and ({"lead", "deadline"} & set(columns)):
        return columns
    return None


def _cell_reader(columns: dict[str, int], cells: tuple[str, ...]) -> Callable[[str], str]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""
    return cell


def _table_tasks(reader: _Reader, rows: list[Block], prefix: str) -> Iterator[ParsedTask]:
    columns: dict[str, int] | None = None
    counter = 0
    for row in rows:
        cells = row.cells
        if columns is None:
            columns = _header(cells)
            continue
        if all(re.fullmatch(r"\(?\d+\)?|", c.strip()) for c in cells):
            continue  # "(1) | (2) | (3)": the column numbers under the header
        cell = _cell_reader(columns, cells)
        text, tt = cell("text"), cell("tt")
        if not text:
            continue
        if re.fullmatch(r"[IVXL]+\.?|[A-Z]\.?", tt) or not (cell("lead") or cell("deadline")):
            continue  # a group heading row ("I | Nhóm nhiệm vụ về …")
        counter += 1
        number = tt.rstrip(".") if re.fullmatch(r"\d+(?:\.\d+)*\.?", tt) else str(counter)
        code = f"{prefix} {number}" if prefix == "PL" else \
            (f"{prefix}.{number}" if prefix else number)
        lead = split_names(re.sub(r"\s*\n\s*", ", ", cell("lead")))
        coordinating = split_names(re.sub(r"\s*\n\s*", ", ", cell("coordinating")))
        deadline = cell("deadline")
        due = parse_deadline(deadline, reader.year) if deadline else ()
        yield ParsedTask(
            id=code, text=re.sub(r"\s*\n\s*", " ", text),
            lead=reader.resolver.refs(lead),
            coordinating=_without(reader.resolver.refs(coordinating),
                                  reader.resolver.refs(lead)),
            deadline_text=deadline or None, due=due, product=cell("product") or None)


# --- the whole plan ----------------------------------------------------------------------

def parse_plan(document: SourceDocument, directory: Directory,
               resolver: UnitResolver | None = None) -> ParsedPlan:
    resolver = resolver or UnitResolver(directory)
    paragraphs = [b.text.strip() for b in document.blocks
                  if b.kind is BlockKind.PARAGRAPH and b.text.strip()]
    title, number, issued = _head(paragraphs)
    year = plan_year(title, issued, paragraphs)
    reader = _Reader(resolver, year)
    tasks: list[ParsedTask] = []
    # The document in reading order: runs of paragraphs, and tables between them.
    for run in _runs(document.blocks):
        if run.rows:
            tasks.extend(_table_tasks(reader, run.rows, run.section))
            continue
        for root in outline(_unwrap(run.paragraphs, wrapped=document.pages is not None)):
            if root.level == 1 and (_has_no_tasks(root) or root.marker == "PL"):
                continue
            prefix = root.marker if root.level == 1 else ""
            nodes = root.children if root.level == 1 else [root]
            for draft in _tasks(reader, nodes, prefix, Actors()):
                tasks.append(_with_labels(reader, draft))
    return ParsedPlan(title=title, number=number, issued=issued, year=year,
                      tasks=tuple(_unique_ids(tasks)))


@dataclass
class _Run:
    """Paragraphs in a row, or one table's rows; ``section`` is a table's id prefix:
    "PL" after an appendix heading, else the Roman section it stands in."""

    paragraphs: list[str] = field(default_factory=list)
    rows: list[Block] = field(default_factory=list)
    section: str = ""


def _runs(blocks: tuple[Block, ...]) -> Iterator[_Run]:
    text = _Run()
    table = _Run()
    section, appendix = "", False
    for block in blocks:
        if block.kind is BlockKind.ROW:
            if text.paragraphs:
                yield text
                text = _Run()
            if table.rows and block.table != table.rows[-1].table:
                yield table
                table = _Run()
            table.section = "PL" if appendix else section
            table.rows.append(block)
            continue
        if table.rows:
            yield table
            table = _Run()
        stripped = block.text.strip()
        if not stripped:
            continue
        if _APPENDIX.match(stripped):
            appendix = True
        elif (roman := _ROMAN.match(stripped)) and roman.group(2).isupper():
            section = roman.group(1)
        text.paragraphs.append(stripped)
    if table.rows:
        yield table
    if text.paragraphs:
        yield text


def _unique_ids(tasks: list[ParsedTask]) -> Iterator[ParsedTask]:
    """Ids stay unique even where a plan numbers twice (two tables, a repeated item)."""
    seen: dict[str, int] = {}
    for task in tasks:
        count = seen.get(task.id, 0)
        seen[task.id] = count + 1
        if count:
            yield ParsedTask(f"{task.id}#{count + 1}", task.text, task.lead,
                             task.coordinating, task.deadline_text, task.due, task.product)
        else:
            yield task
