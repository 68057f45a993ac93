"""Unit names reduced to comparable forms. Pure.

Every name becomes a *form*: folded words with the usual abbreviations spelt out
("UBND" → "uy ban nhan dan", "KH&ĐT" → "ke hoach dau tu"; applied to both the query
and the directory's names, so a listed abbreviation always matches itself), the
leading organisation type split off ("Sở", "UBND huyện" …) and the rest, the *core*.
``bot.matching`` scores forms against each other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text import fold

# Abbreviations spelt out, on folded words. Ambiguous ones ("tt": thị trấn or thông
# tin; "tc": tài chính or tổ chức) only appear inside longer patterns.
_EXPANSIONS: dict[tuple[str, ...], str] = {
    ("ubnd",): "uy ban nhan dan",
    ("hdnd",): "hoi dong nhan dan",
    ("tp",): "thanh pho",
    ("tx",): "thi xa",
    ("h",): "huyen",
    ("kcn",): "khu cong nghiep",
    ("ccn",): "cum cong nghiep",
    ("bql",): "ban quan ly",
    ("bcd",): "ban chi dao",
    ("btv",): "ban thuong vu",
    ("vp",): "van phong",
    ("tcg",): "to chuyen gia",
    ("nn",): "nong nghiep",
    ("ptnt",): "phat trien nong thon",
    ("nnptnt",): "nong nghiep phat trien nong thon",
    ("kh", "dt"): "ke hoach dau tu",
    ("khdt",): "ke hoach dau tu",
    ("kh", "cn"): "khoa hoc cong nghe",
    ("khcn",): "khoa hoc cong nghe",
    ("tn", "mt"): "tai nguyen moi truong",
    ("tnmt",): "tai nguyen moi truong",
    ("tt", "tt"): "thong tin truyen thong",
    ("tttt",): "thong tin truyen thong",
    ("gd", "dt"): "giao duc dao tao",
    ("gddt",): "giao duc dao tao",
    ("gt", "vt"): "giao thong van tai",
    ("gtvt",): "giao thong van tai",
    ("vh", "tt", "dl"): "van hoa the thao du lich",
    ("vhtt", "dl"): "van hoa the thao du lich",
    ("vhttdl",): "van hoa the thao du lich",
    ("ld", "tb", "xh"): "lao dong thuong binh xa hoi",
    ("ldtb", "xh"): "lao dong thuong binh xa hoi",
    ("ldtbxh",): "lao dong thuong binh xa hoi",
    ("kt", "xh"): "kinh te xa hoi",
    ("ktxh",): "kinh te xa hoi",
    ("nc",): "nghien cuu",
    ("pt",): "phat trien",
    ("xd",): "xay dung",
    ("yt",): "y te",
    ("gpmb",): "giai phong mat bang",
}
_LONGEST_PATTERN = max(len(k) for k in _EXPANSIONS)
# "và", "các" are left out as often as written; "số" only before a number, since
# it folds to the same "so" as "Sở".
_STOPWORDS = frozenset({"va", "cac"})
_DIGITS = re.compile(r"\d+")
_TINH = "tinh"

# Leading organisation types, on expanded words. A level ("tỉnh", "huyện" …) after
# UBND/HĐND is part of the type: "UBND tỉnh Bắc Ninh" is not "UBND TP Bắc Ninh".
_TYPE_WORDS = (
    "so", "bo", "cuc", "chi cuc", "ban", "vien", "to", "phong", "cong an", "thanh tra",
    "van phong", "trung tam", "khu cong nghiep", "cum cong nghiep", "cong ty",
    "ngan hang", "kho bac", "benh vien", "truong", "toa an", "hoi", "doan", "uy ban",
    "uy ban nhan dan", "hoi dong nhan dan",
)
_TYPES = {tuple(words.split()): words for words in _TYPE_WORDS}
_UBND = "uy ban nhan dan"
_LEVELS: dict[tuple[str, ...], str] = {  # level words -> tier
    (_TINH,): "province",
    ("thanh", "pho"): "district", ("thi", "xa"): "district", ("huyen",): "district",
    ("quan",): "district",
    ("xa",): "commune", ("phuong",): "commune", ("thi", "tran"): "commune",
}
_LEVELLED = frozenset({_UBND, "hoi dong nhan dan"})
_LONGEST_TYPE = max(len(k) for k in (*_TYPES, *_LEVELS))


@dataclass(frozen=True)
class OrgType:
    kind: str
    level: str | None = None  # the level word(s), e.g. "thi xa"
    tier: str | None = None


@dataclass(frozen=True)
class NameForm:
    type: OrgType | None
    full: str  # every word, spaces removed
    core: str  # the words after the type, spaces removed
    words: tuple[str, ...]
    core_words: tuple[str, ...]
    numbers: frozenset[str]


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_PATTERN, len(words) - i), 0, -1):
            spelt = _EXPANSIONS.get(tuple(words[i : i + size]))
            if spelt:
                out.extend(spelt.split())
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _clean(words: list[str]) -> list[str]:
    out: list[str] = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in _STOPWORDS or (word == "so" and nxt.isdigit()):
            continue
        # "05 tổ chuyên gia", "Tổ 5": the same five.
        out.append((word.lstrip("0") or "0") if word.isdigit() else word)
    return out


def _words(text: str) -> tuple[str, ...]:
    # Stopwords go first so that "KH và ĐT" reads as the pattern "kh dt".
    return tuple(_expand(_clean(fold(text).split())))


def _prefix(words: tuple[str, ...], table: dict[tuple[str, ...], str]) -> tuple[str, int]:
    for size in range(min(_LONGEST_TYPE, len(words)), 0, -1):
        found = table.get(words[:size])
        if found:
            return found, size
    return "", 0


def _split_type(words: tuple[str, ...]) -> tuple[OrgType | None, tuple[str, ...]]:
    kind, size = _prefix(words, _TYPES)
    if kind and kind not in _LEVELLED:
        return OrgType(kind), words[size:]
    if not kind:
        # "Thành phố Bắc Ninh", "Huyện Gia Bình": a locality named by its level.
        tier, size = _prefix(words, _LEVELS)
        if not tier or words[:size] == (_TINH,):  # "Tỉnh ủy" is no locality
            return None, words
        return OrgType(_UBND, " ".join(words[:size]), tier), words[size:]
    rest = words[size:]
    tier, level_size = _prefix(rest, _LEVELS)
    level = " ".join(rest[:level_size]) if tier else None
    return OrgType(kind, level, tier or None), rest[level_size:]


def _drop_home(core: tuple[str, ...], home: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a trailing "tỉnh (Bắc Ninh)": every unit is the province's own.

    So "Cục Thuế tỉnh", "Cục Thuế Bắc Ninh" and "Cục Thuế" are one name.
    """
    for tail in ((_TINH, *home), (_TINH,)):
        if core[-len(tail) :] == tail:
            return core[: -len(tail)]
    # A bare "Bắc Ninh" only goes when something is left: "Thành phố Bắc Ninh" stays.
    if home and len(core) > len(home) and core[-len(home) :] == home:
        return core[: -len(home)]
    return core


def name_form(text: str, home: tuple[str, ...] = ()) -> NameForm | None:
    words = _words(text)
    if not words:
        return None
    kind, core = _split_type(words)
    kept = _drop_home(core, home)
    words = words[: len(words) - len(core)] + kept
    return NameForm(
        type=kind,
        full="".join(words),
        core="".join(kept),
        words=words,
        core_words=kept,
        numbers=frozenset(n.lstrip("0") or "0" for n in _DIGITS.findall(" ".join(words))),
    )


def home_words(names: Iterable[str]) -> tuple[str, ...]:
    """The directory's province: the words most often after "tỉnh" at a name's end."""
    tails: Counter[tuple[str, ...]] = Counter()
    for name in names:
        words = _words(name)
        for i in range(max(0, len(words) - 5), len(words) - 1):
            if words[i] == _TINH and words[i + 1] != "uy":  # "Tỉnh ủy" is a body
                tails[words[i + 1 :]] += 1
    found = tails.most_common(1)
    return found[0][0] if found and found[0][1] >= 2 else ()


def acronyms(form: NameForm) -> Iterable[NameForm]:
    """Initials, as officers type them: "skhdt" and "khdt" for "Sở Kế hoạch và Đầu tư"."""
    for words in (form.words, form.core_words):
        acronym = "".join(w if w.isdigit() else w[0] for w in words)
        if len(words) >= 3 and len(acronym) >= 3:
            # One word, so no type of its own: the unit's type stands in for it.
            yield NameForm(None, acronym, acronym, (acronym,), (acronym,), form.numbers)
