"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC, always read back aware.

    SQLite has no time zone type: SQLAlchemy stores the wall clock as text and drops
    the offset, so two offsets for one instant would compare wrongly. Normalising to
    UTC before storing keeps text comparison in SQL equal to instant comparison.
    A naive datetime is refused rather than guessed at: the bot runs in UTC+7 and
    a wrong guess would move every reminder by seven hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: stored as UTC by process_bind_param
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL (indexable, compact, no key order games).

    ``none_as_null``: Python ``None`` is SQL NULL, not the JSON literal ``null``,
    so ``IS NULL`` finds it.
    """
    return JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
