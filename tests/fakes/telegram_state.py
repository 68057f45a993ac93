"""What the fake Bot API knows: chats, users, messages, members, files, commands,
the webhook and the update queue."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from .telegram_objects import JSONDict, chat_dict, user_dict
from .telegram_queue import UpdateQueue
from .telegram_wire import ApiError, UploadedFile, bad_request

Params = dict[str, Any]


class BotApiState:
    def __init__(self, bot_user: JSONDict, now: Callable[[], float]) -> None:
        self.bot_user = bot_user
        self.now = now  # epoch seconds, for message dates
        self.updates = UpdateQueue()
        self.chats: dict[int, JSONDict] = {}
        self.users: dict[int, JSONDict] = {bot_user["id"]: bot_user}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.left_chats: set[int] = set()
        self.members: dict[int, dict[int, str]] = {}  # chat id → user id → status
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.webhook: JSONDict = {"url": ""}
        self.files: dict[str, UploadedFile] = {}
        self.file_paths: dict[str, str] = {}  # file_path → file_id
        self.answered_queries: set[str] = set()
        self._last_message_id: dict[int, int] = {}
        self._file_numbers = itertools.count(1)

    # --- chats and users ---------------------------------------------------------------

    def chat(self, chat_id: int) -> JSONDict:
        """The chat, made up from the sign of its id when the fake never saw it."""
        return self.chats.setdefault(chat_id, chat_dict(chat_id))

    def user(self, user_id: int) -> JSONDict:
        return self.users.get(user_id) or user_dict(user_id, first_name=f"Người dùng {user_id}")

    def chat_id(self, params: Params) -> int:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username") == chat_id[1:]:
                    return int(chat["id"])
            raise bad_request("chat not found")
        if not isinstance(chat_id, int):
            raise bad_request("chat_id is empty")
        return chat_id

    def writable_chat_id(self, params: Params) -> int:
        """The chat id of a request that posts into the chat, once the bot may."""
        chat_id = self.chat_id(params)
        if chat_id in self.left_chats:
            kind = self.chat(chat_id)["type"]
            if kind == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat_id

    def member_status(self, chat_id: int, user_id: int) -> str:
        if chat_id in self.left_chats and user_id == self.bot_user["id"]:
            return "left"
        return self.members.get(chat_id, {}).get(user_id, "member")

    # --- messages --------------------------------------------------------------------

    def remember_message(self, message: JSONDict, *, overwrite: bool = True) -> None:
        """Store a message; an incoming copy (``overwrite=False``) never replaces what
        the fake already knows, e.g. the bot's current text under a pressed button."""
        chat = message["chat"]
        self.chats[chat["id"]] = chat
        if "from" in message:
            self.users[message["from"]["id"]] = message["from"]
        key = (chat["id"], message["message_id"])
        if overwrite or key not in self.messages:
            self.messages[key] = message
        last = self._last_message_id.get(chat["id"], 0)
        self._last_message_id[chat["id"]] = max(last, message["message_id"])

    def new_message(self, chat_id: int, content: JSONDict) -> JSONDict:
        """A message from the bot, numbered after the chat's last one."""
        message = {
            "message_id": self._last_message_id.get(chat_id, 0) + 1,
            "from": self.bot_user,
            "chat": self.chat(chat_id),
            "date": int(self.now()),
            **content,
        }
        self.remember_message(message)
        return message

    def stored_message(self, params: Params, missing: str) -> JSONDict:
        message = self.messages.get((self.chat_id(params), params.get("message_id", 0)))
        if message is None:
            raise bad_request(missing)
        return message

    def observe(self, update: JSONDict) -> None:
        """Learn the chats, users and messages an incoming update mentions."""
        for kind in ("message", "edited_message", "channel_post"):
            if kind in update:
                self.remember_message(update[kind], overwrite=False)
        if "callback_query" in update:
            query = update["callback_query"]
            self.users[query["from"]["id"]] = query["from"]
            if "message" in query:
                self.remember_message(query["message"], overwrite=False)
        if "my_chat_member" in update:
            change = update["my_chat_member"]
            self.chats[change["chat"]["id"]] = change["chat"]
            if change["new_chat_member"]["status"] in ("left", "kicked"):
                self.left_chats.add(change["chat"]["id"])
            else:
                self.left_chats.discard(change["chat"]["id"])

    # --- files and commands ----------------------------------------------------------

    def store_file(self, upload: UploadedFile, kind: str) -> str:
        """Keep an upload; returns its new file_id."""
        number = next(self._file_numbers)
        file_id = f"{kind}-file-{number}"
        self.files[file_id] = upload
        suffix = "" if upload.filename is None else "_" + upload.filename
        self.file_paths[f"{kind}s/file_{number}{suffix}"] = file_id
        return file_id

    @staticmethod
    def commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        """Commands are kept per (scope, language); chat ids in a scope compare as ints."""
        scope = scope or {"type": "default"}
        if isinstance(scope, dict) and str(scope.get("chat_id", "")).lstrip("-").isdigit():
            scope = scope | {"chat_id": int(scope["chat_id"])}
        return json.dumps(scope, sort_keys=True), str(language_code or "")
