"""Plans imported from their document: where each came from (the file's name, who
imported it and when) and the parsed plan itself, for the admin to download,
correct and send back.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-05

Plain SQLAlchemy types on purpose (see script.py.mako); names are spelled out with
op.f() so they match storage.models.NAMING_CONVENTION on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Plain ADD COLUMN, no batch mode: rebuilding ``plans`` on SQLite would drop the
    # table, and with foreign keys on that cascades to every task (see 0005).
    op.add_column("plans", sa.Column("source_name", sa.Text(), nullable=True))
    op.add_column("plans", sa.Column("parsed", _json(), nullable=True))
    op.add_column("plans", sa.Column("imported_at", _timestamp(), nullable=True))
    op.add_column("plans", sa.Column("imported_by", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("plans", "imported_by")
    op.drop_column("plans", "imported_at")
    op.drop_column("plans", "parsed")
    op.drop_column("plans", "source_name")
