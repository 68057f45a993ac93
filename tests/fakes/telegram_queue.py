"""The queue of updates waiting for ``getUpdates``, with Telegram's offset rules."""

from __future__ import annotations

from typing import Any

from .telegram_objects import JSONDict

# Update types Telegram leaves out unless allowed_updates names them.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    def __init__(self) -> None:
        self._updates: list[JSONDict] = []
        self._next_id = 1
        # None until a client names the types it wants; Telegram keeps the last choice.
        self.allowed_updates: list[str] | None = None

    def push(self, update: JSONDict) -> JSONDict:
        """Queue a copy of the update, numbering it when it has no update_id."""
        queued = dict(update)
        queued.setdefault("update_id", self._next_id)
        self._next_id = max(self._next_id, int(queued["update_id"]) + 1)
        self._updates.append(queued)
        return queued

    def _wanted(self, update: JSONDict) -> bool:
        kind = update_type(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_UPDATE_TYPES

    def poll(self, offset: Any, limit: Any) -> list[JSONDict]:
        """Confirm the updates below ``offset`` and return the next ``limit`` ones.

        A negative offset keeps only the last ``-offset`` updates, as Telegram does.
        Updates of types the client does not want are dropped, never delivered.
        """
        if isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        elif isinstance(offset, int):
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._updates = [u for u in self._updates if self._wanted(u)]
        count = limit if isinstance(limit, int) and 1 <= limit <= 100 else 100
        return self._updates[:count]

    def has_wanted(self) -> bool:
        return any(self._wanted(update) for update in self._updates)

    def clear(self) -> None:
        self._updates.clear()

    def __len__(self) -> int:
        return len(self._updates)
