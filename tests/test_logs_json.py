"""NHACVIEC_LOG_FORMAT=json: one JSON object a line, and still no secret in it."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from bot.config import Settings, SettingsError
from bot.logs import REDACTED, JsonFormatter, RedactSecrets, configure_logging

TOKEN = "123456789:AAE-secret-part-of-the-token-xyz"
SECRET = "webhook-s3cret-value"


def _logger(stream: io.StringIO) -> tuple[logging.Logger, logging.Handler]:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets([TOKEN, SECRET]))
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, handler


def test_one_object_a_line_with_the_fields_and_no_secret() -> None:
    stream = io.StringIO()
    logger, handler = _logger(stream)
    try:
        logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("Xin chào, secret %s\nsecond line", SECRET)
        try:
            raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage with {SECRET}")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and SECRET not in text
    assert TOKEN.partition(":")[2] not in text
    lines = text.splitlines()
    assert len(lines) == 3  # a newline in a message stays inside its object
    entries = [json.loads(line) for line in lines]
    assert [e["level"] for e in entries] == ["INFO", "WARNING", "ERROR"]
    assert all(e["logger"] == "test.json" for e in entries)
    assert all(e["time"].endswith("+00:00") and "T" in e["time"] for e in entries)
    assert entries[0]["message"] == f"POST https://api.telegram.org/bot{REDACTED}/getMe"
    assert entries[1]["message"] == f"Xin chào, secret {REDACTED}\nsecond line"
    assert "exception" not in entries[0]
    assert entries[2]["message"] == "send failed"
    assert "Traceback" in entries[2]["exception"] and "RuntimeError" in entries[2]["exception"]
    assert entries[2]["exception"].count(REDACTED) == 2


def test_an_exception_without_secrets_configured_is_still_written() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
    try:
        raise ValueError("inner")
    except ValueError:
        record.exc_info = sys.exc_info()
    handler.handle(record)
    entry = json.loads(stream.getvalue())
    assert "ValueError: inner" in entry["exception"]


def test_configure_logging_json_formats_every_handler(caplog: pytest.LogCaptureFixture) -> None:
    root = logging.getLogger()
    before = {id(h): (list(h.filters), h.formatter) for h in root.handlers}
    try:
        configure_logging("INFO", secrets=(TOKEN,), log_format="json")
        assert all(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
        logging.getLogger("bot").error("unexpected: %r", {"token": TOKEN})
        line = caplog.handler.format(caplog.records[-1])
        assert json.loads(line)["message"] == "unexpected: {'token': '***'}"
    finally:
        for handler in root.handlers:
            filters, formatter = before.get(id(handler), ([], None))
            handler.filters = filters
            handler.setFormatter(formatter)


def test_the_setting() -> None:
    assert Settings.from_environ({}).log_format == "text"
    assert Settings.from_environ({"NHACVIEC_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="NHACVIEC_LOG_FORMAT: expected text or json"):
        Settings.from_environ({"NHACVIEC_LOG_FORMAT": "xml"})
