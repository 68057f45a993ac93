"""Tables for channels without buttons, links and files: the numbered choices a chat
was offered, the one-time codes that join two accounts of one person, and files the
bot made, kept for a while to be fetched by link (Zalo cannot take a document).

Imported by ``storage.models``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ChoiceOffer(Base):
    """The options last offered in a chat as a numbered list, until they expire; in the
    database, so a restart or another process still knows what "2" means."""

    __tablename__ = "choice_offers"

    channel: Mapped[str] = mapped_column(String, primary_key=True)
    chat_id: Mapped[str] = mapped_column(String, primary_key=True)
    options: Mapped[list[Any]]  # [[label, data], …] in the order numbered
    expires_at: Mapped[datetime]


class LinkCode(Base):
    """A code one account shows (/link) and the person's other account sends back."""

    __tablename__ = "link_codes"
    __table_args__ = (Index(None, "member_id"),)

    code: Mapped[str] = mapped_column(String, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class StoredFile(Base):
    """A file the bot made (an export, a chart), served at /files/<token>/<filename>
    until it expires: the way to hand it over where the platform takes no files."""

    __tablename__ = "files"
    __table_args__ = (Index(None, "expires_at"),)

    token: Mapped[str] = mapped_column(String, primary_key=True)
    filename: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(String)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
