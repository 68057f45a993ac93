"""Per-chat ordering without head-of-line blocking.

Messages from one chat must be handled in the order they came ("/start CODE" then
"what is due?"), while chats must not wait for each other. Each chat gets a lane: a
queue drained by one task that exists only while the lane has work. Submitting
never waits, so a flooding chat only lengthens its own lane — and past a bound,
its extra messages are dropped instead of piling up in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
MAX_BACKLOG = 100  # a person does not queue a hundred questions; a script might


class Lanes:
    def __init__(self, max_backlog: int = MAX_BACKLOG) -> None:
        self.max_backlog = max_backlog
        self._queues: dict[Hashable, deque[Job]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, key: Hashable, job: Job) -> bool:
        """Queue ``job`` behind the lane's earlier work; False if the lane is full."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._idle.clear()
            worker = asyncio.create_task(self._drain(key, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        elif len(queue) >= self.max_backlog:
            log.warning("lane %r is full: a message was dropped", key)
            return False
        queue.append(job)
        return True

    async def _drain(self, key: Hashable, queue: deque[Job]) -> None:
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    log.exception("a job in lane %r failed", key)
        finally:
            del self._queues[key]
            if not self._queues:
                self._idle.set()

    def backlog(self, key: Hashable) -> int:
        """Jobs waiting in ``key``'s lane (the one running not counted)."""
        queue = self._queues.get(key)
        return len(queue) if queue is not None else 0

    @property
    def busy(self) -> int:
        """Lanes with work in them."""
        return len(self._queues)

    async def idle(self) -> None:
        """Return once every lane has finished its work."""
        await self._idle.wait()
