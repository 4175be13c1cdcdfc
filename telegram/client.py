"""The one client for Telegram's Bot API (https://core.telegram.org/bots/api), on httpx.

Its address is TELEGRAM_API_URL (a fake on loopback in the tests), every call has a timeout of
TELEGRAM_TIMEOUT seconds, and the bot's token, which is part of every request's URL, never reaches
a log, a page or an error message: failures are TelegramError with the token scrubbed, raised
without the httpx exception chained (its text and its request carry the URL). httpx's own request
log names the URL too; settings.LOGGING keeps that logger at WARNING.
"""

from dataclasses import dataclass

import httpx
from django.conf import settings

TOKEN_SHOWN_AS = "<token>"


class TelegramError(Exception):
    """A call that gave no usable answer. `retry_after` is Telegram's wish in seconds (a 429)."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(scrub(message))
        self.retry_after = retry_after


def is_configured() -> bool:
    """Whether the site has a bot at all (TELEGRAM_BOT_TOKEN)."""
    return bool(settings.TELEGRAM_BOT_TOKEN)


def scrub(text: str) -> str:
    """The text with the bot's token replaced."""
    token = settings.TELEGRAM_BOT_TOKEN
    return text.replace(token, TOKEN_SHOWN_AS) if token else text


@dataclass(frozen=True)
class Answer:
    status: int
    body: object
    retry_after_header: str


def call(method: str, **params: object) -> object:
    """The `result` of one Bot API method called with `params` as JSON; TelegramError otherwise."""
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"
    answer = _post(method, url, params)
    body = answer.body if isinstance(answer.body, dict) else {}
    if answer.status == 429:
        raise TelegramError(
            f"{method}: Telegram asks to wait ({_description(body)})",
            retry_after=_retry_after(body, answer.retry_after_header),
        )
    if answer.status >= 500:
        raise TelegramError(f"{method}: Telegram answered {answer.status}")
    if not isinstance(answer.body, dict) or "ok" not in body:
        raise TelegramError(f"{method}: not a Bot API answer (HTTP {answer.status})")
    if body["ok"] is not True or "result" not in body:
        raise TelegramError(f"{method}: refused ({_description(body)})")
    return body["result"]


def _post(method: str, url: str, params: dict) -> Answer:
    try:
        response = httpx.post(url, json=params, timeout=settings.TELEGRAM_TIMEOUT)
    except httpx.TimeoutException:
        raise TelegramError(f"{method}: no answer within {settings.TELEGRAM_TIMEOUT:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        # (An invalid URL's message quotes the URL, token and all: scrubbed like the rest.)
        raise TelegramError(f"{method}: {type(error).__name__}: {error}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(
        status=response.status_code,
        body=body,
        retry_after_header=response.headers.get("retry-after", ""),
    )


def _description(body: dict) -> str:
    description = body.get("description")
    code = body.get("error_code")
    text = str(description)[:200] if description else "no description"
    return f"{code}: {text}" if code else text


def _retry_after(body: dict, header: str) -> int | None:
    """Seconds to wait: the body's parameters.retry_after, else the Retry-After header."""
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if value is None and header.strip().isdigit():
        value = int(header)
    return value if type(value) is int and 0 < value <= 24 * 60 * 60 else None


def download(url: str, *, max_bytes: int) -> bytes:
    """The body at `url` (a picture Telegram links to), at most `max_bytes`, within
    TELEGRAM_TIMEOUT; TelegramError otherwise."""
    if not url.startswith(("https://", "http://")):
        raise TelegramError("download: not an http(s) address")
    try:
        with httpx.stream("GET", url, timeout=settings.TELEGRAM_TIMEOUT) as response:
            if response.status_code != 200:
                raise TelegramError(f"download: HTTP {response.status_code}")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise TelegramError(f"download: more than {max_bytes} bytes")
            return body
    except httpx.TimeoutException:
        raise TelegramError(f"download: no answer within {settings.TELEGRAM_TIMEOUT:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise TelegramError(f"download: {type(error).__name__}") from None
