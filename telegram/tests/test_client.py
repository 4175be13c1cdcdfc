"""The Bot API client against a fake on loopback: answers, refusals, slowness, junk."""

import logging
import time

import pytest
from werkzeug import Response

from telegram import client

from .conftest import TOKEN, answer, method_path, ours


def test_a_call_posts_its_parameters_as_json_and_returns_the_result(bot):
    bot.expect_oneshot_request(
        method_path("getChatMemberCount"), method="POST", json={"chat_id": "-100"}
    ).respond_with_data(answer(1780), content_type="application/json")
    assert client.call("getChatMemberCount", chat_id="-100") == 1780
    bot.check_assertions()


def test_no_answer_within_the_timeout_is_an_error_without_the_token(bot, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.TELEGRAM_TIMEOUT = 0.5

    def slow(request):
        time.sleep(1)
        return Response(answer(1), content_type="application/json")

    bot.expect_request(method_path("getMe")).respond_with_handler(slow)
    with pytest.raises(client.TelegramError) as raised:
        client.call("getMe")
    assert str(raised.value) == "getMe: no answer within 0.5 s"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert TOKEN not in ours(caplog)
    time.sleep(0.6)  # the fake serves one request at a time: let it finish this one


def test_429_carries_telegrams_retry_after(bot):
    bot.expect_request(method_path("sendMessage")).respond_with_json(
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 17",
            "parameters": {"retry_after": 17},
        },
        status=429,
    )
    with pytest.raises(client.TelegramError) as raised:
        client.call("sendMessage", chat_id="@x", text="t")
    assert raised.value.retry_after == 17
    assert "Too Many Requests" in str(raised.value)


def test_429_without_a_body_takes_the_retry_after_header(bot):
    bot.expect_request(method_path("sendMessage")).respond_with_data(
        "busy", status=429, headers={"Retry-After": "30"}
    )
    with pytest.raises(client.TelegramError) as raised:
        client.call("sendMessage")
    assert raised.value.retry_after == 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_an_error(bot, status):
    bot.expect_request(method_path("getMe")).respond_with_data("<html>down</html>", status=status)
    with pytest.raises(client.TelegramError, match=f"getMe: Telegram answered {status}"):
        client.call("getMe")


@pytest.mark.parametrize(
    "body", ["{not json", "[1, 2]", '"ok"', '{"result": 5}', '{"ok": true}', ""]
)
def test_malformed_json_is_an_error(bot, body):
    bot.expect_request(method_path("getMe")).respond_with_data(body, status=200)
    with pytest.raises(client.TelegramError, match=r"getMe: (not a Bot API answer|refused)"):
        client.call("getMe")


def test_a_refusal_says_telegrams_reason(bot):
    bot.expect_request(method_path("sendMessage")).respond_with_json(
        {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, status=400
    )
    with pytest.raises(client.TelegramError, match="400: Bad Request: chat not found"):
        client.call("sendMessage")


def test_a_refused_connection_names_neither_url_nor_token(settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"  # discard: nothing listens
    with pytest.raises(client.TelegramError) as raised:
        client.call("getMe")
    assert TOKEN not in str(raised.value)
    assert TOKEN not in ours(caplog)


def test_the_token_is_scrubbed_from_whatever_telegram_says(bot):
    bot.expect_request(method_path("getMe")).respond_with_json(
        {"ok": False, "error_code": 401, "description": f"Unauthorized bot{TOKEN}"}, status=401
    )
    with pytest.raises(client.TelegramError) as raised:
        client.call("getMe")
    assert TOKEN not in str(raised.value)
    assert client.TOKEN_SHOWN_AS in str(raised.value)


def test_httpx_logs_no_urls_even_at_debug(bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot.expect_request(method_path("getMe")).respond_with_data(answer({"id": 1}))
    client.call("getMe")
    assert TOKEN not in ours(caplog)


def test_a_download_returns_the_body(bot):
    bot.expect_request("/userpic/a.jpg").respond_with_data(b"\xff\xd8picture")
    assert client.download(bot.url_for("/userpic/a.jpg"), max_bytes=100) == b"\xff\xd8picture"


def test_a_download_stops_past_its_size(bot):
    bot.expect_request("/userpic/big.jpg").respond_with_data(b"x" * 5000)
    with pytest.raises(client.TelegramError, match="more than 1000 bytes"):
        client.download(bot.url_for("/userpic/big.jpg"), max_bytes=1000)


@pytest.mark.parametrize("status", [404, 500])
def test_a_download_that_fails_is_an_error(bot, status):
    bot.expect_request("/userpic/gone.jpg").respond_with_data("", status=status)
    with pytest.raises(client.TelegramError, match=f"download: HTTP {status}"):
        client.download(bot.url_for("/userpic/gone.jpg"), max_bytes=1000)


def test_a_download_takes_only_web_addresses(bot):
    with pytest.raises(client.TelegramError, match="not an http"):
        client.download("file:///etc/passwd", max_bytes=1000)


def test_a_broken_api_address_is_an_error_without_the_token(settings):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_API_URL = "http://127.0.0.1:notaport"
    with pytest.raises(client.TelegramError) as raised:
        client.call("getMe")
    assert TOKEN not in str(raised.value)
