"""HTTP transport: an aiohttp server speaking the Bot API wire format on 127.0.0.1."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from aiohttp import web

from tgdouble.api import RESET, FakeBotAPI, decode_params

__all__ = ["DoubleServer"]

# The fallback for handlers still running at shutdown; long polls are released before that.
_SHUTDOWN_TIMEOUT = 1.0


def _json_response(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


class DoubleServer:
    """``async with DoubleServer(api) as server`` serves ``api`` at ``server.base_url``."""

    def __init__(self, api: FakeBotAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self.requests = 0

    @property
    def port(self) -> int:
        """The port the OS chose."""
        if self._port is None:
            raise RuntimeError("DoubleServer is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        """Bind the socket and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Release waiting long polls, then close every connection."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.api.interrupt()
        await runner.cleanup()

    async def __aenter__(self) -> DoubleServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle_api(self, request: web.Request) -> web.Response:
        self.requests += 1
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, tuple[str, bytes]] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    return _json_response(
                        400,
                        {
                            "ok": False,
                            "error_code": 400,
                            "description": "Bad Request: can't parse JSON",
                        },
                    )
                if isinstance(body, dict):
                    raw.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        # aiohttp spools uploads to temporary files; close them to avoid
                        # ResourceWarnings under filterwarnings=error.
                        with value.file:
                            files[name] = (value.filename, value.file.read())
                    else:
                        raw[name] = value
        params = decode_params(raw)
        status, body = await self.api.call(
            request.match_info["method"],
            params,
            files or None,
            token=request.match_info["token"],
        )
        if status == RESET and request.transport is not None:
            request.transport.abort()  # no answer at all, as when a connection is reset
        return _json_response(status, body)

    async def _handle_file(self, request: web.Request) -> web.Response:
        content = self.api.download(request.match_info["path"])
        if content is None:
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=content, content_type="application/octet-stream")
