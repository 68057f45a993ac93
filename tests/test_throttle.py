"""Flood control with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.throttle import Throttle, Verdict

T0 = datetime(2023, 8, 10, 9, 0, tzinfo=UTC)


def test_a_flood_is_warned_once_then_dropped_then_let_through_again() -> None:
    throttle = Throttle(limit=3, per=timedelta(minutes=1))
    verdicts = [throttle.check("a", T0 + timedelta(seconds=i)) for i in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    # Another user is not affected.
    assert throttle.check("b", T0 + timedelta(seconds=5)) is Verdict.ALLOW
    # A minute after the first message, there is room again.
    assert throttle.check("a", T0 + timedelta(seconds=60)) is Verdict.ALLOW


def test_steady_use_is_never_throttled() -> None:
    throttle = Throttle(limit=20, per=timedelta(minutes=1))
    for i in range(200):  # one message every 4 seconds: 15 a minute
        assert throttle.check("a", T0 + timedelta(seconds=4 * i)) is Verdict.ALLOW


def test_memory_is_bounded() -> None:
    throttle = Throttle(limit=2, per=timedelta(minutes=1), max_tracked=100)
    for i in range(1000):
        throttle.check(f"user{i}", T0 + timedelta(minutes=i))
    assert len(throttle._windows) <= 100


def test_idle_users_are_forgotten_within_two_windows() -> None:
    """Memory follows the users of the last minute or two, not everyone who ever
    wrote (before: every user stayed until 100,000 were tracked)."""
    throttle = Throttle(limit=2, per=timedelta(minutes=1))
    for i in range(1000):  # a new user every 10 s, for almost three hours
        throttle.check(f"user{i}", T0 + timedelta(seconds=10 * i))
        assert throttle.tracked <= 13  # two minutes' worth of users, and the new one
    # Forgetting an idle user forgets nothing that matters: their window was empty.
    late = T0 + timedelta(seconds=10 * 1000)
    assert throttle.check("user0", late) is Verdict.ALLOW


def test_dropping_says_what_check_would_without_checking() -> None:
    throttle = Throttle(limit=2, per=timedelta(minutes=1))
    times = [T0 + timedelta(seconds=i) for i in range(5)]
    seen = []
    for at in times:
        seen.append((throttle.dropping("a", at), throttle.check("a", at)))
    assert seen == [(False, Verdict.ALLOW), (False, Verdict.ALLOW), (False, Verdict.WARN),
                    (True, Verdict.DROP), (True, Verdict.DROP)]
    assert not throttle.dropping("a", T0 + timedelta(seconds=60))  # room again
    assert not throttle.dropping("b", T0)
