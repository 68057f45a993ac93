"""Settings: read once, at start, from the environment (prefix ``NHACVIEC_``) and an
optional ``.env`` file; everything else receives the typed object.

The environment is an argument (``Settings.from_environ(environ)``), so tests pass a
dict instead of patching ``os.environ``. A setting we do not know, or one we cannot
read, stops start-up with a message that names it: a typo in a deployment file must
not silently fall back to a default.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.i18n import SUPPORTED

PREFIX = "NHACVIEC_"
CHANNELS = ("telegram", "zalo", "local")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///nhacviec.db"
# ZoneInfo instances are cached and immutable, so one shared default is safe.
PROVINCE_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


class SettingsError(ValueError):
    pass


def _database_url(raw: str) -> str:
    if not raw.startswith(("sqlite", "postgresql", "postgres")):
        raise ValueError("expected a sqlite+aiosqlite:/// or postgresql+asyncpg:// URL")
    return raw


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {raw!r}") from error


def _language(raw: str) -> str:
    if raw not in SUPPORTED:
        raise ValueError(f"expected one of {', '.join(SUPPORTED)}")
    return raw


def _admins(raw: str) -> tuple[str, ...]:
    """``telegram:123456789,zalo:abc`` — channel and the user's id on it."""
    admins = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        channel, _, user_id = item.partition(":")
        if channel not in CHANNELS or not user_id.strip():
            raise ValueError(f"{item!r} is not <channel>:<user id> with channel in {CHANNELS}")
        admins.append(f"{channel}:{user_id.strip()}")
    return tuple(admins)


def _token(raw: str) -> str:
    # "<bot id>:<secret>": checked for shape only, so a paste error is caught at start.
    bot_id, _, secret = raw.partition(":")
    if not bot_id.isdigit() or len(secret) < 20:
        raise ValueError("expected the token BotFather gives, <digits>:<secret>")
    return raw


def _zalo_token(raw: str) -> str:
    # "<bot id>:<secret>" as Zalo Bot Creator gives it; checked for shape only.
    bot_id, _, secret = raw.partition(":")
    if not bot_id.strip() or len(secret) < 8 or any(c.isspace() for c in raw):
        raise ValueError("expected the token Zalo Bot Creator gives, <bot id>:<secret>")
    return raw


def _flag(raw: str) -> bool:
    value = raw.lower()
    if value not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError("expected 1/0, true/false, yes/no or on/off")
    return value in ("1", "true", "yes", "on")


def _url(raw: str) -> str:
    if not raw.startswith(("https://", "http://")):
        raise ValueError("expected an http(s):// URL")
    return raw.rstrip("/")


def _webhook_secret(raw: str) -> str:
    # Telegram: 1-256 characters of A-Z, a-z, 0-9, _ and -.
    if not 8 <= len(raw) <= 256 or not all(c.isascii() and (c.isalnum() or c in "_-")
                                           for c in raw):
        raise ValueError("expected 8-256 characters of A-Z, a-z, 0-9, _ and -")
    return raw


def _port(raw: str) -> int:
    port = int(raw)
    if not 0 <= port <= 65535:
        raise ValueError("expected a port number 0-65535")
    return port


def _lead_days(raw: str) -> tuple[int, ...]:
    days = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
    if not days or any(d < 1 or d > 30 for d in days):
        raise ValueError("expected working days before the due date, e.g. 3,1 (each 1-30)")
    return days


def _clock_time(raw: str) -> time:
    try:
        hour, minute = (int(part) for part in raw.split(":"))
        return time(hour, minute)
    except ValueError:
        raise ValueError("expected a time of day HH:MM, e.g. 08:00") from None


def _positive(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
    return level


def _log_format(raw: str) -> str:
    value = raw.lower()
    if value not in ("text", "json"):
        raise ValueError("expected text or json")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    timezone: ZoneInfo = PROVINCE_TIMEZONE
    default_language: str = "vi"
    admins: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object a line, for a log collector
    # Telegram. Secrets stay out of repr(), and so out of logs and tracebacks.
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Webhooks: the public base URL; each channel adds its path (/telegram/webhook).
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # Zalo Bot Platform: the token, the API's base URL (the platform's, or a fake in
    # tests), the webhook's own secret (the Telegram one if not set), groups (limited
    # on the platform: off unless asked for).
    zalo_token: str | None = field(default=None, repr=False)
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: str | None = field(default=None, repr=False)
    zalo_groups: bool = False
    # Reminders: working days before each due date, the hour they go out, when the
    # admins get the list of units still missing, and how late a reminder missed
    # during downtime may still be sent.
    reminder_lead_days: tuple[int, ...] = (3, 1)
    reminder_time: time = time(8, 0)
    escalation_time: time = time(16, 0)
    reminder_catchup_hours: float = 12.0
    reminder_tick_seconds: float = 60.0
    # Outbox sends per second per bot token, shared by every process: under
    # Telegram's 30/s, leaving room for replies to people.
    outbox_rate: float = 25.0
    # Telegram messages per second per bot token in one process, answers included:
    # Telegram's bulk limit (about 30). Higher only where Telegram allows it (paid
    # broadcasts, up to 1,000) or for measuring the bot (bench.inbound).
    telegram_overall_rate: float = 30.0
    # How long a worker holds the messages it took: after a crash, its last batch
    # waits this long before another worker sends it.
    outbox_lease_seconds: float = 120.0
    # How often a running broadcast's progress card is refreshed, at most.
    broadcast_progress_seconds: float = 5.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], env_file: Path | None = None) -> Settings:
        """Read ``NHACVIEC_*`` from ``env_file`` (if it exists), then ``environ`` on top."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(environ)
        return cls._parse({k: v for k, v in values.items() if k.startswith(PREFIX)})

    @classmethod
    def _parse(cls, raw: Mapping[str, str]) -> Settings:
        known = {f"{PREFIX}{f.name.upper()}": f.name for f in fields(cls)}
        parsed: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = f" (did you mean {hint[0]}?)" if hint else ""
                raise SettingsError(f"{key}: unknown setting{suggestion}")
            try:
                parsed[known[key]] = _PARSERS[known[key]](value.strip())
            except ValueError as error:
                raise SettingsError(f"{key}: {error}") from error
        if parsed.get("webhook_url") and not parsed.get("webhook_secret"):
            raise SettingsError(f"{PREFIX}WEBHOOK_SECRET: required with {PREFIX}WEBHOOK_URL, "
                                "so that only Telegram can post updates")
        return cls(**parsed)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """What no log line may show: the tokens (in every API URL) and the secrets.
        The part of a token after its colon too, as some libraries log it alone."""
        tokens = (self.telegram_token, self.zalo_token)
        return (*tokens, *(t.partition(":")[2] for t in tokens if t), self.webhook_secret,
                self.zalo_webhook_secret)

    @property
    def zalo_secret(self) -> str | None:
        """The secret Zalo's webhook must present: its own, else the Telegram one."""
        return self.zalo_webhook_secret or self.webhook_secret

    @classmethod
    def names(cls) -> list[str]:
        """Every environment variable the bot reads."""
        return [f"{PREFIX}{f.name.upper()}" for f in fields(cls)]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": _database_url,
    "timezone": _timezone,
    "default_language": _language,
    "admins": _admins,
    "log_level": _log_level,
    "log_format": _log_format,
    "telegram_token": _token,
    "telegram_api_url": _url,
    "webhook_url": _url,
    "webhook_secret": _webhook_secret,
    "zalo_token": _zalo_token,
    "zalo_api_url": _url,
    "zalo_webhook_secret": _webhook_secret,
    "zalo_groups": _flag,
    "http_host": str,
    "http_port": _port,
    "reminder_lead_days": _lead_days,
    "reminder_time": _clock_time,
    "escalation_time": _clock_time,
    "reminder_catchup_hours": _positive,
    "reminder_tick_seconds": _positive,
    "outbox_rate": _positive,
    "telegram_overall_rate": _positive,
    "outbox_lease_seconds": _positive,
    "broadcast_progress_seconds": _positive,
}
