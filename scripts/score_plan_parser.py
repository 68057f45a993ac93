"""Score the plan parser against the reviewed annotations in tests/data/plans/.

    python scripts/score_plan_parser.py                       # every fixture, a table
    python scripts/score_plan_parser.py --fixture seed --verbose
    python scripts/score_plan_parser.py --json
    python scripts/score_plan_parser.py --dir tests/data/plans/heldout --verbose
    python scripts/score_plan_parser.py --fixture seed \\
        --min-recall 0.95 --min-precision 0.95 --max-invented 0

A fixture is a document (``NAME.txt``, ``NAME.docx`` or ``NAME.pdf``) with an
annotation ``NAME.expected.yaml`` in the shape of ``nhacviec plan parse --json``
(see tests/data/plans/README.md for the reading rules). The parser is called as the
bot calls it: ``parse_bytes(name, data, load_directory())``, and its plan read as
``ParsedPlan.to_json()``.

Matching predicted tasks to gold tasks, one to one:
1. by id: a prediction with the gold task's id (spaces, case and a trailing dot
   ignored: "PL 4" = "pl4" = "PL 4.") is its match, provided their texts are
   similar at all (similarity ≥ 0.5) — a parser numbering bullets differently must
   not pair unrelated tasks; among several with the id, the most similar text wins;
2. by text: the remaining gold and predicted tasks are paired greedily, most
   similar first, when the similarity is at least 0.6. Similarity is
   rapidfuzz's ratio (0..1) of the folded texts (no diacritics, lowercase), the
   predicted text cut to the gold text's length first, because an annotation's text
   may be a shortened prefix of the task.

Figures (per fixture and overall, tasks pooled):
- a task "has a deadline" when its ``due`` is not empty;
- a matched prediction is *correct* when its ``due`` equals the gold's (spec dicts
  compared as a multiset, lists inside sorted; a conditional's text is not
  compared, only its kind) and its lead units equal the gold's (as a set: a unit
  the gold resolves is compared by id, a collective by the units it designates in
  bot/data/units.yaml, a unit the gold leaves unresolved by its folded written
  name — so a prediction must leave it unresolved too);
- recall = gold tasks with a deadline whose match is correct / gold tasks with a
  deadline;
- precision = correct predictions with a deadline / predictions with a deadline;
- invented = predictions with a deadline whose gold has none, or that match no
  gold task;
- deadline accuracy = gold tasks whose match has the same ``due`` (both empty
  counts) / gold tasks; lead accuracy = the same for the lead units.

Exit status 0, or 1 when a threshold given is missed (overall figures); 2 when no
fixture is found. A fixture the parser cannot read (DocumentError, or any crash) is
reported on its line and scored as predicting nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.calendar import spec_from_dict, spec_to_dict  # noqa: E402
from bot.text import fold  # noqa: E402
from bot.units import Directory  # noqa: E402

FIXTURES = ROOT / "tests" / "data" / "plans"
EXPECTED_SUFFIX = ".expected.yaml"
DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf")
ID_MATCH_MIN = 0.5
TEXT_MATCH_MIN = 0.6

Json = dict[str, Any]


# --- Normal forms ---------------------------------------------------------------------


def norm_id(task_id: Any) -> str:
    return "".join(str(task_id).split()).rstrip(".").casefold()


def similarity(gold_text: str, predicted_text: str) -> float:
    """0..1: how alike two task texts are; the prediction cut to the gold's length
    (an annotation may quote only the beginning of a task)."""
    from rapidfuzz import fuzz

    gold, predicted = fold(gold_text), fold(predicted_text)
    if not gold or not predicted:
        return 0.0
    whole = fuzz.ratio(gold, predicted)
    prefix = fuzz.ratio(gold, predicted[: len(gold)]) if len(predicted) > len(gold) else 0.0
    return float(max(whole, prefix)) / 100.0


def due_key(due: Iterable[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """A task's deadline specs as a comparable value: canonical (spec_from_dict then
    spec_to_dict, so YAML dates and JSON strings agree), inner lists sorted, a
    conditional's text dropped, the specs sorted. Malformed specs compare as
    themselves, so they never equal a well-formed one."""
    keys = []
    for raw in due or ():
        try:
            spec = spec_to_dict(spec_from_dict(raw))
        except (ValueError, TypeError, AttributeError):
            keys.append("malformed:" + json.dumps(raw, sort_keys=True, default=str))
            continue
        if spec["kind"] == "conditional":
            spec = {"kind": "conditional"}
        spec = {k: sorted(v) if isinstance(v, list) else v for k, v in spec.items()}
        keys.append(json.dumps(spec, sort_keys=True))
    return tuple(sorted(keys))


def _resolved_ids(task: Mapping[str, Any], role: str) -> list[str | None]:
    """The directory id of each written unit of ``role`` ("lead", "coordinating"):
    from ``<role>_resolved`` given as ids (an annotation: ``[so-tc, null]``) or as
    the importer's objects (``[{"written": …, "unit": …}]``), aligned with the
    written names."""
    written = [str(w) for w in task.get(role) or []]
    resolved = task.get(f"{role}_resolved") or []
    ids: list[str | None] = []
    by_written: dict[str, str | None] = {}
    positional: list[str | None] = []
    for item in resolved:
        if isinstance(item, Mapping):
            unit = item.get("unit")
            by_written[str(item.get("written"))] = str(unit) if unit else None
            positional.append(str(unit) if unit else None)
        else:
            positional.append(str(item) if item else None)
    for index, name in enumerate(written):
        if name in by_written:
            ids.append(by_written[name])
        elif index < len(positional):
            ids.append(positional[index])
        else:
            ids.append(None)
    return ids


def unit_keys(task: Mapping[str, Any], role: str = "lead",
              directory: Directory | None = None) -> frozenset[str]:
    """The units of ``role`` as a set: "id:<unit>" where resolved, else
    "name:<folded written name>". With the directory, a collective counts as the
    concrete units it designates (so "Các sở, ban, ngành, địa phương" equals "các sở,
    ban, ngành" plus "UBND các huyện, thị xã, thành phố"); one without members
    counts as itself."""
    written = [str(w) for w in task.get(role) or []]
    keys = set()
    for name, unit in zip(written, _resolved_ids(task, role), strict=True):
        if not unit:
            keys.add(f"name:{fold(name)}")
        elif directory is not None and unit in directory:
            keys.update(f"id:{u}" for u in directory.expand(unit) or {unit})
        else:
            keys.add(f"id:{unit}")
    return frozenset(keys)


def has_deadline(task: Mapping[str, Any]) -> bool:
    return bool(task.get("due"))


# --- Matching and scoring -------------------------------------------------------------


@dataclass
class Pair:
    gold: Json | None
    predicted: Json | None
    how: str  # "id", "text", "missed" (gold only), "extra" (prediction only)
    due_ok: bool = False
    lead_ok: bool = False

    def judge(self, directory: Directory | None) -> Pair:
        if self.gold is not None and self.predicted is not None:
            self.due_ok = due_key(self.gold.get("due")) == due_key(self.predicted.get("due"))
            self.lead_ok = (unit_keys(self.gold, "lead", directory)
                            == unit_keys(self.predicted, "lead", directory))
        return self

    @property
    def correct(self) -> bool:
        return self.due_ok and self.lead_ok


def match_tasks(gold: Sequence[Json], predicted: Sequence[Json]) -> list[Pair]:
    """One pair per gold task (matched or missed), then one per unmatched
    prediction; see the module's docstring for the rules."""
    taken: set[int] = set()
    matched: dict[int, tuple[int, str]] = {}
    for g, gtask in enumerate(gold):
        gid = norm_id(gtask.get("id", ""))
        candidates = [(similarity(str(gtask.get("text", "")), str(p.get("text", ""))), -i, i)
                      for i, p in enumerate(predicted)
                      if i not in taken and norm_id(p.get("id", "")) == gid]
        candidates = [c for c in candidates if c[0] >= ID_MATCH_MIN]
        if candidates:
            best = max(candidates)[2]
            taken.add(best)
            matched[g] = (best, "id")
    scored = sorted(
        ((similarity(str(gold[g].get("text", "")), str(predicted[p].get("text", ""))), -g, -p)
         for g in range(len(gold)) if g not in matched
         for p in range(len(predicted)) if p not in taken),
        reverse=True)
    for score, neg_g, neg_p in scored:
        g, p = -neg_g, -neg_p
        if score < TEXT_MATCH_MIN:
            break
        if g in matched or p in taken:
            continue
        matched[g] = (p, "text")
        taken.add(p)
    pairs = [Pair(gtask, predicted[matched[g][0]], matched[g][1]) if g in matched
             else Pair(gtask, None, "missed") for g, gtask in enumerate(gold)]
    pairs += [Pair(None, p, "extra") for i, p in enumerate(predicted) if i not in taken]
    return pairs


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    matched_by_text: int = 0
    gold_dated: int = 0
    predicted_dated: int = 0
    recalled: int = 0  # gold with a deadline whose match is correct
    precise: int = 0  # predictions with a deadline that are correct
    invented: int = 0
    due_ok: int = 0
    lead_ok: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float:
        return self.recalled / self.gold_dated if self.gold_dated else 1.0

    @property
    def precision(self) -> float:
        return self.precise / self.predicted_dated if self.predicted_dated else (
            1.0 if not self.gold_dated else 0.0)

    @property
    def deadline_accuracy(self) -> float:
        return self.due_ok / self.gold if self.gold else 1.0

    @property
    def lead_accuracy(self) -> float:
        return self.lead_ok / self.gold if self.gold else 1.0

    def figures(self) -> Json:
        return {**asdict(self), "recall": round(self.recall, 4),
                "precision": round(self.precision, 4),
                "deadline_accuracy": round(self.deadline_accuracy, 4),
                "lead_accuracy": round(self.lead_accuracy, 4)}


def count(pairs: Sequence[Pair]) -> Counts:
    c = Counts()
    for pair in pairs:
        if pair.gold is not None:
            c.gold += 1
            c.due_ok += pair.due_ok
            c.lead_ok += pair.lead_ok
            if has_deadline(pair.gold):
                c.gold_dated += 1
                c.recalled += pair.correct
        if pair.predicted is not None:
            c.predicted += 1
            if pair.gold is not None:
                c.matched += 1
                c.matched_by_text += pair.how == "text"
            if has_deadline(pair.predicted):
                c.predicted_dated += 1
                c.precise += pair.correct
                c.invented += pair.gold is None or not has_deadline(pair.gold)
    return c


HEADER_FIELDS = ("title", "number", "issued", "year")


def header_matches(gold: Mapping[str, Any], predicted: Mapping[str, Any]) -> dict[str, bool]:
    """Whether the plan's title (folded), number, issued date and year agree."""
    def norm(key: str, value: Any) -> Any:
        if value is None:
            return None
        if key == "title":
            return fold(str(value))
        if key == "number":
            return "".join(str(value).split()).casefold()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    return {key: norm(key, gold.get(key)) == norm(key, predicted.get(key))
            for key in HEADER_FIELDS}


@dataclass
class FixtureScore:
    name: str
    counts: Counts
    pairs: list[Pair] = field(default_factory=list)
    header: dict[str, bool] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    def to_json(self, verbose: bool = False) -> Json:
        out: Json = {"fixture": self.name, **self.counts.figures(),
                     "header": self.header, "error": self.error,
                     "seconds": round(self.seconds, 4)}
        if verbose:
            out["mismatches"] = [mismatch_json(p) for p in self.pairs if is_mismatch(p)]
        return out


def score_plan(name: str, gold: Mapping[str, Any], predicted: Mapping[str, Any] | None,
               error: str | None = None, seconds: float = 0.0,
               directory: Directory | None = None) -> FixtureScore:
    """The score of one prediction (a plan's JSON; None when the parser failed)
    against its annotation; with the directory, collectives compare by members."""
    predicted = predicted or {"tasks": []}
    pairs = [pair.judge(directory) for pair in match_tasks(
        list(gold.get("tasks") or []), list(predicted.get("tasks") or []))]
    return FixtureScore(name, count(pairs), pairs,
                        header_matches(gold, predicted) if error is None else {},
                        error, seconds)


def is_mismatch(pair: Pair) -> bool:
    if pair.gold is None:
        return True  # an extra task (invented when it carries a deadline)
    return not (pair.due_ok and pair.lead_ok)


def _brief(task: Mapping[str, Any] | None) -> Json | None:
    if task is None:
        return None
    return {"id": task.get("id"), "text": str(task.get("text", ""))[:80],
            "lead": sorted(unit_keys(task)), "deadline_text": task.get("deadline_text"),
            "due": [json.loads(k) if not k.startswith("malformed:") else k
                    for k in due_key(task.get("due"))]}


def mismatch_json(pair: Pair) -> Json:
    problems = []
    if pair.gold is None:
        problems.append("invented" if pair.predicted and has_deadline(pair.predicted)
                        else "extra")
    elif pair.predicted is None:
        problems.append("missed")
    else:
        if not pair.due_ok:
            problems.append("due")
        if not pair.lead_ok:
            problems.append("lead")
    return {"problems": problems, "matched_by": pair.how,
            "gold": _brief(pair.gold), "predicted": _brief(pair.predicted)}


# --- Fixtures and the parser ----------------------------------------------------------


def load_gold(path: Path) -> Json:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise ValueError(f"{path}: expected a mapping with a list of tasks")
    return data


def fixture_names(directory: Path = FIXTURES) -> list[str]:
    return sorted(p.name[: -len(EXPECTED_SUFFIX)] for p in directory.glob("*" + EXPECTED_SUFFIX))


def document_for(name: str, gold: Mapping[str, Any], directory: Path = FIXTURES) -> Path:
    """The document an annotation describes: its ``source`` field, else the file of
    the same name with a document suffix."""
    if gold.get("source"):
        return directory / str(gold["source"])
    for suffix in DOCUMENT_SUFFIXES:
        if (directory / (name + suffix)).exists():
            return directory / (name + suffix)
    raise FileNotFoundError(f"no document for {name} in {directory}")


Parser = Callable[[str, bytes], Json]


def real_parser() -> Parser:
    """``parse_bytes`` with the directory of bot/data/units.yaml, as JSON."""
    from bot.datafiles import load_directory
    from bot.plan_import import parse_bytes

    directory = load_directory()

    def parse(name: str, data: bytes) -> Json:
        return parse_bytes(name, data, directory).to_json()

    return parse


def failing_parser(message: str) -> Parser:
    def parse(name: str, data: bytes) -> Json:
        raise RuntimeError(message)

    return parse


def score_fixture(name: str, parse: Parser, directory: Path = FIXTURES,
                  units: Directory | None = None) -> FixtureScore:
    gold = load_gold(directory / (name + EXPECTED_SUFFIX))
    document = document_for(name, gold, directory)
    started = time.perf_counter()
    try:
        predicted = parse(document.name, document.read_bytes())
    except Exception as error:  # a parser failure is a figure, not a crash of the scorer
        return score_plan(name, gold, None, f"{type(error).__name__}: {error}",
                          time.perf_counter() - started, units)
    return score_plan(name, gold, predicted, None, time.perf_counter() - started, units)


# --- Output ---------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:.3f}"


def print_table(scores: Sequence[FixtureScore], overall: Counts, verbose: bool) -> None:
    head = (f"{'fixture':<28} {'gold':>4} {'pred':>4} {'dated':>5} {'pdated':>6} "
            f"{'recall':>6} {'prec':>6} {'invent':>6} {'due_acc':>7} {'lead_acc':>8}  header")
    print(head)
    print("-" * len(head))
    for s in scores:
        c = s.counts
        header = "-" if s.error else "".join(
            k[0].upper() if ok else "." for k, ok in s.header.items())
        print(f"{s.name:<28} {c.gold:>4} {c.predicted:>4} {c.gold_dated:>5} "
              f"{c.predicted_dated:>6} {_pct(c.recall):>6} {_pct(c.precision):>6} "
              f"{c.invented:>6} {_pct(c.deadline_accuracy):>7} {_pct(c.lead_accuracy):>8}"
              f"  {header}  {s.seconds * 1000:.0f} ms")
        if s.error:
            print(f"    parser error: {s.error}")
        if verbose:
            for pair in s.pairs:
                if is_mismatch(pair):
                    m = mismatch_json(pair)
                    print(f"    [{', '.join(m['problems'])}] (matched by {m['matched_by']})")
                    print(f"      gold:      {json.dumps(m['gold'], ensure_ascii=False)}")
                    print(f"      predicted: {json.dumps(m['predicted'], ensure_ascii=False)}")
    c = overall
    print("-" * len(head))
    print(f"{'OVERALL':<28} {c.gold:>4} {c.predicted:>4} {c.gold_dated:>5} "
          f"{c.predicted_dated:>6} {_pct(c.recall):>6} {_pct(c.precision):>6} "
          f"{c.invented:>6} {_pct(c.deadline_accuracy):>7} {_pct(c.lead_accuracy):>8}")
    print("header: T title, N number, I issued, Y year (a dot where it differs)")


def main(argv: Sequence[str] | None = None, parse: Parser | None = None,
         directory: Path = FIXTURES) -> int:
    ap = argparse.ArgumentParser(description="Score the plan parser against annotations.")
    ap.add_argument("--fixture", action="append", metavar="NAME",
                    help="score only this fixture (repeatable); NAME without suffixes")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--verbose", action="store_true", help="list every mismatch")
    ap.add_argument("--dir", type=Path, metavar="PATH",
                    help="read the fixtures from PATH (default: tests/data/plans; "
                         "not recursive, so tests/data/plans/heldout is left out)")
    ap.add_argument("--min-recall", type=float, metavar="X")
    ap.add_argument("--min-precision", type=float, metavar="Y")
    ap.add_argument("--max-invented", type=int, metavar="N")
    args = ap.parse_args(argv)
    if args.dir is not None:
        directory = args.dir

    names = fixture_names(directory)
    if args.fixture:
        unknown = [n for n in args.fixture if n not in names]
        if unknown:
            print(f"unknown fixture(s): {', '.join(unknown)}; known: {', '.join(names)}",
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in args.fixture]
    if not names:
        print(f"no *{EXPECTED_SUFFIX} in {directory}", file=sys.stderr)
        return 2
    if parse is None:
        try:
            parse = real_parser()
        except Exception as error:  # the parser package itself does not import
            parse = failing_parser(f"{type(error).__name__}: {error}")

    from bot.datafiles import load_directory

    units = load_directory()
    scores = [score_fixture(name, parse, directory, units) for name in names]
    overall = Counts()
    for s in scores:
        overall.add(s.counts)

    failures = []
    if args.min_recall is not None and overall.recall < args.min_recall:
        failures.append(f"recall {overall.recall:.3f} < {args.min_recall}")
    if args.min_precision is not None and overall.precision < args.min_precision:
        failures.append(f"precision {overall.precision:.3f} < {args.min_precision}")
    if args.max_invented is not None and overall.invented > args.max_invented:
        failures.append(f"invented {overall.invented} > {args.max_invented}")

    if args.json:
        print(json.dumps({"fixtures": [s.to_json(args.verbose) for s in scores],
                          "overall": overall.figures(), "failures": failures},
                         ensure_ascii=False, indent=2))
    else:
        print_table(scores, overall, args.verbose)
        for failure in failures:
            print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

