"""Broadcasts: an admin's instruction to everyone, to groups, to chosen units or kinds
of unit, or to the units that have not reported — composed, previewed, sent through
the outbox, stopped, acknowledged.

Every message is an outbox row with a unique key (broadcast, recipient), so the
outbox's guarantees hold: rate limits shared by every process, retries, and after a
crash at most the message in flight goes twice. Queueing is resumable too: rows are
written in batches (a broadcast to 10,000 people must not hold the database, or the
event loop, for long), and a broadcast left half-queued by a crash is queued to the
end by the monitor after restart — the keys make a second pass add only what is
missing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from bot.audience import Audience, AudienceKind, CycleRef
from bot.members import Member
from bot.messages import Media, Reply, reply_to_payload
from bot.services import Services
from storage import broadcasts as store
from storage import chats as chat_store
from storage import members as member_store
from storage import outbox as outbox_store
from storage.models import OutboxKind, OutboxStatus
from storage.models_broadcasts import BroadcastRow, BroadcastStatus

# Rows per transaction while queueing. SQLAlchemy prepares a batch's parameters on the
# event loop in one go (≈ 7 ms per 250 rows here); 1000 held the loop for 20–30 ms at
# a time and doubled what others waited for their answers (docs/benchmarks.md, issue 5).
# The sender's own copy waits a moment: its card is being turned into the progress
# card in that very chat, and Telegram allows about one message a second per chat.
OWN_COPY_DELAY = timedelta(seconds=2)
QUEUE_BATCH = 250
MAX_TEXT = 3500  # leaves room for the header and footer under Telegram's 4096

MissingUnits = Callable[[CycleRef], Awaitable[list[str]]]


@dataclass(frozen=True)
class Content:
    text: str
    media: Media | None = None
    sender: str = ""  # how recipients see who sent it: "Nguyễn Văn A (Sở KH&ĐT)"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "sender": self.sender,
                "media": self.media.to_dict() if self.media else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Content:
        media = data.get("media")
        return cls(str(data.get("text", "")),
                   Media.from_dict(media) if isinstance(media, dict) else None,
                   str(data.get("sender", "")))


class Renderer(Protocol):
    """What a recipient sees: a view, so the composition root passes it in."""

    def __call__(self, content: Content, *, broadcast_id: int, language: str,
                 channel: str) -> Reply: ...


@dataclass(frozen=True)
class Recipient:
    key: str  # unique within a broadcast: "m<member id>" or "c<channel>:<chat id>"
    channel: str
    chat_id: str
    language: str | None
    member_id: int | None  # None for a group

    @property
    def is_group(self) -> bool:
        return self.member_id is None


@dataclass(frozen=True)
class Reach:
    people: int
    groups: int
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return self.people + self.groups


@dataclass(frozen=True)
class Broadcast:
    id: int
    status: BroadcastStatus
    content: Content
    audience: Audience | None
    language: str
    created_by: str
    created_at: datetime
    queued_at: datetime | None
    finished_at: datetime | None
    total: int | None
    control: tuple[str, str, str | None] | None  # (channel, chat id, message id)


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int
    remaining: int  # pending or being sent
    dropped: int  # cancelled before sending

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.remaining + self.dropped


class SendResult(Enum):
    QUEUED = "queued"
    ALREADY = "already"  # sent or cancelled before this press
    NO_AUDIENCE = "no_audience"
    NOBODY = "nobody"  # the audience resolves to no one


def _broadcast(row: BroadcastRow) -> Broadcast:
    control = ((row.control_channel, row.control_chat_id, row.control_message_id)
               if row.control_channel and row.control_chat_id else None)
    return Broadcast(row.id, BroadcastStatus(row.status), Content.from_dict(row.content),
                     Audience.from_dict(row.audience) if row.audience else None,
                     row.language, row.created_by, row.created_at, row.queued_at,
                     row.finished_at, row.total, control)


def _batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start:start + size] for start in range(0, len(items), size)]


class Broadcasts:
    def __init__(self, services: Services, render: Renderer,
                 missing_units: MissingUnits | None = None) -> None:
        self.services = services
        self.render = render
        self.missing_units = missing_units

    # --- composing ----------------------------------------------------------------------

    async def draft(self, content: Content, *, creator: Member | None, actor: str,
                    language: str, now: datetime) -> Broadcast:
        async with self.services.sessions.begin() as session:
            row = await store.create_broadcast(
                session, created_by=actor, creator_member_id=creator.id if creator else None,
                content=content.to_dict(), language=language, at=now)
            return _broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self.services.sessions() as session:
            row = await store.get_broadcast(session, broadcast_id)
        return _broadcast(row) if row else None

    async def choose(self, broadcast_id: int, audience: Audience) -> bool:
        """Set a draft's audience; False once it is sent or cancelled."""
        async with self.services.sessions.begin() as session:
            return await store.set_audience(session, broadcast_id, audience.to_dict())

    # --- who it reaches -------------------------------------------------------------------

    async def _unit_ids(self, audience: Audience) -> set[str] | None:
        """The units an audience names, under today's ids; None: not unit-based."""
        directory = self.services.directory
        match audience.kind:
            case AudienceKind.UNITS:
                return {directory.successor(u) for u in audience.units if u in directory}
            case AudienceKind.UNIT_KIND:
                return {u.id for u in directory.concrete_units() if u.kind is audience.unit_kind}
            case AudienceKind.MISSING:
                if self.missing_units is None or audience.cycle is None:
                    return set()
                return set(await self.missing_units(audience.cycle))
        return None

    async def recipients(self, audience: Audience) -> list[Recipient]:
        """Everyone the audience reaches now, each once."""
        unit_ids = await self._unit_ids(audience)
        want_members = audience.kind is not AudienceKind.GROUPS
        want_groups = audience.kind is not AudienceKind.EVERYONE
        async with self.services.sessions() as session:
            members = await member_store.push_members(session, unit_ids) if want_members \
                else []
            groups = await chat_store.bound_group_chats(session, unit_ids) if want_groups \
                else []
        found = [Recipient(f"m{m.id}", m.channel, m.chat_id, m.language, m.id)
                 for m in members if m.chat_id]
        found += [Recipient(f"c{g.channel}:{g.channel_chat_id}", g.channel, g.channel_chat_id,
                            None, None) for g in groups]
        return found

    async def reach(self, audience: Audience) -> Reach:
        found = await self.recipients(audience)
        groups = sum(1 for r in found if r.is_group)
        return Reach(len(found) - groups, groups, dict(Counter(r.channel for r in found)))

    # --- sending --------------------------------------------------------------------------

    async def send(self, broadcast_id: int, *, now: datetime, control_channel: str | None = None,
                   control_chat_id: str | None = None,
                   control_message_id: str | None = None) -> SendResult:
        """Send pressed: queue every message, then ring the outbox. Safe to press twice.
        The control chat and message show progress (the preview card); none from the
        shell."""
        broadcast = await self.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
            return SendResult.ALREADY
        if broadcast.audience is None:
            return SendResult.NO_AUDIENCE
        recipients = await self.recipients(broadcast.audience)
        if not recipients:
            return SendResult.NOBODY
        async with self.services.sessions.begin() as session:
            started = await store.start_queueing(
                session, broadcast_id, control_channel=control_channel,
                control_chat_id=control_chat_id, control_message_id=control_message_id,
                at=now)
        if not started:
            return SendResult.ALREADY
        await self.queue(broadcast_id, now, recipients)  # just resolved: not twice
        return SendResult.QUEUED

    async def queue(self, broadcast_id: int, now: datetime,
                    recipients: list[Recipient] | None = None) -> int:
        """Write the outbox rows of a queueing broadcast, batch by batch, and mark it
        sending; the number of rows it has. Idempotent: after a crash it adds only
        what is missing. Stops early when the broadcast is cancelled meanwhile.
        ``recipients``: the audience as Send just resolved it (else resolved here)."""
        broadcast = await self.get(broadcast_id)
        if broadcast is None or broadcast.audience is None \
                or broadcast.status is not BroadcastStatus.QUEUEING:
            return 0
        if recipients is None:
            recipients = await self.recipients(broadcast.audience)
        payloads: dict[tuple[str, str], dict[str, Any]] = {}
        for batch in _batches(recipients, QUEUE_BATCH):
            # Drafted batch by batch too: 10,000 drafts at once is a stretch of the
            # event loop no one else gets.
            drafts = self._drafts(broadcast, batch, now, payloads)
            async with self.services.sessions.begin() as session:
                # Locks the broadcast row: a cancel waits for this batch, or this
                # batch sees the cancel.
                status = await store.status_for_update(session, broadcast_id)
                if status != BroadcastStatus.QUEUEING.value:
                    return 0
                await outbox_store.enqueue_many(session, drafts, at=now)
            await asyncio.sleep(0)  # other users' updates get the loop between batches
        async with self.services.sessions.begin() as session:
            total = sum((await outbox_store.outbox_counts(
                session, store.group_key(broadcast_id))).values())
            await store.mark_sending(session, broadcast_id, total)
        self.services.wake_outbox()
        return total

    def _drafts(self, broadcast: Broadcast, recipients: Sequence[Recipient], now: datetime,
                payloads: dict[tuple[str, str], dict[str, Any]] | None = None,
                ) -> list[outbox_store.OutboxDraft]:
        """One row per recipient; the words rendered once per language and channel
        (``payloads`` keeps them from one batch to the next)."""
        default = self.services.settings.default_language
        payloads = {} if payloads is None else payloads
        control = broadcast.control[:2] if broadcast.control else None
        drafts = []
        for recipient in recipients:
            language = recipient.language or default
            look = (language, recipient.channel)
            if look not in payloads:
                payloads[look] = reply_to_payload(self.render(
                    broadcast.content, broadcast_id=broadcast.id, language=language,
                    channel=recipient.channel))
            drafts.append(outbox_store.OutboxDraft(
                key=f"{store.group_key(broadcast.id)}/{recipient.key}",
                channel=recipient.channel, chat_id=recipient.chat_id, payload=payloads[look],
                not_before=now + OWN_COPY_DELAY if (recipient.channel, recipient.chat_id)
                == control else now, kind=OutboxKind.BROADCAST.value,
                group_key=store.group_key(broadcast.id), recipient_member_id=recipient.member_id))
        return drafts

    async def cancel(self, broadcast_id: int, *, by: str, now: datetime) -> Progress | None:
        """Drop a draft or stop a running broadcast: what was sent stays sent, what
        is still queued is dropped. None when there was nothing to stop."""
        async with self.services.sessions.begin() as session:
            await store.status_for_update(session, broadcast_id)
            if not await store.cancel(session, broadcast_id, by=by, at=now):
                return None
            await outbox_store.cancel_group(session, store.group_key(broadcast_id), at=now)
        return await self.progress(broadcast_id)

    # --- watching -------------------------------------------------------------------------

    async def progress(self, broadcast_id: int,
                       channels: Collection[str] | None = None) -> Progress:
        """How far sending got (of the messages on ``channels`` only, if given)."""
        async with self.services.sessions() as session:
            counts = await outbox_store.outbox_counts(session, store.group_key(broadcast_id),
                                                      channels)
        return Progress(
            sent=counts[OutboxStatus.SENT.value], failed=counts[OutboxStatus.FAILED.value],
            remaining=counts[OutboxStatus.PENDING.value] + counts[OutboxStatus.SENDING.value],
            dropped=counts[OutboxStatus.CANCELLED.value])

    async def unreachable(self, broadcast_id: int) -> list[store.Delivered]:
        """The messages that could not be delivered, with whom they were for."""
        async with self.services.sessions() as session:
            return await store.deliveries(session, broadcast_id, (OutboxStatus.FAILED.value,))

    async def unfinished(self) -> list[Broadcast]:
        async with self.services.sessions() as session:
            return [_broadcast(row) for row in await store.unfinished(session)]

    async def claim_progress(self, broadcast_id: int, text: str, *, now: datetime,
                             every_seconds: float) -> bool:
        async with self.services.sessions.begin() as session:
            return await store.claim_progress(session, broadcast_id, at=now, text=text,
                                              interval=timedelta(seconds=every_seconds))

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        async with self.services.sessions.begin() as session:
            return await store.finish(session, broadcast_id, at=now)

    async def recent(self, limit: int = 10) -> list[Broadcast]:
        async with self.services.sessions() as session:
            return [_broadcast(row) for row in await store.recent_broadcasts(session, limit)]

    # --- acknowledgements -------------------------------------------------------------------

    async def acknowledge(self, broadcast_id: int, *, channel: str, user_id: str,
                          chat_id: str, member: Member | None, now: datetime) -> bool | None:
        """Record "Đã nhận"; True the first time, False again, None when the
        broadcast does not exist or was never sent (a preview, a forged button)."""
        broadcast = await self.get(broadcast_id)
        if broadcast is None or broadcast.queued_at is None:
            return None
        async with self.services.sessions.begin() as session:
            return await store.record_ack(
                session, broadcast_id=broadcast_id, channel=channel, user_id=user_id,
                member_id=member.id if member else None, chat_id=chat_id, at=now)

    async def acknowledgements(self, broadcast_id: int) -> Acknowledgements:
        """Who of those it reached said "Đã nhận", and who has not."""
        async with self.services.sessions() as session:
            acked = await store.acks(session, broadcast_id)
            sent = await store.deliveries(session, broadcast_id, (OutboxStatus.SENT.value,))
        by_member = {a.member_id for a in acked if a.member_id is not None}
        by_chat = {(a.channel, a.chat_id) for a in acked}
        people = [d for d in sent if d.member_id is not None]
        groups = [d for d in sent if d.member_id is None]
        return Acknowledgements(
            people=len(people), groups=len(groups),
            people_acked=sum(1 for d in people if d.member_id in by_member),
            groups_acked=sum(1 for d in groups if (d.channel, d.chat_id) in by_chat),
            not_acked=[d for d in people if d.member_id not in by_member]
            + [d for d in groups if (d.channel, d.chat_id) not in by_chat],
            acks=len(acked))


@dataclass(frozen=True)
class Acknowledgements:
    people: int  # delivered privately
    groups: int  # delivered to groups
    people_acked: int
    groups_acked: int  # groups where someone pressed it
    not_acked: list[store.Delivered]
    acks: int  # presses counted once per person, wherever pressed

