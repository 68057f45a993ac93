"""Zalo events → neutral messages: both body shapes, the bot's own echo dropped,
groups only when enabled and addressed by mention, malformed events ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.channels.zalo.translate import event_key, strip_mention, to_incoming, unwrap
from bot.messages import ChatKind, Media

NOW = datetime(2023, 8, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
BOT = "9001"


def event(text: str = "/due", *, user: str = "u1", chat: str | None = None,
          chat_type: str = "PRIVATE", name: str = "message.text.received",
          message_id: str = "m1", **message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "from": {"id": user, "display_name": "Lan", "is_bot": False},
        "chat": {"id": user if chat is None else chat, "chat_type": chat_type},
        "text": text, "message_id": message_id, "date": 1691632800000,
    }
    body.update(message)
    return {"event_name": name, "message": body}


def test_both_body_shapes() -> None:
    bare = event()
    assert unwrap(bare) is bare
    assert unwrap({"ok": True, "result": bare}) is bare
    for junk in (None, [], "x", {"ok": False, "result": bare}, {"result": {"a": 1}}, {}):
        assert unwrap(junk) is None


def test_a_text_message() -> None:
    incoming = to_incoming(event("tháng này phải làm gì"), NOW, bot_id=BOT)
    assert incoming is not None
    assert (incoming.channel, incoming.chat_id, incoming.user_id, incoming.text,
            incoming.chat_kind, incoming.display_name, incoming.message_id) == (
        "zalo", "u1", "u1", "tháng này phải làm gì", ChatKind.PRIVATE, "Lan", "m1")
    assert incoming.received_at == NOW  # the app's clock decides "today"


def test_a_photo_with_its_caption() -> None:
    photo = event(name="message.image.received", photo="https://f.zalo.me/p.jpg",
                  caption="Lịch trực")
    incoming = to_incoming(photo, NOW, bot_id=BOT)
    assert incoming is not None and incoming.text == "Lịch trực"
    assert incoming.media == Media("photo", "zalo", "https://f.zalo.me/p.jpg")


@pytest.mark.parametrize("bad", [
    event(user=BOT),  # our own message, echoed back
    {"event_name": "message.text.received", "message": {
        "from": {"id": "x", "is_bot": True}, "chat": {"id": "x"}, "text": "hi"}},
    event(name="message.sticker.received"), event(name="message.unsupported.received"),
    event(name="user.joined"), {"event_name": "message.text.received"},
    {"event_name": "message.text.received", "message": {"from": {}, "chat": {}}},
    event(user=""), event(user="x" * 500), event(chat=""),
    {"event_name": "message.text.received", "message": "hello"},
])
def test_what_the_bot_does_not_act_on(bad: dict[str, Any]) -> None:
    assert to_incoming(bad, NOW, bot_id=BOT) is None


def test_groups_only_when_enabled_and_the_mention_is_dropped() -> None:
    group = event("@Nhắc việc /due", chat="g1", chat_type="GROUP")
    assert to_incoming(group, NOW, bot_id=BOT) is None
    incoming = to_incoming(group, NOW, bot_id=BOT, bot_name="Nhắc việc", groups=True)
    assert incoming is not None and incoming.chat_kind is ChatKind.GROUP
    assert (incoming.chat_id, incoming.user_id, incoming.text) == ("g1", "u1", "/due")
    assert strip_mention("@nhắc việc, tháng này?", "Nhắc việc") == "tháng này?"
    assert strip_mention("hỏi @Nhắc việc", "Nhắc việc") == "hỏi @Nhắc việc"


def test_the_same_event_has_the_same_key() -> None:
    assert event_key(event(message_id="42")) == "message.text.received:42"
    assert event_key(event(message_id="42")) != event_key(
        event(message_id="42", name="message.image.received"))
    assert event_key({"event_name": "message.text.received", "message": {}}) is None
