"""Hostile input through both webhooks (issue 9): hypothesis-generated updates and
events — random unicode, 100 KB texts, control characters, HTML/markdown injection,
SQL metacharacters, forged button data, wrongly typed JSON, unknown chat types,
edited messages and channel posts — and after each batch: no 5xx, no ``handler
failed`` (nor any other error record), every reply valid Telegram HTML with the
injected markup escaped, nothing stored that an outsider may not store, and the bot
still answers a member's /help.

One bot per test; hypothesis only *generates* the inputs (``derandomize=True``, no
database, no shrinking), the async test posts them one by one, so a run is the same
every time and a failure names the input that caused it.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.members import MemberRole
from storage.models import (
    ChatRow,
    Invite,
    Member,
    OutboxKind,
    OutboxMessage,
    PlanRow,
    ProgressUpdate,
)
from tests.fakes.telegram_updates import callback_update, message_update
from tests.fakes.zalo_api import text_event, wrapped
from tests.telegram_harness import ADMIN_ID, Harness, join, last_message_id, telegram_bot
from tests.zalo_harness import ADMIN as ZALO_ADMIN
from tests.zalo_harness import ZaloHarness, zalo_bot

T = TypeVar("T")
MEMBER, OUTSIDER, GROUP, CHANNEL = 301, 302, -5001, -1009001
Z_MEMBER, Z_OUTSIDER = "z-member", "z-outsider"
OK_STATUSES = {200, 400, 403, 413}

# --- what hostile text looks like ---------------------------------------------------------

# Injected fragments carry "zz" so that none can be part of our own templates: any of
# them found raw in a reply is the user's markup passed through unescaped.
INJECTIONS = [
    "<b>zz</b>", "<b>zz", "<i>zz", "</code>zz", "<code>zz</code>", "<pre>zz",
    '<a href="javascript:alert(1)">zz</a>', "<a href=javascript:zz>", "<script>zz</script>",
    "<tg-spoiler>zz", "<blockquote>zz", "&lt;zz", "&amp;zz", "&#60;zz", "&zz;",
    "*zz*", "_zz_", "[zz](javascript:alert(1))", "`zz`", "```zz", "~~zz~~", "||zz||",
    "'; DROP TABLE members; --", "\" OR 1=1 --", "1; DELETE FROM invites", "%' OR '%'='",
    "\\", "\\x00", "${zz}", "{{zz}}", "%s%s%n", "\u202e\u202dzz", "\u200b\u200c\u200d\ufeff",
    "\x00\x01\x07\x1b[31m\x7f", "\r\n\r\n", "\t", "zz\u0301\u0301\u0301", "𝕫𝕫😀👩‍👩‍👧",
]
_SCRIPT_LINK = re.compile(r"<a\s[^>]*href\s*=\s*[\"']?\s*javascript", re.IGNORECASE)
RAW_MARKERS = [f for f in INJECTIONS if f.startswith("<") or f.startswith("</")]
COMMANDS = ["/due", "/han", "/update", "/capnhat", "/bind", "/unbind", "/invite", "/moi",
            "/broadcast", "/thongbao", "/plans", "/promote", "/demote", "/remove", "/members",
            "/report", "/units", "/start", "/history", "/away", "/dayoff", "/workday", "/lang",
            "/link", "/channel", "/audit", "/requests", "/leave", "/cancel", "/help",
            "/due@NhacViecBot", "/nosuchcommand", "/"]
PREFIXES = ["due", "join", "jr", "leave", "upd", "undo", "bc", "rep", "mem", "unit", "plan",
            "plan:on", "plan:off", "bc:send", "bc:all", "mem:promote", "jr:ok", "unit:del", ""]

_chars = st.characters(exclude_categories=("Cs",))  # surrogate-free, controls included
random_text = st.text(_chars, max_size=300)
injection = st.lists(st.sampled_from(INJECTIONS), min_size=1, max_size=4).map(" ".join)
mixed = st.lists(st.one_of(injection, random_text, st.just("1"), st.just("Sở Tư pháp")),
                 min_size=1, max_size=4).map(" ".join)
command = st.tuples(st.sampled_from(COMMANDS), mixed).map(lambda p: f"{p[0]} {p[1]}")
hostile_text = st.one_of(random_text, injection, mixed, command, command)
huge_text = st.tuples(st.sampled_from(["", "/update 1 ", "/due ", "/broadcast "]),
                      st.sampled_from([*INJECTIONS, "a", "ệ", "😀"])).map(
    lambda p: p[0] + (p[1] * (100_000 // len(p[1]) + 1))[:100_000])
forged_data = st.one_of(
    st.text(_chars, max_size=64),
    st.tuples(st.sampled_from(PREFIXES), st.text(_chars, max_size=40)).map(":".join),
    st.tuples(st.sampled_from(PREFIXES), st.integers(-2**63, 2**63)).map(
        lambda p: f"{p[0]}:{p[1]}"),
    st.tuples(st.sampled_from(PREFIXES), injection).map(":".join),
)
json_junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=False), st.text(_chars, max_size=20),
                      st.lists(st.integers(), max_size=3),
                      st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


def generate(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """``count`` examples of ``strategy``, the same ones on every run."""
    found: list[T] = []

    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: T) -> None:
        found.append(example)

    collect()
    return found


# --- checks -----------------------------------------------------------------------------


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records
           if r.levelno >= logging.ERROR or "handler failed" in r.getMessage()]
    assert not bad, [r.getMessage() for r in bad[:5]]


def telegram_texts(tg: Harness, start: int) -> list[str]:
    """Texts the bot sent or edited in since call ``start``; every one accepted."""
    texts = []
    for call in tg.api.calls[start:]:
        if call.method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
            # "message is not modified" is a normal answer to a repeated press; what
            # must never happen is markup Telegram cannot parse, or a nameless chat.
            description = str((call.response or {}).get("description", ""))
            assert call.ok or "not modified" in description, (
                call.method, call.status, call.response, call.params)
            if "text" in call.params:
                texts.append(str(call.params["text"]))
    return texts


def assert_escaped(texts: list[str], cause: object) -> None:
    for text in texts:
        for marker in RAW_MARKERS:
            assert marker not in text, (marker, text[:500], cause)
        assert "<script" not in text, (text[:500], cause)
        assert not _SCRIPT_LINK.search(text), (text[:500], cause)


async def snapshot(app: Any, outsiders: list[str], admins: set[str]) -> dict[str, int]:
    async with app.sessions() as session:
        async def count(query: Any) -> int:
            return int((await session.execute(query)).scalar_one())

        outsider_ids = select(Member.id).where(Member.channel_user_id.in_(outsiders))
        return {
            "invites": await count(select(func.count()).select_from(Invite)),
            "chats": await count(select(func.count()).select_from(ChatRow)),
            "bound chats": await count(select(func.count()).select_from(ChatRow)
                                       .where(ChatRow.unit_id.is_not(None))),
            "active plans": await count(select(func.count()).select_from(PlanRow)
                                        .where(PlanRow.active)),
            "members": await count(select(func.count()).select_from(Member)),
            "outsider members": await count(select(func.count()).select_from(Member)
                                            .where(Member.channel_user_id.in_(outsiders))),
            "admins": await count(select(func.count()).select_from(Member)
                                  .where(Member.role != MemberRole.OFFICER,
                                         Member.channel_user_id.not_in(admins))),
            "outsider updates": await count(select(func.count()).select_from(ProgressUpdate)
                                            .where(ProgressUpdate.member_id.in_(
                                                outsider_ids))),
            "broadcasts": await count(_broadcasts()),
        }


def _broadcasts() -> Any:
    return select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == OutboxKind.BROADCAST)


def assert_nothing_forbidden(before: dict[str, int], after: dict[str, int]) -> None:
    for key in ("invites", "chats", "bound chats", "active plans", "members", "broadcasts"):
        assert after[key] == before[key], (key, before, after)
    assert after["outsider members"] == 0 and after["admins"] == 0
    assert after["outsider updates"] == 0


# --- Telegram ---------------------------------------------------------------------------


@pytest.fixture
async def tg(tmp_path: Path) -> Any:
    async with telegram_bot(tmp_path) as harness:
        await join(harness, MEMBER)
        yield harness


async def post_tg(tg: Harness, update: dict[str, Any] | None = None, *,
                  raw: bytes | None = None) -> None:
    start = len(tg.api.calls)
    status = await tg.post(update or {}, raw=raw)
    assert status in OK_STATUSES, (status, update if raw is None else raw[:300])
    await tg.settled()
    assert_escaped(telegram_texts(tg, start), update if raw is None else raw[:300])
    tg.clock.advance(timedelta(seconds=5))  # the same user is not throttled for long


async def still_answers(tg: Harness) -> None:
    tg.clock.advance(timedelta(hours=1))
    count = len(tg.api.sent_messages(MEMBER)) + 1
    await post_tg(tg, message_update("/help", user_id=MEMBER))
    assert "/due" in await tg.text_to(MEMBER, count)


def _as(kind: str, update: dict[str, Any]) -> dict[str, Any]:
    """The same message delivered as another kind of update."""
    return {kind: update["message"]}


def _shapes(text: str, variant: int) -> dict[str, Any]:
    user = (OUTSIDER, MEMBER)[variant % 2]
    match variant % 8:
        case 0 | 1:
            return message_update(text, user_id=user)
        case 2:
            return message_update(text, user_id=user, chat_id=GROUP, chat_type="supergroup",
                                  chat_title="<b>zz</b> nhóm")
        case 3:
            return _as("edited_message", message_update(text, user_id=user))
        case 4:
            update = message_update(text, user_id=user, chat_id=CHANNEL, chat_type="channel",
                                    chat_title="Kênh")
            del update["message"]["from"]
            return _as("channel_post", update)
        case 5:
            update = message_update(text, user_id=user, chat_id=GROUP, chat_type="group",
                                    chat_title="g")
            update["message"]["chat"]["type"] = "weird-new-kind"
            return update
        case 6:
            return message_update(text, user_id=user, first_name=text[:64] or "x",
                                  username=None, language_code="'; --")
        case _:
            return _as("edited_channel_post", message_update(
                text, user_id=user, chat_id=CHANNEL, chat_type="channel", chat_title="k"))


async def test_telegram_hostile_texts(tg: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    outsiders, admins = [str(OUTSIDER)], {str(ADMIN_ID)}
    before = await snapshot(tg.app, outsiders, admins)
    examples = generate(hostile_text, 160)
    for i, text in enumerate(examples):
        await post_tg(tg, _shapes(text, i))
    for i, text in enumerate(generate(huge_text, 8)):
        await post_tg(tg, _shapes(text, i))
    assert_no_errors(caplog)
    assert_nothing_forbidden(before, await snapshot(tg.app, outsiders, admins))
    # An admin may store and see hostile names: they come back escaped.
    start = len(tg.api.calls)
    for text in generate(st.one_of(injection, mixed), 30):
        await post_tg(tg, message_update(f"/invite {text}", user_id=ADMIN_ID))
        await post_tg(tg, message_update(f"/units add {text[:80]}", user_id=ADMIN_ID))
    await post_tg(tg, message_update("/units", user_id=ADMIN_ID))
    echoed = [t for t in telegram_texts(tg, start) if "zz" in t]
    assert any("&lt;b&gt;zz" in text for text in echoed), echoed[:5]
    assert_no_errors(caplog)
    await still_answers(tg)


async def test_telegram_forged_buttons(tg: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    outsiders, admins = [str(OUTSIDER)], {str(ADMIN_ID)}
    before = await snapshot(tg.app, outsiders, admins)
    message_id = last_message_id(tg, MEMBER)
    for i, data in enumerate(generate(forged_data, 160)):
        user = (OUTSIDER, MEMBER)[i % 2]
        kw: dict[str, Any] = {}
        if i % 5 == 4:  # a group of its own each: Telegram's 20 a minute per group
            kw = {"chat_id": GROUP - i, "chat_type": "supergroup", "chat_title": "g"}
        await post_tg(tg, callback_update(data, user_id=user, message_id=message_id,
                                          **kw))
    assert_no_errors(caplog)
    assert_nothing_forbidden(before, await snapshot(tg.app, outsiders, admins))
    await still_answers(tg)


_PATHS: list[tuple[str, ...]] = [
    ("update_id",), ("message",), ("message", "text"), ("message", "from"),
    ("message", "chat"), ("message", "chat", "id"), ("message", "chat", "type"),
    ("message", "from", "id"), ("message", "from", "is_bot"), ("message", "date"),
    ("message", "message_id"), ("message", "entities"), ("message", "from", "language_code"),
]


def _replace(update: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(update)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


async def test_telegram_wrongly_typed_json(tg: Harness,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    outsiders, admins = [str(OUTSIDER)], {str(ADMIN_ID)}
    before = await snapshot(tg.app, outsiders, admins)
    cases = generate(st.tuples(st.sampled_from(_PATHS), json_junk, st.booleans(),
                               st.sampled_from(["/invite Sở Tư pháp", "/due", "hello"])), 150)
    for index, (path, value, by_outsider, text) in enumerate(cases):
        user = OUTSIDER if by_outsider else MEMBER
        update = message_update(text, user_id=user, update_id=10_000 + index)
        update = _replace(update, path, value)
        await post_tg(tg, raw=json.dumps(update).encode())
    for raw in [b"", b"null", b"[]", b"5", b'"x"', b"{", b"\xff\xfe", b'{"update_id": "7"}',
                json.dumps({"update_id": "8", "message": None}).encode(),
                json.dumps({"update_id": 9, "callback_query": {"id": 5, "data": []}}).encode(),
                json.dumps({"update_id": 10, "my_chat_member": "x"}).encode(),
                b"{" + b'"a":' * 20_000 + b"1" + b"}" * 20_000, b"x" * (2 * 1024 * 1024)]:
        await post_tg(tg, raw=raw)
    assert_no_errors(caplog)
    assert_nothing_forbidden(before, await snapshot(tg.app, outsiders, admins))
    await still_answers(tg)


# --- Zalo -------------------------------------------------------------------------------


@pytest.fixture
async def zl(tmp_path: Path) -> Any:
    async with zalo_bot(tmp_path) as harness:
        await harness.say(ZALO_ADMIN, "/invite Sở Tư pháp")
        code = re.search(r"/start ([A-Za-z0-9_-]{12})", harness.last_text(ZALO_ADMIN))
        assert code, harness.last_text(ZALO_ADMIN)
        await harness.say(Z_MEMBER, f"/start {code.group(1)}")
        assert "Bạn đã là thành viên" in harness.last_text(Z_MEMBER)
        yield harness


def _zalo_shapes(text: str, variant: int) -> tuple[dict[str, Any] | None, bytes | None]:
    user = (Z_OUTSIDER, Z_MEMBER)[variant % 2]
    event = text_event(user, text)
    match variant % 9:
        case 0 | 1:
            return wrapped(event), None
        case 2:
            return event, None
        case 3:
            event["message"]["from"]["id"] = 4242
            event["message"]["chat"]["id"] = 4242
            return event, None
        case 4:
            event["message"]["chat"] = {"id": "g-1", "chat_type": "GROUP"}
            return wrapped(event), None
        case 5:
            event["event_name"] = text[:40] or "message.unknown.received"
            return event, None
        case 6:
            del event["message"]["chat"]
            return event, None
        case 7:
            event["message"]["text"] = [text]
            return event, None
        case _:
            event["message"]["chat"]["chat_type"] = "CHANNEL?"
            event["message"]["from"]["display_name"] = text[:50]
            return wrapped(event), None


async def post_zl(zl: ZaloHarness, event: dict[str, Any] | None, raw: bytes | None,
                  cause: object) -> None:
    start = len(zl.api.calls)
    body = raw if raw is not None else json.dumps(event).encode()
    status = await zl.post(raw=body)
    assert status in OK_STATUSES, (status, cause)
    await zl.settled()
    for call in zl.api.calls[start:]:
        if call.method == "sendMessage":
            assert call.ok, (call.status, call.response, cause)
            text = str(call.params.get("text", ""))
            for tag in ("<b>", "</b>", "<i>", "<code>", "<pre>", "&lt;", "&amp;"):
                # Plain text on Zalo: a tag is only there if the user typed it.
                assert tag not in text or tag in str(cause), (tag, text[:300], cause)
    zl.clock.advance(timedelta(seconds=5))


async def test_zalo_hostile_events(zl: ZaloHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    outsiders, admins = [Z_OUTSIDER, "4242"], {ZALO_ADMIN}
    before = await snapshot(zl.app, outsiders, admins)
    for i, text in enumerate(generate(hostile_text, 160)):
        event, raw = _zalo_shapes(text, i)
        await post_zl(zl, event, raw, text)
    for i, text in enumerate(generate(huge_text, 6)):
        event, raw = _zalo_shapes(text, i)
        await post_zl(zl, event, raw, text)
    junk = generate(st.tuples(st.sampled_from(["event_name", "message", "from", "chat", "text",
                                               "message_id", "date", "ok", "result"]),
                              json_junk), 60)
    for key, value in junk:
        event = text_event(Z_OUTSIDER, "/invite Sở Tư pháp")
        target = event["message"] if key in ("from", "chat", "text", "message_id",
                                             "date") else event
        target[key] = value
        await post_zl(zl, event, None, (key, value))
    for raw in [b"", b"null", b"[]", b"5", b"{", b"\xff", b'{"ok": true}',
                b'{"ok": true, "result": []}', b'{"ok": false, "result": {}}',
                b'{"event_name": 5}', b"x" * (2 * 1024 * 1024)]:
        await post_zl(zl, None, raw, raw[:50])
    assert_no_errors(caplog)
    assert_nothing_forbidden(before, await snapshot(zl.app, outsiders, admins))
    zl.clock.advance(timedelta(hours=1))
    await zl.say(Z_MEMBER, "/help")
    assert "/due" in zl.last_text(Z_MEMBER)


# --- regressions: inputs that once failed --------------------------------------------------


@pytest.mark.parametrize("path, value", [
    (("message", "text"), 0.5),  # AttributeError in to_incoming: 'float' has no startswith
    (("message", "text"), 5),
    (("message", "chat", "id"), None),  # a reply to chat_id "None": Bad Request, an error
    (("message", "from"), []),
    (("message", "chat"), None),
    (("update_id",), "7"),
])
async def test_wrongly_typed_update_is_refused(tg: Harness, caplog: pytest.LogCaptureFixture,
                                               path: tuple[str, ...], value: Any) -> None:
    update = _replace(message_update("/invite Sở Tư pháp", user_id=OUTSIDER, update_id=1),
                      path, value)
    start = len(tg.api.calls)
    assert await tg.post(update, raw=json.dumps(update).encode()) == 400
    await tg.settled()
    assert_no_errors(caplog)
    assert telegram_texts(tg, start) == []
