"""A small async client for the Zalo Bot Platform API, on aiohttp.

``POST <api_url>/bot<TOKEN>/<method>`` with a JSON body; an answer is a success only
when the HTTP status is 2xx *and* the body says ``"ok": true``. Everything else
becomes a typed ``ZaloError`` the caller can act on (wait and retry, give up, mark a
chat unreachable). One ``ClientSession`` is shared by every call.

The token is part of the URL, so no URL is ever put in a log line or an exception:
errors name the method, never the address.
"""

from __future__ import annotations

import json
import logging
from types import TracebackType
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://bot-api.zaloplatforms.com"
REQUEST_TIMEOUT = 20.0  # seconds for an ordinary call
POLL_MARGIN = 10.0  # the client waits this much longer than the platform holds a poll
IDLE_POLL = 408  # getUpdates answers an idle poll with error 408: not a failure


class ZaloError(Exception):
    """The platform refused or could not be reached. Never carries the token."""

    def __init__(self, method: str, description: str, error_code: int | None = None) -> None:
        self.method = method
        self.description = description
        self.error_code = error_code
        code = f" ({error_code})" if error_code is not None else ""
        super().__init__(f"zalo {method}{code}: {description}")


class ZaloUnauthorized(ZaloError):
    """401: the token is wrong or revoked."""


class ZaloForbidden(ZaloError):
    """403: the user blocked the bot, or the bot may not write to this chat."""


class ZaloBadRequest(ZaloError):
    """400 and other 4xx: the request itself is wrong; retrying will not help."""


class ZaloQuotaExceeded(ZaloError):
    """429 "Quota exceeded": wait (``retry_after`` seconds when the platform says)."""

    def __init__(self, method: str, description: str, error_code: int | None = 429,
                 retry_after: float | None = None) -> None:
        super().__init__(method, description, error_code)
        self.retry_after = retry_after


class ZaloServerError(ZaloError):
    """5xx, or an answer that is not the platform's JSON: worth retrying."""


class ZaloTimeout(ZaloError):
    """No answer in time: worth retrying."""


class ZaloNetworkError(ZaloError):
    """The connection failed or was reset: worth retrying."""


def _retry_after(body: dict[str, Any]) -> float | None:
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if value is None:
        value = body.get("retry_after")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def error_for(method: str, status: int, body: Any) -> ZaloError:
    """The typed error for a failed answer (HTTP status, platform error code)."""
    data = body if isinstance(body, dict) else {}
    raw_code = data.get("error_code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) \
        else status
    description = str(data.get("description") or f"HTTP {status}")[:300]
    if code == 429 or status == 429:
        return ZaloQuotaExceeded(method, description, 429, _retry_after(data))
    if code == 401 or status == 401:
        return ZaloUnauthorized(method, description, 401)
    if code == 403 or status == 403:
        return ZaloForbidden(method, description, 403)
    if code == IDLE_POLL:
        return ZaloTimeout(method, description, IDLE_POLL)
    if status >= 500 or code >= 500:
        return ZaloServerError(method, description, code)
    return ZaloBadRequest(method, description, code)


class ZaloClient:
    def __init__(self, token: str, *, api_url: str = DEFAULT_API_URL,
                 timeout: float = REQUEST_TIMEOUT) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never the token
        return f"ZaloClient(api_url={self.api_url!r})"

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def call(self, method: str, params: dict[str, Any] | None = None, *,
                   limit: float | None = None) -> Any:
        """One API call: its ``result``, or a ``ZaloError``."""
        url = f"{self.api_url}/bot{self._token}/{method}"
        body = {k: v for k, v in (params or {}).items() if v is not None}
        deadline = aiohttp.ClientTimeout(total=limit or self.timeout)
        try:
            async with self._shared_session().post(url, json=body,
                                                   timeout=deadline) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError:
            raise ZaloTimeout(method, "no answer in time") from None
        except aiohttp.ClientError as error:
            # The error's text may hold the URL, and with it the token: keep only its kind.
            raise ZaloNetworkError(method, type(error).__name__) from None
        try:
            answer = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            if 200 <= status < 300:
                raise ZaloServerError(method, "the answer is not JSON", status)
            raise error_for(method, status, None)
        if 200 <= status < 300 and answer.get("ok") is True:
            return answer.get("result")
        raise error_for(method, status, answer)

    # --- the methods ------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, poll_seconds: int = 30) -> list[dict[str, Any]]:
        """Long-poll for the next update(s); an idle poll gives []. The platform has no
        offset and answers one update at a time, as an object or a list."""
        try:
            result = await self.call("getUpdates", {"timeout": str(poll_seconds)},
                                     limit=poll_seconds + POLL_MARGIN)
        except ZaloTimeout as error:
            if error.error_code == IDLE_POLL:
                return []
            raise
        if isinstance(result, list):
            return [item for item in result if isinstance(item, dict)]
        return [result] if isinstance(result, dict) else []

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo: str,
                         caption: str | None = None) -> dict[str, Any]:
        result = await self.call("sendPhoto", {"chat_id": chat_id, "photo": photo,
                                               "caption": caption})
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

