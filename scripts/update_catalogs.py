"""Extract the bot's messages and merge them into the translation catalogs.

    python scripts/update_catalogs.py           # write locales/, then list what is untranslated
    python scripts/update_catalogs.py --check   # write nothing; exit 1 on any catalog problem

The update writes ``locales/nhacviec.pot`` from the code (where and how is in ``babel.cfg``),
then merges it into every ``locales/<lang>/LC_MESSAGES/nhacviec.po``: existing translations
are kept, new messages get an empty msgstr, entries no longer in the code are dropped. In
``en`` a new msgstr is prefilled with the (English) msgid; ``vi`` is never prefilled, so an
untranslated message shows up here and in ``tests/test_i18n.py`` instead of reaching users in
English. Files whose only change would be a date are left alone.

``check_catalogs`` is the checker the test suite runs.
"""

from __future__ import annotations

import argparse
import ast
import configparser
import copy
import os
import re
import string
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po, write_po
from babel.util import pathmatch

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
DOMAIN = "nhacviec"
COMMENT_TAGS = ("TRANSLATORS:",)
PREFILLED_LANGUAGES = ("en",)  # languages whose msgid already is the text
_VOLATILE_HEADER = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\n', re.M)
_HEADERS = {
    "": "# Messages of Nhắc việc, extracted from the code. Generated: do not edit;\n"
    "# run `python scripts/update_catalogs.py`.\n#",
    "vi": "# Vietnamese translations of Nhắc việc.\n"
    "# scripts/update_catalogs.py adds new messages with an empty msgstr;\n"
    "# translate them here, keeping every {placeholder}.\n#",
    "en": "# English texts of Nhắc việc. Message ids are English, so a msgstr usually\n"
    "# equals its msgid (new ones are prefilled); edit a msgstr to reword the\n"
    "# English without touching the code.\n#",
}


@dataclass(frozen=True)
class Section:
    """One ``[method: pattern]`` section of babel.cfg."""

    pattern: str
    method: str
    keywords: Mapping[str, Any]


@dataclass(frozen=True, order=True)
class Problem:
    catalog: str  # a language, the template's file name, or "code"
    message: str  # the msgid, or file:line for "code"
    reason: str

    def __str__(self) -> str:
        return f"{self.catalog}: {self.message!r}: {self.reason}"


# --- extraction -------------------------------------------------------------------------------


def read_mapping(path: Path) -> list[Section]:
    # Read by hand rather than with babel's parser: per-section keywords are honoured only by
    # recent Babel versions, and this way every version extracts exactly what babel.cfg says.
    parser = configparser.RawConfigParser()
    with path.open(encoding="utf-8") as cfg:
        parser.read_file(cfg)
    sections = []
    for name in parser.sections():
        method, pattern = (part.strip() for part in name.split(":", 1))
        keywords = parse_keywords(parser.get(name, "keywords", fallback="").split())
        if not keywords:
            raise ValueError(f"{path}: [{name}] names no keywords")
        sections.append(Section(pattern, method, keywords))
    return sections


def source_files(root: Path, sections: list[Section]) -> Iterator[tuple[str, Section]]:
    """Files under ``root`` that a section matches (the first one wins, as in Babel)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for filename in sorted(filenames):
            relative = Path(dirpath, filename).relative_to(root).as_posix()
            section = next((s for s in sections if pathmatch(s.pattern, relative)), None)
            if section is not None:
                yield relative, section


def new_catalog(locale: str | None, version: str | None) -> Catalog:
    catalog = Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=_HEADERS.get(locale or "", f"# Translations of Nhắc việc ({locale}).\n#"),
        project=DOMAIN,
        version=version,
        revision_date=datetime.now(UTC),
        fuzzy=False,
    )
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "Nhắc việc maintainers"
    catalog.language_team = "Nhắc việc maintainers"
    return catalog


def extract(root: Path, sections: list[Section], version: str | None = None) -> Catalog:
    template = new_catalog(None, version)
    for relative, section in source_files(root, sections):
        results = extract_from_file(
            section.method,
            root / relative,
            keywords=section.keywords,
            comment_tags=COMMENT_TAGS,
            strip_comment_tags=True,
        )
        for lineno, message, comments, context in results:
            template.add(
                message, None, [(relative, lineno)], auto_comments=comments, context=context
            )
    return template


def _message_positions(spec: Any) -> set[int]:
    """1-based argument positions that hold messages, from a parsed keyword spec."""
    if spec is None:
        return {1}
    if isinstance(spec, dict):
        return set().union(*(_message_positions(s) for s in spec.values()))
    return {p for p in spec if isinstance(p, int)}


def _formatted_early(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "format_map"}
    if isinstance(node, ast.BinOp):
        return any(
            isinstance(side, ast.JoinedStr)
            or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        )
    return False


def formatted_before_lookup(root: Path, sections: list[Section]) -> list[Problem]:
    """Calls like ``_(f"... {x}")``: extraction skips them, so they would never be translated."""
    problems = []
    for relative, section in source_files(root, sections):
        tree = ast.parse((root / relative).read_text("utf-8"), relative)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in section.keywords:
                continue
            positions = _message_positions(section.keywords[name])
            if any(_formatted_early(node.args[p - 1]) for p in positions if p <= len(node.args)):
                reason = f"{name}() gets a string formatted before the lookup; format after it"
                problems.append(Problem("code", f"{relative}:{node.lineno}", reason))
    return problems


# --- checking ---------------------------------------------------------------------------------


def texts(value: object) -> tuple[str, ...]:
    """A message's id or string as a tuple of forms (one unless it is a plural)."""
    if isinstance(value, (tuple, list)):
        return tuple(str(v or "") for v in value)
    return (str(value or ""),)


def _fields(text: str) -> frozenset[str] | None:
    try:
        return frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
    except ValueError:
        return None


def _shown(fields: frozenset[str] | None) -> str:
    return "(not a valid str.format template)" if fields is None else str(sorted(fields))


def _translation_problems(message: Message) -> list[str]:
    if message.fuzzy:
        return ["fuzzy: check the translation, then remove the fuzzy flag"]
    # read_po pads missing plural forms with "" (and refuses extra ones), so a short
    # plural shows up here as untranslated.
    ids, forms = texts(message.id), texts(message.string)
    if not all(forms):
        return ["untranslated"]
    # A plural form may drop the number ("one task") or need it ("{count} việc"), so each
    # form must use the fields of the singular or of the plural msgid.
    expected = {_fields(i) for i in ids}
    return [
        f"placeholders {_shown(_fields(form))} differ from the msgid's "
        + " / ".join(_shown(e) for e in expected)
        for form in forms
        if _fields(form) not in expected or None in expected
    ]


def compare(name: str, template: Catalog, catalog: Catalog, *, translated: bool) -> list[Problem]:
    problems = []
    for message in list(catalog)[1:]:
        wanted = template.get(message.id, message.context)
        if wanted is None:
            problems.append(Problem(name, texts(message.id)[0], "obsolete: no longer in the code"))
        elif wanted.id != message.id:
            problems.append(
                Problem(name, texts(message.id)[0], f"stale: the code has {wanted.id!r}")
            )
        elif translated:
            for reason in _translation_problems(message):
                problems.append(Problem(name, texts(message.id)[0], reason))
    for message in catalog.obsolete.values():
        problems.append(Problem(name, texts(message.id)[0], "obsolete (#~) entry: delete it"))
    for message in list(template)[1:]:
        if catalog.get(message.id, message.context) is None:
            problems.append(Problem(name, texts(message.id)[0], "missing: run update_catalogs.py"))
    return problems


def _catalog_paths(locales: Path) -> dict[str, Path]:
    return {
        d.parent.name: d / f"{DOMAIN}.po"
        for d in sorted(locales.glob("*/LC_MESSAGES"))
        if d.is_dir()
    }


def _read(path: Path, locale: str | None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN, abort_invalid=True)


def check_catalogs(root: Path, locales: Path, mapping: Path | None = None) -> list[Problem]:
    """Everything that keeps the catalogs from matching the code under ``root``."""
    sections = read_mapping(mapping or root / "babel.cfg")
    template = extract(root, sections)
    problems = formatted_before_lookup(root, sections)
    pot = locales / f"{DOMAIN}.pot"
    if pot.exists():
        problems += compare(pot.name, template, _read(pot, None), translated=False)
    else:
        problems.append(Problem(pot.name, "", "missing file: run update_catalogs.py"))
    for language, path in _catalog_paths(locales).items():
        if path.exists():
            problems += compare(language, template, _read(path, language), translated=True)
        else:
            problems.append(Problem(language, "", "missing file: run update_catalogs.py"))
    return problems


# --- updating ---------------------------------------------------------------------------------


def _prefill(catalog: Catalog) -> None:
    for message in list(catalog)[1:]:
        ids, forms = texts(message.id), texts(message.string)
        if message.pluralizable:
            forms += ("",) * (catalog.num_plurals - len(forms))
            message.string = tuple(f or ids[min(i, len(ids) - 1)] for i, f in enumerate(forms))
        elif not forms[0]:
            message.string = ids[0]


def merged(template: Catalog, language: str, path: Path, version: str | None) -> Catalog:
    catalog = _read(path, language) if path.exists() else new_catalog(language, version)
    # A copy: update() adds the template's own Message objects, and prefilling them for one
    # language would fill them in for the next.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    if language in PREFILLED_LANGUAGES:
        _prefill(catalog)
    return catalog


def _render(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_po(out, catalog, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def _without_dates(po: bytes) -> bytes:
    return _VOLATILE_HEADER.sub(b"", po)


def write_if_changed(path: Path, catalog: Catalog) -> bool:
    new = _render(catalog)
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(new):
        return False
    path.write_bytes(new)
    return True


def _version(root: Path) -> str | None:
    with (root / "pyproject.toml").open("rb") as pyproject:
        version = tomllib.load(pyproject).get("project", {}).get("version")
    return str(version) if version else None


def update(root: Path, locales: Path) -> dict[str, Catalog]:
    """Rewrite the template and every catalog from the code; return the catalogs."""
    version = _version(root)
    template = extract(root, read_mapping(root / "babel.cfg"), version)
    paths = _catalog_paths(locales)
    catalogs = {
        language: merged(template, language, path, version) for language, path in paths.items()
    }
    outputs = [(locales / f"{DOMAIN}.pot", template)]
    outputs += [(paths[language], catalog) for language, catalog in catalogs.items()]
    for path, catalog in outputs:
        if write_if_changed(path, catalog):
            print(f"wrote {path.relative_to(root)}")
    return catalogs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; fail on problems")
    args = parser.parse_args(argv)
    if args.check:
        problems = check_catalogs(ROOT, LOCALES)
        for problem in sorted(problems):
            print(problem)
        print("catalogs are complete" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    for language, catalog in update(ROOT, LOCALES).items():
        todo = [texts(m.id)[0] for m in list(catalog)[1:] if _translation_problems(m)]
        print(f"{language}: {len(catalog) - len(todo)} translated, {len(todo)} to do")
        for msgid in todo:
            print(f"    {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
