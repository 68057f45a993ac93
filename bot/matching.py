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

from dataclasses import dataclass, replace

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from bot.name_forms import NameForm, OrgType, acronyms, home_words, name_form
from bot.text import fold
from bot.units import Directory, Unit

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
class _Key:
    unit: int  # index into UnitMatcher._units
    order: int  # position among the unit's names: the earlier wins a tie
    names: tuple[str, ...]  # the unit's names with this form
    form: NameForm
    generated: bool


def _probe(form: NameForm) -> str:
    """What the shortlist compares: the core, or the whole name of a bare type."""
    return form.core or form.full


def _similarity(a: str, b: str) -> float:
    return 100.0 * float(OSA.normalized_similarity(a, b))


def _type_penalty(query: OrgType | None, key: OrgType | None) -> float:
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
        self._unit_types: list[OrgType | None] = []
        self._home = home_words(name for unit in self._units for name in unit.names)
        for index, unit in enumerate(self._units):
            canonical = name_form(unit.name, self._home)
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
        listed = [(o, n, f) for o, n in enumerate(unit.names) if (f := name_form(n, self._home))]
        # Listed names before made-up acronyms, so a listed one wins a duplicate.
        candidates = [(o, n, f, False) for o, n, f in listed] + [
            (o, n, a, True) for o, n, f in listed for a in acronyms(f)
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
        form = name_form(query, self._home)
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

    def _shortlist(self, form: NameForm) -> set[int]:
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

    def _score(self, query: NameForm, key: _Key) -> float:
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
