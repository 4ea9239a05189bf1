"""Bot API requests over aiohttp.

python-telegram-bot talks HTTP through httpx by default. Measured on the throughput benchmark,
httpx's connection pool cost about half of the bot's CPU per update, and aiohttp's client
does the same work for a fraction of it (bench/README.md). PTB supports swapping the
transport through its BaseRequest interface, which is all this module implements. Small JSON
calls (nearly all of them) go over keepalive.py's connections, cheaper still (unless
BOT_API_KEEPALIVE=false); uploads, large bodies and file downloads go through aiohttp.

Every timeout PTB passes is honoured: pool (waiting for a free connection), connect, write
(sending the request; media uploads get their own, longer default) and read (waiting for the
answer). Failures are told apart by whether the request may have reached Telegram, because
only then can retrying a message show it twice: `NotSent` (no connection, or none in time) is
always safe to retry; `TimedOut` after the request went out and `Interrupted` (the connection
broke before the answer) are not, for a message.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, suppress
from typing import Any

import aiohttp
from aiohttp import hdrs
from aiohttp.payload import BytesIOPayload
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.telegram import keepalive

_DEFAULT = type(BaseRequest.DEFAULT_NONE)
# Bodies up to this size fit the transport's write buffer at once, so their write cannot stall
# and needs no watch (asyncio's default high-water mark is 64 KiB).
_BUFFERED = 64 * 1024


class NotSent(NetworkError):
    """The request never left: no connection could be had. Always safe to try again."""


class PoolTimedOut(TimedOut, NotSent):
    """No free connection within the pool timeout; nothing was sent."""


class ConnectTimedOut(TimedOut, NotSent):
    """No connection within the connect timeout; nothing was sent."""


class Interrupted(NetworkError):
    """The connection broke after the request went out: Telegram may have acted on it."""


class AiohttpRequest(BaseRequest):
    """A PTB request backend on one aiohttp session (opened in `initialize`)."""

    def __init__(
        self,
        *,
        connection_limit: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        on_status: Callable[[int], None] | None = None,
        json_over_keepalive: bool = True,
    ) -> None:
        self._limit = connection_limit
        # Small JSON calls over keepalive.py (BOT_API_KEEPALIVE); False sends everything
        # through aiohttp (bench/transport.py compares the two).
        self._json_over_keepalive = json_over_keepalive
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # Told the HTTP status of every answer (the runner watches for a revoked token).
        self.on_status = on_status
        self._session: aiohttp.ClientSession | None = None
        # Small JSON calls go over these instead of aiohttp's client (keepalive.py says why).
        self._keepalive: keepalive.KeepAlivePool | None = None
        # One slot per connection: waiting for one is what the pool timeout bounds.
        self._slots = asyncio.Semaphore(connection_limit)

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout, which PTB adds to long-poll timeouts."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._limit)  # bound to this event loop
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)
            if self._json_over_keepalive:
                self._keepalive = keepalive.KeepAlivePool(self.USER_AGENT)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._keepalive is not None:
            self._keepalive.close()
            self._keepalive = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API request; network failures become PTB's errors (or ours above).

        No message carries aiohttp's text: it holds the request URL, and Bot API URLs contain
        the token.
        """
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploads = bool(request_data and request_data.contains_files)
        default_write = self._media_write_timeout if uploads else self._write_timeout
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, default_write)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        try:
            async with asyncio.timeout(pool):
                await self._slots.acquire()
        except TimeoutError:
            raise PoolTimedOut() from None
        try:
            if request_data is None or not request_data.contains_files:
                body = _json(request_data)
                if self._keepalive is not None and method == "POST" and len(body) <= _BUFFERED:
                    status, payload = await self._post_json(url, body, read, connect)
                else:
                    json_body = _Body(body, "application/json")
                    status, payload = await self._send(method, url, json_body, read, write, connect)
            else:
                form = await _multipart(request_data)
                status, payload = await self._send(method, url, form, read, write, connect)
        finally:
            self._slots.release()
        if self.on_status is not None:
            self.on_status(status)
        return status, payload

    async def _post_json(
        self, url: str, body: bytes, read: float | None, connect: float | None
    ) -> tuple[int, bytes]:
        assert self._keepalive is not None
        try:
            return await self._keepalive.post_json(url, body, connect=connect, read=read)
        except keepalive.ConnectTimeout:
            raise ConnectTimedOut() from None
        except keepalive.NoConnection as err:
            raise NotSent(f"connection: {err}") from None
        except keepalive.ReadTimeout:
            raise TimedOut() from None
        except keepalive.Broken:
            raise Interrupted("the connection closed before the answer") from None

    async def _send(
        self,
        method: str,
        url: str,
        body: _Body,
        read: float | None,
        write: float | None,
        connect: float | None,
    ) -> tuple[int, bytes]:
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(
            total=None, connect=connect, sock_connect=connect, sock_read=read
        )
        request = self._session.request(
            method,
            url,
            data=body,
            headers={"User-Agent": self.USER_AGENT},
            timeout=timeout,
        )
        try:
            if write is None or body.length <= _BUFFERED:
                async with request as response:
                    return response.status, await response.read()
            return await _watched(request, body, write)
        except aiohttp.ConnectionTimeoutError:
            raise ConnectTimedOut() from None
        except TimeoutError:
            raise TimedOut() from None
        except aiohttp.ClientConnectorError as err:
            raise NotSent(f"aiohttp.{err.__class__.__name__}") from None
        except aiohttp.ClientError as err:
            raise Interrupted(f"aiohttp.{err.__class__.__name__}") from None


class _Body(BytesIOPayload):
    """A request body that says when it has been written out in full (written in chunks:
    aiohttp warns that one large write could hold up the event loop)."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__(io.BytesIO(data), content_type=content_type)
        self.length = len(data)
        self.started = asyncio.Event()
        self.written = asyncio.Event()

    async def write(self, writer: aiohttp.abc.AbstractStreamWriter) -> None:
        """Write it all, then say so."""
        self.started.set()
        await super().write(writer)
        self.written.set()

    async def write_with_length(
        self, writer: aiohttp.abc.AbstractStreamWriter, content_length: int | None
    ) -> None:
        """Write up to `content_length` bytes, then say so."""
        self.started.set()
        await super().write_with_length(writer, content_length)
        self.written.set()


class UpdatesRequest(AiohttpRequest):
    """The request getUpdates goes through: an `AiohttpRequest` that leaves out, before PTB
    makes objects of the updates, the one part of them the bot never reads.

    A button's press brings the whole message the button was on, its inline keyboard
    included, and PTB makes an object of every button (a dozen attributes each) before any
    handler runs: a tap's parse took 129 µs on a message with three buttons and 194 with the
    eleven of a priorities question, 100 and 102 without them (bench/dispatch.py). The bot
    answers a press from the button's own data and edits the message by its id and text, and
    never looks at the keyboard it sent (`TelegramChannel`, `BroadcastDesk`), so with long
    polling `query.message.reply_markup` is None (by webhook, PTB's own server parses the
    updates, keyboards included). Everything else in an update is kept.

    It also keeps the id of the last update of the latest answer (`last_update_id`): PTB
    begins all the updates of an answer in one turn of the event loop, in order, so the
    update processor can tell the store which resident's step is the last of its turn
    (`PerChatUpdateProcessor`).
    """

    last_update_id: int | None = None  # of the latest answer's last update, once there is one

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """PTB's parse (json.loads, undecodable bytes replaced), then the keyboards of pressed
        messages dropped and the last update's id noted."""
        data = AiohttpRequest.parse_json_payload(payload)
        updates = data.get("result")
        if isinstance(updates, list):
            for update in updates:
                query = update.get("callback_query") if isinstance(update, dict) else None
                message = query.get("message") if isinstance(query, dict) else None
                if isinstance(message, dict):
                    message.pop("reply_markup", None)
            last = (
                updates[-1].get("update_id") if updates and isinstance(updates[-1], dict) else None
            )
            self.last_update_id = last if isinstance(last, int) else None
        return data


def _json(request_data: RequestData | None) -> bytes:
    # JSON, which the Bot API takes for everything but uploads: one C-coded dumps, where
    # form encoding quoted every character of every text in Python (5% of the bot's CPU
    # in a results broadcast, whose captions are long and often not ASCII).
    return json.dumps(request_data.parameters if request_data else {}).encode()


async def _multipart(request_data: RequestData) -> _Body:
    files = request_data.multipart_data
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in files.items():
        data = content if isinstance(content, bytes) else content.read()
        form.add_field(name, io.BytesIO(data), filename=filename, content_type=mime)
    multipart = form()
    return _Body(await multipart.as_bytes(), multipart.headers[hdrs.CONTENT_TYPE])


async def _watched(
    request: AbstractAsyncContextManager[aiohttp.ClientResponse], body: _Body, seconds: float
) -> tuple[int, bytes]:
    """A request whose body must be written within `seconds` of starting to write it
    (connecting is bounded by aiohttp's connect timeout)."""

    async def run() -> tuple[int, bytes]:
        async with request as response:
            return response.status, await response.read()

    task = asyncio.ensure_future(run())
    waits = [asyncio.ensure_future(body.started.wait())]
    try:
        await asyncio.wait({task, waits[0]}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            waits.append(asyncio.ensure_future(body.written.wait()))
            await asyncio.wait(
                {task, waits[1]}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
            if not task.done() and not body.written.is_set():
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                raise TimedOut()  # part of the request may have gone out
        return await task
    finally:
        for wait in waits:
            wait.cancel()
        task.cancel()


def _given(value: object, default: float | None) -> float | None:
    if isinstance(value, _DEFAULT):
        return default
    return float(value) if isinstance(value, int | float) else None
