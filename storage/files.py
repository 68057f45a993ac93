"""Files the bot made, kept for a while under an unguessable token, to be fetched by
link where the platform takes no documents (Zalo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_channels import StoredFile


async def save_file(session: AsyncSession, *, token: str, filename: str, mime_type: str,
                    content: bytes, at: datetime, expires_at: datetime) -> None:
    session.add(StoredFile(token=token, filename=filename, mime_type=mime_type,
                           content=content, created_at=at, expires_at=expires_at))
    await session.flush()


async def get_file(session: AsyncSession, token: str, *, now: datetime) -> StoredFile | None:
    """The file, unless unknown or expired."""
    row = await session.get(StoredFile, token)
    return row if row is not None and row.expires_at > now else None


async def purge_expired_files(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        delete(StoredFile).where(StoredFile.expires_at <= now).returning(StoredFile.token))
    return len(result.all())
