"""Zalo Bot Platform events → neutral ``Incoming``. Nothing else: no sending, no
storage. Pure.

The documentation wraps a webhook body as ``{"ok": true, "result": {event}}``;
running adapters report the bare event. Both are accepted. Ids are strings. The
event's own date is not used: the app's clock decides "today", as on Telegram.
Events from the bot itself (its own messages echoed back) and anything malformed
give None.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.messages import ChatKind, Incoming, Media

CHANNEL = "zalo"
TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
UNSUPPORTED = "message.unsupported.received"
MAX_ID_LENGTH = 128  # Zalo's ids are short digit strings; anything longer is not one


def unwrap(body: Any) -> dict[str, Any] | None:
    """The event of a webhook body or a getUpdates result, in either shape."""
    if not isinstance(body, dict):
        return None
    if "event_name" in body:
        return body
    result = body.get("result")
    if body.get("ok") is True and isinstance(result, dict) and "event_name" in result:
        return result
    return None


def _id(value: Any) -> str | None:
    """A platform id: a non-empty string (or a number, written as one)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= MAX_ID_LENGTH else None


def event_key(event: dict[str, Any]) -> str | None:
    """What makes an event itself: the platform may deliver one twice."""
    message = event.get("message")
    message_id = _id(message.get("message_id")) if isinstance(message, dict) else None
    name = event.get("event_name")
    return f"{name}:{message_id}" if isinstance(name, str) and message_id else None


def strip_mention(text: str, bot_name: str | None) -> str:
    """A group message addressed to the bot starts with its name ("@Nhắc việc …")."""
    stripped = text.lstrip()
    mention = f"@{bot_name}" if bot_name else None
    if mention and stripped.casefold().startswith(mention.casefold()):
        return stripped[len(mention):].lstrip(" ,:")
    return text


def to_incoming(event: dict[str, Any], received_at: datetime, *, bot_id: str | None,
                bot_name: str | None = None, groups: bool = False) -> Incoming | None:
    """The neutral message, or None for what the bot does not act on: its own
    messages, stickers and unsupported content, group messages unless groups are
    enabled, and anything malformed."""
    name = event.get("event_name")
    message = event.get("message")
    if name not in (TEXT, IMAGE) or not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict):
        return None
    user_id, chat_id = _id(sender.get("id")), _id(chat.get("id"))
    if user_id is None or chat_id is None:
        return None
    if sender.get("is_bot") is True or (bot_id is not None and user_id == bot_id):
        return None  # our own message, echoed back
    kind = ChatKind.GROUP if str(chat.get("chat_type", "")).upper() == "GROUP" \
        else ChatKind.PRIVATE
    if kind is ChatKind.GROUP and not groups:
        return None
    text = message.get("text") if name == TEXT else message.get("caption")
    text = text if isinstance(text, str) else ""
    if kind is ChatKind.GROUP:
        text = strip_mention(text, bot_name)
    media = None
    photo = message.get("photo")
    if name == IMAGE and isinstance(photo, str) and photo.startswith(("https://", "http://")):
        media = Media("photo", CHANNEL, photo)
    display = sender.get("display_name")
    return Incoming(
        channel=CHANNEL, chat_id=chat_id, user_id=user_id,
        received_at=received_at,
        text=text, chat_kind=kind, display_name=display if isinstance(display, str) else "",
        message_id=_id(message.get("message_id")), media=media)
