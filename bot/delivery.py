"""Sending a reply to a chat other than the one being answered: an admin's join
request card, the requester's "approved", a broadcast's progress card — possibly on
another channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.messages import Address, Reply

log = logging.getLogger(__name__)

Deliver = Callable[[str, Reply], Awaitable[str | None]]  # (chat id, reply) → message id
Edit = Callable[[str, str, Reply], Awaitable[None]]  # (chat id, message id, reply)


class Delivery:
    def __init__(self) -> None:
        self._channels: dict[str, Deliver] = {}
        self._editors: dict[str, Edit] = {}

    def register(self, channel: str, deliver: Deliver, edit: Edit | None = None) -> None:
        self._channels[channel] = deliver
        if edit is not None:
            self._editors[channel] = edit

    def can_edit(self, channel: str) -> bool:
        """Whether a message sent on ``channel`` can be changed afterwards (Telegram
        can; Zalo and the terminal cannot)."""
        return channel in self._editors

    async def send(self, address: Address, reply: Reply) -> bool:
        """Deliver; False (and a log line) when the channel is not running or refuses.

        A notification that cannot go out must not break the answer to the person
        who caused it: the approving admin still sees "approved".
        """
        return await self.send_for_id(address, reply) is not None

    async def send_for_id(self, address: Address, reply: Reply) -> str | None:
        """Deliver and return the id of the message sent ("" where the channel has
        no message ids), or None when it could not be sent."""
        deliver = self._channels.get(address.channel)
        if deliver is None:
            log.warning("no running %s channel: a message to chat %s was not sent",
                        address.channel, address.chat_id)
            return None
        try:
            message_id = await deliver(address.chat_id, reply)
        except Exception:
            log.exception("delivery to %s chat %s failed", address.channel, address.chat_id)
            return None
        return message_id if message_id is not None else ""

    async def edit(self, address: Address, message_id: str, reply: Reply) -> bool:
        """Replace a message sent earlier; False when the channel cannot edit or the
        edit failed (the caller decides whether a new message is worth sending)."""
        edit = self._editors.get(address.channel)
        if edit is None or not message_id:
            return False
        try:
            await edit(address.chat_id, message_id, reply)
        except Exception:
            log.exception("editing message %s in %s chat %s failed", message_id,
                          address.channel, address.chat_id)
            return False
        return True
