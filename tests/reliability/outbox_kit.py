"""What the outbox holds after a run, matched to what the platform recorded: each row
with the texts the Telegram channel sends for it, and the report line a reliability
test prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from telegram.constants import MessageLimit

from bot.messages import reply_from_payload
from bot.rich import split_lines, to_html
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from tests.fakes.telegram_api import Call, FakeTelegramApi


@dataclass(frozen=True)
class Row:
    key: str
    chat_id: str
    status: str
    kind: str
    sender: str  # the worker name of claimed_by
    attempts: int
    texts: tuple[str, ...]  # what the Telegram channel sends for it, message by message


async def outbox_rows(database_url: str) -> list[Row]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            found = (await session.scalars(select(OutboxMessage))).all()
            rows = []
            for message in found:
                # As deliver_once: the reply's HTML, in chunks of Telegram's length limit.
                texts = split_lines(to_html(reply_from_payload(message.payload).body),
                                    MessageLimit.MAX_TEXT_LENGTH)
                rows.append(Row(message.key, message.chat_id, message.status, message.kind,
                                (message.claimed_by or "").partition("@")[0],
                                message.attempts, tuple(texts)))
    finally:
        await engine.dispose()
    return rows


def expected_messages(rows: Iterable[Row]) -> Counter[tuple[str, str]]:
    return Counter((row.chat_id, text) for row in rows for text in row.texts)


def accepted_sends(api: FakeTelegramApi) -> list[Call]:
    return [call for call in api.calls_to("sendMessage") if call.ok]


def message_of(call: Call) -> tuple[str, str]:
    return str(call.params["chat_id"]), str(call.params["text"])


def deliveries(api: FakeTelegramApi) -> Counter[tuple[str, str]]:
    """(chat, text) of every message the platform accepted, with multiplicity."""
    return Counter(message_of(call) for call in accepted_sends(api))


def describe(label: str, **numbers: Any) -> None:
    print(f"\n[reliability] {label}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()))
