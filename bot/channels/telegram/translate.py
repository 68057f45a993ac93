"""Telegram ``Update`` → neutral ``Incoming``. Nothing else; no sending, no storage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from telegram import Chat, ChatMember, Message, Update

from bot.messages import ChatEvent, ChatKind, Incoming, Media

CHANNEL = "telegram"
_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER,
            ChatMember.RESTRICTED}
_GONE = {ChatMember.LEFT, ChatMember.BANNED}


def _kind(chat: Chat) -> ChatKind:
    return ChatKind.PRIVATE if chat.type == Chat.PRIVATE else ChatKind.GROUP


def _membership_event(update: Update, received_at: datetime) -> Incoming | None:
    change = update.my_chat_member
    if change is None:
        return None
    old, new = change.old_chat_member.status, change.new_chat_member.status
    if new in _PRESENT and old in _GONE:
        event = ChatEvent.BOT_ADDED
    elif new in _GONE and old not in _GONE:
        event = ChatEvent.BOT_REMOVED
    else:
        return None  # e.g. promoted to admin: nothing changes for us
    return Incoming(channel=CHANNEL, chat_id=str(change.chat.id),
                    user_id=str(change.from_user.id), received_at=received_at,
                    chat_kind=_kind(change.chat), chat_title=change.chat.title,
                    display_name=change.from_user.full_name,
                    language_code=change.from_user.language_code, event=event)


def _typed(node: object, fields: Mapping[str, type],
           required: tuple[str, ...] = ("id",)) -> bool:
    """``node`` is an object with its ``required`` fields, and its present ``fields``
    have the given types."""
    if not isinstance(node, dict) or any(node.get(key) is None for key in required):
        return False
    return all(node.get(key) is None or (isinstance(node[key], kind)
                                         and (kind is bool or not isinstance(node[key], bool)))
               for key, kind in fields.items())


_CHAT = {"id": int, "type": str, "title": str}
_USER = {"id": int, "is_bot": bool, "first_name": str, "last_name": str,
         "username": str, "language_code": str}
_MESSAGE = {"message_id": int, "date": int, "text": str, "caption": str,
            "migrate_to_chat_id": int}


def _message_typed(message: object) -> bool:
    return (_typed(message, _MESSAGE, ("message_id",)) and isinstance(message, dict)
            and _typed(message.get("chat"), _CHAT)
            and (message.get("from") is None or _typed(message["from"], _USER)))


def well_typed(data: dict[str, object]) -> bool:
    """Whether a webhook body has the JSON types the Bot API documents for the fields
    we read. PTB's ``de_json`` does not check them: a wrong type would fail later, in
    the handler, as an error instead of a refused request."""
    if not _typed(data, {"update_id": int}, ("update_id",)):
        return False
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if kind in data and not _message_typed(data[kind]):
            return False
    if "callback_query" in data:
        query = data["callback_query"]
        if not (_typed(query, {"id": str, "data": str}) and isinstance(query, dict)
                and _typed(query.get("from"), _USER)
                and (query.get("message") is None or _message_typed(query["message"]))):
            return False
    if "my_chat_member" in data:
        change = data["my_chat_member"]
        if not (isinstance(change, dict) and _typed(change.get("chat"), _CHAT)
                and _typed(change.get("from"), _USER)):
            return False
    return True


def sender_id(data: dict[str, object]) -> str | None:
    """Who sent a well-typed update's message or button press, read from the JSON
    before decoding it; None for anything else (a membership change, a migration:
    events, never throttled)."""
    for kind in ("message", "callback_query"):
        node = data.get(kind)
        if isinstance(node, dict):
            sender = node.get("from")
            if node.get("migrate_to_chat_id") is None and isinstance(sender, dict):
                return str(sender["id"])
            return None
    return None


def _addressed_elsewhere(text: str, bot_username: str | None) -> bool:
    """"/due@OtherBot" in a group is for another bot: not ours to answer."""
    head = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    _, at, addressee = head.partition("@")
    return bool(at) and bot_username is not None and addressee.lower() != bot_username.lower()


def _media(message: Message) -> Media | None:
    """A photo (its largest size) or a document, by Telegram's file id."""
    if message.photo:
        return Media("photo", CHANNEL, message.photo[-1].file_id)
    if message.document is not None:
        return Media("document", CHANNEL, message.document.file_id,
                     message.document.file_name)
    return None


def to_incoming(update: Update, received_at: datetime,
                bot_username: str | None = None) -> Incoming | None:
    """The neutral message, or None for what the bot does not act on (edited
    messages, channel posts, service messages other than a migration, commands
    addressed to another bot)."""
    if update.my_chat_member is not None:
        return _membership_event(update, received_at)
    if (query := update.callback_query) is not None:
        message = query.message
        if message is None or query.data is None:
            return None  # an inline-mode or too-old button: no chat to answer in
        return Incoming(channel=CHANNEL, chat_id=str(message.chat.id),
                        user_id=str(query.from_user.id), received_at=received_at,
                        chat_kind=_kind(message.chat), display_name=query.from_user.full_name,
                        language_code=query.from_user.language_code, choice=query.data,
                        message_id=str(message.message_id), chat_title=message.chat.title)
    message = update.message
    if message is None:
        return None
    if message.migrate_to_chat_id is not None:
        # A service message, sometimes without a sender.
        sender = str(message.from_user.id) if message.from_user else ""
        return Incoming(channel=CHANNEL, chat_id=str(message.chat.id), user_id=sender,
                        received_at=received_at, chat_kind=ChatKind.GROUP,
                        event=ChatEvent.MIGRATED, migrated_to=str(message.migrate_to_chat_id))
    if message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text or message.caption or ""
    if _addressed_elsewhere(text, bot_username):
        return None
    return Incoming(channel=CHANNEL, chat_id=str(message.chat.id),
                    user_id=str(message.from_user.id), received_at=received_at,
                    text=text, chat_kind=_kind(message.chat),
                    display_name=message.from_user.full_name,
                    language_code=message.from_user.language_code,
                    message_id=str(message.message_id), chat_title=message.chat.title,
                    media=_media(message), forwarded=message.forward_origin is not None)
