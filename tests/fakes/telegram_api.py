"""A local fake of the Telegram Bot API for end-to-end tests.

The real python-telegram-bot talks to it over HTTP on 127.0.0.1::

    async with FakeTelegramApi() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.api_url).build()

It answers the methods the bot uses with realistic results, enforces the rules that
matter to the bot (text length, Telegram's HTML, callback data size, "message is not
modified"), records every call, and fails on demand (``fail_next``) or when the bot
floods (``enforce_limits``). Waiting helpers wake on recorded calls, never on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from .telegram_faults import Fault, FaultKind, FaultScript, FloodLimits
from .telegram_methods import method_table
from .telegram_objects import (
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
    JSONDict,
    bot_id_from_token,
    bot_user_dict,
    chat_dict,
    default_chat_type,
)
from .telegram_state import BotApiState
from .telegram_wire import ApiError, read_params

_API_PATH = re.compile(r"bot(?P<token>[^/]*)/(?P<method>[A-Za-z]+)")
_FILE_PATH = re.compile(r"file/bot(?P<token>[^/]*)/(?P<path>.+)")
_UNAUTHORIZED = ApiError(401, "Unauthorized")
_NOT_FOUND = ApiError(404, "Not Found")


@dataclass(frozen=True)
class Call:
    """One request the fake answered (or dropped: status 0, no response)."""

    method: str
    params: dict[str, Any]
    at_monotonic: float
    status: int = 200
    response: JSONDict | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


async def serve_locally(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> tuple[web.AppRunner, int]:
    """An aiohttp server on 127.0.0.1 and a free port, every path to ``handler``."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return runner, sock.getsockname()[1]


class _Signal:
    """Wakes every waiter when something changes. Unlike asyncio.Condition it can be
    notified from plain functions such as ``push_update``."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        while not predicate():
            await self._event.wait()


class FakeTelegramApi:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_NAME,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
        max_long_poll: float = 1.0,
    ) -> None:
        """``clock`` times calls and flood limits; ``now`` (epoch seconds) dates
        messages; a long poll waits at most ``max_long_poll`` seconds whatever the
        client's ``timeout``, so a test never hangs on an idle poll."""
        self.token = token
        self.bot_user = bot_user_dict(bot_id_from_token(token), bot_username, bot_first_name)
        self.state = BotApiState(self.bot_user, now)
        self._methods = method_table(self.state)
        self.calls: list[Call] = []
        self._clock = clock
        self._max_long_poll = max_long_poll
        self._faults = FaultScript()
        self._limits: FloodLimits | None = None
        # Faults at random: asked about every request no scripted fault took.
        self.chaos: Callable[[str, dict[str, Any]], FaultKind | None] | None = None
        self._changed = _Signal()
        self._closing = asyncio.Event()
        self._waiting_polls = 0
        self._in_hand = 0  # requests being answered, long polls aside
        self._runner: web.AppRunner | None = None
        self._port = 0

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self._closing.clear()
        self._runner, self._port = await serve_locally(self._handle)

    async def stop(self) -> None:
        self._closing.set()
        self._changed.notify()  # idle long polls answer now
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if not self._port:
            raise RuntimeError("the fake Telegram API is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """The ``base_url`` for python-telegram-bot, which appends ``<token>/<method>``."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """The ``base_file_url`` for python-telegram-bot."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    # --- arranging the world ---------------------------------------------------------

    def push_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates (numbering it if needed); returns its id."""
        queued = self.state.updates.push(update)
        self.state.observe(queued)
        self._changed.notify()
        return int(queued["update_id"])

    def register_update(self, update: JSONDict) -> None:
        """Learn the chats, users and messages of an update delivered some other way
        (a webhook test), so the bot can edit and answer them."""
        self.state.observe(update)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> None:
        self.state.chats[chat_id] = chat_dict(
            chat_id, chat_type or default_chat_type(chat_id),
            title=title, first_name=first_name, username=username,
        )

    def set_chat_admins(
        self, chat_id: int, user_ids: list[int], *, creator_id: int | None = None
    ) -> None:
        """The group's administrators; everyone else is a plain member."""
        members = dict.fromkeys(user_ids, "administrator")
        if creator_id is not None:
            members[creator_id] = "creator"
        self.state.members[chat_id] = members

    def fail_next(
        self,
        method: str,
        kind: FaultKind,
        times: int = 1,
        *,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        description: str | None = None,
        status: int = 500,
        delay: float = 0.05,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, if given)
        fail with ``kind``; scripted faults are used in the order they were added."""
        self._faults.add(Fault(
            method, kind, times, chat_id, retry_after, description, status, delay,
            migrate_to_chat_id,
        ))

    def enforce_limits(
        self,
        global_per_second: float = 30,
        per_chat_per_second: float = 1,
        per_group_per_minute: float = 20,
    ) -> None:
        """Answer 429 with retry_after when the bot sends faster than Telegram allows."""
        self._limits = FloodLimits(global_per_second, per_chat_per_second, per_group_per_minute)

    # --- what happened ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Parameters of the successful sendMessage calls (to ``chat_id``, if given)."""
        return [
            call.params for call in self.calls_to("sendMessage")
            if call.ok and chat_id in (None, call.params.get("chat_id"))
        ]

    def last_text(self, chat_id: int | str) -> str | None:
        sent = self.sent_messages(chat_id)
        return str(sent[-1]["text"]) if sent else None

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        key = self.state.commands_key(scope, language_code)
        return self.state.commands.get(key, [])

    @property
    def webhook(self) -> JSONDict:
        """What setWebhook stored: url, and secret_token/allowed_updates when given."""
        return dict(self.state.webhook)

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a safety net, not a way to wait
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` (matching ``predicate``) were
        recorded; returns them. ``timeout`` is only a safety net for broken tests."""
        def matching() -> list[Call]:
            return [call for call in self.calls_to(method)
                    if predicate is None or predicate(call)]

        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait_until(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise TimeoutError(
                f"expected {count} call(s) to {method}; calls so far: {seen}"
            ) from None
        return matching()

    async def wait_until(self, condition: Callable[[], bool],
                         timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a safety net
        """Wait until ``condition()`` holds, looked at after every recorded call."""
        async with asyncio.timeout(timeout):
            await self._changed.wait_until(condition)

    async def wait_for_long_poll(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates call is parked waiting for updates."""
        async with asyncio.timeout(timeout):
            await self._changed.wait_until(lambda: self._waiting_polls > 0)

    async def wait_for_answers(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every request in hand (long polls aside) is answered and
        recorded: after a client was killed, what it had sent is on record, as a
        message the platform carried out for a sender that never heard back."""
        async with asyncio.timeout(timeout):
            await self._changed.wait_until(lambda: self._in_hand == 0)

    # --- serving ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        # A long poll may wait a while for nothing: it is not a request in hand.
        counted = 0 if request.match_info["tail"].lower().endswith("/getupdates") else 1
        self._in_hand += counted
        try:
            return await self._serve(request)
        finally:
            self._in_hand -= counted
            self._changed.notify()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if file_match := _FILE_PATH.fullmatch(tail):
            return self._serve_file(file_match["token"], file_match["path"])
        at = self._clock()
        match = _API_PATH.fullmatch(tail)
        if match is None:
            return web.json_response(_NOT_FOUND.payload(), status=404)
        params = await read_params(request)
        if match["token"] != self.token:
            return self._answer(match["method"], params, at, _UNAUTHORIZED)
        method = self._canonical(match["method"])
        if method is None:
            return self._answer(match["method"], params, at, _NOT_FOUND)
        fault = self._faults.take(method, params)
        if fault is None and self.chaos is not None:
            kind = self.chaos(method, params)
            fault = Fault(method, kind) if kind is not None else None
        if fault is not None and fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            self._record(Call(method, params, at, status=0))
            return web.Response()
        if fault is not None and fault.kind == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
        outcome = fault.error(params) if fault is not None else None
        if outcome is None and self._limits is not None:
            outcome = self._limits.check(method, params.get("chat_id"), self._clock())
        if outcome is None:
            outcome = await self._execute(method, params)
        return self._answer(method, params, at, outcome)

    def _canonical(self, name: str) -> str | None:
        # Telegram's method names are case-insensitive.
        known = [*self._methods, "getUpdates"]
        return next((method for method in known if method.lower() == name.lower()), None)

    async def _execute(self, method: str, params: dict[str, Any]) -> Any:
        try:
            if method == "getUpdates":
                return await self._get_updates(params)
            return self._methods[method](params)
        except ApiError as error:
            return error

    async def _get_updates(self, params: dict[str, Any]) -> list[JSONDict]:
        if self.state.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        queue = self.state.updates
        if "allowed_updates" in params:
            queue.allowed_updates = params["allowed_updates"]
        offset, limit = params.get("offset"), params.get("limit")
        updates = queue.poll(offset, limit)
        timeout = params.get("timeout", 0)
        wait = min(float(timeout), self._max_long_poll) if isinstance(timeout, int | float) else 0
        if not updates and wait > 0 and not self._closing.is_set():
            self._waiting_polls += 1
            self._changed.notify()
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._changed.wait_until(
                            lambda: queue.has_wanted() or self._closing.is_set()
                        )
            finally:
                self._waiting_polls -= 1
            updates = queue.poll(offset, limit)
        return updates

    def _answer(
        self, method: str, params: dict[str, Any], at: float, outcome: Any
    ) -> web.Response:
        if isinstance(outcome, ApiError):
            status, payload = outcome.status, outcome.payload()
        else:
            status, payload = 200, {"ok": True, "result": outcome}
        self._record(Call(method, params, at, status, payload))
        return web.json_response(payload, status=status)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.notify()

    def _serve_file(self, token: str, path: str) -> web.Response:
        file_id = self.state.file_paths.get(path)
        if token != self.token or file_id is None:
            return web.Response(status=404, text="Not Found")
        upload = self.state.files[file_id]
        return web.Response(body=upload.data, content_type=upload.content_type)
