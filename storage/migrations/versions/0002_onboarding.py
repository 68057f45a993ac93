"""Onboarding, groups and conversations: invites, join requests, conversation
states; a member's private chat; who bound a group chat, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05

Plain SQLAlchemy types on purpose (see script.py.mako); names are spelled out with
op.f() so they match storage.models.NAMING_CONVENTION on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from storage.models: a migration keeps its meaning.
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Nullable columns without defaults: a plain ALTER TABLE … ADD COLUMN on both
    # backends, no table rebuild on SQLite.
    op.add_column("members", sa.Column("chat_id", sa.String(), nullable=True))
    op.add_column("chats", sa.Column("bound_by", sa.String(), nullable=True))
    op.add_column("chats", sa.Column("updated_at", _timestamp(), nullable=True))

    op.create_table(
        "invites",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint(
            f"length(code) BETWEEN 1 AND 64 AND trim(code, '{_CODE_ALPHABET}') = ''",
            name=op.f("ck_invites_code"),
        ),
        sa.CheckConstraint("role IN ('admin', 'lead', 'officer')", name=op.f("ck_invites_role")),
        sa.CheckConstraint("uses_left >= 0", name=op.f("ck_invites_uses_left")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_invites_unit_id_units")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_invites")),
    )
    op.create_index(op.f("ix_invites_unit_id"), "invites", ["unit_id"])

    op.create_table(
        "join_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("channel_user_id", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("decided_at", _timestamp(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'cancelled')",
            name=op.f("ck_join_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_join_requests_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
    )
    op.create_index(
        op.f("ix_join_requests_channel_channel_user_id_status"),
        "join_requests", ["channel", "channel_user_id", "status"],
    )

    op.create_table(
        "conversation_states",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel", "chat_id", "user_id", name=op.f("pk_conversation_states")
        ),
    )


def downgrade() -> None:
    for table in ("conversation_states", "join_requests", "invites"):
        op.drop_table(table)
    # Plain DROP COLUMN (SQLite 3.35+), not batch mode: a batch rebuild drops and
    # re-creates the table, and with foreign keys on, dropping ``members`` would
    # fire ON DELETE SET NULL and strip every progress update of its member.
    op.drop_column("chats", "updated_at")
    op.drop_column("chats", "bound_by")
    op.drop_column("members", "chat_id")
