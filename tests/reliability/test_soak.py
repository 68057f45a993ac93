"""Soak, compressed: twenty simulated minutes of officers asking, updating and pressing
buttons, the reminder engine ticking (the 08:00 reminders fire ten minutes in), two
broadcasts, the outbox drained every minute — through the Telegram webhook, on the
injected clock (``bench.soak``'s traffic; ``python -m bench.soak`` runs the hour).

What must stay bounded does: nothing due is left in the outbox after a drain, the
lanes and the webhook's in-flight count are back to zero, the throttle keeps only the
users of the last minute or two, no asyncio task is left behind, and the memory
Python holds (tracemalloc, after a full collection) does not grow once warm."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from bench.soak import Soak, soak_bot

MINUTES = 20
OFFICERS = 24
PER_MINUTE = 10
WARM = 12  # past the first broadcast (5) and the 08:00 reminders (10): caches are full
# Retained memory may wobble (a connection pool, the allocator's free lists, the
# SQL compilation cache) but not grow: 256 KiB over the last eight minutes — about 80
# messages, a broadcast to 24 and eight ticks — would be a leak of some 3 KiB a
# message. The warm bot holds ≈ 5.3 MiB; once warm the figure moved < 50 KiB here.
SLACK_KIB = 256


async def test_twenty_compressed_minutes_grow_nothing(tmp_path: Path) -> None:
    async with soak_bot(tmp_path) as tg:
        soak = Soak(tg, officers=OFFICERS, per_minute=PER_MINUTE, minutes=MINUTES)
        tracemalloc.start()
        try:
            samples = await soak.run()
        finally:
            tracemalloc.stop()
        calls_kept = len(tg.api.calls)
    assert soak.broadcasts == 2 and calls_kept == 0
    assert [s.minute for s in samples] == list(range(1, MINUTES + 1))
    # Everything sent, every minute: the reminders and the broadcasts went out.
    assert max(s.outbox_rows for s in samples) > 2 * OFFICERS  # two broadcasts, reminders
    assert all(s.outbox_due == 0 for s in samples)
    # Only the admin's own copy of a notice waits a moment; it is gone a minute later.
    assert all(s.outbox_pending == 0 for s in samples if s.minute not in soak.broadcast_at)
    assert all(s.lanes_busy == 0 and s.in_flight == 0 for s in samples)
    # The throttle forgets idle users: two minutes' worth of writers at most (and the
    # admin), not all 24 officers (as before: every user until 100,000).
    assert all(s.throttle_windows <= 2 * PER_MINUTE + 1 for s in samples)
    assert all(s.ptb_chat_data == 0 and s.ptb_user_data == 0 for s in samples)
    warm = [s for s in samples if s.minute >= WARM]
    early = [s for s in samples if s.minute < WARM]
    # No task left behind: a leak of one per minute or per message would show here.
    assert max(s.tasks for s in warm) <= max(s.tasks for s in early) + 1
    grown = warm[-1].traced_kib - warm[0].traced_kib
    assert grown < SLACK_KIB, [(s.minute, s.traced_kib) for s in samples]
    assert max(s.traced_kib for s in warm) - min(s.traced_kib for s in warm) < 2 * SLACK_KIB
