"""Translations and date formatting for the two languages the bot speaks.

Message ids in the code are English; ``locales/<lang>/LC_MESSAGES/nhacviec.po`` holds the
translations. The ``.po`` files are compiled in memory the first time a language is used, so
there is no build step and no compiled ``.mo`` that could go stale. Code translates after
lookup and formats after translating::

    t = translator(user.language)
    t.gettext("Report for {unit} is due on {date}").format(unit=..., date=format_day(...))

Strings defined at module level are marked with ``N_`` and translated where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
import string
from datetime import date, datetime, tzinfo
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import IO

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "nhacviec"
LOCALES_PACKAGE = "locales"

# dd/MM/yyyy is the form Vietnamese administrative documents use. English users get the same
# order on purpose: officers working in either language compare deadlines with the paper plan
# and with each other, and "08/05/2023" must never mean 5 August to one and 8 May to another.
_DAY_PATTERN = "dd/MM/yyyy"
_TIME_PATTERN = "HH:mm"
# "tháng 8/2023" is lower case because it is used inside sentences ("Báo cáo tháng 8/2023").
_MONTH_PATTERNS = {"vi": "MMMM/yyyy", "en": "MMMM yyyy"}
_SUNDAY = 6


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it where it is shown."""
    return message


def normalize_language(code: str | None) -> str:
    """Map a client's language code ("en-US", "vi_VN", None, …) to a supported language."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED else DEFAULT_LANGUAGE


def read_translations(po_file: IO[bytes], language: str) -> _gettext.GNUTranslations:
    """Compile a ``.po`` file in memory; fuzzy or empty translations fall back to the msgid."""
    catalog = read_po(po_file, locale=language, domain=DOMAIN, abort_invalid=True)
    for message in list(catalog)[1:]:  # [0] is the header
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            catalog.delete(message.id, context=message.context)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


@cache
def _translations(language: str) -> _gettext.GNUTranslations:
    po_path = files(LOCALES_PACKAGE) / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po_file:
        return read_translations(po_file, language)


class Translator:
    """The catalog of one language; get one with :func:`translator`."""

    def __init__(self, language: str, translations: _gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


@cache
def _translator(language: str) -> Translator:
    return Translator(language, _translations(language))


def translator(language: str | None) -> Translator:
    """The translator for a user's language; unknown languages get Vietnamese."""
    return _translator(normalize_language(language))


def format_day(day: date, language: str | None) -> str:
    """``05/08/2023`` in every language (see ``_DAY_PATTERN`` for why)."""
    return str(_babel_date(day, _DAY_PATTERN, locale=normalize_language(language)))


def weekday_name(day: date, language: str | None) -> str:
    """The day of the week: "Thứ Bảy" / "Saturday".

    Vietnamese follows how officers write it: "Thứ Hai" … "Thứ Bảy" capitalise the ordinal,
    but "Chủ nhật" is one noun, so only its first letter is (Babel's CLDR data says
    "Chủ Nhật", and older data had "thứ hai").
    """
    locale = normalize_language(language)
    name = str(_babel_date(day, "EEEE", locale=locale))
    if locale != "vi":
        return name
    return name.capitalize() if day.weekday() == _SUNDAY else string.capwords(name)


def format_month(year: int, month: int, language: str | None) -> str:
    """A month inside a sentence: "tháng 8/2023" / "August 2023"."""
    locale = normalize_language(language)
    return str(_babel_date(date(year, month, 1), _MONTH_PATTERNS[locale], locale=locale))


def format_datetime(moment: datetime, language: str | None, tz: tzinfo) -> str:
    """A moment as local time in ``tz``: "08:00 05/08/2023" (the day as in :func:`format_day`)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware one")
    local = moment.astimezone(tz)
    pattern = f"{_TIME_PATTERN} {_DAY_PATTERN}"
    return str(_babel_datetime(local, pattern, locale=normalize_language(language)))
