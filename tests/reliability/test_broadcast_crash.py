"""A broadcast survives its bot being killed: the real ``nhacviec run`` process sends
a broadcast to the fake Bot API, is SIGKILLed mid-way, twice, and restarted; in the
end every recipient has the message, and the only repeats are messages that were in
flight at a kill (the platform had them, the dead process never heard back) — at
most one per kill, counted. The restarted process also finishes the broadcast: the
admin's card gets its summary exactly once.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import running_app
from bot.audience import Audience, AudienceKind
from bot.config import Settings
from bot.members import MemberRole
from bot.units import UnitKind
from bot.usecases.broadcasts import Content
from tests.fakes.telegram_api import FakeTelegramApi
from tests.reliability.bot_process import bot_process
from tests.telegram_harness import START

RECIPIENTS = 150
ADMIN = 9001
UNITS = ("so-tp", "so-tc", "so-xd", "so-yt", "so-ct")
KILL_AFTER = (40, 90)  # delivered messages at which the bot is killed
RUN_TIMEOUT = 90.0  # real seconds; the run takes a fraction of that
HEADER = "📢 Thông báo"


async def _prepare(url: str, api: FakeTelegramApi) -> int:
    """Officers, and a broadcast to all of them queued as the Send button does."""
    settings = Settings(database_url=url, admins=(f"telegram:{ADMIN}",))
    async with running_app(settings, clock=lambda: START) as app:
        for n in range(RECIPIENTS):
            user = str(100_000 + n)
            await app.services.enroll("telegram", user, unit_id=UNITS[n % len(UNITS)],
                                      role=MemberRole.OFFICER, at=START,
                                      display_name=f"Cán bộ {n}", chat_id=user)
        broadcasts = app.usecases.broadcasts
        draft = await broadcasts.draft(Content("Họp khẩn lúc 15h"), creator=None, actor="test",
                                       language="vi", now=START)
        await broadcasts.choose(draft.id, Audience(AudienceKind.UNIT_KIND,
                                                   unit_kind=UnitKind.DEPARTMENT))
        card = api.state.new_message(ADMIN, {"text": "card"})
        await broadcasts.send(draft.id, now=START, control_channel="telegram",
                              control_chat_id=str(ADMIN),
                              control_message_id=str(card["message_id"]))
        return draft.id


@asynccontextmanager
async def _bot(url: str, api: FakeTelegramApi, log: Path) -> AsyncIterator[
        asyncio.subprocess.Process]:
    settings = {
        "NHACVIEC_DATABASE_URL": url, "NHACVIEC_TELEGRAM_TOKEN": api.token,
        "NHACVIEC_TELEGRAM_API_URL": api.api_url, "NHACVIEC_ADMINS": f"telegram:{ADMIN}",
        "NHACVIEC_HTTP_PORT": "0", "NHACVIEC_OUTBOX_RATE": "200",
        "NHACVIEC_OUTBOX_LEASE_SECONDS": "2", "NHACVIEC_BROADCAST_PROGRESS_SECONDS": "0.5",
    }
    async with bot_process(settings, log, left_running=signal.SIGTERM) as process:
        yield process


def _deliveries(api: FakeTelegramApi) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in api.calls_to("sendMessage")
                   if c.ok and HEADER in str(c.params.get("text")))


async def test_killed_twice_mid_broadcast(database_url: str, backend: str,
                                          tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (the ``database_url`` fixture runs it on both)."""
    url = database_url
    log = tmp_path / "bot.log"
    async with FakeTelegramApi() as api:
        # Every message takes a moment, so a kill lands while one is in flight.
        api.fail_next("sendMessage", "slow", times=10 * RECIPIENTS, delay=0.01)
        number = await _prepare(url, api)
        async with asyncio.timeout(RUN_TIMEOUT):
            for kill_at in KILL_AFTER:
                async with _bot(url, api, log) as process:
                    await api.wait_for("sendMessage", count=kill_at, timeout=RUN_TIMEOUT,
                                       predicate=lambda c: HEADER in str(c.params.get("text")))
                    process.send_signal(signal.SIGKILL)
                    await process.wait()
            async with _bot(url, api, log):
                await api.wait_until(
                    lambda: len(set(_deliveries(api)) - {ADMIN}) >= RECIPIENTS,
                    timeout=RUN_TIMEOUT)
                await api.wait_for("editMessageText", timeout=RUN_TIMEOUT,
                                   predicate=lambda c: c.ok and "Đã gửi xong thông báo"
                                   in str(c.params.get("text")))
    delivered = _deliveries(api)
    recipients = {100_000 + n for n in range(RECIPIENTS)}
    assert set(delivered) == recipients, log.read_text()[-3000:]
    repeats = sum(delivered.values()) - len(delivered)
    print(f"{backend}: {sum(delivered.values())} messages for {len(delivered)} recipients, "
          f"{repeats} repeated after {len(KILL_AFTER)} kills")
    assert repeats <= len(KILL_AFTER)
    summaries = [c for c in api.calls_to("editMessageText")
                 if c.ok and "Đã gửi xong thông báo" in str(c.params.get("text"))]
    assert len(summaries) == 1
    assert f"#{number}" in summaries[0].params["text"]
    assert f"Đã gửi {RECIPIENTS} · lỗi 0 · còn lại 0" in summaries[0].params["text"]
