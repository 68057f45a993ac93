"""Admins: broadcasts and their acknowledgements; why an outbox row failed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

Plain SQLAlchemy types on purpose (see script.py.mako); names are spelled out with
op.f() so they match storage.models.NAMING_CONVENTION on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from storage.models_broadcasts: a migration keeps
# its meaning.
_STATUSES = "'draft', 'queueing', 'sending', 'done', 'cancelled'"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Nullable, no default: a plain ADD COLUMN on both backends, no rebuild of the
    # outbox on SQLite.
    op.add_column("outbox", sa.Column("failure", sa.String(), nullable=True))

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("creator_member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("content", _json(), nullable=False),
        sa.Column("audience", _json(), nullable=True),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("control_channel", sa.String(), nullable=True),
        sa.Column("control_chat_id", sa.String(), nullable=True),
        sa.Column("control_message_id", sa.String(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("progress_at", _timestamp(), nullable=True),
        sa.Column("progress_text", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.String(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("queued_at", _timestamp(), nullable=True),
        sa.Column("finished_at", _timestamp(), nullable=True),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_broadcasts_status")),
        sa.ForeignKeyConstraint(
            ["creator_member_id"], ["members.id"],
            name=op.f("fk_broadcasts_creator_member_id_members"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index(op.f("ix_broadcasts_status"), "broadcasts", ["status"])

    op.create_table(
        "broadcast_acks",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"],
            name=op.f("fk_broadcast_acks_broadcast_id_broadcasts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"],
            name=op.f("fk_broadcast_acks_member_id_members"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "channel", "user_id",
                                name=op.f("pk_broadcast_acks")),
    )


def downgrade() -> None:
    op.drop_table("broadcast_acks")
    op.drop_index(op.f("ix_broadcasts_status"), table_name="broadcasts")
    op.drop_table("broadcasts")
    # Plain DROP COLUMN (SQLite ≥ 3.35): nothing references the column.
    op.drop_column("outbox", "failure")
