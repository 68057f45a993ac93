"""Telegram, on the real python-telegram-bot: translation to and from the neutral
types, sending with retries, the webhook endpoint, polling, command menus."""

import os

# PTB 22 reports durations (RetryAfter.retry_after …) as timedelta when this is set,
# and warns about the old int form otherwise; v23 makes timedelta the only form.
# Opt in before PTB is imported anywhere below.
os.environ.setdefault("PTB_TIMEDELTA", "1")
