"""Files the bot made, handed over by link where the platform takes no documents:
Zalo can send text and pictures by URL only. A file is kept a day under an
unguessable token and served by the bot's own HTTP server at
``<public URL>/files/<token>/<filename>``; without a public URL there is no link to
give, and the caller says where else the file can be had.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import Attachment
from storage import files as file_store

FILE_LIFETIME = timedelta(days=1)
ROUTE = "/files/{token}/{filename}"


class FileShelf:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], public_url: str | None,
                 *, clock: Callable[[], datetime],
                 lifetime: timedelta = FILE_LIFETIME) -> None:
        self.sessions = sessions
        self.public_url = public_url.rstrip("/") if public_url else None
        self.clock = clock
        self.lifetime = lifetime

    async def put(self, attachment: Attachment, now: datetime) -> str | None:
        """Keep the file and return its link; None when the bot has no public URL."""
        if self.public_url is None:
            return None
        token = secrets.token_urlsafe(18)
        async with self.sessions.begin() as session:
            await file_store.purge_expired_files(session, now=now)
            await file_store.save_file(session, token=token, filename=attachment.filename,
                                       mime_type=attachment.mime_type,
                                       content=attachment.content, at=now,
                                       expires_at=now + self.lifetime)
        return f"{self.public_url}/files/{token}/{quote(attachment.filename)}"

    async def serve(self, request: web.Request) -> web.Response:
        """GET /files/<token>/<filename>: the file, or 404 once it has expired (or for
        a token nobody was given). The name must match too: a link is one file."""
        async with self.sessions() as session:
            found = await file_store.get_file(session, request.match_info["token"],
                                              now=self.clock())
        if found is None or found.filename != request.match_info["filename"]:
            return web.Response(status=404, text="not found")
        # A picture shows in place (the platform fetches it to display); a document
        # downloads under its own name.
        disposition = "inline" if found.mime_type.startswith("image/") else "attachment"
        return web.Response(body=found.content, content_type=found.mime_type, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "private, max-age=3600"})
