"""Zalo and linked accounts: numbered choices kept in the database, one person on
several platforms (person_id, push_channel, link codes), files served by link.

Revision ID: 0005
Revises: 0004
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

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Plain ADD COLUMN, no batch mode: rebuilding ``members`` on SQLite would drop
    # the old table, and with foreign keys on that fires ON DELETE SET NULL on every
    # progress update's author (see 0002's downgrade). person_id is a grouping key,
    # not a reference, so it needs no foreign key.
    op.add_column("members", sa.Column("person_id", sa.Integer(), nullable=True))
    op.add_column("members", sa.Column("push_channel", sa.String(), nullable=True))
    op.create_index(op.f("ix_members_person_id"), "members", ["person_id"])

    op.create_table(
        "choice_offers",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("chat_id", sa.String(), nullable=False),
        sa.Column("options", _json(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", name=op.f("pk_choice_offers")),
    )
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_link_codes_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_link_codes")),
    )
    op.create_index(op.f("ix_link_codes_member_id"), "link_codes", ["member_id"])
    op.create_table(
        "files",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("mime_type", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_files")),
    )
    op.create_index(op.f("ix_files_expires_at"), "files", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_files_expires_at"), table_name="files")
    op.drop_table("files")
    op.drop_index(op.f("ix_link_codes_member_id"), table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_table("choice_offers")
    # Plain DROP COLUMN (SQLite ≥ 3.35), the index first: SQLite drops no indexed
    # column.
    op.drop_index(op.f("ix_members_person_id"), table_name="members")
    op.drop_column("members", "push_channel")
    op.drop_column("members", "person_id")
