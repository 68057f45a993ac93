"""Telegram, played by a separate process: the fake Bot API with Telegram's flood
limits, and the officers who post /due to the bot's webhook.

A process of its own so that the fake's work (parsing, HTML checks, bookkeeping)
does not eat the bot's event loop, as real Telegram would not; the machine has
two cores, one each. It is also where the /due latency is measured, end to end,
on one clock: from the moment "Telegram" posts the update to the webhook to the
moment the bot's answer reaches "Telegram".

The parent drives it with one JSON object per line on stdin and reads one JSON
line per command on stdout::

    {"cmd": "load", "webhook": URL, "secret": S, "users": [ids], "rate": 5,
     "exclude": TEXT}               (optional: messages containing TEXT are no answer)
    {"cmd": "stop_load", "path": P} -> each post and its first answer, written to P
    {"cmd": "flood", "webhook": URL, "secret": S, "user": ID, "unit": U, "rate": 50}
                                  -> one officer posting everything a person can send
                                     (/due, free text, /update, buttons real and forged),
                                     open-loop at ``rate`` a second, beside the load
    {"cmd": "stop_flood"}         -> how many flood posts, and their HTTP statuses
    {"cmd": "press", "webhook": URL, "secret": S, "user": ID, "data": D,
     "message_id": M, "message_text": T} -> when a button press was posted, and the status
    {"cmd": "count", "text": TEXT} -> successful messages so far containing TEXT
    {"cmd": "dump", "path": P, "classify": {LABEL: TEXT, …}}
                                  -> every message-sending call, written to P (with the
                                     first LABEL whose TEXT the message contains)
    {"cmd": "burst", "webhook": URL, "secret": S, "users": [ids], "texts": [T, …],
     "concurrency": 32, "timeout": 60, "sequential": false}
                                  -> each user posts one update (texts taken in turn),
                                     ``concurrency`` posts at a time, as fast as the
                                     webhook answers (sequential: each once the last was
                                     answered); then waits for an answer to every user:
                                     when each was posted and first answered
    {"cmd": "cpu"}                -> this process's CPU seconds so far
    {"cmd": "quit"}

Times are ``time.monotonic()``: CLOCK_MONOTONIC is one clock for every process on
Linux, so the parent compares them with its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.channels.telegram.channel import SECRET_HEADER
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.telegram_faults import counts_toward_limits
from tests.fakes.telegram_updates import callback_update, message_update

BOT_USERNAME = "NhacViecBot"
DRAIN_REPLIES = 5.0  # seconds to wait for answers still on their way at stop_load


@dataclass
class Load:
    """Open-loop /due traffic: posts on a fixed schedule whatever the bot's pace, so
    a slow bot shows up as latency, not as fewer questions."""

    api: FakeTelegramApi
    webhook: str
    secret: str
    users: list[int]
    rate: float
    text: str = "/due"
    exclude: str | None = None  # a message containing this is not an answer (a broadcast)
    posts: list[tuple[int, float, int]] = field(default_factory=list)  # user, at, status
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _runner: asyncio.Task[None] | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def start(self) -> None:
        self._runner = asyncio.create_task(self._run())

    async def _run(self) -> None:
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:
            interval = 1.0 / self.rate
            due = time.monotonic()
            for user in itertools.cycle(self.users):
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                due += interval
                task = asyncio.create_task(self._post(session, user))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def update_for(self, user: int, update_id: int) -> dict[str, Any]:
        return message_update(self.text, user_id=user, first_name="Cán bộ",
                              update_id=update_id)

    async def _post(self, session: aiohttp.ClientSession, user: int) -> None:
        update = self.update_for(user, next(self._ids))
        at, status = await post_update(self.api, session, self.webhook, self.secret, update)
        self.posts.append((user, at, status))

    async def stop(self, linger: float = DRAIN_REPLIES) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=DRAIN_REPLIES)
        await asyncio.sleep(linger)  # answers to the last posts are on their way


FLOOD_IDS = 50_000_000  # update ids apart from the /due traffic's and the presses'


@dataclass
class Flood(Load):
    """One officer sending everything a person can send, in turn: /due, a question in
    words, a progress update, the month's real "next" button under message 1, a forged
    button (another unit's month, an undo of nothing), small talk."""

    unit: str = "so-tp"

    def __post_init__(self) -> None:
        self._ids = itertools.count(FLOOD_IDS)

    def update_for(self, user: int, update_id: int) -> dict[str, Any]:
        kind = update_id % 6
        if kind in (3, 4):
            data = f"due:{self.unit}:2023-09" if kind == 3 else \
                ("due:so-khdt:2023-09" if update_id % 12 == 4 else "undo:999999")
            return callback_update(data, user_id=user, message_id=1, update_id=update_id)
        text = {0: "/due", 1: "thang 8 phai nop gi", 2: f"/update III.2 xong {update_id % 100}%",
                5: "xin chào, cho hỏi chút"}[kind]
        return message_update(text, user_id=user, first_name="Cán bộ", update_id=update_id)


async def post_update(api: FakeTelegramApi, session: aiohttp.ClientSession, webhook: str,
                      secret: str, update: dict[str, Any], *,
                      register: bool = True) -> tuple[float, int]:
    """Post an update to the bot's webhook as Telegram does: when (monotonic) and the
    HTTP status it answered (0: no answer)."""
    if register:
        api.register_update(update)  # the chats, users and the pressed message, for edits
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    body = json.dumps(update)
    at = time.monotonic()
    try:
        async with session.post(webhook, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except aiohttp.ClientError:
        status = 0
    return at, status


async def _burst(api: FakeTelegramApi, command: dict[str, Any]) -> dict[str, Any]:
    """Closed-loop load: ``concurrency`` posters take the next update as soon as the
    webhook answered the last, so the bot is offered work as fast as it accepts it;
    answers are counted here, where the bot sends them."""
    users = [int(u) for u in command["users"]]
    texts = [str(t) for t in command["texts"]]
    updates = [message_update(texts[i % len(texts)], user_id=user, first_name="Cán bộ",
                              update_id=next(_burst_ids))
               for i, user in enumerate(users)]
    for update in updates:
        api.register_update(update)
    first_call = len(api.calls)
    posted: dict[int, float] = {}
    statuses: list[int] = []
    queue = iter(zip(users, updates, strict=True))
    connector = aiohttp.TCPConnector(limit=int(command["concurrency"]))

    sequential = bool(command.get("sequential"))

    async def poster(session: aiohttp.ClientSession) -> None:
        for user, update in queue:
            seen = len(api.calls)
            at, status = await post_update(api, session, command["webhook"],
                                           command["secret"], update, register=False)
            posted[user] = at
            statuses.append(status)
            if sequential:  # the next update only once this one is answered
                await _answered(api, user, seen, at + float(command.get("timeout", 60)))

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(poster(session) for _ in range(int(command["concurrency"]))))
    all_posted = time.monotonic()
    answered: dict[int, float] = {}
    deadline = started + float(command.get("timeout", 60))
    seen = first_call
    while len(answered) < len(users) and time.monotonic() < deadline:
        calls = api.calls
        for call in calls[seen:]:
            chat = call.params.get("chat_id")
            if call.method == "sendMessage" and call.ok and chat in posted \
                    and int(chat) not in answered:
                answered[int(chat)] = call.at_monotonic
        seen = len(calls)
        await asyncio.sleep(0.005)
    return {"started": started, "all_posted": all_posted, "statuses": Counter(statuses),
            "answers": [[user, posted[user], answered.get(user)] for user in users],
            "calls": len(api.calls) - first_call}


async def _answered(api: FakeTelegramApi, user: int, since: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        if any(call.method == "sendMessage" and call.ok and call.params.get("chat_id") == user
               for call in api.calls[since:]):
            return
        await asyncio.sleep(0.0005)


_burst_ids = itertools.count(20_000_000)
_press_ids = itertools.count(10_000_000)  # update ids apart from the /due traffic's


async def _press(api: FakeTelegramApi, command: dict[str, Any]) -> dict[str, Any]:
    update = callback_update(str(command["data"]), user_id=int(command["user"]),
                             message_id=int(command["message_id"]),
                             message_text=str(command.get("message_text", "…")),
                             update_id=next(_press_ids))
    async with aiohttp.ClientSession() as session:
        at, status = await post_update(api, session, command["webhook"], command["secret"],
                                       update)
    return {"posted": at, "status": status}


def _text(params: dict[str, Any]) -> str:
    return str(params.get("text") or params.get("caption") or "")


def _answers(api: FakeTelegramApi, load: Load) -> list[dict[str, Any]]:
    """For each post: when the first message to that chat arrived after it (and
    before the same user's next post), and how many messages the answer took."""
    users = set(load.users)
    arrivals: dict[int, list[float]] = {}
    for call in api.calls:
        chat = call.params.get("chat_id")
        if load.exclude is not None and load.exclude in _text(call.params):
            continue
        if call.method == "sendMessage" and call.ok and chat in users:
            arrivals.setdefault(int(chat), []).append(call.at_monotonic)
    by_user: dict[int, list[tuple[float, int]]] = {}
    for user, at, status in load.posts:
        by_user.setdefault(user, []).append((at, status))
    answers = []
    for user, posts in by_user.items():
        posts.sort()
        times = sorted(arrivals.get(user, []))
        for index, (at, status) in enumerate(posts):
            until = posts[index + 1][0] if index + 1 < len(posts) else float("inf")
            inside = [t for t in times if at <= t < until]
            answers.append({"user": user, "posted": at, "status": status,
                            "answered": inside[0] if inside else None,
                            "messages": len(inside)})
    return answers


def _dump(api: FakeTelegramApi, path: str, classify: dict[str, str] | None = None) -> int:
    """[method, chat id, status, at] per call; with ``classify``, a fifth field: the
    first label whose text the message contains, or None."""
    rows: list[list[Any]] = []
    for call in api.calls:
        if not counts_toward_limits(call.method):
            continue
        row = [call.method, call.params.get("chat_id"), call.status, call.at_monotonic]
        if classify is not None:
            text = _text(call.params)
            row.append(next((label for label, part in classify.items() if part in text),
                            None))
        rows.append(row)
    _write(path, rows)
    return len(rows)


def _count(api: FakeTelegramApi, part: str) -> int:
    return sum(1 for call in api.calls if call.ok and counts_toward_limits(call.method)
               and part in _text(call.params))


def _write(path: str, data: Any) -> None:
    # Between measurements, so blocking the loop for a moment costs nothing.
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve(limits: tuple[float, float, float] | None) -> None:
    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    async with FakeTelegramApi(bot_username=BOT_USERNAME) as api:
        if limits is not None:
            api.enforce_limits(*limits)
        _say({"api_url": api.api_url, "token": api.token})
        load: Load | None = None
        flood: Flood | None = None
        while line := await commands.readline():
            command = json.loads(line)
            match command["cmd"]:
                case "load":
                    load = Load(api, command["webhook"], command["secret"],
                                [int(u) for u in command["users"]], float(command["rate"]),
                                exclude=command.get("exclude"))
                    load.start()
                    _say({"ok": True})
                case "stop_load":
                    answers: list[dict[str, Any]] = []
                    if load is not None:
                        await load.stop()
                        answers = _answers(api, load)
                    _write(command["path"], answers)
                    _say({"answers": len(answers)})
                case "flood":
                    flood = Flood(api, command["webhook"], command["secret"],
                                  [int(command["user"])], float(command["rate"]),
                                  unit=str(command["unit"]))
                    flood.start()
                    _say({"ok": True})
                case "stop_flood":
                    posts: list[tuple[int, float, int]] = []
                    if flood is not None:
                        await flood.stop(linger=0)
                        posts, flood = flood.posts, None
                    _say({"posts": len(posts),
                          "statuses": dict(Counter(str(status) for _, _, status in posts))})
                case "press":
                    _say(await _press(api, command))
                case "count":
                    _say({"count": _count(api, command["text"])})
                case "dump":
                    _say({"calls": _dump(api, command["path"], command.get("classify"))})
                case "burst":
                    _say(await _burst(api, command))
                case "cpu":
                    _say({"seconds": time.process_time()})
                case "quit":
                    _say({"ok": True})
                    return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--global-per-second", type=float, default=30)
    parser.add_argument("--per-chat-per-second", type=float, default=1)
    parser.add_argument("--per-group-per-minute", type=float, default=20)
    parser.add_argument("--no-limits", action="store_true")
    args = parser.parse_args()
    limits = None if args.no_limits else (
        args.global_per_second, args.per_chat_per_second, args.per_group_per_minute)
    asyncio.run(serve(limits))


if __name__ == "__main__":
    main()
