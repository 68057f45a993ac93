"""What storage functions raise besides SQLAlchemy's own errors."""

from __future__ import annotations


class StorageError(Exception):
    pass


class NotFound(StorageError, LookupError):
    pass


class Conflict(StorageError):
    """The change would lose history or break a rule the schema cannot state."""
