"""The conversation layer as a test drives it: the real router on a real database,
one neutral message at a time, with the clock passed in. Shared by the flow tests
of every feature (onboarding, progress, broadcasts, reports, administration).

The ``app`` (admin ``chat:100``, the clock at ``NOW``) and ``port`` fixtures are in
``tests/conftest.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import App
from bot.messages import ChatEvent, ChatKind, Incoming, Media, Reply
from bot.ports import DownloadError
from bot.rich import to_plain
from storage.outbox import outbox_counts, outbox_depth

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 8, 10, 9, 0, tzinfo=HANOI)
ADMIN = "100"


class FakePort:
    """A channel with deep links and groups, whose group admins the test decides."""

    name = "chat"

    def __init__(self) -> None:
        self.chat_admins: set[tuple[str, str]] = set()
        self.files: dict[str, bytes] = {}  # file id -> what a person sent

    def upload(self, filename: str, content: bytes) -> Media:
        """A document as a person sends it: the platform holds it, by id."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        return Media("document", self.name, file_id, filename)

    def invite_link(self, code: str) -> str | None:
        return f"https://t.me/NhacViecBot?start={code}"

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        return (chat_id, user_id) in self.chat_admins

    async def download(self, media: Media, *, limit: int) -> bytes:
        if media.file_id not in self.files:
            raise DownloadError("no such file")
        data = self.files[media.file_id]
        if len(data) > limit:
            raise DownloadError("too large")
        return data


async def say(app: App, user: str, text: str = "", *, choice: str | None = None,
              at: datetime = NOW, chat: str | None = None, group: bool = False,
              name: str = "Nguyễn Văn A", event: ChatEvent | None = None,
              migrated_to: str | None = None, language: str | None = "vi",
              media: Media | None = None, message_id: str = "7",
              channel: str = "chat") -> list[Reply]:
    """``user`` writes on ``channel`` (the ``port`` fixture's "chat" unless told: a
    second platform, say "zalo", for a person with two accounts)."""
    return await app.router.handle(Incoming(
        channel=channel, chat_id=chat or user, user_id=user, received_at=at, text=text,
        choice=choice, chat_kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
        display_name=name, language_code=language, message_id=message_id,
        chat_title="Nhóm", event=event, migrated_to=migrated_to, media=media))


def text(replies: list[Reply]) -> str:
    return "\n".join(to_plain(r.body) for r in replies)


def data(replies: list[Reply]) -> list[str]:
    return [o.data for r in replies for row in r.options for o in row]


async def invite_code(app: App, port: FakePort, unit: str = "Sở Tư pháp") -> str:
    replies = await say(app, ADMIN, f"/invite {unit}")
    link = next(line for line in text(replies).splitlines() if "start=" in line)
    return link.rsplit("=", 1)[1]


async def joined(app: App, port: FakePort, user: str = "1", unit: str = "Sở Tư pháp") -> None:
    code = await invite_code(app, port, unit)
    await say(app, user, f"/start {code}")


async def outbox_delivered(app: App, drain: Callable[[], Awaitable[int]]) -> None:
    """Until nothing due is waiting or being sent: the service's own worker may have
    claimed a row (the doorbell rang when it was queued) and be sending it now."""
    for _ in range(1000):
        await drain()
        async with app.sessions() as session:
            counts = await outbox_counts(session)
            due, _ = await outbox_depth(session, now=app.clock())
        if not due and not counts["sending"]:  # rows for later (an own copy) wait
            return
        await asyncio.sleep(0.005)  # the other worker's send is on its way
    raise AssertionError(f"the outbox did not settle: {counts}")
