"""The neutral message types every channel translates to and from.

A channel adapter turns a Telegram update, a Zalo event or a line typed in the
terminal into an ``Incoming``; handlers answer with ``Reply`` objects; the adapter
renders them (buttons on Telegram, a numbered list where there are none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.rich import Rich, Span, Style


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class ChatEvent(StrEnum):
    """Things that happen to a chat rather than messages in it."""

    BOT_ADDED = "bot_added"
    BOT_REMOVED = "bot_removed"
    MIGRATED = "migrated"  # a Telegram group became a supergroup: new chat id


@dataclass(frozen=True)
class Address:
    channel: str
    chat_id: str


@dataclass(frozen=True)
class Media:
    """A photo or document the platform already holds, by the platform's own id:
    what an admin sent to be broadcast. Only ``channel`` can send it again by id;
    elsewhere it degrades to its caption and a note."""

    kind: str  # "photo" | "document"
    channel: str
    file_id: str
    filename: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "channel": self.channel, "file_id": self.file_id,
                "filename": self.filename}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Media:
        filename = data.get("filename")
        return cls(str(data["kind"]), str(data["channel"]), str(data["file_id"]),
                   str(filename) if filename else None)


@dataclass(frozen=True)
class Incoming:
    channel: str  # "telegram", "zalo", "local"
    chat_id: str
    user_id: str
    received_at: datetime  # tz-aware; "today" for the handlers comes from here
    text: str = ""
    chat_kind: ChatKind = ChatKind.PRIVATE
    display_name: str = ""
    language_code: str | None = None
    choice: str | None = None  # the data of a chosen option (button / numbered reply)
    message_id: str | None = None
    chat_title: str | None = None
    event: ChatEvent | None = None
    migrated_to: str | None = None  # with ChatEvent.MIGRATED
    media: Media | None = None  # a photo or document sent with (or instead of) text
    forwarded: bool = False  # forwarded from another chat


@dataclass(frozen=True)
class Option:
    label: str
    data: str  # short ASCII, ≤ 64 bytes: Telegram's callback_data limit

    def __post_init__(self) -> None:
        if not self.data or not self.data.isascii() or len(self.data) > 64:
            raise ValueError(f"option data must be 1-64 ASCII characters: {self.data!r}")


@dataclass(frozen=True)
class Attachment:
    """A file the bot made (a spreadsheet, a chart): sent as a document, or as a
    picture when it is an image."""

    filename: str
    content: bytes
    mime_type: str

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True)
class Reply:
    body: Rich
    options: tuple[tuple[Option, ...], ...] = field(default=())  # rows of choices
    edit: bool = False  # replace the message whose option was chosen
    attachment: Attachment | None = None
    to: Address | None = None  # another chat (an admin, the requester); None: this one
    media: Media | None = None  # a platform file to send again, the body as its caption
    # A short answer to a button press: a pop-up on the button where the channel has
    # one (Telegram), an ordinary message elsewhere.
    notice: bool = False


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """A reply as JSON, for an outbox row: it is rendered by the channel at send time."""
    payload: dict[str, Any] = {
        "body": [[span.text, span.style.value] for span in reply.body.spans],
        "options": [[[o.label, o.data] for o in row] for row in reply.options],
    }
    if reply.media is not None:
        payload["media"] = reply.media.to_dict()
    return payload


def reply_from_payload(payload: dict[str, Any]) -> Reply:
    body = Rich(tuple(Span(str(text), Style(style)) for text, style in payload.get("body", [])))
    options = tuple(tuple(Option(str(label), str(data)) for label, data in row)
                    for row in payload.get("options", []))
    media = payload.get("media")
    return Reply(body, options=options,
                 media=Media.from_dict(media) if isinstance(media, dict) else None)
