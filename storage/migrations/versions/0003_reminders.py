"""Reminders that never miss and never repeat: muted members and absences, the
admins' days off and make-up working days, per-unit reminder settings, the
scheduler's state, leases on outbox rows, and a send rate shared by processes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-12

Plain SQLAlchemy types on purpose (see script.py.mako); names are spelled out with
op.f() so they match storage.models.NAMING_CONVENTION on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from storage.models_reminders: a migration keeps
# its meaning.
_SEND_TIME_CHECK = (
    "length(send_time) = 5 AND substr(send_time, 3, 1) = ':'"
    " AND trim(substr(send_time, 1, 2) || substr(send_time, 4, 2), '0123456789') = ''"
    " AND send_time BETWEEN '00:00' AND '23:59' AND substr(send_time, 4, 1) <= '5'"
)
_NEW_TABLES = (
    "send_rate", "scheduler_state", "unit_reminder_settings", "calendar_days",
    "member_absences",
)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # NOT NULL with a server default: a plain ADD COLUMN on both backends, and every
    # existing member starts unmuted.
    op.add_column(
        "members",
        sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    _upgrade_outbox()

    op.create_table(
        "member_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint("ends >= starts", name=op.f("ck_member_absences_ends_after_starts")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name=op.f("fk_member_absences_member_id_members"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_absences")),
    )
    op.create_index(op.f("ix_member_absences_member_id"), "member_absences", ["member_id"])

    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint("kind IN ('off', 'work')", name=op.f("ck_calendar_days_kind")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "unit_reminder_settings",
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("lead_days", _json(), nullable=True),
        sa.Column("send_time", sa.String(), nullable=True),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.CheckConstraint(_SEND_TIME_CHECK, name=op.f("ck_unit_reminder_settings_send_time")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"],
            name=op.f("fk_unit_reminder_settings_unit_id_units"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_reminder_settings")),
    )
    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_state")),
    )
    op.create_table(
        "send_rate",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_send_rate")),
    )


def _upgrade_outbox() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table, so it
    # copies the outbox into a new one (nothing references the outbox, so the copy
    # fires no cascade); PostgreSQL gets plain ALTER TABLEs.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(), server_default="notice", nullable=False)
        )
        batch.add_column(sa.Column("group_key", sa.String(), nullable=True))
        batch.add_column(sa.Column("recipient_member_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("lease_until", _timestamp(), nullable=True))
        batch.add_column(sa.Column("updated_at", _timestamp(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_recipient_member_id_members"), "members",
            ["recipient_member_id"], ["id"], ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_outbox_group_key"), ["group_key"])


def downgrade() -> None:
    for table in _NEW_TABLES:
        op.drop_table(table)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(op.f("ix_outbox_group_key"))
        batch.drop_constraint(op.f("fk_outbox_recipient_member_id_members"), type_="foreignkey")
        for column in (
            "updated_at", "lease_until", "claimed_by", "recipient_member_id", "group_key",
            "kind",
        ):
            batch.drop_column(column)
    # Plain DROP COLUMN, not batch mode: see 0002's downgrade (a rebuild of
    # ``members`` would fire ON DELETE SET NULL on progress updates).
    op.drop_column("members", "muted")
