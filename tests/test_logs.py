"""No token or webhook secret ever reaches a log line."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, RedactSecrets

TOKEN = "123456789:AAE-secret-part-of-the-token-xyz"


def test_secrets_are_redacted_in_messages_arguments_and_tracebacks(
        caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    handler = caplog.handler
    handler.addFilter(RedactSecrets([TOKEN, "webhook-s3cret", None, ""]))
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("secret is webhook-s3cret")
        try:
            raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        handler.removeFilter(handler.filters[-1])
    text = caplog.text
    assert TOKEN not in text and "webhook-s3cret" not in text
    assert text.count(REDACTED) == 3


def test_short_or_missing_secrets_are_ignored() -> None:
    assert RedactSecrets([None, "", "abc"]).secrets == []


def test_configure_logging_protects_every_handler(caplog: pytest.LogCaptureFixture) -> None:
    from bot.logs import configure_logging

    root = logging.getLogger()
    before = {id(h): list(h.filters) for h in root.handlers}
    try:
        configure_logging("INFO", secrets=(TOKEN, None))
        logging.getLogger("httpx").warning("HTTP Request: POST /bot%s/getUpdates", TOKEN)
        logging.getLogger("bot").error("unexpected: %r", {"token": TOKEN})
        assert TOKEN not in caplog.text and caplog.text.count(REDACTED) == 2
        # Library chatter is turned down, so URLs are not logged at INFO at all.
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        for handler in root.handlers:
            handler.filters = before.get(id(handler), [])
