"""HTTP/1.1 keep-alive connections for the Bot API's small JSON calls.

A broadcast at Telegram's paid rate is a thousand small JSON POSTs a second, and aiohttp's
client spent about 360 µs of CPU on each (its request and response objects, URL, headers,
cookies, tracing, a writer task, timers per chunk read), where the same exchange over a bare
asyncio protocol took about 100 µs, JSON included; through PTB and this module, 130 µs. The
bot's CPU a results message at 1000/s went from 0.96 to 0.77 ms (bench/README.md, "At
b7bff3e"). So the calls that are one small JSON body each way (every Bot API method but
uploads and file downloads, which stay with aiohttp) go over these connections: one request at
a time on each, kept open while Telegram keeps them, with the same timeouts and the same
distinction between "never sent" and "may have arrived" as the aiohttp path.

BOT_API_KEEPALIVE=false sends everything through aiohttp instead (for a deployment that
needs what only aiohttp's client does; neither path uses a proxy). It was off by default for a
while: with it, the fault suite's "broadcast at 1000/s" scenario met 429s in some runs. The
cause was the pacer's (bot/jobs/pacing.py, `_Trips`: a restarted bot's first trips taken for
travel), not this module's; fixed there.

Only what a Bot API answer needs is read: a status line, headers, a body framed by
Content-Length, by chunks, or by the connection closing.
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

# aiohttp's default: a connection unused for this long is closed by us rather than reused,
# so that we are not the one writing into a connection the server is just closing; and closed
# then even if nothing is sent (a broadcast's hundred connections otherwise stayed open until
# the next request, with what they held of the memory the broadcast had used).
IDLE_FOR = 15.0
# A response head longer than this is not a Bot API answer.
_MAX_HEAD = 64 * 1024


class NoConnection(Exception):
    """No connection could be opened: nothing was sent."""


class ConnectTimeout(NoConnection):
    """No connection within the connect timeout: nothing was sent."""


class ReadTimeout(Exception):
    """No full answer within the read timeout: the request may have arrived."""


class Broken(Exception):
    """The connection closed, or the answer made no sense, after the request went out."""


@dataclass(frozen=True)
class _Target:
    key: tuple[str, int, bool]  # host, port, TLS
    head: bytes  # the request's head up to Content-Length's value


class _Exchange(asyncio.Protocol):
    """One connection: writes a request, reads its answer, then waits for the next."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._buffer = bytearray()
        self._answer: asyncio.Future[tuple[int, bytes, bool]] | None = None
        # status, Content-Length, chunked, close after
        self._head: tuple[int, int | None, bool, bool] | None = None
        self._chunks: list[bytes] = []

    # asyncio's side
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        answer = self._answer
        if answer is None or answer.done():
            return
        head = self._head
        if exc is None and head is not None and head[1] is None and not head[2]:
            # No length and no chunks: the body is everything until the server closed.
            self._finish(bytes(self._buffer), reusable=False)
        else:
            answer.set_exception(Broken())

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            # Nothing was asked: a server talking out of turn cannot be trusted with the next.
            self.close()
            return
        self._buffer += data
        try:
            self._read()
        except (ValueError, IndexError):
            self._answer.set_exception(Broken())
            self.close()

    # ours
    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def usable(self, now: float) -> bool:
        """Open, not closing, and not idle for too long."""
        return (
            not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
            and now - self.idle_since < IDLE_FOR
        )

    async def exchange(self, request: bytes, read: float | None) -> tuple[int, bytes, bool]:
        """Send `request`; the answer's status, body, and whether the connection can be used
        again. Raises ReadTimeout or Broken (the connection is then closed)."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[int, bytes, bool]] = loop.create_future()
        self._answer = answer
        self._head = None
        self._buffer.clear()
        self._chunks.clear()
        timer = None if read is None else loop.call_later(read, self._timed_out, answer)
        try:
            self.transport.write(request)
            return await answer
        except BaseException:
            # Timed out, broken, or cancelled: where the answer was is unknown.
            self.close()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            self._answer = None

    def _timed_out(self, answer: asyncio.Future[tuple[int, bytes, bool]]) -> None:
        if not answer.done():
            answer.set_exception(ReadTimeout())

    def _finish(self, body: bytes, *, reusable: bool) -> None:
        assert self._answer is not None and self._head is not None
        if not reusable:
            self.closed = True
        self._answer.set_result((self._head[0], body, reusable and not self._head[3]))

    def _read(self) -> None:
        buffer = self._buffer
        while self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0 or end > _MAX_HEAD:
                if len(buffer) > _MAX_HEAD:
                    raise ValueError("response head too long")
                return
            head = _parse_head(bytes(buffer[:end]))
            del buffer[: end + 4]
            if not 100 <= head[0] < 200:  # an interim answer (100 Continue) is skipped
                self._head = head
        length, chunked = self._head[1], self._head[2]
        if chunked:
            self._read_chunks()
        elif length is not None and len(buffer) >= length:
            body = bytes(buffer[:length])
            extra = len(buffer) > length  # bytes nobody asked for: do not reuse
            del buffer[:length]
            self._finish(body, reusable=not extra)

    def _read_chunks(self) -> None:
        buffer = self._buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return
            size = _hex(bytes(buffer[:line_end]).split(b";", 1)[0])
            if size == 0:
                # The last chunk, then trailers (ignored) up to an empty line.
                rest = buffer.find(b"\r\n\r\n", line_end)
                if rest < 0:
                    return
                extra = len(buffer) > rest + 4
                del buffer[: rest + 4]
                self._finish(b"".join(self._chunks), reusable=not extra)
                return
            if len(buffer) < line_end + 2 + size + 2:
                return
            start = line_end + 2
            self._chunks.append(bytes(buffer[start : start + size]))
            if buffer[start + size : start + size + 2] != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
            del buffer[: start + size + 2]


def _parse_head(raw: bytes) -> tuple[int, int | None, bool, bool]:
    """(status, Content-Length or None, chunked, close after) of a response head."""
    lines = raw.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise ValueError("not an HTTP/1.x response")
    status = int(rest[:3])
    length: int | None = None
    chunked = False
    close = version == b"HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"content-length":
            if not value.isdigit() or (length is not None and int(value) != length):
                raise ValueError("a Content-Length that is not one number")
            length = int(value)
        elif name == b"transfer-encoding":
            # Only chunked is asked for (no Accept-Encoding is sent): anything else is
            # an answer we cannot frame.
            if value.lower() != b"chunked":
                raise ValueError("a Transfer-Encoding other than chunked")
            chunked = True
        elif name == b"connection":
            tokens = {token.strip() for token in value.lower().split(b",")}
            close = b"close" in tokens or (close and b"keep-alive" not in tokens)
    if chunked:
        length = None
    if status in (204, 304) or 100 <= status < 200:  # never a body
        length, chunked = 0, False
    return status, length, chunked, close


_HEX = frozenset(b"0123456789abcdefABCDEF")


def _hex(digits: bytes) -> int:
    digits = digits.strip()
    if not digits or not _HEX.issuperset(digits):
        raise ValueError("a chunk size that is not hexadecimal")
    return int(digits, 16)


class KeepAlivePool:
    """Connections per host, reused one request at a time. Callers bound how many run at
    once (the request object's connection slots), so no more are opened than that."""

    def __init__(self, user_agent: str, *, ssl_context: ssl.SSLContext | None = None) -> None:
        """`ssl_context`: what https connections trust (default: the system's certificates,
        as aiohttp's), and they check the host's name against its certificate."""
        self._user_agent = user_agent
        self._idle: dict[tuple[str, int, bool], deque[_Exchange]] = {}
        self._open: set[_Exchange] = set()
        self._targets: dict[str, _Target] = {}
        self._ssl = ssl_context
        self._closed = False
        self._sweep_at: asyncio.TimerHandle | None = None

    async def post_json(
        self, url: str, body: bytes, *, connect: float | None, read: float | None
    ) -> tuple[int, bytes]:
        """POST `body` (JSON) to `url`; the answer's status and body. Raises NoConnection
        (ConnectTimeout), ReadTimeout or Broken; none of them carries the URL (it holds the
        bot's token)."""
        target = self._target(url)
        connection = self._reused(target.key) or await self._connect(target.key, connect)
        request = b"%s%d\r\n\r\n%s" % (target.head, len(body), body)
        try:
            status, answer, reusable = await connection.exchange(request, read)
        finally:
            if connection.closed:
                self._open.discard(connection)
        if reusable and not self._closed:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(target.key, deque()).append(connection)
            if self._sweep_at is None:
                self._sweep_later(IDLE_FOR)
        else:
            connection.close()
            self._open.discard(connection)
        return status, answer

    def close(self) -> None:
        """Close every connection (requests in flight fail as Broken)."""
        self._closed = True
        if self._sweep_at is not None:
            self._sweep_at.cancel()
            self._sweep_at = None
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()

    def _sweep_later(self, seconds: float) -> None:
        # In a context of its own: the one it was scheduled from (a delivery's) would stay
        # alive in the timer for as long.
        self._sweep_at = asyncio.get_running_loop().call_later(
            seconds, self._sweep, context=contextvars.Context()
        )

    def _sweep(self) -> None:
        """Close the connections idle for IDLE_FOR; look again when the next one will be."""
        self._sweep_at = None
        now = time.monotonic()
        for idle in self._idle.values():
            self._prune(idle, now)
        waiting = [idle[0].idle_since for idle in self._idle.values() if idle]
        if waiting and not self._closed:
            self._sweep_later(max(min(waiting) + IDLE_FOR - now, 0.01))

    def _prune(self, idle: deque[_Exchange], now: float) -> None:
        while idle and not idle[0].usable(now):  # the longest idle first: gone, or soon
            stale = idle.popleft()
            stale.close()
            self._open.discard(stale)

    def _reused(self, key: tuple[str, int, bool]) -> _Exchange | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        if idle:
            self._prune(idle, now)
        while idle:
            connection = idle.pop()  # the most recently used: the likeliest to be alive
            if connection.usable(now):
                return connection
            connection.close()
            self._open.discard(connection)
        return None

    async def _connect(self, key: tuple[str, int, bool], seconds: float | None) -> _Exchange:
        host, port, tls = key
        if tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                _, connection = await loop.create_connection(
                    _Exchange, host, port, ssl=self._ssl if tls else None
                )
        except TimeoutError:
            raise ConnectTimeout() from None
        except OSError as err:  # refused, unreachable, DNS, TLS handshake (ssl.SSLError)
            raise NoConnection(err.__class__.__name__) from None
        if self._closed:  # shut down while connecting: nothing was sent
            connection.close()
            raise NoConnection("closed")
        self._open.add(connection)
        return connection

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not an http(s) URL")
            tls = parts.scheme == "https"
            port = parts.port or (443 if tls else 80)
            name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            host = name if parts.port is None else f"{name}:{port}"
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {self._user_agent}\r\n"
                "Content-Type: application/json\r\nContent-Length: "
            ).encode("latin-1")
            target = _Target((parts.hostname, port, tls), head)
            if len(self._targets) >= 1024:  # a bot calls a few dozen methods
                self._targets.clear()
            self._targets[url] = target
        return target
