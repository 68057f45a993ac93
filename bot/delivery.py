"""Sending a reply to a chat other than the one being answered: an admin's join
request card, the requester's "approved" — possibly on another channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.messages import Address, Reply

log = logging.getLogger(__name__)

Deliver = Callable[[str, Reply], Awaitable[None]]  # (chat id, reply)


class Delivery:
    def __init__(self) -> None:
        self._channels: dict[str, Deliver] = {}

    def register(self, channel: str, deliver: Deliver) -> None:
        self._channels[channel] = deliver

    async def send(self, address: Address, reply: Reply) -> bool:
        """Deliver; False (and a log line) when the channel is not running or refuses.

        A notification that cannot go out must not break the answer to the person
        who caused it: the approving admin still sees "approved".
        """
        deliver = self._channels.get(address.channel)
        if deliver is None:
            log.warning("no running %s channel: a message to chat %s was not sent",
                        address.channel, address.chat_id)
            return False
        try:
            await deliver(address.chat_id, reply)
        except Exception:
            log.exception("delivery to %s chat %s failed", address.channel, address.chat_id)
            return False
        return True
