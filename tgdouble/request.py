"""In-process transport: a PTB request object that calls the fake API directly."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from tgdouble.api import RESET, FakeBotAPI, decode_params

__all__ = ["DoubleRequest", "parse_api_path"]

_API_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_NOT_FOUND = b'{"ok": false, "error_code": 404, "description": "Not Found"}'


def parse_api_path(path: str) -> tuple[str, str, str] | None:
    """Split a URL path into ("api"|"file", token, method-or-file-path)."""
    match = _FILE_PATH.search(path)
    if match:
        return "file", match["token"], unquote(match["path"])
    match = _API_PATH.search(path)
    if match:
        return "api", match["token"], match["method"]
    return None


def _read_content(content: Any) -> bytes:
    if isinstance(content, bytes):
        return content
    # PTB >= 21.5 may pass an open file handle instead of bytes.
    data = content.read()
    return data if isinstance(data, bytes) else str(data).encode()


class DoubleRequest(BaseRequest):
    """A ``telegram.request.BaseRequest`` that never touches the network."""

    __slots__ = ("_api", "_initialized", "_read_timeout")

    def __init__(self, api: FakeBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self._api = api
        self._read_timeout = read_timeout
        self._initialized = False

    @property
    def api(self) -> FakeBotAPI:
        """The fake API this request talks to."""
        return self._api

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout, used by PTB to size getUpdates long polls."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open; kept for the BaseRequest contract."""
        self._initialized = True

    async def shutdown(self) -> None:
        """Nothing to close; kept for the BaseRequest contract."""
        self._initialized = False

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route a PTB request to the fake API and return (status, JSON bytes)."""
        parsed = parse_api_path(urlsplit(url).path)
        if parsed is None:
            return 404, _NOT_FOUND
        kind, token, target = parsed
        if kind == "file":
            content = self._api.download(target)
            if content is None:
                return 404, _NOT_FOUND
            return 200, content

        params = decode_params(request_data.json_parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data is not None and request_data.contains_files:
            for name, field in request_data.multipart_data.items():
                files[name] = (field[0], _read_content(field[1]))

        timeout: float | None = (
            self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        )
        try:
            # Mirrors httpx: a call that outlives the read timeout surfaces as TimedOut.
            async with asyncio.timeout(timeout):
                status, body = await self._api.call(target, params, files or None, token=token)
        except TimeoutError as error:
            raise TimedOut from error
        if status == RESET:
            raise NetworkError("connection reset by the double")
        return status, json.dumps(body).encode()
