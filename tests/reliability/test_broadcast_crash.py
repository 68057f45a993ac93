"""A broadcast survives its bot being killed: the real ``nhacviec run`` process sends
a broadcast to the fake Bot API, is SIGKILLed mid-way ten times, at points drawn from
a seed, and restarted each time; in the end every recipient has the message, and the
only repeats are messages that were in flight at a kill (the platform had them, the
dead process never heard back) — at most one per kill, counted. The last process
also finishes the broadcast: the admin's card gets its summary exactly once.
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
from tests.fakes.telegram_api import Call, FakeTelegramApi
from tests.reliability.bot_process import bot_process
from tests.reliability.crash_kit import (
    KillPlan,
    bot_settings,
    count_repeats,
    crash_seed,
    kill_repeatedly,
)
from tests.reliability.outbox_kit import describe
from tests.telegram_harness import START

RECIPIENTS = 150
ADMIN = 9001
UNITS = ("so-tp", "so-tc", "so-xd", "so-yt", "so-ct")
SEED = 9  # of the kill points
RUN_TIMEOUT = 300.0  # real seconds for the whole run, a safety net (it took 60-110 s)
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
    settings = bot_settings(url, api, NHACVIEC_ADMINS=f"telegram:{ADMIN}",
                            NHACVIEC_BROADCAST_PROGRESS_SECONDS="0.5")
    async with bot_process(settings, log, left_running=signal.SIGTERM,
                           imported_ahead=True) as process:
        yield process


def _is_broadcast(call: Call) -> bool:
    return call.ok and HEADER in str(call.params.get("text"))


def _is_summary(call: Call) -> bool:
    """The admin's card, edited to say the broadcast is done."""
    return call.ok and "Đã gửi xong thông báo" in str(call.params.get("text"))


def _recipients_served(api: FakeTelegramApi) -> list[int]:
    """The chat of every accepted broadcast message, in order, repeats included."""
    return [int(c.params["chat_id"]) for c in api.calls_to("sendMessage") if _is_broadcast(c)]


async def test_killed_ten_times_mid_broadcast(database_url: str, backend: str,
                                              tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (the ``database_url`` fixture runs it on both)."""
    url = database_url
    log = tmp_path / "bot.log"
    plan = KillPlan.draw(crash_seed(SEED), RECIPIENTS)
    print(f"\n{backend}: kill seed {plan.seed}, killed after {list(plan.points)} messages")
    async with FakeTelegramApi() as api:
        # Every message takes a moment, so a kill lands while one is in flight.
        api.fail_next("sendMessage", "slow", times=10 * RECIPIENTS, delay=0.01)
        number = await _prepare(url, api)

        async def finished() -> None:
            await api.wait_until(lambda: len(set(_recipients_served(api))) >= RECIPIENTS,
                                 timeout=RUN_TIMEOUT)
            await api.wait_for("editMessageText", timeout=RUN_TIMEOUT, predicate=_is_summary)

        async with asyncio.timeout(RUN_TIMEOUT):
            lives = await kill_repeatedly(api, plan, lambda: _bot(url, api, log),
                                          lambda: _recipients_served(api), finished,
                                          timeout=RUN_TIMEOUT)
    delivered = Counter(_recipients_served(api))
    recipients = Counter(100_000 + n for n in range(RECIPIENTS))
    try:
        repeats = count_repeats(delivered, recipients, lives)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{log.read_text()[-3000:]}") from None
    describe(f"broadcast, {backend}", seed=plan.seed, kills=repeats.kills,
             messages=delivered.total(), recipients=len(delivered),
             repeats=repeats.describe())
    summaries = [c for c in api.calls_to("editMessageText") if _is_summary(c)]
    assert len(summaries) == 1
    assert f"#{number}" in summaries[0].params["text"]
    assert f"Đã gửi {RECIPIENTS} · lỗi 0 · còn lại 0" in summaries[0].params["text"]
