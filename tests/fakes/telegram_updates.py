"""Incoming Telegram updates as the plain JSON dicts the Bot API delivers.

Feed them to ``FakeTelegramApi.push_update`` (polling) or to ``Update.de_json``
(webhook). ``update_id`` is left out unless given: ``push_update`` numbers updates.
"""

from __future__ import annotations

import itertools
import time

from .telegram_html import utf16_length
from .telegram_objects import (
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USERNAME,
    JSONDict,
    bot_user_dict,
    chat_dict,
    chat_member_dict,
    user_dict,
)

_message_ids = itertools.count(1)
_query_ids = itertools.count(1)


def _update(kind: str, payload: JSONDict, update_id: int | None) -> JSONDict:
    update: JSONDict = {} if update_id is None else {"update_id": update_id}
    update[kind] = payload
    return update


def _chat_for(
    chat_id: int | None, user_id: int, chat_type: str, first_name: str, title: str | None
) -> JSONDict:
    if chat_id is None:
        if chat_type != "private":
            raise ValueError(f"a {chat_type} chat needs a chat_id")
        chat_id = user_id
    return chat_dict(chat_id, chat_type, title=title, first_name=first_name)


def message_update(
    text: str,
    *,
    user_id: int,
    chat_id: int | None = None,
    chat_type: str = "private",
    first_name: str = "Cán bộ",
    username: str | None = None,
    language_code: str | None = "vi",
    message_id: int | None = None,
    chat_title: str | None = None,
    date: int | None = None,
    update_id: int | None = None,
    photo: str | None = None,
    document: tuple[str, str] | None = None,
    forwarded_from: int | None = None,
) -> JSONDict:
    """A text message from a user; a leading "/command" gets its bot_command entity.

    With ``photo`` (a file id) or ``document`` (file id, file name) the text is the
    caption; ``forwarded_from`` (a user id) makes it a forwarded message."""
    message: JSONDict = {
        "message_id": next(_message_ids) if message_id is None else message_id,
        "date": int(time.time()) if date is None else date,
        "chat": _chat_for(chat_id, user_id, chat_type, first_name, chat_title),
        "from": user_dict(
            user_id, first_name=first_name, username=username, language_code=language_code
        ),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
        ]
    if photo is not None or document is not None:
        caption = message.pop("text")
        message.pop("entities", None)
        if caption:
            message["caption"] = caption
        if photo is not None:
            message["photo"] = [{"file_id": photo, "file_unique_id": f"u-{photo}",
                                 "width": w, "height": h} for w, h in ((90, 68), (1280, 960))]
        if document is not None:
            file_id, file_name = document
            message["document"] = {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                                   "file_name": file_name}
    if forwarded_from is not None:
        message["forward_origin"] = {
            "type": "user", "date": message["date"],
            "sender_user": user_dict(forwarded_from, first_name="Người gửi gốc"),
        }
    return _update("message", message, update_id)


def callback_update(
    data: str,
    *,
    user_id: int,
    chat_id: int | None = None,
    message_id: int,
    message_text: str = "…",
    chat_type: str = "private",
    first_name: str = "Cán bộ",
    username: str | None = None,
    language_code: str | None = "vi",
    chat_title: str | None = None,
    query_id: str | None = None,
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """A press on an inline button under the bot's message ``message_id``."""
    chat = _chat_for(chat_id, user_id, chat_type, first_name, chat_title)
    query: JSONDict = {
        "id": str(next(_query_ids)) if query_id is None else query_id,
        "from": user_dict(
            user_id, first_name=first_name, username=username, language_code=language_code
        ),
        "chat_instance": f"instance{chat['id']}",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": int(time.time()) if date is None else date,
            "chat": chat,
            "from": bot_user_dict(bot_id, bot_username),
            "text": message_text,
        },
    }
    return _update("callback_query", query, update_id)


def my_chat_member_update(
    *,
    chat_id: int,
    chat_type: str = "group",
    title: str,
    by_user_id: int,
    old_status: str,
    new_status: str,
    by_first_name: str = "Cán bộ",
    bot_id: int = DEFAULT_BOT_ID,
    bot_username: str = DEFAULT_BOT_USERNAME,
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """The bot's own membership changed, e.g. "left" → "member" when added to a group."""
    bot = bot_user_dict(bot_id, bot_username)
    change: JSONDict = {
        "chat": chat_dict(chat_id, chat_type, title=title),
        "from": user_dict(by_user_id, first_name=by_first_name),
        "date": int(time.time()) if date is None else date,
        "old_chat_member": chat_member_dict(bot, old_status),
        "new_chat_member": chat_member_dict(bot, new_status),
    }
    return _update("my_chat_member", change, update_id)


def migrate_update(
    old_chat_id: int,
    new_chat_id: int,
    *,
    title: str = "Nhóm",
    by_user_id: int | None = None,
    date: int | None = None,
    update_id: int | None = None,
) -> JSONDict:
    """The service message in the old group saying it became supergroup ``new_chat_id``."""
    message: JSONDict = {
        "message_id": next(_message_ids),
        "date": int(time.time()) if date is None else date,
        "chat": chat_dict(old_chat_id, "group", title=title),
        "migrate_to_chat_id": new_chat_id,
    }
    if by_user_id is not None:
        message["from"] = user_dict(by_user_id)
    return _update("message", message, update_id)
