"""Resolving a unit name as people write it to a unit of the directory.

Pure. Plans and officers write "Sở KH&ĐT", "skhdt", "UBND TP Bắc Ninh", "Ban quản l ý
KCN" (a PDF's broken spacing) or "So Tai chnh"; all of them must land on one unit,
while a name of some other body ("Bộ Tài chính", "Khu công nghiệp Gia Bình") must
land nowhere rather than on its look-alike.

Every name is reduced to a *form*: folded words with the usual abbreviations spelt
out (both sides, so a listed abbreviation always matches itself), the leading
organisation type split off ("Sở", "UBND huyện" …) and the rest, the *core*,
compared with spaces removed. Scores mostly measure the core; a type that differs
sinks the score, so does a different number ("Tổ chuyên gia số 3" vs "số 1").
Merged and inactive units stay matchable: old names keep resolving and the caller
follows ``Directory.successor``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from bot.text import fold
from bot.units import Directory, Unit

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

CONFIDENT = 85.0  # best() needs at least this …
MARGIN = 5.0  # … and this much over the next unit that is not the same desk
_CORE_WEIGHT = 0.85
_TYPE_PENALTY = 30.0  # a different kind of body, or a different tier of locality
_LEVEL_PENALTY = 5.0  # huyện vs thị xã: localities change status, names stay
_NUMBER_PENALTY = 20.0
_PREFIX_BASE = 80.0  # "Sở Giáo dục" for "Sở Giáo dục và Đào tạo": short forms drop the tail
_PREFIX_WORDS = 2  # fewer words than this is no name ("Sở Tài": tài chính or tài nguyên?)
_GENERATED_CAP = 95.0  # an acronym we made up never beats one the data lists
_SHORTLIST = 32


@dataclass(frozen=True)
class Match:
    unit_id: str
    name: str  # the unit's canonical name
    score: float  # 0..100
    matched: str  # which of the unit's names matched best
    is_collective: bool


@dataclass(frozen=True)
class _Type:
    kind: str
    level: str | None = None  # the level word(s), e.g. "thi xa"
    tier: str | None = None


@dataclass(frozen=True)
class _Form:
    type: _Type | None
    full: str  # every word, spaces removed
    core: str  # the words after the type, spaces removed
    words: tuple[str, ...]
    core_words: tuple[str, ...]
    numbers: frozenset[str]


@dataclass(frozen=True)
class _Key:
    unit: int  # index into UnitMatcher._units
    order: int  # position among the unit's names: the earlier wins a tie
    names: tuple[str, ...]  # the unit's names with this form
    form: _Form
    generated: bool


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


def _split_type(words: tuple[str, ...]) -> tuple[_Type | None, tuple[str, ...]]:
    kind, size = _prefix(words, _TYPES)
    if kind and kind not in _LEVELLED:
        return _Type(kind), words[size:]
    if not kind:
        # "Thành phố Bắc Ninh", "Huyện Gia Bình": a locality named by its level.
        tier, size = _prefix(words, _LEVELS)
        if not tier or words[:size] == (_TINH,):  # "Tỉnh ủy" is no locality
            return None, words
        return _Type(_UBND, " ".join(words[:size]), tier), words[size:]
    rest = words[size:]
    tier, level_size = _prefix(rest, _LEVELS)
    level = " ".join(rest[:level_size]) if tier else None
    return _Type(kind, level, tier or None), rest[level_size:]


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


def _form(text: str, home: tuple[str, ...] = ()) -> _Form | None:
    words = _words(text)
    if not words:
        return None
    kind, core = _split_type(words)
    kept = _drop_home(core, home)
    words = words[: len(words) - len(core)] + kept
    return _Form(
        type=kind,
        full="".join(words),
        core="".join(kept),
        words=words,
        core_words=kept,
        numbers=frozenset(n.lstrip("0") or "0" for n in _DIGITS.findall(" ".join(words))),
    )


def _home(names: Iterable[str]) -> tuple[str, ...]:
    """The directory's province: the words most often after "tỉnh" at a name's end."""
    tails: Counter[tuple[str, ...]] = Counter()
    for name in names:
        words = _words(name)
        for i in range(max(0, len(words) - 5), len(words) - 1):
            if words[i] == _TINH and words[i + 1] != "uy":  # "Tỉnh ủy" is a body
                tails[words[i + 1 :]] += 1
    found = tails.most_common(1)
    return found[0][0] if found and found[0][1] >= 2 else ()


def _acronyms(form: _Form) -> Iterable[_Form]:
    """Initials, as officers type them: "skhdt" and "khdt" for "Sở Kế hoạch và Đầu tư"."""
    for words in (form.words, form.core_words):
        acronym = "".join(w if w.isdigit() else w[0] for w in words)
        if len(words) >= 3 and len(acronym) >= 3:
            # One word, so no type of its own: the unit's type stands in for it.
            yield _Form(None, acronym, acronym, (acronym,), (acronym,), form.numbers)


def _probe(form: _Form) -> str:
    """What the shortlist compares: the core, or the whole name of a bare type."""
    return form.core or form.full


def _similarity(a: str, b: str) -> float:
    return 100.0 * float(OSA.normalized_similarity(a, b))


def _type_penalty(query: _Type | None, key: _Type | None) -> float:
    if query is None or key is None:
        return 0.0
    if query.kind != key.kind or (query.tier and key.tier and query.tier != key.tier):
        return _TYPE_PENALTY
    if query.level and key.level and query.level != key.level:
        return _LEVEL_PENALTY
    return 0.0


class UnitMatcher:
    """Ranks the units of a directory against a name; built once, queried often."""

    def __init__(self, directory: Directory) -> None:
        self._units: list[Unit] = list(directory)
        self._index = {u.id: i for i, u in enumerate(self._units)}
        self._successors = [directory.successor(u.id) for u in self._units]
        self._keys: list[_Key] = []
        self._unit_types: list[_Type | None] = []
        self._home = _home(name for unit in self._units for name in unit.names)
        for index, unit in enumerate(self._units):
            canonical = _form(unit.name, self._home)
            self._unit_types.append(canonical.type if canonical else None)
            self._add_keys(index, unit)
        self._by_full: dict[str, list[int]] = {}
        self._by_probe: dict[str, list[int]] = {}
        self._by_head: dict[tuple[str, ...], list[int]] = {}
        for k, key in enumerate(self._keys):
            form = key.form
            self._by_full.setdefault(form.full, []).append(k)
            self._by_probe.setdefault(_probe(form), []).append(k)
            if len(form.core_words) > _PREFIX_WORDS:
                self._by_head.setdefault(form.core_words[:_PREFIX_WORDS], []).append(k)
        self._probes = list(self._by_probe)
        # A name several times longer than every known one is not a unit name (and
        # would only make the edit distances slow): it scores below ~30 anyway.
        self._max_len = 3 * max((len(s) for s in self._by_full), default=0) + 10

    def _add_keys(self, index: int, unit: Unit) -> None:
        listed = [(o, n, f) for o, n in enumerate(unit.names) if (f := _form(n, self._home))]
        # Listed names before made-up acronyms, so a listed one wins a duplicate.
        candidates = [(o, n, f, False) for o, n, f in listed] + [
            (o, n, a, True) for o, n, f in listed for a in _acronyms(f)
        ]
        keys: dict[tuple[str, str], _Key] = {}
        for order, name, form, generated in candidates:
            found = keys.get((form.full, form.core))
            if found is None:
                keys[form.full, form.core] = _Key(index, order, (name,), form, generated)
            elif not generated and name not in found.names:
                # "Sở KH&ĐT" spelt out is the canonical name; keep both to report.
                keys[form.full, form.core] = replace(found, names=(*found.names, name))
        self._keys.extend(keys.values())

    def rank(
        self,
        query: str,
        *,
        limit: int = 5,
        include_collectives: bool = True,
        min_score: float = 60.0,
    ) -> list[Match]:
        found = [m for m in self._scored(query, include_collectives) if m.score >= min_score]
        return found[:limit]

    def best(self, query: str, *, include_collectives: bool = False) -> Match | None:
        """The one unit ``query`` names, or None when unsure or ambiguous."""
        ranked = self._scored(query, include_collectives)
        if not ranked or ranked[0].score < CONFIDENT:
            return None
        top = ranked[0]
        desk = self._successors[self._index[top.unit_id]]
        for other in ranked[1:]:
            # A merged unit and the one that absorbed it are the same desk today.
            if self._successors[self._index[other.unit_id]] != desk:
                return top if top.score - other.score >= MARGIN else None
        return top

    def _scored(self, query: str, include_collectives: bool) -> list[Match]:
        form = _form(query, self._home)
        if form is None or len(form.full) > self._max_len:
            return []
        best: dict[int, tuple[float, int, _Key]] = {}
        for k in self._shortlist(form):
            key = self._keys[k]
            if self._units[key.unit].is_collective and not include_collectives:
                continue
            entry = (self._score(form, key), -key.order, key)
            if key.unit not in best or entry[:2] > best[key.unit][:2]:
                best[key.unit] = entry
        folded = fold(query)
        matches = [
            Match(
                unit_id=self._units[i].id,
                name=self._units[i].name,
                score=round(score, 2),
                # The name as the query spelt it, if it is one of the unit's.
                matched=next((n for n in key.names if fold(n) == folded), key.names[0]),
                is_collective=self._units[i].is_collective,
            )
            for i, (score, _, key) in best.items()
        ]
        matches.sort(key=lambda m: (-m.score, m.name, m.unit_id))
        return matches

    def _shortlist(self, form: _Form) -> set[int]:
        """Keys worth scoring: same letters, same first words, or the closest cores.

        Only the last needs fuzzy search, one pass in C over one string per key:
        a pass over whole names too would double the time for little gain, since
        the score is mostly the core's.
        """
        found = set(self._by_full.get(form.full, ()))
        found.update(self._by_head.get(form.core_words[:_PREFIX_WORDS], ()))
        # Closest first, until enough keys: many units can share one probe (every
        # "UBND xã An Bình"), and scoring a key costs a Python call.
        for choice, _, _ in process.extract(
            _probe(form), self._probes, scorer=Indel.normalized_similarity,
            limit=_SHORTLIST, score_cutoff=0.4,
        ):
            found.update(self._by_probe[choice])
            if len(found) >= _SHORTLIST:
                break
        return found

    def _score(self, query: _Form, key: _Key) -> float:
        kf = key.form
        if query.full == kf.full:
            score = 100.0
        else:
            full = _similarity(query.full, kf.full)
            score = full
            if query.core and kf.core:
                core = _similarity(query.core, kf.core)
                score = _CORE_WEIGHT * core + (1 - _CORE_WEIGHT) * full
            asked = len(query.core_words)
            if asked >= _PREFIX_WORDS and kf.core_words[:asked] == query.core_words:
                share = len(query.core) / len(kf.core)
                score = max(score, _PREFIX_BASE + (100 - _PREFIX_BASE) * share)
        key_type = kf.type if kf.type is not None else self._unit_types[key.unit]
        score -= _type_penalty(query.type, key_type)
        if query.numbers != kf.numbers:
            score -= _NUMBER_PENALTY
        if key.generated:
            score = min(score, _GENERATED_CAP)
        return max(0.0, min(100.0, score))
