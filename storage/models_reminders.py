"""Tables of the reminder engine and the outbox sender: absences, the admins' own
calendar, per-unit reminder settings, the scheduler's state and the shared send rate.

Imported by ``storage.models``, so ``Base.metadata`` holds them with the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, one_of
from storage.types import json_type


class CalendarDayKind(StrEnum):
    OFF = "off"  # ngày nghỉ bù: a weekday off the holiday package does not know
    WORK = "work"  # ngày làm bù: a Saturday or Sunday worked in exchange


# 'HH:MM', 00:00 to 23:59. Digits are checked with the trim() trick of invite codes
# (spelled alike on SQLite and PostgreSQL); the range then compares as text.
SEND_TIME_CHECK = (
    "length(send_time) = 5 AND substr(send_time, 3, 1) = ':'"
    " AND trim(substr(send_time, 1, 2) || substr(send_time, 4, 2), '0123456789') = ''"
    " AND send_time BETWEEN '00:00' AND '23:59' AND substr(send_time, 4, 1) <= '5'"
)


class MemberAbsence(Base):
    """A member away (leave, business trip) from ``starts`` to ``ends``, both included:
    no private reminders on those days."""

    __tablename__ = "member_absences"
    __table_args__ = (
        CheckConstraint("ends >= starts", name="ends_after_starts"),
        Index(None, "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class CalendarDay(Base):
    """A day the admins declared off or working, over the weekend and holiday rules."""

    __tablename__ = "calendar_days"
    __table_args__ = (one_of("kind", CalendarDayKind),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String)  # "telegram:123", "cli"
    created_at: Mapped[datetime]


class UnitReminderSetting(Base):
    """A unit's own lead days and send time; NULL in either means the global setting."""

    __tablename__ = "unit_reminder_settings"
    __table_args__ = (CheckConstraint(SEND_TIME_CHECK, name="send_time"),)

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    # Working days before the due day, e.g. [3, 1, 0]; [] means no reminders at all.
    lead_days: Mapped[list[int] | None] = mapped_column(json_type())
    send_time: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime]


class SchedulerState(Base):
    """Small named values the scheduler must not keep in memory (e.g. the last tick),
    so a restart, or another process, carries on from where the last one stopped."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SendRate(Base):
    """A token bucket per channel, shared by every bot process on the database: the
    platform limits the bot token, not each process."""

    __tablename__ = "send_rate"

    channel: Mapped[str] = mapped_column(String, primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]
