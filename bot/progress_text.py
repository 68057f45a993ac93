"""Reading a short progress update: "xong 80%, đã trình UBND". Pure.

Officers write a sentence, not a form. The percentage is the number before "%";
the status comes from words: "xong", "hoàn thành", "đã nộp" mean done; "vướng",
"khó khăn", "chậm" mean blocked; anything else is in progress. "chưa xong" is not
done, and a blocker outweighs everything else, because it is what an admin must see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.text import fold

MAX_UPDATE_LENGTH = 1000  # a progress note, not a report: the report goes by file


class UpdateStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class ParsedUpdate:
    text: str
    status: UpdateStatus
    percent: int | None


class InvalidUpdate(ValueError):
    """The text cannot be stored as it is; the message says why (an English key)."""


_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d+)?)\s*%")
_BLOCKED = re.compile(
    r"\b(vuong|vuong mac|kho khan|cham|tre|chua the|tac|ach tac|blocked|stuck|delayed|"
    r"behind)\b"
)
_NOT_DONE = re.compile(r"\b(chua|khong|not|not yet)\s+(xong|hoan thanh|nop|gui|done|finished)\b")
_DONE = re.compile(
    r"\b(xong|hoan thanh|da nop|da gui|da bao cao|da trinh xong|hoan tat|done|completed|"
    r"finished|submitted)\b"
)


def parse_update(text: str) -> ParsedUpdate:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidUpdate("empty")
    if len(cleaned) > MAX_UPDATE_LENGTH:
        raise InvalidUpdate("too long")
    percent = None
    if match := _PERCENT.search(cleaned):
        value = float(match.group(1).replace(",", "."))
        if value > 100:
            raise InvalidUpdate("percent over 100")
        percent = round(value)
    folded = fold(cleaned)
    if _BLOCKED.search(folded):
        status = UpdateStatus.BLOCKED
    elif _NOT_DONE.search(folded):
        status = UpdateStatus.IN_PROGRESS
    elif _DONE.search(folded) or percent == 100:
        status = UpdateStatus.DONE
    else:
        status = UpdateStatus.IN_PROGRESS
    return ParsedUpdate(cleaned, status, percent)
