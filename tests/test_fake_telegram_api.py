"""The fake Telegram Bot API is faithful enough: the real python-telegram-bot drives it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.telegram_updates import (
    callback_update,
    message_update,
    migrate_update,
    my_chat_member_update,
)

USER = 1001
GROUP = -4001
SUPERGROUP = -1001234567890


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when durations are read as ints; opting in to timedelta silences it.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi() as api:
        yield api


def make_bot(
    api: FakeTelegramApi, token: str | None = None, read_timeout: float | None = None
) -> Bot:
    request = None if read_timeout is None else HTTPXRequest(read_timeout=read_timeout)
    return Bot(
        token or api.token, base_url=api.api_url, base_file_url=api.file_url, request=request
    )


@pytest.fixture
async def bot(api: FakeTelegramApi) -> AsyncIterator[Bot]:
    async with make_bot(api) as bot:
        yield bot


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"Nút {i}", callback_data=data)]
         for i, data in enumerate(callback_data)]
    )


async def test_get_me_describes_the_bot(bot: Bot, api: FakeTelegramApi) -> None:
    me = await bot.get_me()
    assert me.username == "NhacViecBot"
    assert me.is_bot
    assert me.id == api.bot_id


async def test_wrong_token_is_unauthorized(api: FakeTelegramApi) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(api, token="999:wrong"):  # initialising calls getMe
            pass
    assert (api.calls[-1].method, api.calls[-1].status) == ("getMe", 401)


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})


async def test_send_then_edit_an_html_message_with_a_keyboard(
    bot: Bot, api: FakeTelegramApi
) -> None:
    sent = await bot.send_message(
        USER, "<b>Hạn nộp</b> &lt;hôm nay&gt;", parse_mode="HTML", reply_markup=keyboard("d:1")
    )
    assert sent.text == "Hạn nộp <hôm nay>"
    assert sent.entities[0].type == "bold"
    assert sent.entities[0].length == len("Hạn nộp")
    assert sent.reply_markup == keyboard("d:1")
    assert sent.from_user is not None and sent.from_user.id == api.bot_id
    assert api.sent_messages(USER)[0]["reply_markup"] == keyboard("d:1").to_dict()
    assert api.last_text(USER) == "<b>Hạn nộp</b> &lt;hôm nay&gt;"

    edited = await bot.edit_message_text(
        "<i>Đã xong</i>", USER, sent.message_id, parse_mode="HTML", reply_markup=keyboard("d:2")
    )
    assert isinstance(edited, type(sent))
    assert edited.text == "Đã xong"
    assert edited.message_id == sent.message_id
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<i>Đã xong</i>", USER, sent.message_id, parse_mode="HTML",
            reply_markup=keyboard("d:2"),
        )
    # The same text without the keyboard is a change: it removes the keyboard.
    await bot.edit_message_text("<i>Đã xong</i>", USER, sent.message_id, parse_mode="HTML")


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    first = await bot.send_message(USER, "một")
    other = await bot.send_message(USER + 1, "một")
    second = await bot.send_message(USER, "hai")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)


async def test_editing_an_unknown_message_fails(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 99)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, 99)


async def test_edit_reply_markup_and_delete(bot: Bot) -> None:
    sent = await bot.send_message(USER, "Chọn", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("a"))
    edited = await bot.edit_message_reply_markup(USER, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert await bot.delete_message(USER, sent.message_id)


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [("x" * 4097, None), ("<b>" + "ệ" * 4097 + "</b>", "HTML"), ("&amp;" * 4097, "HTML")],
)
async def test_text_longer_than_4096_characters_is_refused(
    bot: Bot, text: str, parse_mode: str | None
) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, text, parse_mode=parse_mode)


async def test_length_is_counted_after_entity_parsing(bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "<" * 4096


@pytest.mark.parametrize(
    "html",
    ["<b>chưa đóng", "a < b", "<br>", "<b>x</i>", "x</b>", "<span>x</span>", "<div>x</div>"],
)
async def test_html_telegram_cannot_parse_is_refused(bot: Bot, html: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, html, parse_mode="HTML")


async def test_unsupported_tag_is_named(bot: Bot) -> None:
    with pytest.raises(BadRequest, match='unsupported start tag "br" at byte offset 5'):
        await bot.send_message(USER, "Dòng<br>", parse_mode="HTML")


async def test_the_same_characters_are_fine_without_parse_mode(bot: Bot) -> None:
    sent = await bot.send_message(USER, "a < b <b>")
    assert sent.text == "a < b <b>"


async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("đ" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "quá dài", reply_markup=keyboard("đ" * 32 + "x"))


async def test_callback_query_is_answered_once(bot: Bot, api: FakeTelegramApi) -> None:
    api.push_update(callback_update("d:1", user_id=USER, message_id=1, query_id="q1"))
    assert await bot.answer_callback_query("q1", text="Đã ghi nhận")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("q1")


FAULTS: list[tuple[str, dict[str, Any], type[TelegramError]]] = [
    ("retry_after", {"retry_after": 3}, RetryAfter),
    ("forbidden", {}, Forbidden),
    ("migrate", {"migrate_to_chat_id": SUPERGROUP}, ChatMigrated),
    ("server_error", {}, NetworkError),
    ("server_error", {"status": 502}, NetworkError),
    ("bad_request", {"description": "Bad Request: chat not found"}, BadRequest),
    ("drop", {}, NetworkError),
]


@pytest.mark.parametrize(("kind", "options", "error"), FAULTS)
async def test_a_scripted_fault_surfaces_as_the_ptb_exception(
    bot: Bot, api: FakeTelegramApi, kind: Any, options: dict[str, Any],
    error: type[TelegramError],
) -> None:
    api.fail_next("sendMessage", kind, **options)
    with pytest.raises(error) as raised:
        await bot.send_message(GROUP, "Nhắc việc")
    if isinstance(raised.value, RetryAfter):
        assert raised.value.retry_after == timedelta(seconds=3)
    if isinstance(raised.value, ChatMigrated):
        assert raised.value.new_chat_id == SUPERGROUP
    if isinstance(raised.value, BadRequest):
        assert raised.value.message == "Chat not found"
    assert not api.sent_messages()
    await bot.send_message(GROUP, "Nhắc việc")  # the fault is used up
    assert len(api.sent_messages(GROUP)) == 1


async def test_a_slow_answer_times_out_the_client(api: FakeTelegramApi) -> None:
    api.fail_next("sendMessage", "slow", delay=0.5)
    async with make_bot(api, read_timeout=0.05) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "chậm")
    # Telegram carried the request out anyway, as it may.
    await api.wait_for("sendMessage", predicate=lambda call: call.ok)


async def test_faults_are_used_in_order_and_per_chat(bot: Bot, api: FakeTelegramApi) -> None:
    api.fail_next("sendMessage", "forbidden", chat_id=USER)
    api.fail_next("sendMessage", "retry_after", times=2)
    with pytest.raises(RetryAfter):
        await bot.send_message(GROUP, "a")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "c")
    await bot.send_message(USER, "d")
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 403, 429, 200]


async def test_chaos_decides_per_request_after_scripted_faults(
        bot: Bot, api: FakeTelegramApi) -> None:
    asked: list[tuple[str, Any]] = []

    def chaos(method: str, params: dict[str, Any]) -> Any:
        asked.append((method, params.get("text")))
        return "server_error" if params.get("text") == "b" else None

    api.chaos = chaos
    api.fail_next("sendMessage", "forbidden")
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "a")  # scripted: chaos not asked
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "b")
    await bot.send_message(USER, "c")
    assert asked == [("sendMessage", "b"), ("sendMessage", "c")]
    assert [call.status for call in api.calls_to("sendMessage")] == [403, 500, 200]


async def test_flood_limits_answer_429_until_time_passes() -> None:
    now = [100.0]
    async with FakeTelegramApi(clock=lambda: now[0]) as api, make_bot(api) as bot:
        api.enforce_limits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=2)
        await bot.send_message(USER, "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "2")
        await bot.send_message(USER + 1, "khác người nhận")
        now[0] += 1
        await bot.send_message(USER, "2")
        await bot.send_message(GROUP, "g1")
        now[0] += 1
        await bot.send_message(GROUP, "g2")
        now[0] += 1
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(GROUP, "g3")  # 2 per minute into one group
        assert raised.value.retry_after == timedelta(seconds=28)
        await bot.send_chat_action(GROUP, "typing")  # not a message: not limited


async def test_commands_are_kept_per_scope_and_language(bot: Bot, api: FakeTelegramApi) -> None:
    default = [BotCommand("han", "Việc sắp đến hạn")]
    groups = [BotCommand("tiendo", "Báo cáo tiến độ")]
    english = [BotCommand("due", "What is due")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(groups, scope=BotCommandScopeAllGroupChats())
    assert await bot.set_my_commands(english, language_code="en")
    assert await bot.get_my_commands() == tuple(default)
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == tuple(groups)
    assert await bot.get_my_commands(language_code="en") == tuple(english)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP)) == ()
    assert api.commands({"type": "all_group_chats"}) == [groups[0].to_dict()]
    assert await bot.delete_my_commands(language_code="en")
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Hạn", "không hợp lệ")])


async def test_webhook_round_trip(bot: Bot, api: FakeTelegramApi) -> None:
    assert await bot.set_webhook(
        "https://nhacviec.example.vn:8443/telegram", secret_token="s3cret_-",
        allowed_updates=["message", "callback_query"],
    )
    info = await bot.get_webhook_info()
    assert info.url == "https://nhacviec.example.vn:8443/telegram"
    assert not info.has_custom_certificate
    assert info.pending_update_count == 0
    assert info.allowed_updates == ("message", "callback_query")
    assert api.webhook["secret_token"] == "s3cret_-"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    with pytest.raises(BadRequest, match="Bad webhook"):
        await bot.set_webhook("http://nhacviec.example.vn/telegram")


async def test_get_updates_honours_offset(bot: Bot, api: FakeTelegramApi) -> None:
    ids = [api.push_update(message_update(f"tin {i}", user_id=USER)) for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    later = api.push_update(message_update("tin mới", user_id=USER))
    assert [u.update_id for u in await bot.get_updates(offset=1)] == [later]


async def test_a_long_poll_returns_when_an_update_arrives() -> None:
    async with FakeTelegramApi(max_long_poll=30) as api, make_bot(api) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=timedelta(seconds=30)))
        await api.wait_for_long_poll()
        api.push_update(message_update("/start", user_id=USER))
        async with asyncio.timeout(5):
            updates = await poll
        assert updates[0].message is not None and updates[0].message.text == "/start"


async def test_chat_members_come_from_the_admin_table(bot: Bot, api: FakeTelegramApi) -> None:
    api.add_chat(GROUP, "group", title="Văn phòng UBND")
    api.set_chat_admins(GROUP, [USER], creator_id=USER + 1)
    assert (await bot.get_chat(GROUP)).title == "Văn phòng UBND"
    admin = await bot.get_chat_member(GROUP, USER)
    assert isinstance(admin, ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(GROUP, USER + 1), ChatMemberOwner)
    assert (await bot.get_chat_member(GROUP, USER + 2)).status == "member"
    admins = await bot.get_chat_administrators(GROUP)
    assert {member.user.id for member in admins} == {USER, USER + 1}


async def test_after_leaving_a_group_the_bot_cannot_write_there(bot: Bot) -> None:
    assert await bot.send_chat_action(GROUP, "typing")
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await bot.send_message(GROUP, "còn đó không?")


async def test_files_are_recorded_and_can_be_downloaded(bot: Bot, api: FakeTelegramApi) -> None:
    report = b"don_vi,tien_do\nSo Noi vu,80%\n"
    sent = await bot.send_document(
        GROUP, io.BytesIO(report), filename="báo cáo.csv", caption="<b>Báo cáo</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "báo cáo.csv"
    assert sent.caption == "Báo cáo"
    upload = api.calls_to("sendDocument")[0].params["document"]
    assert (upload.filename, upload.size) == ("báo cáo.csv", len(report))
    downloaded = await (await sent.document.get_file()).download_as_bytearray()
    assert bytes(downloaded) == report
    photo = await bot.send_photo(USER, io.BytesIO(b"\x89PNG fake"), filename="bieu-do.png")
    assert photo.photo[-1].width == 1280
    assert api.calls_to("sendPhoto")[0].params["photo"].filename == "bieu-do.png"


async def test_json_and_query_string_requests_are_understood(api: FakeTelegramApi) -> None:
    url = f"{api.api_url}{api.token}"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/sendMessage", json={"chat_id": str(USER), "text": "42"}
        ) as response:
            body = await response.json()
        async with session.get(f"{url}/getChat", params={"chat_id": str(GROUP)}) as response:
            chat = await response.json()
    assert body["ok"] and body["result"]["text"] == "42"
    assert api.sent_messages(USER)[0] == {"chat_id": USER, "text": "42"}
    assert chat["result"]["type"] == "group"


async def test_an_application_polls_and_handles_a_pushed_update(api: FakeTelegramApi) -> None:
    seen: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        seen.append(update.effective_message.text)
        await update.effective_message.reply_text("Đã nhận")

    app = ApplicationBuilder().token(api.token).base_url(api.api_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=1))
        api.push_update(message_update("/han", user_id=USER))
        await api.wait_for("sendMessage")
        await app.updater.stop()
        await app.stop()
    assert seen == ["/han"]
    assert api.last_text(USER) == "Đã nhận"
    # Stopping confirmed the handled update: nothing is delivered twice.
    assert len(api.state.updates) == 0


def test_update_factories_round_trip_through_ptb() -> None:
    command = Update.de_json(
        message_update("/tiendo 80%", user_id=USER, username="canbo", update_id=1), None
    )
    assert command.message is not None
    assert command.message.text == "/tiendo 80%"
    assert command.message.entities[0].type == "bot_command"
    assert command.message.entities[0].length == len("/tiendo")
    assert command.message.chat.type == "private" and command.message.chat.id == USER
    assert command.message.from_user is not None
    assert command.message.from_user.language_code == "vi"

    in_group = Update.de_json(
        message_update("hello", user_id=USER, chat_id=GROUP, chat_type="group",
                       chat_title="Tổ công tác", update_id=2), None,
    )
    assert in_group.effective_chat is not None and in_group.effective_chat.title == "Tổ công tác"

    pressed = Update.de_json(
        callback_update("d:7", user_id=USER, message_id=5, update_id=3), None
    )
    assert pressed.callback_query is not None and pressed.callback_query.data == "d:7"
    assert pressed.callback_query.message is not None
    assert pressed.callback_query.message.message_id == 5

    added = Update.de_json(
        my_chat_member_update(chat_id=GROUP, title="Tổ công tác", by_user_id=USER,
                              old_status="left", new_status="member", update_id=4), None,
    )
    assert added.my_chat_member is not None
    assert added.my_chat_member.old_chat_member.status == "left"
    assert added.my_chat_member.new_chat_member.status == "member"
    promoted = Update.de_json(
        my_chat_member_update(chat_id=SUPERGROUP, chat_type="supergroup", title="T",
                              by_user_id=USER, old_status="member",
                              new_status="administrator", update_id=5), None,
    )
    assert promoted.my_chat_member is not None
    assert isinstance(promoted.my_chat_member.new_chat_member, ChatMemberAdministrator)

    migrated = Update.de_json(migrate_update(GROUP, SUPERGROUP, update_id=6), None)
    assert migrated.message is not None
    assert migrated.message.migrate_to_chat_id == SUPERGROUP


async def test_a_pushed_callback_lets_the_bot_edit_that_message(
    bot: Bot, api: FakeTelegramApi
) -> None:
    api.push_update(callback_update("d:1", user_id=USER, message_id=7, message_text="Chọn"))
    edited = await bot.edit_message_text("Đã chọn", USER, 7)
    assert not isinstance(edited, bool) and edited.text == "Đã chọn"
    api.push_update(message_update("của tôi", user_id=USER, message_id=8))
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("sửa", USER, 8)


async def test_updates_delivered_by_webhook_can_be_registered(
    bot: Bot, api: FakeTelegramApi
) -> None:
    api.register_update(callback_update("d:1", user_id=USER, message_id=3, message_text="Chọn"))
    assert await bot.edit_message_reply_markup(USER, 3, reply_markup=keyboard("d:2"))
    assert len(api.state.updates) == 0


async def test_chat_member_updates_need_to_be_asked_for(bot: Bot, api: FakeTelegramApi) -> None:
    change = my_chat_member_update(
        chat_id=GROUP, title="Tổ", by_user_id=USER, old_status="left", new_status="member"
    )
    api.push_update({"chat_member": change["my_chat_member"]})  # left out unless asked for
    api.push_update(message_update("xin chào", user_id=USER))
    updates = await bot.get_updates()
    assert [update.message is not None for update in updates] == [True]
