"""The Bot API transport honours every timeout it is given, and says whether a failed request
may have reached Telegram (only then can retrying a message show it twice): each test with its
JSON calls over aiohttp's client and over keepalive.py's connections (BOT_API_KEEPALIVE)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from telegram import InputFile
from telegram.error import TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.http import (
    AiohttpRequest,
    ConnectTimedOut,
    Interrupted,
    NotSent,
    PoolTimedOut,
)
from tests.telegram.transports import message as _message
from tests.telegram.transports import transport as _transport
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI

Opener = Callable[..., AbstractAsyncContextManager[AiohttpRequest]]


@pytest.fixture(params=["aiohttp", "keepalive"])
def transport(request: pytest.FixtureRequest) -> Opener:
    """Opens our transport with the options given, JSON calls going the way of this run."""
    keepalive = request.param == "keepalive"

    def opened(**options: float) -> AbstractAsyncContextManager[AiohttpRequest]:
        return _transport(json_over_keepalive=keepalive, **options)

    return opened


@asynccontextmanager
async def _raw_server(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], object],
) -> AsyncIterator[str]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handle(reader, writer)  # type: ignore[misc]
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot{TEST_TOKEN}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_read_timeout_means_the_request_may_have_arrived(transport: Opener) -> None:
    api = FakeBotAPI()
    api.inject_timeout("sendMessage", seconds=2.0, deliver=True)
    async with DoubleServer(api) as server, transport(read_timeout=0.2) as request:
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await request.post(f"{server.base_url}{TEST_TOKEN}/sendMessage", _message(1, "hi"))
        assert time.monotonic() - started < 1.5
        assert not isinstance(caught.value, NotSent)
        # Telegram had the request, and may act on it after we gave up.
        await api.wait_for(lambda: api.sent(1), timeout=5)
    await api.aclose()


async def test_waiting_for_a_connection_is_bounded_by_the_pool_timeout(transport: Opener) -> None:
    api = FakeBotAPI()
    api.inject_timeout("sendMessage", seconds=1.0, deliver=True)
    async with DoubleServer(api) as server:
        async with transport(connection_limit=1, pool_timeout=0.1, read_timeout=5) as request:
            url = f"{server.base_url}{TEST_TOKEN}/sendMessage"
            first = asyncio.ensure_future(request.post(url, _message(1, "first")))
            await api.wait_calls("sendMessage", 1)
            with pytest.raises(PoolTimedOut):
                await request.post(url, _message(2, "second"))
            assert len(api.calls("sendMessage")) == 1  # the second never left
            await first
    await api.aclose()


async def test_a_stalled_upload_is_bounded_by_the_write_timeout(transport: Opener) -> None:
    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    photo = RequestData(
        [
            RequestParameter("chat_id", 1, None),
            RequestParameter(
                "photo", None, [InputFile(b"\0" * (24 * 1024 * 1024), filename="photo.png")]
            ),
        ]
    )
    async with (
        _raw_server(never_read) as base,
        transport(media_write_timeout=0.3, read_timeout=5) as request,
    ):
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await request.post(f"{base}/sendPhoto", photo)
        assert time.monotonic() - started < 3
        assert not isinstance(caught.value, NotSent)  # part of it went out


async def test_a_connection_that_breaks_after_sending_may_have_arrived(transport: Opener) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")

    async with _raw_server(hang_up) as base, transport() as request:
        with pytest.raises(Interrupted):
            await request.post(f"{base}/sendMessage", _message(1, "hi"))


async def test_a_refused_connection_was_never_sent(transport: Opener) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with transport() as request:
        with pytest.raises(NotSent):
            await request.post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/getMe")


async def test_connecting_is_bounded_by_the_connect_timeout(transport: Opener) -> None:
    # A listening socket whose queue is full drops further handshakes: connecting hangs.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            async with transport(connect_timeout=0.2) as request:
                started = time.monotonic()
                with pytest.raises(ConnectTimedOut):
                    await request.post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/getMe")
                assert time.monotonic() - started < 2
        finally:
            for filler in fillers:
                filler.close()


async def test_requests_without_files_go_as_json_and_arrive_intact(transport: Opener) -> None:
    seen: list[tuple[str, bytes]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        kind = next(
            line.split(b":", 1)[1].strip().decode()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-type")
        )
        seen.append((kind, await reader.readexactly(length)))
        body = b'{"ok": true, "result": true}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    text = "Ваша думка «важлива» & مرحبا 🙂"
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "v1:1:a:y"}]]}
    data = RequestData(
        [
            RequestParameter("chat_id", 7, None),
            RequestParameter("text", text, None),
            RequestParameter("reply_markup", markup, None),
        ]
    )
    async with _raw_server(handle) as url, transport() as request:
        assert await request.post(f"{url}/sendMessage", data) is True
    ((kind, body),) = seen
    assert kind == "application/json"
    assert json.loads(body) == {"chat_id": 7, "text": text, "reply_markup": markup}

    # and through the double over HTTP, as Telegram would read it
    api = FakeBotAPI()
    api.add_chat(7)
    async with DoubleServer(api) as server, transport() as request:
        await request.post(f"{server.base_url}{TEST_TOKEN}/sendMessage", data)
    sent = api.last(7)
    assert sent is not None and sent.text == text
    assert sent.buttons == [[("Yes", "v1:1:a:y")]]
    await api.aclose()
