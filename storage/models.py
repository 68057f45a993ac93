"""The database schema as typed SQLAlchemy models.

Enumerations are plain strings guarded by CHECK constraints rather than database
enum types: adding a value is then a one-line migration on both backends.
Model names carry a ``Row`` suffix where a domain class of the same name exists
(``bot.units.Unit``, ``bot.plans.Plan``/``Task``, the chat of a ``bot.messages``
message), so the two never get mixed up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.members import MemberRole
from bot.progress_text import UpdateStatus
from bot.units import UnitKind
from storage.types import UtcDateTime, json_type

# Explicit constraint names: Alembic can only drop or alter what it can name, and
# SQLite (rebuilding tables in batch mode) and PostgreSQL must agree on the names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every ``Mapped[datetime]`` is tz-aware UTC; every JSON value goes through one type.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: json_type(),
        list[Any]: json_type(),
        list[str]: json_type(),
        list[dict[str, Any]]: json_type(),
    }


def assign(row: Base, values: Mapping[str, Any]) -> bool:
    """Set column ``values`` on ``row``; True when anything actually changed.

    Lets an idempotent save tell "same again" from an edit (and stamp updated_at).
    """
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


class TaskRole(StrEnum):
    LEAD = "lead"  # chủ trì
    COORDINATING = "coordinating"  # phối hợp
    RECIPIENT = "recipient"  # receives and compiles reports


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn, or superseded by a newer request


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until its lease runs out
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxKind(StrEnum):
    """What a message is, for counting and reports. No CHECK constraint on purpose:
    it labels rows rather than driving a state machine, and a sender may add a kind
    without a migration (on SQLite, each change to a CHECK rebuilds the outbox)."""

    NOTICE = "notice"
    REMINDER = "reminder"
    BROADCAST = "broadcast"


# --- The unit directory --------------------------------------------------------------


class UnitRow(Base):
    __tablename__ = "units"
    __table_args__ = (one_of("kind", UnitKind),)

    id: Mapped[str] = mapped_column(String, primary_key=True)  # the directory's slug
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String)
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool]
    member_kinds: Mapped[list[str]]  # collectives: "every unit of these kinds"
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class UnitAlias(Base):
    """Abbreviations and other names; read back in ``id`` order, the order written."""

    __tablename__ = "unit_aliases"
    __table_args__ = (UniqueConstraint("unit_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(Text)
    is_abbreviation: Mapped[bool]


class CollectiveMember(Base):
    __tablename__ = "collective_members"

    collective_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int]  # keeps the order the directory lists members in


# --- Plans and tasks -----------------------------------------------------------------


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String)  # "Số 123/KH-UBND"
    issued: Mapped[date | None] = mapped_column(Date)
    province: Mapped[str | None] = mapped_column(String)
    year: Mapped[int | None]
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool]
    created_at: Mapped[datetime]
    # An imported plan (revision 0006): the file it came from, and the parsed plan
    # (``ParsedPlan.to_json``) the admin can download, correct and send back.
    source_name: Mapped[str | None] = mapped_column(Text)
    parsed: Mapped[dict[str, Any] | None]
    imported_at: Mapped[datetime | None]
    imported_by: Mapped[str | None] = mapped_column(String)


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    # A surrogate key: progress updates must survive a plan re-import, which
    # matches tasks by (plan_id, code) and keeps their ids.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String)  # "II.3.6"
    number: Mapped[int]
    section: Mapped[str] = mapped_column(String)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String)
    assignees_text: Mapped[str | None] = mapped_column(Text)
    deadline_text: Mapped[str | None] = mapped_column(Text)
    due: Mapped[list[dict[str, Any]]]  # bot.calendar.spec_to_dict shapes


class TaskUnit(Base):
    __tablename__ = "task_units"
    __table_args__ = (one_of("role", TaskRole), Index(None, "unit_id"))

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int]  # the plan's order: the first lead unit is named first


# --- People and chats ----------------------------------------------------------------


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("channel", "channel_user_id"),
        one_of("role", MemberRole),
        Index(None, "unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String)  # "telegram", "zalo", "local"
    channel_user_id: Mapped[str] = mapped_column(String)
    display_name: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String)
    language: Mapped[str | None] = mapped_column(String)
    # The private chat to push to: on Telegram the user id again, on Zalo an id
    # learned at first contact. NULL until the member has written to the bot.
    chat_id: Mapped[str | None] = mapped_column(String)
    active: Mapped[bool]
    # Muted: stays a member (reports, history) but gets no pushes.
    muted: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # One person on several platforms (/link): every account of the person carries
    # the same number (the id of the account that asked for the link); NULL for a
    # person with one account. A grouping key, not a reference: it stays valid when
    # that first account leaves, so no foreign key.
    person_id: Mapped[int | None] = mapped_column(index=True)
    # Where that person wants pushes (/kenh): one channel's name, or NULL for all of
    # their accounts. A row whose channel differs gets none.
    push_channel: Mapped[str | None] = mapped_column(String)


class ChatRow(Base):
    """A chat the bot is in; a group bound to a unit (or province-wide) gets its pushes."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("channel", "channel_chat_id"), one_of("kind", ChatKind))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String)
    channel_chat_id: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(Text)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    province_wide: Mapped[bool]  # receives what goes to every unit
    active: Mapped[bool]
    bound_by: Mapped[str | None] = mapped_column(String)  # "telegram:123", who bound it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]  # NULL on rows older than revision 0002



# Invite codes travel in Telegram deep links (/start <code>): at most 64 characters
# of [A-Za-z0-9_-]. Trimming every allowed character away leaves '' only when no
# other character is present; trim(text, characters) is spelled alike on SQLite
# and PostgreSQL, unlike GLOB and ~.
INVITE_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
INVITE_CODE_CHECK = f"length(code) BETWEEN 1 AND 64 AND trim(code, '{INVITE_CODE_ALPHABET}') = ''"


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint(INVITE_CODE_CHECK, name="code"),
        one_of("role", MemberRole),
        CheckConstraint("uses_left >= 0", name="uses_left"),
        Index(None, "unit_id"),
    )

    code: Mapped[str] = mapped_column(String, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String)  # the role a redeemer gets
    uses_left: Mapped[int]
    expires_at: Mapped[datetime | None]  # NULL: never
    revoked: Mapped[bool]
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime]


class JoinRequest(Base):
    """Someone without an invite asks to join a unit; an admin approves or rejects."""

    __tablename__ = "join_requests"
    __table_args__ = (
        one_of("status", JoinStatus),
        Index(None, "channel", "channel_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String)
    channel_user_id: Mapped[str] = mapped_column(String)
    chat_id: Mapped[str] = mapped_column(String)  # where to tell them the decision
    display_name: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String)
    decided_by: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class ConversationState(Base):
    """Where one user is in a multi-step exchange in one chat (a wizard, a question).

    Kept in the database, not in memory, so a restart or a second bot process
    picks the conversation up where it was.
    """

    __tablename__ = "conversation_states"

    channel: Mapped[str] = mapped_column(String, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String)  # which conversation, e.g. "progress"
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]


# --- What happened -------------------------------------------------------------------


class ProgressUpdate(Base):
    __tablename__ = "progress_updates"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
        one_of("status", UpdateStatus),
        Index(None, "unit_id", "task_id", "cycle"),
        Index(None, "task_id", "cycle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    # SET NULL: when a member is removed their unit keeps the updates they sent.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cycle: Mapped[date | None] = mapped_column(Date)  # the due date this update reports for
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int | None]
    status: Mapped[str] = mapped_column(String)
    channel_message_id: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """One message to send. ``key`` makes enqueueing idempotent across restarts and
    across bot processes: whoever inserts the key first owns the message."""

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OutboxStatus),
        Index(None, "status", "next_attempt_at"),
        Index(None, "group_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    channel: Mapped[str] = mapped_column(String)
    chat_id: Mapped[str] = mapped_column(String)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String)
    attempts: Mapped[int]  # claims so far, a crashed worker's included
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    kind: Mapped[str] = mapped_column(
        String, default=OutboxKind.NOTICE.value, server_default=OutboxKind.NOTICE.value
    )
    # One occurrence of a reminder or one broadcast: counts outcomes, cancels the rest.
    group_key: Mapped[str | None] = mapped_column(String)
    recipient_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    # Who holds a 'sending' row, and until when; past the lease another worker may
    # take it over, and the first one's late mark_* is then refused.
    claimed_by: Mapped[str | None] = mapped_column(String)
    lease_until: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]  # last status change; NULL on rows before 0003
    # Why a 'failed' row failed, as a short code (bot.outbox.Failure): what a
    # broadcast summary tells the admin ("blocked the bot", "removed from the group").
    failure: Mapped[str | None] = mapped_column(String)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String)  # "telegram:123", "cli"
    action: Mapped[str] = mapped_column(String)
    target: Mapped[str | None] = mapped_column(String)
    detail: Mapped[dict[str, Any] | None]
    outcome: Mapped[str] = mapped_column(String)


# The reminder engine's, the broadcasts' and the channels' tables live in modules of
# their own to keep this one readable; importing them here puts them on
# Base.metadata for Alembic and the tests. Plain module imports, so that any of the
# modules may be imported first.
import storage.models_broadcasts  # noqa: E402
import storage.models_channels  # noqa: E402
import storage.models_reminders  # noqa: E402, F401
