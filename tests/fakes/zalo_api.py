"""A local fake of the Zalo Bot Platform API for end-to-end tests.

The real ``ZaloClient`` talks to it over HTTP on 127.0.0.1::

    async with FakeZaloApi() as api:
        client = ZaloClient(api.token, api_url=api.api_url)

It answers ``POST /bot<TOKEN>/<method>`` like the platform (PLATFORMS.md): success is
``{"ok": true, "result": …}``, failure ``{"ok": false, "error_code", "description"}``;
it enforces what matters to the bot (text of 1–2,000 characters, a secret of 8–256,
no getUpdates while a webhook is set), records every call, long-polls with an idle
408, and fails on demand (``fail_next``). Waiting helpers wake on recorded calls,
never on the clock. Event builders at the bottom make the bodies the platform sends.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from .telegram_api import Call, _Signal, serve_locally

JSONDict = dict[str, Any]
DEFAULT_TOKEN = "3000000123:zalo-fake-secret-KJH87wq2"
DEFAULT_BOT_ID = "3000000123"
DEFAULT_BOT_NAME = "Nhắc việc"
MAX_TEXT = 2000
FaultKind = Literal["quota", "unauthorized", "forbidden", "bad_request", "server_error",
                    "slow", "drop", "ok_false", "not_json"]
_STATUS = {"quota": (429, "Quota exceeded"), "unauthorized": (401, "Unauthorized"),
           "forbidden": (403, "Forbidden: the user has blocked the bot"),
           "bad_request": (400, "Bad Request"),
           "server_error": (500, "Internal Server Error")}
_message_ids = itertools.count(1)


class _ApiError(Exception):
    def __init__(self, code: int, description: str, status: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.status = code, description, status or code


@dataclass
class _Fault:
    method: str
    kind: FaultKind
    times: int
    chat_id: str | None
    retry_after: float | None
    delay: float


class FakeZaloApi:
    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_id: str = DEFAULT_BOT_ID,
                 bot_name: str = DEFAULT_BOT_NAME, max_long_poll: float = 0.2,
                 idle_status: int = 408) -> None:
        """A long poll waits at most ``max_long_poll`` seconds whatever the client's
        ``timeout``, so a test never hangs; an idle poll answers error 408 with HTTP
        status ``idle_status`` (the platform's exact status is not documented)."""
        self.token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.calls: list[Call] = []
        self._webhook: JSONDict = {}
        self._updates: asyncio.Queue[JSONDict] = asyncio.Queue()
        self._faults: list[_Fault] = []
        self._max_long_poll = max_long_poll
        self._idle_status = idle_status
        self._changed = _Signal()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._runner, self._port = await serve_locally(self._handle)

    async def stop(self) -> None:
        self._changed.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZaloApi:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # --- scripting -----------------------------------------------------------------------

    def push_update(self, event: JSONDict) -> None:
        """Queue an event for the next getUpdates."""
        self._updates.put_nowait(event)

    def fail_next(self, method: str, kind: FaultKind, times: int = 1, *,
                  chat_id: str | None = None, retry_after: float | None = None,
                  delay: float = 0.3) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id`` only, if given)
        fail with ``kind``; ``slow`` answers normally after ``delay`` seconds, ``drop``
        closes the connection without an answer (the request was carried out);
        ``ok_false`` is HTTP 200 with ``ok: false``; ``not_json`` an HTML error page."""
        self._faults.append(_Fault(method, kind, times, chat_id, retry_after, delay))

    # --- what happened -------------------------------------------------------------------

    @property
    def webhook(self) -> JSONDict:
        return dict(self._webhook)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: str | None = None) -> list[JSONDict]:
        """Parameters of the successful sendMessage calls (to ``chat_id``, if given)."""
        return [call.params for call in self.calls_to("sendMessage")
                if call.ok and chat_id in (None, call.params.get("chat_id"))]

    async def wait_for(self, method: str, count: int = 1,
                       timeout: float = 5.0) -> list[Call]:  # noqa: ASYNC109 - a safety net
        def matching() -> list[Call]:
            return [call for call in self.calls_to(method) if call.status != 0]

        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait_until(lambda: len(matching()) >= count)
        except TimeoutError:
            seen = [call.method for call in self.calls]
            raise TimeoutError(f"expected {count} call(s) to {method}; calls: {seen}") \
                from None
        return matching()

    async def wait_until(self, condition: Callable[[], bool],
                         timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a safety net
        async with asyncio.timeout(timeout):
            await self._changed.wait_until(condition)

    # --- serving -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        token, _, method = tail.removeprefix("bot").rpartition("/")
        if not tail.startswith("bot") or not method:
            return _answer(_ApiError(404, "Not Found"))
        if token != self.token:
            return self._record(method, {}, _ApiError(401, "Unauthorized"))
        try:
            params = json.loads(await request.read() or b"{}")
        except ValueError:
            return self._record(method, {}, _ApiError(400, "Bad Request: body is not JSON"))
        if not isinstance(params, dict):
            return self._record(method, {}, _ApiError(400, "Bad Request"))
        fault = self._take_fault(method, params)
        if fault is not None and fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            # Carried out, but the answer is lost on the way: the connection closes.
            if request.transport is not None:
                request.transport.close()
            return self._record(method, params, None, status=0)
        elif fault is not None:
            return self._record(method, params, _fault_error(fault), fault=fault)
        try:
            result = await self._execute(method, params)
        except _ApiError as error:
            return self._record(method, params, error)
        return self._record(method, params, result)

    def _take_fault(self, method: str, params: JSONDict) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, params.get("chat_id")):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _record(self, method: str, params: JSONDict, outcome: Any, *, status: int = 200,
                fault: _Fault | None = None) -> web.StreamResponse:
        if isinstance(outcome, _ApiError):
            response = _answer(outcome, fault)
            status = response.status
            body: JSONDict | None = None if fault and fault.kind == "not_json" else \
                json.loads(response.text or "null")
        elif status == 0:
            response, body = web.Response(), None
        else:
            body = {"ok": True, "result": outcome}
            response = web.json_response(body)
        self.calls.append(Call(method, params, time.monotonic(), status, body))
        self._changed.notify()
        return response

    async def _execute(self, method: str, params: JSONDict) -> Any:
        if method == "getMe":
            return {"id": self.bot_id, "account_name": self.bot_name, "name": self.bot_name,
                    "account_type": "BASIC", "can_join_groups": True}
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "setWebhook":
            url, secret = params.get("url"), params.get("secret_token")
            if not isinstance(url, str) or not url.startswith("https://"):
                raise _ApiError(400, "Bad Request: url must be https")
            if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
                raise _ApiError(400, "Bad Request: secret_token must be 8-256 characters")
            self._webhook = {"url": url, "secret_token": secret}
            return {"url": url, "updated_at": int(time.time() * 1000)}
        if method == "deleteWebhook":
            self._webhook = {}
            return {"url": "", "updated_at": int(time.time() * 1000)}
        if method == "getWebhookInfo":
            return {"url": self._webhook.get("url", ""),
                    "updated_at": int(time.time() * 1000)}
        if method == "sendMessage":
            _need_chat(params)
            _check_text(params.get("text"))
            return _sent(params)
        if method == "sendPhoto":
            _need_chat(params)
            photo = params.get("photo")
            if not isinstance(photo, str) or not photo.startswith(("https://", "http://")):
                raise _ApiError(400, "Bad Request: photo must be a URL")
            caption = params.get("caption")
            if caption is not None and (not isinstance(caption, str)
                                        or len(caption) > MAX_TEXT):
                raise _ApiError(400, "Bad Request: caption is too long")
            return _sent(params)
        if method == "sendChatAction":
            _need_chat(params)
            return True
        raise _ApiError(404, f"Not Found: method {method}")

    async def _get_updates(self, params: JSONDict) -> JSONDict:
        if self._webhook:
            raise _ApiError(400, "Bad Request: webhook is active, getUpdates is disabled")
        try:
            wait = min(float(params.get("timeout") or 0), self._max_long_poll)
        except (TypeError, ValueError):
            raise _ApiError(400, "Bad Request: timeout") from None
        try:
            return await asyncio.wait_for(self._updates.get(), wait)
        except TimeoutError:
            raise _ApiError(408, "Request timeout", self._idle_status) from None


def _need_chat(params: JSONDict) -> None:
    if not isinstance(params.get("chat_id"), str) or not params["chat_id"]:
        raise _ApiError(400, "Bad Request: chat_id is required")


def _check_text(text: Any) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
        raise _ApiError(400, "Bad Request: text must be 1-2000 characters")


def _sent(params: JSONDict) -> JSONDict:
    return {"message_id": f"fake-{next(_message_ids)}", "date": int(time.time() * 1000),
            "chat_id": params["chat_id"]}


def _fault_error(fault: _Fault) -> _ApiError:
    if fault.kind == "ok_false":
        return _ApiError(400, "Bad Request: refused", status=200)
    if fault.kind == "not_json":
        return _ApiError(502, "Bad Gateway")
    code, description = _STATUS[fault.kind]
    return _ApiError(code, description)


def _answer(error: _ApiError, fault: _Fault | None = None) -> web.Response:
    if fault is not None and fault.kind == "not_json":
        return web.Response(status=502, text="<html><body>502 Bad Gateway</body></html>",
                            content_type="text/html")
    body: JSONDict = {"ok": False, "error_code": error.code,
                      "description": error.description}
    if fault is not None and fault.kind == "quota" and fault.retry_after is not None:
        body["parameters"] = {"retry_after": fault.retry_after}
    return web.json_response(body, status=error.status)


# --- the events the platform sends -------------------------------------------------------

def _message(user_id: str, *, chat_id: str | None, chat_type: str, display_name: str,
             message_id: str | None, date_ms: int | None, is_bot: bool) -> JSONDict:
    return {
        "from": {"id": user_id, "display_name": display_name, "is_bot": is_bot},
        "chat": {"id": chat_id or user_id, "chat_type": chat_type},
        "message_id": message_id or f"ev-{next(_message_ids)}",
        "date": date_ms if date_ms is not None else int(time.time() * 1000),
    }


def text_event(user_id: str, text: str, *, chat_id: str | None = None,
               chat_type: str = "PRIVATE", display_name: str = "Cán bộ",
               message_id: str | None = None, date_ms: int | None = None,
               is_bot: bool = False) -> JSONDict:
    message = _message(user_id, chat_id=chat_id, chat_type=chat_type,
                       display_name=display_name, message_id=message_id, date_ms=date_ms,
                       is_bot=is_bot)
    return {"event_name": "message.text.received", "message": {**message, "text": text}}


def image_event(user_id: str, photo: str, *, caption: str | None = None,
                chat_id: str | None = None, chat_type: str = "PRIVATE",
                message_id: str | None = None) -> JSONDict:
    message = _message(user_id, chat_id=chat_id, chat_type=chat_type,
                       display_name="Cán bộ", message_id=message_id, date_ms=None,
                       is_bot=False)
    message["photo"] = photo
    if caption is not None:
        message["caption"] = caption
    return {"event_name": "message.image.received", "message": message}


def sticker_event(user_id: str, *, message_id: str | None = None) -> JSONDict:
    message = _message(user_id, chat_id=None, chat_type="PRIVATE", display_name="Cán bộ",
                       message_id=message_id, date_ms=None, is_bot=False)
    return {"event_name": "message.sticker.received",
            "message": {**message, "sticker": "sticker-1"}}


def unsupported_event(user_id: str, *, message_id: str | None = None) -> JSONDict:
    message = _message(user_id, chat_id=None, chat_type="PRIVATE", display_name="Cán bộ",
                       message_id=message_id, date_ms=None, is_bot=False)
    return {"event_name": "message.unsupported.received", "message": message}


def echo_event(api: FakeZaloApi, chat_id: str, text: str) -> JSONDict:
    """The bot's own message, as some adapters report it back."""
    return text_event(api.bot_id, text, chat_id=chat_id, display_name=api.bot_name,
                      is_bot=True)


def wrapped(event: JSONDict) -> JSONDict:
    """The documented webhook shape: the event inside ``{"ok": true, "result": …}``."""
    return {"ok": True, "result": event}
