"""The Zalo client against the local fake platform, over real HTTP: what success is,
which error each failure becomes, long polling, and the token kept out of every text."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo.client import (
    ZaloBadRequest,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloQuotaExceeded,
    ZaloServerError,
    ZaloTimeout,
    ZaloUnauthorized,
)
from tests.fakes.zalo_api import FakeZaloApi, text_event, wrapped


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as fake:
        yield fake


@pytest.fixture
async def client(api: FakeZaloApi) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(api.token, api_url=api.api_url, timeout=0.2) as zalo:
        yield zalo


async def test_methods_answer_their_results(api: FakeZaloApi, client: ZaloClient) -> None:
    me = await client.get_me()
    assert me["id"] == api.bot_id
    sent = await client.send_message("u-1", "Xin chào, Sở Tư pháp")
    assert sent["message_id"]
    await client.send_photo("u-1", "https://example.gov.vn/a.png", "Biểu đồ")
    await client.send_chat_action("u-1")
    await client.set_webhook("https://bot.example.gov.vn/zalo/webhook", "s3cret-token")
    assert (await client.get_webhook_info())["url"].endswith("/zalo/webhook")
    await client.delete_webhook()
    assert api.webhook == {}
    assert api.sent_messages("u-1")[0]["text"] == "Xin chào, Sở Tư pháp"
    assert [c.method for c in api.calls] == [
        "getMe", "sendMessage", "sendPhoto", "sendChatAction", "setWebhook",
        "getWebhookInfo", "deleteWebhook"]


async def test_one_session_is_shared(client: ZaloClient) -> None:
    await client.get_me()
    session = client._session
    await client.send_message("u-1", "a")
    assert client._session is session and session is not None


@pytest.mark.parametrize(("kind", "error"), [
    ("quota", ZaloQuotaExceeded), ("unauthorized", ZaloUnauthorized),
    ("forbidden", ZaloForbidden), ("bad_request", ZaloBadRequest),
    ("server_error", ZaloServerError), ("ok_false", ZaloBadRequest),
    ("not_json", ZaloServerError), ("slow", ZaloTimeout), ("drop", ZaloNetworkError),
])
async def test_each_failure_is_a_typed_error_without_the_token(
        api: FakeZaloApi, client: ZaloClient, kind: str, error: type[ZaloError]) -> None:
    api.fail_next("sendMessage", kind, delay=1.0)  # type: ignore[arg-type]
    with pytest.raises(error) as raised:
        await client.send_message("u-1", "Báo cáo")
    assert raised.value.method == "sendMessage"
    secret = api.token.partition(":")[2]
    for text in (str(raised.value), repr(raised.value), raised.value.description):
        assert api.token not in text and secret not in text
    # No chained aiohttp error either: its text would hold the URL, and with it the token.
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None or raised.value.__suppress_context__


async def test_quota_exceeded_says_how_long_to_wait(api: FakeZaloApi,
                                                    client: ZaloClient) -> None:
    api.fail_next("sendMessage", "quota", retry_after=7)
    with pytest.raises(ZaloQuotaExceeded) as raised:
        await client.send_message("u-1", "x")
    assert raised.value.retry_after == 7
    api.fail_next("sendMessage", "quota")
    with pytest.raises(ZaloQuotaExceeded) as raised:
        await client.send_message("u-1", "x")
    assert raised.value.retry_after is None


async def test_a_wrong_token_is_unauthorized(api: FakeZaloApi) -> None:
    async with ZaloClient("1:wrong", api_url=api.api_url) as client:
        with pytest.raises(ZaloUnauthorized):
            await client.get_me()


async def test_the_platforms_rules_come_back_as_bad_requests(client: ZaloClient) -> None:
    with pytest.raises(ZaloBadRequest):
        await client.send_message("u-1", "x" * 2001)
    with pytest.raises(ZaloBadRequest):
        await client.send_message("u-1", "")
    with pytest.raises(ZaloBadRequest):
        await client.set_webhook("https://bot.example.gov.vn/zalo/webhook", "short")


async def test_an_idle_poll_is_empty_not_an_error(api: FakeZaloApi) -> None:
    async with ZaloClient(api.token, api_url=api.api_url) as client:
        assert await client.get_updates(1) == []
        api.push_update(text_event("u-1", "/due", message_id="m1"))
        updates = await client.get_updates(1)
        assert updates[0]["message"]["text"] == "/due"
        assert api.calls_to("getUpdates")[0].params == {"timeout": "1"}


async def test_an_idle_poll_answered_200_with_error_408_is_empty_too() -> None:
    async with FakeZaloApi(idle_status=200) as api, ZaloClient(
            api.token, api_url=api.api_url) as client:
        assert await client.get_updates(1) == []


async def test_polling_while_a_webhook_is_set_is_refused(client: ZaloClient) -> None:
    await client.set_webhook("https://bot.example.gov.vn/zalo/webhook", "s3cret-token")
    with pytest.raises(ZaloBadRequest):
        await client.get_updates(1)


async def test_the_wrapped_body_is_what_the_fake_sends_on_a_poll(api: FakeZaloApi) -> None:
    event = text_event("u-1", "/help", message_id="m2")
    assert wrapped(event) == {"ok": True, "result": event}
    async with ZaloClient(api.token, api_url=api.api_url) as client:
        api.push_update(event)
        assert await client.get_updates(1) == [event]


async def test_the_client_never_shows_the_token(api: FakeZaloApi) -> None:
    client = ZaloClient(api.token, api_url=api.api_url)
    assert api.token not in repr(client) and api.token not in str(client)
    await client.close()


async def test_an_unreachable_platform_is_a_network_error_without_the_token() -> None:
    async with ZaloClient("3000000123:very-secret-x", api_url="http://127.0.0.1:9") as client:
        with pytest.raises(ZaloNetworkError) as raised:
            await client.get_me()
    assert "very-secret-x" not in str(raised.value)
