"""SIGTERM stops the real ``nhacviec run`` process gracefully: an update accepted
before the signal is answered, webhooks posted after it get 503 (Telegram sends
them again), the outbox finishes the message in flight and hands the rest back,
the process exits 0 — and the restarted process sends what was left, nobody twice.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.app import running_app
from bot.channels.telegram.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.config import Settings
from storage import outbox as outbox_store
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.telegram_updates import message_update
from tests.reliability.bot_process import bot_process
from tests.telegram_harness import START

SECRET = "shutdown-test-secret"
ADMIN = 9001
ASKER = 4242
NOTICES = 120
HEADER = "Thông báo kiểm thử"
TIMEOUT = 60.0  # real seconds, a safety net: the test takes a few


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _queue_notices(url: str) -> None:
    settings = Settings(database_url=url, admins=(f"telegram:{ADMIN}",))
    async with running_app(settings, clock=lambda: START) as app, app.sessions.begin() as session:
        drafts = [outbox_store.OutboxDraft(
            key=f"shutdown/{n}", channel="telegram", chat_id=str(100_000 + n),
            payload={"body": [[f"{HEADER} {n}", "plain"]]}, not_before=START)
            for n in range(NOTICES)]
        assert await outbox_store.enqueue_many(session, drafts, at=START) == NOTICES


async def _statuses(url: str) -> Counter[str]:
    async with running_app(Settings(database_url=url), clock=lambda: START) as app, \
            app.sessions() as session:
        rows = await session.execute(select(OutboxMessage.status, func.count())
                                     .group_by(OutboxMessage.status))
        return Counter({status: count for status, count in rows})


@asynccontextmanager
async def _bot(url: str, api: FakeTelegramApi, port: int, log: Path) -> AsyncIterator[
        asyncio.subprocess.Process]:
    settings = {
        "NHACVIEC_DATABASE_URL": url, "NHACVIEC_TELEGRAM_TOKEN": api.token,
        "NHACVIEC_TELEGRAM_API_URL": api.api_url, "NHACVIEC_ADMINS": f"telegram:{ADMIN}",
        "NHACVIEC_WEBHOOK_URL": "https://bot.example.gov.vn",
        "NHACVIEC_WEBHOOK_SECRET": SECRET, "NHACVIEC_HTTP_PORT": str(port),
        "NHACVIEC_OUTBOX_RATE": "100", "NHACVIEC_LOG_FORMAT": "json",
    }
    async with bot_process(settings, log, left_running=signal.SIGKILL) as process:
        yield process


async def _healthy(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)


async def _post(port: int, update: dict[str, object]) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}{WEBHOOK_PATH}", json=update,
            headers={SECRET_HEADER: SECRET}) as response:
        return response.status


def _notices(api: FakeTelegramApi) -> Counter[str]:
    return Counter(str(c.params["chat_id"]) for c in api.calls_to("sendMessage")
                   if c.ok and HEADER in str(c.params.get("text")))


async def test_sigterm_finishes_what_it_took_and_loses_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    log = tmp_path / "bot.log"
    port = _free_port()
    async with FakeTelegramApi() as api:
        # The answer to the question takes a second to reach Telegram: SIGTERM comes
        # while it is in flight. The notices take a moment each, so some are left.
        api.fail_next("sendMessage", "slow", chat_id=ASKER, delay=1.0)
        api.fail_next("sendMessage", "slow", times=10 * NOTICES, delay=0.02)
        await _queue_notices(url)
        async with asyncio.timeout(TIMEOUT):
            async with _bot(url, api, port, log) as process:
                await _healthy(port)
                await api.wait_until(lambda: len(_notices(api)) >= 10, timeout=TIMEOUT)
                update = message_update("/help", user_id=ASKER, update_id=1)
                assert await _post(port, update) == 200  # accepted: to be answered
                process.send_signal(signal.SIGTERM)
                await asyncio.sleep(0.2)  # the answer is still on its way
                late = message_update("/help", user_id=ASKER + 1, update_id=2)
                assert await _post(port, late) == 503  # Telegram keeps it for later
                assert await process.wait() == 0, log.read_text()[-3000:]
            answered = [c for c in api.calls_to("sendMessage")
                        if str(c.params.get("chat_id")) == str(ASKER) and c.ok]
            assert len(answered) == 1 and "Nhắc việc" in answered[0].params["text"]
            assert not any(str(c.params.get("chat_id")) == str(ASKER + 1)
                           for c in api.calls_to("sendMessage"))
            first_run = _notices(api)
            statuses = await _statuses(url)
            assert statuses["sending"] == 0  # nothing held: the rest was handed back
            assert statuses["sent"] == len(first_run) and max(first_run.values()) == 1
            assert statuses["pending"] == NOTICES - len(first_run) > 0

            async with _bot(url, api, port, log) as process:
                await api.wait_until(lambda: len(_notices(api)) >= NOTICES, timeout=TIMEOUT)
                process.send_signal(signal.SIGTERM)
                assert await process.wait() == 0, log.read_text()[-3000:]
    delivered = _notices(api)
    assert len(delivered) == NOTICES and max(delivered.values()) == 1  # nobody twice
    assert (await _statuses(url))["sent"] == NOTICES
    assert '"message": "stopped cleanly"' in log.read_text()
