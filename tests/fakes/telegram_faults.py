"""Scripted failures and Telegram's flood limits for the fake Bot API."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .telegram_wire import ApiError

FaultKind = Literal[
    "retry_after", "forbidden", "migrate", "server_error", "bad_request", "slow", "drop"
]
FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))

_SERVER_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Fault:
    """One scripted failure of ``method``, used ``times`` times.

    ``slow`` answers normally after ``delay`` seconds (Telegram has then carried the
    request out even if the client gave up); ``drop`` closes the connection and carries
    nothing out; every other kind answers with an error instead of carrying it out.
    """

    method: str
    kind: FaultKind
    times: int = 1
    chat_id: int | str | None = None
    retry_after: int = 1
    description: str | None = None
    status: int = 500
    delay: float = 0.05
    migrate_to_chat_id: int | None = None

    def matches(self, method: str, params: Mapping[str, Any]) -> bool:
        return self.method == method and self.chat_id in (None, params.get("chat_id"))

    def error(self, params: Mapping[str, Any]) -> ApiError | None:
        """The error answer, or None for the kinds that do not answer with one."""
        match self.kind:
            case "retry_after":
                return ApiError(
                    429,
                    f"Too Many Requests: retry after {self.retry_after}",
                    {"retry_after": self.retry_after},
                )
            case "forbidden":
                return ApiError(403, self.description or "Forbidden: bot was blocked by the user")
            case "migrate":
                return ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self._new_chat_id(params)},
                )
            case "server_error":
                return ApiError(self.status, _SERVER_ERRORS.get(self.status, "Server Error"))
            case "bad_request":
                return ApiError(400, self.description or "Bad Request: bad request")
            case _:
                return None

    def _new_chat_id(self, params: Mapping[str, Any]) -> int:
        if self.migrate_to_chat_id is not None:
            return self.migrate_to_chat_id
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ValueError("a migrate fault needs migrate_to_chat_id or an int chat_id")
        return int(f"-100{abs(chat_id)}")


class FaultScript:
    """Faults waiting to happen, consumed in the order they were scripted."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(fault)

    def take(self, method: str, params: Mapping[str, Any]) -> Fault | None:
        """The first fault that applies to this request, using one of its times."""
        for fault in self._faults:
            if fault.matches(method, params):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        return list(self._faults)


class _TokenBucket:
    def __init__(self, capacity: float, per_second: float, now: float) -> None:
        self._capacity = capacity
        self._per_second = per_second
        self._tokens = capacity
        self._updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 when one is free now)."""
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._capacity, self._tokens + elapsed * self._per_second)
        self._updated = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self._per_second

    def take(self) -> None:
        self._tokens -= 1


def counts_toward_limits(method: str) -> bool:
    """Messages sent or edited count; chat actions, callbacks and reads do not."""
    return method.startswith(("send", "edit", "copy", "forward")) and method != "sendChatAction"


class FloodLimits:
    """Telegram's documented flood limits as token buckets on a monotonic clock.

    A bucket holds as many tokens as its limit allows per period (one for the per-chat
    limit, so no burst there); a refused request consumes nothing.
    """

    def __init__(
        self, global_per_second: float, per_chat_per_second: float, per_group_per_minute: float
    ) -> None:
        self._global_per_second = global_per_second
        self._per_chat_per_second = per_chat_per_second
        self._per_group_per_second = per_group_per_minute / 60
        self._group_capacity = per_group_per_minute
        self._buckets: dict[tuple[str, int | str | None], _TokenBucket] = {}

    def _bucket(
        self, key: tuple[str, int | str | None], capacity: float, per_second: float, now: float
    ) -> _TokenBucket:
        if key not in self._buckets:
            self._buckets[key] = _TokenBucket(max(1.0, capacity), per_second, now)
        return self._buckets[key]

    def check(self, method: str, chat_id: int | str | None, now: float) -> ApiError | None:
        """None when the request may pass (and is counted), else the 429 answer."""
        if not counts_toward_limits(method):
            return None
        buckets = [
            self._bucket(("global", None), self._global_per_second, self._global_per_second, now),
            self._bucket(
                ("chat", chat_id), self._per_chat_per_second, self._per_chat_per_second, now
            ),
        ]
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            buckets.append(
                self._bucket(
                    ("group", chat_id), self._group_capacity, self._per_group_per_second, now
                )
            )
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            return ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for bucket in buckets:
            bucket.take()
        return None
