"""Reading percentages and statuses out of short progress notes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.progress_text import InvalidUpdate, UpdateStatus, parse_update

DONE, BLOCKED, WIP = UpdateStatus.DONE, UpdateStatus.BLOCKED, UpdateStatus.IN_PROGRESS


@pytest.mark.parametrize(("text", "status", "percent"), [
    ("xong 80%, đã trình UBND", DONE, 80),
    ("Đã hoàn thành", DONE, None),
    ("hoan thanh 100%", DONE, 100),
    ("đã nộp báo cáo kỳ 22/8", DONE, None),
    ("da gui bao cao", DONE, None),
    ("100%", DONE, 100),
    ("chưa xong, đạt 60%", WIP, 60),
    ("chua hoan thanh", WIP, None),
    ("đang rà soát 45 %", WIP, 45),
    ("đạt 12,5%", WIP, 12),
    ("vướng GPMB, mới 30%", BLOCKED, 30),
    ("gặp khó khăn về vốn", BLOCKED, None),
    ("chậm do thời tiết", BLOCKED, None),
    ("xong phần 1 nhưng vướng phần 2", BLOCKED, None),
    ("done 90%", DONE, 90),
    ("stuck waiting for the ministry", BLOCKED, None),
    ("đang triển khai", WIP, None),
    ("0%", WIP, 0),
])
def test_parse(text: str, status: UpdateStatus, percent: int | None) -> None:
    parsed = parse_update(text)
    assert (parsed.status, parsed.percent) == (status, percent)


def test_whitespace_is_tidied_and_text_kept() -> None:
    assert parse_update("  xong\n\n80%  ").text == "xong 80%"


@pytest.mark.parametrize("text", ["", "   ", "150%", "x" * 1001])
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidUpdate):
        parse_update(text)


@given(st.text(max_size=300))
def test_never_crashes_on_any_text(text: str) -> None:
    try:
        parsed = parse_update(text)
    except InvalidUpdate:
        return
    assert parsed.percent is None or 0 <= parsed.percent <= 100
