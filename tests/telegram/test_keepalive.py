"""Small JSON calls go over kept-alive connections of our own (bot/telegram/keepalive.py): an
answer is read whole however it is framed, a connection is reused only when nothing about it
is in doubt, and failures say whether the request may have reached Telegram."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from telegram.error import TimedOut

from bot.telegram import keepalive
from bot.telegram.http import AiohttpRequest, Interrupted, NotSent
from tests.telegram.transports import message as _message
from tests.telegram.transports import transport
from tgdouble import TEST_TOKEN

# What the server writes back for the n-th request it has read: the bytes, written in these
# pieces, and whether it then hangs up.
Answer = Callable[[int, dict[str, object]], Awaitable[tuple[list[bytes], bool]]]


def _ok(result: object, *, extra_headers: bytes = b"") -> bytes:
    body = json.dumps({"ok": True, "result": result}).encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
        % (extra_headers, len(body), body)
    )


class _Server:
    """Serves HTTP/1.1 requests one after another on each connection, and counts them."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.hung_up = 0  # connections the client closed
        self.requests: list[dict[str, object]] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    self.hung_up += 1
                    return
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                fields = json.loads(await reader.readexactly(length))
                self.requests.append(fields)
                pieces, hang_up = await self.answer(len(self.requests), fields)
                for piece in pieces:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                if hang_up:
                    return
        finally:
            writer.close()


@asynccontextmanager
async def _served(answer: Answer) -> AsyncIterator[tuple[_Server, str]]:
    server = _Server(answer)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield server, f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/sendMessage"
    finally:
        listening.close()


def _transport(**options: float) -> AbstractAsyncContextManager[AiohttpRequest]:
    """Our transport with small JSON calls over keepalive.py (BOT_API_KEEPALIVE=true)."""
    return transport(json_over_keepalive=True, **options)


def _slow_first(seconds: float) -> Answer:
    """Answers each request with its chat; the first only after `seconds`."""

    async def answer(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
        if number == 1:
            await asyncio.sleep(seconds)
        return [_ok({"for": fields["chat_id"]})], False

    return answer


async def _echo(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
    return [_ok({"message_id": number, "chat": fields["chat_id"]})], False


async def test_requests_one_after_another_share_one_connection() -> None:
    async with _served(_echo) as (server, url), _transport() as request:
        answers = [await request.post(url, _message(chat)) for chat in (1, 2, 3)]
    assert answers == [
        {"message_id": 1, "chat": 1},
        {"message_id": 2, "chat": 2},
        {"message_id": 3, "chat": 3},
    ]
    assert server.connections == 1


async def test_answers_in_pieces_or_in_chunks_are_read_whole() -> None:
    body = json.dumps({"ok": True, "result": {"text": "Ваша думка важлива"}}).encode()

    async def awkward(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
        if number == 1:  # framed by length, arriving a few bytes at a time
            whole = _ok({"text": "Ваша думка важлива"})
            return [whole[i : i + 7] for i in range(0, len(whole), 7)], False
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        chunks = [body[:10], body[10:]]
        framed = b"".join(b"%x;note=1\r\n%s\r\n" % (len(c), c) for c in chunks)
        return [head, framed[:5], framed[5:], b"0\r\nX-Trailer: 1\r\n\r\n"], False

    async with _served(awkward) as (server, url), _transport() as request:
        assert await request.post(url, _message(1)) == {"text": "Ваша думка важлива"}
        assert await request.post(url, _message(2)) == {"text": "Ваша думка важлива"}
    assert server.connections == 1


async def test_an_answer_framed_by_closing_is_read_and_the_connection_not_reused() -> None:
    async def old_style(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
        if number == 1:  # HTTP/1.0, no length: the body is all until the server hangs up
            head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
            return [head, json.dumps({"ok": True, "result": 1}).encode()], True
        return [_ok(number, extra_headers=b"Connection: close\r\n")], False

    async with _served(old_style) as (server, url), _transport() as request:
        assert await request.post(url, _message(1)) == 1
        assert await request.post(url, _message(2)) == 2  # it said "Connection: close"
        assert await request.post(url, _message(3)) == 3
    assert server.connections == 3


async def test_connections_left_idle_are_closed_without_a_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a broadcast, the hundred connections it opened were kept open until the next
    request came (days, maybe), each with its buffers and objects made during the broadcast
    (holding on to the memory it had used)."""
    monkeypatch.setattr(keepalive, "IDLE_FOR", 0.3)
    async with _served(_slow_first(0.1)) as (server, url), _transport() as request:
        await asyncio.gather(*(request.post(url, _message(n)) for n in (1, 2, 3)))
        assert server.connections == 3 and server.hung_up == 0
        await asyncio.sleep(0.5)
        assert server.hung_up == 3  # nothing was sent meanwhile
        assert await request.post(url, _message(4)) == {"for": 4}
        assert server.connections == 4  # a new one
        await asyncio.sleep(0.5)
        assert server.hung_up == 4


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    async def answer_then_hang_up(
        number: int, fields: dict[str, object]
    ) -> tuple[list[bytes], bool]:
        return [_ok(number)], number == 2

    async with _served(answer_then_hang_up) as (server, url), _transport() as request:
        assert await request.post(url, _message(1)) == 1
        assert await request.post(url, _message(2)) == 2
        await asyncio.sleep(0.1)  # the server's hang-up arrives while the connection is idle
        assert await request.post(url, _message(3)) == 3
    assert server.connections == 2


async def test_after_a_read_timeout_the_late_answer_is_never_taken_for_the_next() -> None:
    async with _served(_slow_first(0.5)) as (server, url), _transport(read_timeout=0.2) as request:
        with pytest.raises(TimedOut) as caught:
            await request.post(url, _message(1))
        assert not isinstance(caught.value, NotSent)  # it went out: it may have arrived
        assert await request.post(url, _message(2)) == {"for": 2}
        await asyncio.sleep(0.5)
        assert await request.post(url, _message(3)) == {"for": 3}
    assert server.connections == 2


async def test_a_cancelled_request_leaves_no_answer_behind_for_the_next() -> None:
    async with _served(_slow_first(0.3)) as (server, url), _transport() as request:
        first = asyncio.ensure_future(request.post(url, _message(1)))
        await asyncio.sleep(0.1)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        await asyncio.sleep(0.4)
        assert await request.post(url, _message(2)) == {"for": 2}
    assert server.connections == 2


async def test_a_garbled_answer_may_have_arrived_and_does_not_show_the_token() -> None:
    async def garbled(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
        return [b"SMTP ready\r\n\r\n"], False

    async with _served(garbled) as (server, url), _transport() as request:
        with pytest.raises(Interrupted) as caught:
            await request.post(url, _message(1))
    assert TEST_TOKEN not in str(caught.value)
    assert TEST_TOKEN.split(":")[1] not in repr(caught.value)


async def test_a_body_too_big_for_one_write_still_arrives_whole() -> None:
    text = "ā" * 40_000  # 80 KB of JSON: more than one write, so aiohttp's path sends it
    async with _served(_echo) as (server, url), _transport() as request:
        assert await request.post(url, _message(7, text)) == {"message_id": 1, "chat": 7}
    assert server.requests == [{"chat_id": 7, "text": text}]


async def test_a_big_body_goes_through_aiohttp_not_a_kept_connection() -> None:
    async with _served(_echo) as (server, url), _transport() as request:
        await request.post(url, _message(1))
        await request.post(url, _message(7, "ā" * 40_000))
    assert server.connections == 2  # the small one's connection was not used for it


async def _pool_answers(*answers: bytes) -> tuple[list[object], int]:
    """Each answer in turn to a request through the pool itself; what each request got
    (its status and body, or the exception's class name) and how many connections."""
    queue = list(answers)

    async def answer(number: int, fields: dict[str, object]) -> tuple[list[bytes], bool]:
        return [queue.pop(0)], False

    got: list[object] = []
    pool = keepalive.KeepAlivePool("test")
    async with _served(answer) as (server, url):
        for _ in answers:
            try:
                got.append(await pool.post_json(url, b"{}", connect=1, read=1))
            except Exception as exc:
                got.append(type(exc).__name__)
        pool.close()
    return got, server.connections


async def test_an_answer_without_a_body_leaves_the_connection_usable() -> None:
    got, connections = await _pool_answers(
        b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", _ok(2)
    )
    assert got == [(204, b""), (200, b'{"ok": true, "result": 2}')]
    assert connections == 1


async def test_connection_close_among_other_tokens_is_honoured() -> None:
    got, connections = await _pool_answers(
        _ok(1, extra_headers=b"Connection: keep-alive, Close\r\n"), _ok(2)
    )
    assert [status for status, _ in got] == [200, 200]  # type: ignore[misc]
    assert connections == 2


async def test_framing_that_is_not_plain_numbers_is_refused() -> None:
    got, _ = await _pool_answers(
        b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n{}   ",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        _ok(5),
    )
    assert got[:4] == ["Broken"] * 4
    assert got[4] == (200, b'{"ok": true, "result": 5}')


async def test_shutting_down_while_connecting_leaves_no_connection_open() -> None:
    pool = keepalive.KeepAlivePool("test")
    async with _served(_echo) as (server, url):
        posting = asyncio.ensure_future(pool.post_json(url, b"{}", connect=1, read=1))
        await asyncio.sleep(0)  # connecting
        pool.close()
        with pytest.raises(keepalive.NoConnection):
            await posting
        await asyncio.sleep(0.05)
    assert server.requests == []


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for "localhost" and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return cert, key


async def test_over_tls_the_certificate_and_its_name_are_checked(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    server = _Server(_echo)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=server_side)
    port = listening.sockets[0].getsockname()[1]
    trusting = ssl.create_default_context(cafile=str(cert))
    try:
        pool = keepalive.KeepAlivePool("test", ssl_context=trusting)
        url = f"https://localhost:{port}/bot{TEST_TOKEN}/sendMessage"
        first = await pool.post_json(url, b'{"chat_id": 1}', connect=2, read=2)
        second = await pool.post_json(url, b'{"chat_id": 2}', connect=2, read=2)
        assert [status for status, _ in (first, second)] == [200, 200]
        assert server.connections == 1
        # The system's certificates do not vouch for it, and the name must match.
        for untrusted, where in (
            (keepalive.KeepAlivePool("test"), url),
            (
                keepalive.KeepAlivePool("test", ssl_context=trusting),
                f"https://127.0.0.1:{port}/bot{TEST_TOKEN}/sendMessage",
            ),
        ):
            with pytest.raises(keepalive.NoConnection):
                await untrusted.post_json(where, b"{}", connect=2, read=2)
            untrusted.close()
        pool.close()
    finally:
        listening.close()
    assert len(server.requests) == 2
