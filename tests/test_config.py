"""Settings are read once, from a mapping and an optional .env file; mistakes name
the setting."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_environ({})
    assert settings.database_url == "sqlite+aiosqlite:///nhacviec.db"
    assert settings.timezone == ZoneInfo("Asia/Ho_Chi_Minh")
    assert settings.default_language == "vi"
    assert settings.admins == ()


def test_values_are_parsed() -> None:
    settings = Settings.from_environ({
        "NHACVIEC_DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "NHACVIEC_TIMEZONE": "UTC",
        "NHACVIEC_DEFAULT_LANGUAGE": "en",
        "NHACVIEC_ADMINS": "telegram:123456789, zalo:abc ,",
        "NHACVIEC_LOG_LEVEL": "debug",
        "PATH": "/usr/bin",  # other variables are none of our business
    })
    assert settings.admins == ("telegram:123456789", "zalo:abc")
    assert settings.timezone == ZoneInfo("UTC")
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(("key", "value"), [
    ("NHACVIEC_TIMEZONE", "Mars/Olympus"),
    ("NHACVIEC_DEFAULT_LANGUAGE", "fr"),
    ("NHACVIEC_ADMINS", "123456789"),
    ("NHACVIEC_ADMINS", "facebook:1"),
    ("NHACVIEC_DATABASE_URL", "mysql://x"),
    ("NHACVIEC_LOG_LEVEL", "LOUD"),
    ("NHACVIEC_TELEGRAM_TOKN", "x"),
])
def test_mistakes_name_the_setting(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.from_environ({key: value})


def test_unknown_setting_suggests_the_right_one() -> None:
    with pytest.raises(SettingsError, match="did you mean NHACVIEC_TIMEZONE"):
        Settings.from_environ({"NHACVIEC_TIMEZON": "UTC"})


def test_env_file_then_environment_on_top(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NHACVIEC_DEFAULT_LANGUAGE=en\nNHACVIEC_TIMEZONE=UTC\n# comment\n")
    settings = Settings.from_environ({"NHACVIEC_TIMEZONE": "Asia/Bangkok"}, env_file=env_file)
    assert settings.default_language == "en"
    assert settings.timezone == ZoneInfo("Asia/Bangkok")
    assert Settings.from_environ({}, env_file=tmp_path / "missing.env") == Settings()


def test_names_lists_every_setting() -> None:
    assert "NHACVIEC_DATABASE_URL" in Settings.names()
    assert len(Settings.names()) == len(set(Settings.names()))
