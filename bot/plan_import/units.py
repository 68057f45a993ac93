"""Units in a plan's sentences: who a clause names as its actor, and what those names
are in the directory. Pure.

Plans name the actor first ("Sở Tài chính chủ trì …", "UBND các huyện … thành lập …",
"- Cục Thuế tỉnh: …", "Các sở: Xây dựng, Tài nguyên và Môi trường, …") and partners
after "phối hợp (với|cùng)". A name ends where the action starts: at a colon, at
"chủ trì"/"phối hợp", or at the first verb of the clause. What is found is kept as
written; ``UnitResolver`` says which directory unit it is, or offers suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.matching import UnitMatcher
from bot.plan_import.model import Suggestion, UnitRef
from bot.text import fold
from bot.units import Directory

# The first word(s) of a unit's name, folded. "Ban" alone is too common a word
# ("Ban hành …"): a "Ban" must be followed by a capitalised word, checked below.
_HEADS = (
    "so", "ubnd", "uy ban", "ban", "bql", "cuc", "chi cuc", "vien", "trung tam", "cong an",
    "bo chi huy", "van phong", "thanh tra", "kho bac", "bao hiem", "dai", "bao", "hoi",
    "lien minh", "lien doan", "tinh doan", "to", "thu truong", "chu tich", "co quan",
    "cac", "hdnd", "mat tran", "truong", "benh vien", "quy", "ngan hang", "cong ty",
    "doanh nghiep", "phong", "don vi", "dia phuong", "huyen", "thi xa", "thanh pho",
    "nganh", "cap", "tong cong ty", "nhung",
)
# Words that start the action: a unit's name never contains them. Folded; single
# syllables only where they are verbs on their own ("gửi", "lập", "trình" …).
_VERBS = frozenset(["gui", "lap", "trinh", "phai", "can", "nop", "giup"])
_TWO_WORD_VERBS = frozenset(
    a + " " + b for a, b in (
        ("thuc", "hien"), ("trien", "khai"), ("to", "chuc"), ("xay", "dung"), ("ra", "soat"),
        ("tong", "hop"), ("bao", "cao"), ("day", "nhanh"), ("day", "manh"), ("tang", "cuong"),
        ("tham", "muu"), ("huong", "dan"), ("kiem", "tra"), ("theo", "doi"), ("don", "doc"),
        ("thanh", "lap"), ("ban", "hanh"), ("nghien", "cuu"), ("tap", "trung"),
        ("chu", "dong"), ("phoi", "hop"), ("chu", "tri"), ("lam", "viec"), ("tiep", "tuc"),
        ("hoan", "thien"), ("hoan", "thanh"), ("khan", "truong"), ("nghiem", "tuc"),
        ("tiep", "nhan"), ("cung", "cap"), ("de", "xuat"), ("giai", "quyet"),
        ("quan", "ly"), ("thao", "go"), ("phat", "huy"), ("ho", "tro"), ("dam", "bao"),
        ("dieu", "chinh"), ("phe", "duyet"), ("giam", "sat"), ("danh", "gia"),
        ("kiem", "dem"), ("xu", "ly"), ("thu", "hoi"), ("chi", "dao"), ("yeu", "cau"),
        ("de", "nghi"), ("co", "trach"), ("cap", "nhat"), ("nang", "cao"), ("thuc", "day"),
        ("khuyen", "khich"), ("kiem", "soat"), ("lua", "chon"), ("thu", "hut"),
        ("ung", "dung"), ("xac", "dinh"), ("quan", "triet"), ("nam", "bat"),
        ("phan", "cong"), ("van", "dong"), ("tuyen", "truyen"), ("sap", "xep"),
        ("bo", "tri"), ("duy", "tri"), ("mo", "rong"), ("khao", "sat"), ("thong", "ke"),
        ("trao", "doi"), ("doi", "thoai"), ("tu", "van"), ("uu", "tien"),
        ("quyet", "liet"), ("tich", "cuc"), ("tiep", "xuc"), ("chuan", "bi"),
        ("phan", "dau"), ("boi", "duong"), ("dao", "tao"), ("van", "hanh"),
        ("tham", "dinh"), ("kien", "toan"), ("so", "ket"), ("tong", "ket"),
        ("phan", "bo"), ("ky", "ket"), ("kiem", "diem"), ("thong", "bao"), ("cong", "bo"),
        ("pho", "bien"), ("khac", "phuc"), ("ngan", "chan"), ("phong", "chong"),
        ("phong", "ngua"), ("hoan", "tat"), ("bao", "dam"), ("bao", "ve"), ("giai", "ngan"),
        ("nghiem", "thu"), ("quyet", "toan"), ("mua", "sam"), ("thi", "hanh"),
        ("tap", "huan"), ("so", "hoa"), ("chuyen", "doi"), ("tich", "hop"), ("ket", "noi"),
        ("dang", "ky"), ("xuc", "tien"), ("keu", "goi"), ("bien", "soan"),
        ("phat", "hanh"), ("lay", "y"), ("tiep", "thu"), ("hoan", "chinh"),
        ("thong", "nhat"), ("chap", "hanh"), ("phat", "trien"), ("thuc", "thi"),
        ("can", "cu"), ("du", "kien"), ("tong", "ra"), ("tiep", "can"),
        ("phat", "dong"), ("cham", "soc"),
        ("tang", "thu"), ("chiu", "trach"),
        ("co", "nhiem"), ("la", "co"), ("la", "don"), ("la", "dau"),
    ))
# Words a clause may open with before its actor: "Yêu cầu các chủ đầu tư …",
# "Giao Sở Tài chính …", "Đề nghị …", "đồng thời …".
_LEADING_WORDS = re.compile(
    r"^(?:(?:yêu cầu|giao cho|giao|đề nghị|trong đó|đồng thời|riêng|theo đó|các đơn vị"
    r" sau:)\s*[:,]?\s+)+", re.IGNORECASE)
_COLON_OPENER = re.compile(r"^([^:;.()]{3,120}?)\s*:\s*(?=\S)")
_LEAD_WORD = re.compile(r"\s+(?:chủ trì|là cơ quan chủ trì|làm đầu mối|là đầu mối)\b",
                        re.IGNORECASE)
_PARTNERS = re.compile(
    r"\b(?:phối hợp(?:\s+(?:chặt chẽ\s+)?(?:với|cùng))?|cùng với)\s+(.+?)"
    r"(?=\s+(?:để|nhằm|trong|tổ chức|thực hiện|triển khai|xây dựng|rà soát|tổng hợp"
    r"|nghiên cứu|tham mưu|báo cáo|đánh giá|hướng dẫn|hoàn thiện|đôn đốc|theo dõi|kiểm"
    r" tra|làm việc|giải quyết|tháo gỡ|khẩn trương)\b"
    r"|,\s*(?:hàng|hằng|trong|trước|định kỳ|xong|chậm nhất|thường xuyên)\b|[;.:(]|$)",
    re.IGNORECASE)
_LIST_OF_DEPARTMENTS = re.compile(r"^(Các sở|Các Sở|Sở)\s*:\s*(.+)$")
# Vietnamese capitals spelt out: a range such as À-Ỹ would take in lower case too.
UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_CAPITALISED = re.compile(f"^[{UPPER}0-9]")
MAX_NAME_WORDS = 24
# What "Các …" may go on with to name units: "Các chủ đầu tư", "Các doanh nghiệp …".
_COLLECTIVE_NOUNS = frozenset(
    ["chu", "nha", "doanh", "dia", "huyen", "xa", "phuong", "nganh", "cap", "so", "ban",
     "to", "hoi", "truong"])
_ROLE = re.compile(r"^(?:thủ trưởng|chủ tịch|giám đốc|lãnh đạo|người đứng đầu|trưởng ban)"
                   r"\s+(?:các\s+(?=cơ quan|đơn vị)|của\s+)?", re.IGNORECASE)
# Words that continue a collective's name after a comma: "Các sở, ban, ngành, địa
# phương", "UBND các huyện, thị xã, thành phố".
_PARTS = frozenset(["ban", "nganh", "dia", "cap", "huyen", "thi", "thanh", "xa", "phuong"])
_GENERIC = frozenset(fold(name) for name in (
    "các cơ quan, đơn vị liên quan", "các cơ quan liên quan", "các đơn vị liên quan",
    "các cơ quan, đơn vị có liên quan", "các đơn vị có liên quan", "các cơ quan, đơn vị",
    "các đơn vị", "các cơ quan", "các ngành liên quan", "cơ quan liên quan",
    "đơn vị liên quan", "các sở ngành liên quan"))


@dataclass(frozen=True)
class Actors:
    """Who a clause names: its lead(s) as written, and partners as written."""

    lead: tuple[str, ...] = ()
    coordinating: tuple[str, ...] = ()


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    """One word folded; words repeat endlessly in a plan, so each is folded once."""
    return fold(word).strip(",;:")


def _is_verb_at(folded_words: list[str], index: int) -> bool:
    word = folded_words[index]
    pair = " ".join(folded_words[index:index + 2])
    return pair in _TWO_WORD_VERBS or word in _VERBS


def _starts_like_a_unit(text: str) -> bool:
    folded = " ".join(_fold_word(w) for w in text.split()[:4])
    if " ".join(folded.split()[:2]) in _TWO_WORD_VERBS and \
            not _CAPITALISED.match(text.split()[1] if len(text.split()) > 1 else ""):
        return False  # "Tổ chức thực hiện …", "Thực hiện …": an action, no actor
    for head in _HEADS:
        if folded == head or folded.startswith(head + " "):
            if head == "cac":  # "Các sở …", "Các chủ đầu tư", not "Các nhiệm vụ …"
                rest_words = folded.split()[1:]
                return bool(rest_words) and (_starts_like_a_unit(" ".join(
                    text.split()[1:])) or rest_words[0] in _COLLECTIVE_NOUNS)
            if head == "ban":  # "Ban Dân tộc", "Ban quản lý …", not "Ban hành"
                rest = text.split(None, 2)
                return len(rest) > 1 and fold(rest[1]) != "hanh" and (
                    bool(_CAPITALISED.match(rest[1])) or fold(rest[1]) in ("quan", "chi"))
            return True
    return False


def _name_before_verb(text: str) -> str | None:
    """The unit name a clause opens with, up to its first verb; None if it opens
    with no unit."""
    if not _starts_like_a_unit(text):
        return None
    words = text.split()[:MAX_NAME_WORDS + 2]
    if len(words) == 1:
        return text.rstrip(" ,;:")
    folded = [_fold_word(w) for w in words]
    for index in range(1, min(len(words), MAX_NAME_WORDS + 1)):
        # A capitalised word belongs to a name: "Viện Nghiên cứu Phát triển …".
        if _is_verb_at(folded, index) and not _CAPITALISED.match(words[index]):
            name = " ".join(words[:index]).rstrip(" ,;:")
            return name or None
    return None


def strip_leading_words(clause: str) -> str:
    return _LEADING_WORDS.sub("", clause.strip()).strip()


def clear_caches() -> None:
    """Forget every word and clause seen (benchmarks measure a cold parse)."""
    _fold_word.cache_clear()
    clause_actors.cache_clear()


@lru_cache(maxsize=8192)
def clause_actors(clause: str) -> Actors:
    """The actor(s) a clause opens with, and its partners ("phối hợp với …")."""
    text = strip_leading_words(clause)
    lead: tuple[str, ...] = ()
    if (departments := _LIST_OF_DEPARTMENTS.match(text)) is not None:
        lead = _department_list(departments.group(2))
    elif (lead_word := _LEAD_WORD.search(text)) is not None and \
            _starts_like_a_unit(text[:lead_word.start()]) and lead_word.start() < 160:
        lead = split_names(text[:lead_word.start()])
    elif (opener := _COLON_OPENER.match(text)) is not None and \
            _starts_like_a_unit(opener.group(1)):
        lead = split_names(opener.group(1))
    elif text.endswith(":") and _starts_like_a_unit(text) and len(text) < 160:
        lead = split_names(text[:-1])  # "- Sở Nông nghiệp và PTNT:" heads its bullets
    elif (name := _name_before_verb(text)) is not None:
        lead = split_names(name)
    partners: list[str] = []
    for found in _PARTNERS.finditer(text):
        if _starts_like_a_unit(found.group(1)):
            partners.extend(n for n in split_names(found.group(1))
                            if fold(n) not in _GENERIC)
    return Actors(tuple(n for n in lead if fold(n) not in _GENERIC), tuple(partners))


def _department_list(rest: str) -> tuple[str, ...]:
    """"Các sở: Xây dựng, Tài nguyên và Môi trường, Công an tỉnh,... tháo gỡ …" →
    "Sở Xây dựng", "Sở Tài nguyên và Môi trường", "Công an tỉnh"."""
    names = []
    for piece in re.split(r",|;", rest):
        words = piece.strip(" .…").split()
        folded = [fold(w) for w in words]
        end = next((k for k in range(len(words)) if _is_verb_at(folded, k)
                    and not _CAPITALISED.match(words[k])), len(words))
        if end:
            name = " ".join(words[:end])
            names.append(name if _starts_like_a_unit(name) else f"Sở {name}")
        if end < len(words):
            break  # the action began inside this piece
    return tuple(names)


def split_names(span: str) -> tuple[str, ...]:
    """A span naming one or several units, split into names as written. Collective
    names hold commas ("Các sở, ban, ngành, địa phương"): the whole span is tried
    first by the caller's resolver; here commas and ";" separate only where the next
    piece starts like a unit."""
    span = span.strip(" ,;:.…").removesuffix(",...").strip()
    if not span:
        return ()
    pieces = [p.strip(" .…") for p in re.split(r"\s*[,;]\s*", span)]
    names: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if names and (not _starts_like_a_unit(piece) or fold(piece).split()[0] in _PARTS):
            names[-1] = f"{names[-1]}, {piece}"  # "Các sở, ban, ngành, địa phương"
        else:
            names.append(piece)
    return tuple(names)


class UnitResolver:
    """Names as written → directory units, with suggestions for the unknown."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.matcher = UnitMatcher(directory)
        self._resolve = lru_cache(maxsize=4096)(self._resolve_uncached)

    def resolve(self, written: str) -> UnitRef:
        return self._resolve(written)

    def _resolve_uncached(self, written: str) -> UnitRef:
        # "Sở Nông nghiệp và PTNT (cơ quan thường trực Ban Chỉ đạo)": the aside is not
        # part of the name.
        cleaned = re.sub(r"\s*\([^)]*\)", "", written.strip()) or written.strip()
        cleaned = re.sub(r"\s+(?:có liên quan|liên quan)$", "", cleaned)
        # "Thủ trưởng các sở", "Chủ tịch UBND các huyện": the head stands for the unit.
        cleaned = _ROLE.sub("", cleaned) or cleaned
        match = self.matcher.best(cleaned, include_collectives=True)
        if match is not None:
            return UnitRef(written, self.directory.successor(match.unit_id))
        suggestions = tuple(Suggestion(m.unit_id, m.name)
                            for m in self.matcher.rank(cleaned, limit=3, min_score=50.0))
        return UnitRef(written, None, suggestions)

    def refs(self, names: tuple[str, ...]) -> tuple[UnitRef, ...]:
        """Resolved, with a span that names one collective kept whole."""
        refs: list[UnitRef] = []
        whole = ", ".join(names)
        if len(names) > 1 and (ref := self.resolve(whole)).unit_id is not None:
            return (ref,)  # one collective, written with commas
        for name in names:
            ref = self.resolve(name)
            if ref.unit_id is None and " và " in name:
                parts = [self.resolve(p.strip()) for p in name.split(" và ")]
                if all(p.unit_id for p in parts) and len(parts) > 1:
                    refs.extend(parts)
                    continue
            if ref.unit_id is None and "," in name:
                parts = [self.resolve(p.strip()) for p in name.split(",") if p.strip()]
                if parts and all(p.unit_id for p in parts):
                    refs.extend(parts)
                    continue
            refs.append(ref)
        unique: dict[str, UnitRef] = {}
        for ref in refs:
            unique.setdefault(ref.unit_id or ref.written, ref)
        return tuple(unique.values())
