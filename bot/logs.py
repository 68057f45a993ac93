"""Logging set-up: plain lines, or one JSON object a line (``NHACVIEC_LOG_FORMAT=json``,
for a log collector), and never a secret in them.

The Telegram token is part of every Bot API URL, and HTTP client libraries log
URLs; a webhook secret could end up in an exception's text. A filter on the
handlers replaces every configured secret before a line is written, whichever the
format: the JSON formatter writes the message and the traceback the filter has
already redacted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime

REDACTED = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, REDACTED)
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """``{"time": ISO 8601 in UTC, "level", "logger", "message", "exception"?}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, secrets: Iterable[str | None],
                      log_format: str = "text") -> None:
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        if log_format == "json":
            handler.setFormatter(JsonFormatter())
        handler.addFilter(redact)
    # Chatter that would bury what the bot itself says (and httpx logs every URL).
    for noisy in ("alembic", "httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))
    # PTB's limiter logs every 429 as an ERROR with a traceback, though the outbox and
    # the reply sender both handle it (wait, retry) and log what matters themselves.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
