"""Bot API requests and answers on the wire.

python-telegram-bot posts ``application/x-www-form-urlencoded`` bodies, or multipart
ones when it uploads files; every value that is not a string is JSON-encoded (so a
``chat_id`` of 42 arrives as ``"42"`` and a keyboard as a JSON object string). Other
clients post JSON bodies or use the query string. All of them decode to one dict of
Python values here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Parameters the Bot API types as strings: never JSON-decode them, so that a text of
# "42" or "true" stays a string.
STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id",
    "language_code", "inline_message_id", "action", "ip_address", "title",
    "description", "short_description", "name", "file_id", "emoji", "query_id",
    "business_connection_id", "message_effect_id", "certificate", "document",
    "photo", "thumbnail", "sticker", "audio", "video", "voice", "animation",
})
ID_PARAMS = frozenset({"chat_id", "user_id", "message_id", "from_chat_id"})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional parameters."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False, "error_code": self.status, "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _decode_form_value(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        decoded = json.loads(value, parse_constant=lambda constant: value)
    except ValueError:
        return value
    return value if isinstance(decoded, str) else decoded


def _normalise_id(value: Any) -> Any:
    """Chat and user ids may come as strings; expose an int when they are one."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """Decode a Bot API request (query string, form, multipart or JSON body)."""
    params: dict[str, Any] = {
        name: _decode_form_value(name, value) for name, value in request.query.items()
    }
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    params[name] = UploadedFile(
                        name, value.filename, value.content_type, value.file.read()
                    )
                else:
                    text = value if isinstance(value, str) else bytes(value).decode()
                    params[name] = _decode_form_value(name, text)
    for name, value in params.items():
        # "attach://part" points at another part of the same multipart body.
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = params.get(value.removeprefix("attach://"), value)
    for name in ID_PARAMS & params.keys():
        params[name] = _normalise_id(params[name])
    return params
