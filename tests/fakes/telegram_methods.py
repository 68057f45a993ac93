"""The Bot API methods the fake answers, by name.

Each method takes the decoded parameters and returns the ``result`` of the answer or
raises ApiError with Telegram's status and description. Nothing here touches HTTP;
``getUpdates`` waits, so the server answers it itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import telegram_messages as messages
from .telegram_objects import JSONDict, chat_member_dict, full_chat_dict
from .telegram_state import BotApiState, Params
from .telegram_wire import bad_request

Method = Callable[[Params], Any]

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PORTS = (80, 88, 443, 8443)


def set_webhook(state: BotApiState, params: Params) -> bool:
    url = str(params.get("url", ""))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in _WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    if "allowed_updates" in params:
        state.updates.allowed_updates = params["allowed_updates"]
    state.webhook = {"url": url}
    state.webhook |= {key: params[key] for key in ("secret_token", "allowed_updates",
                                                    "max_connections") if key in params}
    return True


def delete_webhook(state: BotApiState, params: Params) -> bool:
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = {"url": ""}
    return True


def get_webhook_info(state: BotApiState, params: Params) -> JSONDict:
    info: JSONDict = {
        "url": state.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if state.webhook["url"]:
        info["max_connections"] = state.webhook.get("max_connections", 40)
        if "allowed_updates" in state.webhook:
            info["allowed_updates"] = state.webhook["allowed_updates"]
    return info


def _commands_key(params: Params) -> tuple[str, str]:
    return BotApiState.commands_key(params.get("scope"), params.get("language_code"))


def set_my_commands(state: BotApiState, params: Params) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not _COMMAND.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_commands_key(params)] = commands
    return True


def delete_my_commands(state: BotApiState, params: Params) -> bool:
    state.commands.pop(_commands_key(params), None)
    return True


def get_chat_member(state: BotApiState, params: Params) -> JSONDict:
    chat_id = state.chat_id(params)
    user_id = params.get("user_id")
    if not isinstance(user_id, int):
        raise bad_request("user_id is empty")
    return chat_member_dict(state.user(user_id), state.member_status(chat_id, user_id))


def get_chat_administrators(state: BotApiState, params: Params) -> list[JSONDict]:
    chat_id = state.chat_id(params)
    if state.chat(chat_id)["type"] == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        chat_member_dict(state.user(user_id), status)
        for user_id, status in state.members.get(chat_id, {}).items()
        if status in ("creator", "administrator")
    ]


def leave_chat(state: BotApiState, params: Params) -> bool:
    state.left_chats.add(state.chat_id(params))
    return True


def method_table(state: BotApiState) -> dict[str, Method]:
    """Every method the fake answers except getUpdates, bound to ``state``."""
    return {
        "getMe": lambda params: state.bot_user,
        "setWebhook": lambda params: set_webhook(state, params),
        "deleteWebhook": lambda params: delete_webhook(state, params),
        "getWebhookInfo": lambda params: get_webhook_info(state, params),
        "sendMessage": lambda params: messages.send_message(state, params),
        "editMessageText": lambda params: messages.edit_message_text(state, params),
        "editMessageReplyMarkup": lambda params: messages.edit_message_reply_markup(
            state, params
        ),
        "deleteMessage": lambda params: messages.delete_message(state, params),
        "answerCallbackQuery": lambda params: messages.answer_callback_query(state, params),
        "sendChatAction": lambda params: messages.send_chat_action(state, params),
        "sendDocument": lambda params: messages.send_file(state, params, "document"),
        "sendPhoto": lambda params: messages.send_file(state, params, "photo"),
        "getFile": lambda params: messages.get_file(state, params),
        "setMyCommands": lambda params: set_my_commands(state, params),
        "getMyCommands": lambda params: state.commands.get(_commands_key(params), []),
        "deleteMyCommands": lambda params: delete_my_commands(state, params),
        "getChat": lambda params: full_chat_dict(state.chat(state.chat_id(params))),
        "getChatMember": lambda params: get_chat_member(state, params),
        "getChatAdministrators": lambda params: get_chat_administrators(state, params),
        "leaveChat": lambda params: leave_chat(state, params),
    }
