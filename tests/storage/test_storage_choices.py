"""Numbered choices in the database, on both backends: another process knows what
"2" means, an expired offer says so, an answer without options ends the offer, and
chats and channels do not mix."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.numbered import EXPIRED
from bot.choice_book import ChoiceBook
from bot.messages import Option

MONTHS = [Option("‹ tháng trước", "due:so-tp:2023-07"), Option("tháng sau ›", "due:so-tp:2023-09")]


async def test_offers_survive_the_book_and_expire(
        sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    book = ChoiceBook(sessionmaker, "zalo")
    assert await book.offer("c1", MONTHS, now) == ["[1] ‹ tháng trước", "[2] tháng sau ›"]
    # Another process (another book on the same database) knows what "2" means.
    other = ChoiceBook(sessionmaker, "zalo")
    assert await other.pick("c1", "2", now) == "due:so-tp:2023-09"
    assert await other.pick("c2", "2", now) is None  # another chat was offered nothing
    assert await ChoiceBook(sessionmaker, "local").pick("c1", "2", now) is None
    assert await other.pick("c1", "việc gì đây", now) is None  # not an answer
    assert await other.pick("c1", "1", now + timedelta(hours=1)) is EXPIRED
    await book.offer("c1", [], now)  # an answer with no choices ends the offer
    assert await other.pick("c1", "1", now) is None
