"""Vietnamese text helpers: comparison keys and one canonical spelling.

Pure. Officers type names with or without diacritics, from keyboards (Telex, VNI,
phone layouts) that emit either precomposed or combining characters, and with
either tone placement in "oa, oe, uy"; these helpers make such spellings equal.
"""

from __future__ import annotations

import re
import unicodedata

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_NON_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """A comparison key: no diacritics, lowercase, words separated by single spaces.

    ``fold("Sở KH&ĐT") == "so kh dt"``.
    """
    # NFD of anything equals NFD of its NFC form, so no separate NFC step.
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # đ is a letter of its own, not d plus a mark, so NFD leaves it alone. Lowercase
    # last: "İ".lower() would bring back a combining dot.
    return _NON_ALNUM.sub(" ", bare.translate(_D_STROKE).lower()).strip()


_TONE_MARKS = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
_GLIDE_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _tone_table() -> dict[str, str]:
    """Map "hoá"-style pairs (tone on the second vowel) to "hóa" style."""
    table: dict[str, str] = {}
    for first, second in _GLIDE_PAIRS:
        for glide, vowel in ((first, second), (first.upper(), second.upper()),
                             (first.upper(), second)):
            for mark in _TONE_MARKS:
                toned_vowel = unicodedata.normalize("NFC", vowel + mark)
                toned_glide = unicodedata.normalize("NFC", glide + mark)
                table[glide + toned_vowel] = toned_glide + vowel
    return table


_TONE_MOVES = _tone_table()
# Only where the pair ends the syllable: in "hoàn", "ngoài", "thuyền" the tone sits on
# the second vowel in both styles. After q the u belongs to the consonant ("quý"). A
# stray combining mark after the pair would recompose with the bare vowel: leave it.
_OLD_PLACEMENT = re.compile(
    r"(?<![qQ])(" + "|".join(map(re.escape, _TONE_MOVES)) + r")(?![\w\u0300-\u036f])"
)


def nfc(text: str) -> str:
    """NFC, with the tone of an open "oa, oe, uy" on the first vowel: hóa, khỏe, ủy."""
    composed = unicodedata.normalize("NFC", text)
    return _OLD_PLACEMENT.sub(lambda m: _TONE_MOVES[m.group(1)], composed)
