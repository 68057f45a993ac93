"""Tables of admin broadcasts: the broadcast itself (content, audience, where its
progress is shown) and the recipients' acknowledgements ("Đã nhận").

The messages themselves are outbox rows (kind 'broadcast', group_key 'bc:<id>'), so
sending, retries, leases and crash safety are the outbox's; this table only says what
the broadcast is and how far it got. Imported by ``storage.models``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, one_of


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # being composed: content, then audience, then preview
    QUEUEING = "queueing"  # Send pressed: outbox rows being written (resumed after a crash)
    SENDING = "sending"  # every row queued; the outbox is delivering
    DONE = "done"  # nothing left to send; the summary went out
    CANCELLED = "cancelled"  # dropped before Send, or stopped mid-way


class BroadcastRow(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (one_of("status", BroadcastStatus), Index(None, "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String)  # "telegram:123", "cli"
    creator_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String)
    # {"text": …, "media": {"kind", "channel", "file_id", "filename"} | null}
    content: Mapped[dict[str, Any]]
    # bot.audience.Audience.to_dict(); NULL until chosen
    audience: Mapped[dict[str, Any] | None]
    language: Mapped[str] = mapped_column(String)  # the admin's, for the progress card
    # Where the admin watches progress: the preview card (edited where the channel can).
    control_channel: Mapped[str | None] = mapped_column(String)
    control_chat_id: Mapped[str | None] = mapped_column(String)
    control_message_id: Mapped[str | None] = mapped_column(String)
    total: Mapped[int | None]  # recipients queued
    progress_at: Mapped[datetime | None]  # last progress shown (at most every few seconds)
    progress_text: Mapped[str | None] = mapped_column(Text)  # what it showed: skip repeats
    cancelled_by: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BroadcastAck(Base):
    """One person's "Đã nhận" on one broadcast, pressed privately or in a group."""

    __tablename__ = "broadcast_acks"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    chat_id: Mapped[str] = mapped_column(String)  # where it was pressed
    at: Mapped[datetime]
