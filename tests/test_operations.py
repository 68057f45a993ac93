"""Operating the bot: GET /healthz and GET /metrics on the running service (the real
Telegram channel against the fake Bot API), and the metrics registry itself."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from bot import metrics
from bot.metrics import Registry
from bot.runner import database_answers
from storage import outbox as outbox_store
from storage.db import create_engine
from tests.conversation_kit import outbox_delivered
from tests.fakes.telegram_updates import message_update
from tests.telegram_harness import ADMIN_ID, Harness, say, telegram_bot

OFFICER = 301

HELP = re.compile(r"# HELP (?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*) \S.*")
TYPE = re.compile(r"# TYPE (?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?P<kind>counter|gauge|histogram)")
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{{{LABEL}(?:,{LABEL})*\}})?"
                    r" (?P<value>[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|Inf|NaN))")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_exposition(text: str) -> Samples:
    """Every line is a HELP, a TYPE or a sample of a declared metric; the samples."""
    assert text.endswith("\n")
    declared: dict[str, str] = {}
    helped: set[str] = set()
    samples: Samples = {}
    for line in text.splitlines():
        if match := HELP.fullmatch(line):
            helped.add(match["name"])
        elif match := TYPE.fullmatch(line):
            assert match["name"] in helped, f"TYPE before HELP: {line}"
            declared[match["name"]] = match["kind"]
        else:
            match = SAMPLE.fullmatch(line)
            assert match, f"not a sample line: {line!r}"
            name = match["name"]
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            kind = declared.get(name) or declared.get(family)
            assert kind, f"sample of an undeclared metric: {line}"
            if name != family and name not in declared:
                assert kind == "histogram", line
            labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                          match["labels"] or ""))
            samples[(name, labels)] = float(match["value"])
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[Harness]:
    async with telegram_bot(tmp_path) as harness:
        yield harness


async def get(tg: Harness, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, \
            session.get(tg.service.http.url + path) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def scrape(tg: Harness) -> Samples:
    status, content_type, text = await get(tg, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return parse_exposition(text)


async def health(tg: Harness) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, \
            session.get(tg.service.http.url + "/healthz") as response:
        return response.status, await response.json()


async def queue(tg: Harness, key: str, *, kind: str, late: timedelta,
                chat_id: int = ADMIN_ID) -> None:
    now = tg.clock()
    async with tg.app.sessions.begin() as session:
        await outbox_store.enqueue(session, key=key, channel="telegram", chat_id=str(chat_id),
                                   payload={"body": [["Nhắc việc: hạn báo cáo", "plain"]]},
                                   not_before=now - late, at=now - late, kind=kind)


# --- /healthz --------------------------------------------------------------------------


async def test_healthz_reports_every_part(tg: Harness) -> None:
    status, body = await health(tg)
    assert status == 200, body
    assert body["status"] == "ok" and body["problems"] == []
    assert body["database"] == "ok"
    assert body["scheduler"]["last_tick"] is not None and body["scheduler"]["overdue"] is False
    assert body["channels"]["telegram"]["last_contact"] is not None  # getMe at start
    assert body["outbox"] == {"depth": 0, "oldest_age_seconds": None}
    await queue(tg, "h1", kind="notice", late=timedelta(minutes=5))
    _, body = await health(tg)
    assert body["outbox"] == {"depth": 1, "oldest_age_seconds": 300.0}


async def test_healthz_is_503_when_the_scheduler_is_stuck(tg: Harness) -> None:
    tg.clock.advance(timedelta(minutes=10))  # ten ticks missed (the tick is 60 s)
    status, body = await health(tg)
    assert status == 503 and body["problems"] == ["scheduler stuck"]
    assert body["scheduler"]["overdue"] is True
    await tg.service.scheduler.tick()  # it ticks again: healthy again
    assert (await health(tg))[0] == 200


async def test_healthz_is_503_when_the_database_does_not_answer(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(app: object) -> bool:
        return False

    monkeypatch.setattr("bot.runner.database_answers", down)
    status, body = await health(tg)
    assert status == 503 and body["database"] == "error"
    assert "database unreachable" in body["problems"]
    assert body["outbox"]["depth"] is None  # not measured without a database


async def test_database_answers_false_for_an_unreachable_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        assert await database_answers(SimpleNamespace(engine=engine)) is False  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_webhooks_answer_503_while_stopping(tg: Harness) -> None:
    tg.service.http.draining = True
    assert await tg.post(message_update("/help", user_id=OFFICER)) == 503
    assert (await get(tg, "/metrics"))[0] == 200  # reading still works
    tg.service.http.draining = False


# --- /metrics --------------------------------------------------------------------------


async def test_metrics_parse_and_count_handled_updates(tg: Harness) -> None:
    before = await scrape(tg)
    await say(tg, OFFICER, "/help")
    await say(tg, OFFICER, "/units")
    await tg.settled()
    after = await scrape(tg)
    handled = "nhacviec_updates_handled_total"
    assert value(after, handled, channel="telegram") == value(
        before, handled, channel="telegram") + 2
    count = "nhacviec_handler_seconds_count"
    assert value(after, count, channel="telegram") == value(
        before, count, channel="telegram") + 2
    # The histogram's buckets are cumulative and end with +Inf = the count.
    buckets = sorted(((float(dict(labels)["le"]), v) for (name, labels), v in after.items()
                      if name == "nhacviec_handler_seconds_bucket"
                      and dict(labels).get("channel") == "telegram"), key=lambda b: b[0])
    assert [b for b, _ in buckets] == [*metrics.LATENCY_BUCKETS, math.inf]
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)
    assert buckets[-1][1] == value(after, count, channel="telegram")
    assert value(after, "nhacviec_database_up") == 1


async def test_metrics_follow_the_outbox(tg: Harness) -> None:
    await queue(tg, "r1", kind="reminder", late=timedelta(seconds=30))
    await queue(tg, "r2", kind="notice", late=timedelta(seconds=90), chat_id=OFFICER)
    before = await scrape(tg)
    assert value(before, "nhacviec_outbox_depth") == 2
    assert value(before, "nhacviec_outbox_oldest_age_seconds") == 90
    tg.api.fail_next("sendMessage", "forbidden", chat_id=OFFICER)
    # The service's own worker may claim a row first (it polls): wait for both.
    await outbox_delivered(tg.app, tg.service.scheduler.worker.drain)
    after = await scrape(tg)
    sent, failed = "nhacviec_messages_sent_total", "nhacviec_messages_failed_total"
    assert value(after, sent, channel="telegram", kind="reminder") == value(
        before, sent, channel="telegram", kind="reminder") + 1
    assert value(after, failed, channel="telegram", kind="notice") == value(
        before, failed, channel="telegram", kind="notice") + 1
    lag_count, lag_sum = "nhacviec_reminder_lag_seconds_count", "nhacviec_reminder_lag_seconds_sum"
    assert value(after, lag_count) == value(before, lag_count) + 1
    assert value(after, lag_sum) - value(before, lag_sum) == pytest.approx(30, abs=1)
    assert value(after, "nhacviec_outbox_depth") == 0
    assert value(after, "nhacviec_outbox_oldest_age_seconds") == 0


# --- the registry ------------------------------------------------------------------------


def test_registry_renders_the_text_format() -> None:
    registry = Registry()
    counter = registry.counter("x_total", "Things.", ["channel"])
    counter.inc(channel='te"le\\gram\n')
    gauge = registry.gauge("y", "A level.")
    gauge.set(2.5)
    histogram = registry.histogram("z_seconds", "Time.", [0.1, 1.0])
    histogram.observe(0.05)
    histogram.observe(3)
    text = registry.render()
    samples = parse_exposition(text)
    assert value(samples, "x_total", channel='te\\"le\\\\gram\\n') == 1
    assert value(samples, "y") == 2.5
    assert value(samples, "z_seconds_bucket", le="0.1") == 1
    assert value(samples, "z_seconds_bucket", le="1") == 1
    assert value(samples, "z_seconds_bucket", le="+Inf") == 2
    assert value(samples, "z_seconds_count") == 2
    assert value(samples, "z_seconds_sum") == pytest.approx(3.05)
    with pytest.raises(ValueError, match="labels"):
        counter.inc()
    with pytest.raises(ValueError, match="twice"):
        registry.gauge("y", "Again.")
