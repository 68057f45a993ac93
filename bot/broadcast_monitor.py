"""Watching running broadcasts: the admin's card shows progress at most every few
seconds and ends with the summary; a broadcast a crash left half-queued is queued to
the end. Woken periodically by the scheduler, like the reminder tick; everything it
knows is in the database, so a restart (or a second process) carries on.

Progress edits the card where the channel can edit a message (Telegram); elsewhere
(Zalo, the terminal) only the summary is sent, as a new message, so a chat is not
flooded with a message every few seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.delivery import Delivery
from bot.messages import Address, Reply
from bot.rich import to_plain
from bot.units import Directory
from bot.usecases.broadcasts import Broadcast, Broadcasts, Progress
from storage.broadcasts import Delivered
from storage.models_broadcasts import BroadcastStatus

log = logging.getLogger(__name__)

# A broadcast still "queueing" this long after Send was pressed was interrupted
# (the handler queues 10,000 rows in a couple of seconds): resume it.
STALLED_QUEUEING = timedelta(minutes=1)


class CardRenderer(Protocol):
    def __call__(self, broadcast: Broadcast, progress: Progress, directory: Directory, *,
                 final: bool, unreachable: list[Delivered]) -> Reply: ...


class BroadcastMonitor:
    def __init__(self, broadcasts: Broadcasts, delivery: Delivery, render: CardRenderer, *,
                 directory: Callable[[], Directory], every_seconds: float) -> None:
        self.broadcasts = broadcasts
        self.delivery = delivery
        self.render = render
        self.directory = directory
        self.every_seconds = every_seconds

    async def tick(self, now: datetime) -> int:
        """Look at every unfinished broadcast; how many were finished now."""
        finished = 0
        for broadcast in await self.broadcasts.unfinished():
            try:
                finished += await self._watch(broadcast, now)
            except Exception:  # one broken broadcast must not stop the others
                log.exception("broadcast %s: watching failed", broadcast.id)
        return finished

    async def _watch(self, broadcast: Broadcast, now: datetime) -> bool:
        if broadcast.status is BroadcastStatus.QUEUEING:
            if broadcast.queued_at is None or now - broadcast.queued_at < STALLED_QUEUEING:
                return False
            log.info("broadcast %s: queueing was interrupted; resuming", broadcast.id)
            await self.broadcasts.queue(broadcast.id, now)
            return False
        progress = await self.broadcasts.progress(broadcast.id)
        if progress.remaining:
            await self._show_progress(broadcast, progress, now)
            return False
        if not await self.broadcasts.finish(broadcast.id, now):
            return False  # another process finished it and sends the summary
        done = await self.broadcasts.get(broadcast.id)
        assert done is not None
        unreachable = await self.broadcasts.unreachable(broadcast.id)
        summary = self.render(done, progress, self.directory(), final=True,
                              unreachable=unreachable)
        await self._show(done, summary, final=True)
        log.info("broadcast %s finished: %d sent, %d failed, %d dropped", broadcast.id,
                 progress.sent, progress.failed, progress.dropped)
        return True

    async def _show_progress(self, broadcast: Broadcast, progress: Progress,
                             now: datetime) -> None:
        if broadcast.control is None or not self.delivery.can_edit(broadcast.control[0]):
            return
        card = self.render(broadcast, progress, self.directory(), final=False,
                           unreachable=[])
        if await self.broadcasts.claim_progress(broadcast.id, to_plain(card.body), now=now,
                                                every_seconds=self.every_seconds):
            await self._show(broadcast, card, final=False)

    async def _show(self, broadcast: Broadcast, card: Reply, *, final: bool) -> None:
        if broadcast.control is None:
            return  # sent from the shell: the command prints its own outcome
        channel, chat_id, message_id = broadcast.control
        address = Address(channel, chat_id)
        if message_id and await self.delivery.edit(address, message_id, card):
            return
        if final:
            await self.delivery.send(address, card)
