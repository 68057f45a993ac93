"""bot/memo.py: least recently used first out; objects in keys by identity."""

from __future__ import annotations

from bot.memo import Memo, Same


def test_the_least_recently_used_goes_first() -> None:
    memo: Memo[str] = Memo(2)
    memo.put("a", "A")
    memo.put("b", "B")
    assert memo.get("a") == "A"  # a is now the most recent
    memo.put("c", "C")
    assert (memo.get("a"), memo.get("b"), memo.get("c"), len(memo)) == ("A", None, "C", 2)


def test_objects_in_keys_are_the_same_object_not_an_equal_one() -> None:
    memo: Memo[str] = Memo(4)
    first, equal = [1, 2], [1, 2]
    memo.put((Same(first), "vi"), "rendered")
    assert memo.get((Same(first), "vi")) == "rendered"
    assert memo.get((Same(equal), "vi")) is None
    assert Same(first) != first
