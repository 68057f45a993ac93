"""Catalogs, the translator and date formatting (bot/i18n.py, scripts/update_catalogs.py)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest
from babel.messages.pofile import read_po

from bot.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    SUPPORTED,
    format_datetime,
    format_day,
    format_month,
    normalize_language,
    read_translations,
    translator,
    weekday_name,
)

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving; needs no tz database


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_catalogs", ROOT / "scripts" / "update_catalogs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


catalogs = _load_script()


# --- the shipped catalogs ---------------------------------------------------------------------


def test_catalogs_match_the_code() -> None:
    problems = catalogs.check_catalogs(ROOT, LOCALES)
    assert not problems, "run `python scripts/update_catalogs.py`, then translate:\n" + "\n".join(
        str(p) for p in sorted(problems)
    )


def test_there_is_a_catalog_for_each_supported_language() -> None:
    assert set(catalogs._catalog_paths(LOCALES)) == set(SUPPORTED)
    assert DEFAULT_LANGUAGE in SUPPORTED


@pytest.mark.parametrize(
    ("language", "plurals", "expression"), [("vi", 1, "0"), ("en", 2, "(n != 1)")]
)
def test_catalogs_parse_with_proper_headers(language: str, plurals: int, expression: str) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "nhacviec.po").open("rb") as po:
        catalog = read_po(po, locale=language, abort_invalid=True)
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == language
    assert headers["Plural-Forms"] == f"nplurals={plurals}; plural={expression};"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert not catalog.fuzzy


def test_template_parses() -> None:
    with (LOCALES / "nhacviec.pot").open("rb") as pot:
        template = read_po(pot, abort_invalid=True)
    assert not any(any(catalogs.texts(m.string)) for m in list(template)[1:])


def test_babel_cfg_covers_the_code_packages_with_the_house_keywords() -> None:
    sections = catalogs.read_mapping(ROOT / "babel.cfg")
    assert [s.pattern for s in sections] == ["bot/**.py", "handlers/**.py", "storage/**.py"]
    for section in sections:
        assert section.method == "python"
        assert dict(section.keywords) == {
            "gettext": None,
            "ngettext": (1, 2),
            "N_": None,
            "_": None,
        }


# --- the translator ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("vi", "vi"),
        ("en", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
        (" en-us ", "en"),
        ("vi-VN", "vi"),
        ("fr", "vi"),
        ("english", "vi"),
        ("", "vi"),
        (None, "vi"),
    ],
)
def test_normalize_language(code: str | None, expected: str) -> None:
    assert normalize_language(code) == expected


@pytest.mark.parametrize("language", SUPPORTED)
def test_unknown_messages_fall_back_to_the_msgid(language: str) -> None:
    t = translator(language)
    assert t.gettext("No such message, {name}") == "No such message, {name}"
    assert t.ngettext("{n} stray", "{n} strays", 1) == "{n} stray"
    assert t.ngettext("{n} stray", "{n} strays", 5) == "{n} strays"


def test_translators_are_per_language_and_cached() -> None:
    assert translator("en-US") is translator("en")
    assert translator("en").language == "en"
    assert translator(None).language == "vi"
    assert translator("fr") is translator("vi")


def test_n_marks_without_translating() -> None:
    assert N_("Overdue") == "Overdue"


def _po(language: str, body: str) -> str:
    plural = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}[language]
    header = f"""\
        msgid ""
        msgstr ""
        "Language: {language}\\n"
        "Plural-Forms: {plural}\\n"
        "Content-Type: text/plain; charset=utf-8\\n"

    """
    return dedent(header) + dedent(body)


def test_read_translations_uses_only_complete_reviewed_entries() -> None:
    po = _po(
        "vi",
        """\
        msgid "Report for {unit}"
        msgstr "Báo cáo của {unit}"

        #, fuzzy
        msgid "Guessed"
        msgstr "Đoán bừa"

        msgid "Not yet"
        msgstr ""

        msgid "{n} task"
        msgid_plural "{n} tasks"
        msgstr[0] "{n} nhiệm vụ"
        """,
    )
    translations = read_translations(BytesIO(po.encode()), "vi")
    assert translations.gettext("Report for {unit}").format(unit="Sở Tư pháp") == (
        "Báo cáo của Sở Tư pháp"
    )
    assert translations.gettext("Guessed") == "Guessed"
    assert translations.gettext("Not yet") == "Not yet"
    assert translations.ngettext("{n} task", "{n} tasks", 1) == "{n} nhiệm vụ"
    assert translations.ngettext("{n} task", "{n} tasks", 7) == "{n} nhiệm vụ"


def test_read_translations_falls_back_for_a_half_translated_plural() -> None:
    po = _po(
        "en",
        """\
        msgid "{n} file"
        msgid_plural "{n} files"
        msgstr[0] "{n} document"
        msgstr[1] ""
        """,
    )
    translations = read_translations(BytesIO(po.encode()), "en")
    assert translations.ngettext("{n} file", "{n} files", 1) == "{n} file"
    assert translations.ngettext("{n} file", "{n} files", 2) == "{n} files"


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 8, 5), "05/08/2023"),
        (date(2023, 8, 22), "22/08/2023"),
        (date(2024, 2, 29), "29/02/2024"),
        (date(2025, 12, 31), "31/12/2025"),
        (date(2026, 1, 1), "01/01/2026"),
    ],
)
def test_format_day_is_dd_mm_yyyy_in_every_language(
    day: date, expected: str, language: str
) -> None:
    assert format_day(day, language) == expected


@pytest.mark.parametrize(
    ("day", "vi", "en"),
    [
        (date(2023, 8, 5), "Thứ Bảy", "Saturday"),
        (date(2023, 8, 6), "Chủ nhật", "Sunday"),
        (date(2023, 8, 7), "Thứ Hai", "Monday"),
        (date(2023, 8, 22), "Thứ Ba", "Tuesday"),
        (date(2023, 8, 23), "Thứ Tư", "Wednesday"),
        (date(2023, 8, 24), "Thứ Năm", "Thursday"),
        (date(2023, 8, 25), "Thứ Sáu", "Friday"),
        (date(2024, 2, 29), "Thứ Năm", "Thursday"),
        (date(2023, 12, 31), "Chủ nhật", "Sunday"),
    ],
)
def test_weekday_name(day: date, vi: str, en: str) -> None:
    assert weekday_name(day, "vi") == vi
    assert weekday_name(day, "en") == en
    assert weekday_name(day, None) == vi


@pytest.mark.parametrize(
    ("year", "month", "vi", "en"),
    [
        (2023, 8, "tháng 8/2023", "August 2023"),
        (2024, 1, "tháng 1/2024", "January 2024"),
        (2024, 12, "tháng 12/2024", "December 2024"),
    ],
)
def test_format_month(year: int, month: int, vi: str, en: str) -> None:
    assert format_month(year, month, "vi") == vi
    assert format_month(year, month, "en-US") == en


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2023, 8, 5, 8, 0, tzinfo=VIETNAM), "08:00 05/08/2023"),
        (datetime(2023, 8, 5, 1, 0, tzinfo=UTC), "08:00 05/08/2023"),
        (datetime(2023, 8, 5, 17, 30, tzinfo=UTC), "00:30 06/08/2023"),
        (datetime(2023, 12, 31, 23, 59, tzinfo=VIETNAM), "23:59 31/12/2023"),
    ],
)
def test_format_datetime_in_the_given_zone(moment: datetime, expected: str, language: str) -> None:
    assert format_datetime(moment, language, VIETNAM) == expected


def test_format_datetime_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2023, 8, 5, 8, 0), "vi", VIETNAM)


# --- the checker and the update script, on a tiny project --------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tiny"\nversion = "1.0"\n')
    for language in ("vi", "en"):
        (tmp_path / "locales" / language / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "bot").mkdir()
    return tmp_path


def _write_catalogs(root: Path, vi: str = "", en: str = "", pot: str = "") -> None:
    locales = root / "locales"
    (locales / "vi" / "LC_MESSAGES" / "nhacviec.po").write_text(_po("vi", vi), "utf-8")
    (locales / "en" / "LC_MESSAGES" / "nhacviec.po").write_text(_po("en", en), "utf-8")
    (locales / "nhacviec.pot").write_text(_po("en", pot).replace("Language: en", ""), "utf-8")


def _check(root: Path) -> set[tuple[str, str, str]]:
    problems = catalogs.check_catalogs(root, root / "locales")
    return {(p.catalog, p.message, p.reason.split(":")[0]) for p in problems}


def test_checker_passes_on_no_messages_at_all(project: Path) -> None:
    (project / "bot" / "quiet.py").write_text("VALUE = 1\n")
    _write_catalogs(project)
    assert _check(project) == set()


def test_checker_reports_a_message_missing_from_the_catalogs(project: Path) -> None:
    (project / "bot" / "feature.py").write_text('def reply(t):\n    return t.gettext("Absent")\n')
    _write_catalogs(project)
    assert _check(project) == {
        ("vi", "Absent", "missing"),
        ("en", "Absent", "missing"),
        ("nhacviec.pot", "Absent", "missing"),
    }


def test_checker_finds_every_keyword_and_accepts_complete_catalogs(project: Path) -> None:
    source = """\
        from bot.i18n import N_

        TITLE = N_("Overdue")

        def reply(t, _, n):
            return (
                t.gettext("Report for {unit}"),
                _("Hello"),
                t.ngettext("one task", "{n} tasks", n),
            )
        """
    (project / "bot" / "feature.py").write_text(dedent(source))
    (project / "bot" / "unrelated.txt").write_text('gettext("Not code")\n')
    (project / "tests").mkdir()
    (project / "tests" / "test_x.py").write_text('t.gettext("Only a test")\n')
    pot = """\
        msgid "Overdue"
        msgstr ""

        msgid "Report for {unit}"
        msgstr ""

        msgid "Hello"
        msgstr ""

        msgid "one task"
        msgid_plural "{n} tasks"
        msgstr[0] ""
        msgstr[1] ""
        """
    vi = """\
        msgid "Overdue"
        msgstr "Quá hạn"

        msgid "Report for {unit}"
        msgstr "Báo cáo của {unit}"

        msgid "Hello"
        msgstr "Xin chào"

        msgid "one task"
        msgid_plural "{n} tasks"
        msgstr[0] "{n} nhiệm vụ"
        """
    en = """\
        msgid "Overdue"
        msgstr "Overdue"

        msgid "Report for {unit}"
        msgstr "Report for {unit}"

        msgid "Hello"
        msgstr "Hello"

        msgid "one task"
        msgid_plural "{n} tasks"
        msgstr[0] "one task"
        msgstr[1] "{n} tasks"
        """
    _write_catalogs(project, vi=vi, en=en, pot=pot)
    assert _check(project) == set()


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ('#, fuzzy\nmsgid "Hello {name}"\nmsgstr "Xin chào {name}"\n', "fuzzy"),
        ('msgid "Hello {name}"\nmsgstr ""\n', "untranslated"),
        ('msgid "Hello {name}"\nmsgstr "Xin chào {ten}"\n', "placeholders ['ten'] differ from"),
        ('msgid "Hello {name}"\nmsgstr "Xin chào"\n', "placeholders [] differ from"),
        ('msgid "Hello {name}"\nmsgstr "Xin chào {name"\n', "placeholders (not a valid"),
    ],
)
def test_checker_reports_bad_translations(project: Path, entry: str, reason: str) -> None:
    (project / "bot" / "feature.py").write_text('t.gettext("Hello {name}")\n')
    good = 'msgid "Hello {name}"\nmsgstr "Hello {name}"\n'
    _write_catalogs(project, vi=entry, en=good, pot=good)
    problems = catalogs.check_catalogs(project, project / "locales")
    assert [(p.catalog, p.message) for p in problems] == [("vi", "Hello {name}")]
    assert problems[0].reason.startswith(reason)


def test_checker_reports_bad_plural_forms(project: Path) -> None:
    (project / "bot" / "feature.py").write_text('t.ngettext("{n} task", "{n} tasks", n)\n')
    pot = 'msgid "{n} task"\nmsgid_plural "{n} tasks"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    vi = 'msgid "{n} task"\nmsgid_plural "{n} tasks"\nmsgstr[0] "{count} việc"\n'
    en = 'msgid "{n} task"\nmsgid_plural "{n} tasks"\nmsgstr[0] "{n} task"\n'
    _write_catalogs(project, vi=vi, en=en, pot=pot)
    reasons = {p.catalog: p.reason for p in catalogs.check_catalogs(project, project / "locales")}
    assert reasons["vi"].startswith("placeholders ['count'] differ")
    assert reasons["en"] == "untranslated"  # msgstr[1] is missing


def test_checker_reports_entries_the_code_no_longer_has(project: Path) -> None:
    (project / "bot" / "feature.py").write_text('t.gettext("Kept")\n')
    kept = 'msgid "Kept"\nmsgstr "Kept"\n\n'
    _write_catalogs(
        project,
        vi=kept + 'msgid "Gone"\nmsgstr "Đã bỏ"\n',
        en=kept + '#~ msgid "Older"\n#~ msgstr "Older"\n',
        pot=kept.replace('"Kept"\n\n', '""\n'),
    )
    assert _check(project) == {("vi", "Gone", "obsolete"), ("en", "Older", "obsolete (#~) entry")}


def test_checker_reports_strings_formatted_before_the_lookup(project: Path) -> None:
    source = """\
        LABEL = N_("Overdue")

        def reply(t, _, name):
            return [
                _(f"Hello {name}"),
                t.gettext("Hello {name}".format(name=name)),
                t.gettext("Hello " + name),
                t.ngettext("one", f"{name} many", 2),
                t.gettext(LABEL),
                _(f"Plain f-string without fields"),
            ]
        """
    (project / "bot" / "feature.py").write_text(dedent(source))
    pot = 'msgid "Overdue"\nmsgstr ""\n\nmsgid "Plain f-string without fields"\nmsgstr ""\n'
    done = 'msgid "Overdue"\nmsgstr "x"\n\nmsgid "Plain f-string without fields"\nmsgstr "x"\n'
    _write_catalogs(project, vi=done, en=done, pot=pot)
    problems = catalogs.check_catalogs(project, project / "locales")
    assert sorted(p.message for p in problems if p.catalog == "code") == [
        "bot/feature.py:5",
        "bot/feature.py:6",
        "bot/feature.py:7",
        "bot/feature.py:8",
    ]


def test_update_creates_merges_and_prefills_english_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feature = project / "bot" / "feature.py"
    feature.write_text('t.gettext("Old {unit}")\nt.ngettext("{n} task", "{n} tasks", n)\n')
    locales = project / "locales"
    catalogs.update(project, locales)
    assert _check(project) == {
        ("vi", "Old {unit}", "untranslated"),
        ("vi", "{n} task", "untranslated"),
    }
    en = translator_for(locales, "en")
    assert en.ngettext("{n} task", "{n} tasks", 2) == "{n} tasks"

    vi_path = locales / "vi" / "LC_MESSAGES" / "nhacviec.po"
    vi_path.write_text(
        vi_path.read_text("utf-8")
        .replace('msgstr ""\n\n#', 'msgstr "Cũ {unit}"\n\n#', 1)
        .replace('msgstr[0] ""', 'msgstr[0] "{n} việc"'),
        "utf-8",
    )
    assert _check(project) == set()

    feature.write_text('t.ngettext("{n} task", "{n} tasks", n)\nt.gettext("New")\n')
    capsys.readouterr()
    catalogs.update(project, locales)
    assert "wrote" in capsys.readouterr().out
    assert _check(project) == {("vi", "New", "untranslated")}
    vi = translator_for(locales, "vi")
    assert vi.ngettext("{n} task", "{n} tasks", 3) == "{n} việc"
    assert "Old" not in vi_path.read_text("utf-8")
    assert translator_for(locales, "en").gettext("New") == "New"

    catalogs.update(project, locales)
    assert "wrote" not in capsys.readouterr().out


def translator_for(locales: Path, language: str) -> GNUTranslations:
    with (locales / language / "LC_MESSAGES" / "nhacviec.po").open("rb") as po:
        return read_translations(po, language)
