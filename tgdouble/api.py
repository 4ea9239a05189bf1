"""Transport-independent fake of the Telegram Bot API used by tests and benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tgdouble.formatting import EntityParseError, render

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "TEST_TOKEN",
    "CallRecord",
    "CallbackAnswer",
    "Fault",
    "FakeBotAPI",
    "Limits",
    "SentMessage",
    "Stats",
    "decode_params",
]

BOT_ID = 999000
BOT_USERNAME = "community_voice_test_bot"
BOT_FIRST_NAME = "Community Voice (test)"
# The status `call` returns when the connection is to be dropped with no answer at all.
RESET = 0
# The numeric prefix matches BOT_ID, like real tokens do.
TEST_TOKEN = f"{BOT_ID}:TEST-community-voice-token"

JSON = dict[str, Any]
Files = Mapping[str, tuple[str, bytes]]
T = TypeVar("T")

# Values of these parameters are strings in the Bot API and must never be JSON-decoded,
# otherwise a resident typing "42" or "[1]" would turn into a number or a list.
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "custom_emoji_id",
        "data",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "phone_number",
        "photo",
        "query",
        "question",
        "secret_token",
        "short_description",
        "sticker",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)

# Update types Telegram leaves out when allowed_updates is empty.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_CALLBACK_DATA = 64


def decode_params(raw: Mapping[str, Any]) -> JSON:
    """Decode Bot API parameters that arrive as strings (form fields) into JSON values."""
    decoded: JSON = {}
    for key, value in raw.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and key not in _STRING_PARAMS:
            value = _maybe_json(value)
        decoded[key] = value
    return decoded


def _maybe_json(value: str) -> Any:
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, float) and not math.isfinite(parsed):
        return value
    # A JSON string literal ("\"x\"") stays as it was sent: Telegram does not unquote it either.
    if parsed is None or isinstance(parsed, str):
        return value
    return parsed


@dataclass
class Limits:
    """Flood limits to enforce over send* methods with sliding windows."""

    global_per_second: float = 30
    per_chat_per_second: float = 1.0
    group_per_minute: int | None = None
    retry_after: int = 1


@dataclass
class Stats:
    """Counters a benchmark can read after a run."""

    calls: int = 0
    messages_sent: int = 0
    global_breaches: int = 0
    per_chat_breaches: int = 0
    group_breaches: int = 0
    too_many_requests: int = 0
    forbidden: int = 0


@dataclass
class CallRecord:
    """One API call as the bot made it."""

    method: str
    params: JSON
    time: float
    files: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    response: JSON | None = None

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if any."""
        return self.params.get("chat_id")


@dataclass
class CallbackAnswer:
    """A recorded answerCallbackQuery."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass
class Fault:
    """A scheduled failure for matching calls (``times=None`` means until cleared)."""

    method: str
    status: int
    description: str
    retry_after: int | None = None
    times: int | None = 1
    chat_id: int | None = None
    delay: float = 0.0
    deliver: bool = False
    # Hang up instead of answering (after doing the work when ``deliver``): a connection reset.
    reset: bool = False

    def matches(self, method: str, params: JSON) -> bool:
        """Whether this fault applies to a call."""
        if self.method != "*" and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or _as_chat_id(params.get("chat_id")) == self.chat_id


@dataclass
class SentMessage:
    """A message the bot sent, in its current state (after edits)."""

    message_id: int
    chat_id: int
    text: str | None
    buttons: list[list[tuple[str, str | None]]] = field(default_factory=list)
    edited: bool = False
    document_name: str | None = None
    document_bytes: bytes | None = None
    photo_bytes: bytes | None = None
    caption: str | None = None
    raw_text: str | None = None
    parse_mode: str | None = None
    keyboard: list[list[str]] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    deleted: bool = False
    edit_count: int = 0
    method: str = "sendMessage"
    date: int = 0

    @property
    def labels(self) -> list[str]:
        """All inline button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]

    def button_data(self, label: str) -> str | None:
        """The callback_data of the inline button labelled ``label`` (KeyError if absent)."""
        for row in self.buttons:
            for text, data in row:
                if text == label:
                    return data
        raise KeyError(f"no button {label!r}; buttons: {self.labels}")


@dataclass
class _Stored:
    data: JSON
    sent: SentMessage | None = None


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None
    file_name: str | None = None


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad_request(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _as_chat_id(value: Any) -> Any:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    raise _bad_request(f"invalid {name} specified")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _error_body(status: int, description: str, retry_after: int | None) -> JSON:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


class FakeBotAPI:
    """An in-memory Telegram Bot API: residents, updates, sent messages, faults and limits."""

    def __init__(
        self,
        *,
        token: str | None = None,
        limits: Limits | None = None,
        latency: float = 0.0,
        strict_chats: bool = False,
    ) -> None:
        # token=None accepts any token; a string makes other tokens fail with 401 like Telegram.
        self.token = token
        self.limits = limits
        # Added to every call so benchmarks can model a network round trip.
        self.latency = latency
        # When set, sending to a chat no resident has written from fails with "chat not found".
        self.strict_chats = strict_chats
        self.bot_user: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.stats = Stats()
        self.callback_answer_records: list[CallbackAnswer] = []
        self.commands: dict[str, list[JSON]] = {}
        self.webhook_url = ""
        self.updates: list[JSON] = []
        self._next_update_id = 1
        self._calls: list[CallRecord] = []
        self._messages: dict[int, dict[int, _Stored]] = {}
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._blocked: set[int] = set()
        self._files: dict[str, _File] = {}
        self._files_by_path: dict[str, _File] = {}
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)
        self._open_callbacks: dict[str, int] = {}
        self._faults: list[Fault] = []
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._interrupt_generation = 0
        self._background: set[asyncio.Task[tuple[int, JSON]]] = set()
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._group_windows: dict[int, deque[float]] = {}
        self._tick: asyncio.Event | None = None
        self._tick_loop: asyncio.AbstractEventLoop | None = None
        self._last_activity = time.monotonic()
        self._in_flight = 0
        self._handlers: dict[str, Callable[[JSON, Files], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendvoice": self._send_voice,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
            "close": lambda params, files: True,
            "logout": lambda params, files: True,
            "setmydescription": lambda params, files: True,
            "setmyshortdescription": lambda params, files: True,
            "setmyname": lambda params, files: True,
            "setchatmenubutton": lambda params, files: True,
        }

    # ------------------------------------------------------------------ change notification

    def _current_tick(self) -> asyncio.Event:
        # An Event binds to the loop it is first awaited in; benchmarks may reuse one API
        # across several asyncio.run() calls, so each loop gets its own Event.
        loop = asyncio.get_running_loop()
        if self._tick is None or self._tick_loop is not loop:
            self._tick = asyncio.Event()
            self._tick_loop = loop
        return self._tick

    def _changed(self) -> None:
        tick = self._tick
        self._tick = None
        if tick is not None:
            tick.set()

    async def _wait_change(self, seconds: float | None) -> bool:
        """Wait until the next state change; False if ``seconds`` passed first."""
        tick = self._current_tick()
        if seconds is not None and seconds <= 0:
            return False
        try:
            async with asyncio.timeout(seconds):
                await tick.wait()
        except TimeoutError:
            return False
        return True

    def interrupt(self) -> None:
        """Release pending long polls and injected delays (used when a server shuts down)."""
        self._interrupt_generation += 1
        self._changed()

    async def aclose(self) -> None:
        """Interrupt waiters and cancel delayed deliveries still running in the background."""
        self.interrupt()
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------ the API entry point

    async def call(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Files | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, JSON]:
        """Execute one Bot API method and return (HTTP status, Telegram-shaped JSON body)."""
        # Idempotent, so callers may pass raw form strings or already decoded values.
        decoded = decode_params(params)
        if "chat_id" in decoded:
            decoded["chat_id"] = _as_chat_id(decoded["chat_id"])
        record = CallRecord(
            method=method,
            params=decoded,
            time=time.monotonic(),
            files={name: file[0] for name, file in (files or {}).items()},
        )
        self._calls.append(record)
        self.stats.calls += 1
        # Long polls are the bot idling, so they do not count as activity for wait_idle.
        busy = method.lower() != "getupdates"
        if busy:
            self._in_flight += 1
            self._last_activity = record.time
        self._changed()
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            if self.token is not None and token is not None and token != self.token:
                raise _ApiError(401, "Unauthorized")
            result = await self._execute(method, decoded, dict(files or {}))
        except asyncio.CancelledError:
            # The client went away (e.g. a read timeout); 499 is nginx's "client closed".
            record.status = 499
            self._changed()
            raise
        except _ApiError as error:
            status, body = (
                error.status,
                _error_body(error.status, error.description, error.retry_after),
            )
        else:
            status, body = 200, {"ok": True, "result": result}
        finally:
            if busy:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
        record.status = status
        record.response = body
        if status == 429:
            self.stats.too_many_requests += 1
        elif status == 403:
            self.stats.forbidden += 1
        self._changed()
        return status, body

    async def _execute(self, method: str, params: JSON, files: Files) -> Any:
        fault = self._take_fault(method, params)
        if fault is not None and fault.reset:
            if fault.deliver:
                with contextlib.suppress(_ApiError):
                    await self._dispatch(method, params, files)
            raise _ApiError(RESET, "connection reset")
        if fault is not None:
            if fault.delay > 0:
                if fault.deliver:
                    # Telegram may still act on a request whose client gave up, so the work
                    # finishes in the background even if the caller is cancelled meanwhile.
                    task = asyncio.create_task(self._delayed(fault.delay, method, params, files))
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
                    status, body = await asyncio.shield(task)
                    if status != 200:
                        raise _ApiError(
                            status,
                            body["description"],
                            body.get("parameters", {}).get("retry_after"),
                        )
                    return body["result"]
                await self._sleep(fault.delay)
            raise _ApiError(fault.status, fault.description, fault.retry_after)
        return await self._dispatch(method, params, files)

    async def _delayed(
        self, delay: float, method: str, params: JSON, files: Files
    ) -> tuple[int, JSON]:
        await self._sleep(delay)
        try:
            result = await self._dispatch(method, params, files)
        except _ApiError as error:
            return error.status, _error_body(error.status, error.description, error.retry_after)
        finally:
            # The caller may be gone, so nobody else would announce this state change.
            self._changed()
        return 200, {"ok": True, "result": result}

    async def _sleep(self, seconds: float) -> None:
        generation = self._interrupt_generation
        deadline = time.monotonic() + seconds
        while self._interrupt_generation == generation:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self._wait_change(remaining):
                return

    async def _dispatch(self, method: str, params: JSON, files: Files) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        handler = self._handlers.get(name)
        if handler is None:
            raise _ApiError(404, "Not Found")
        return handler(params, files)

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, params):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (method "*" matches every method)."""
        fault = Fault(method, status, description, retry_after, times, chat_id)
        self._faults.append(fault)
        return fault

    def inject_429(
        self,
        method: str,
        retry_after: int,
        *,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> Fault:
        """Answer matching calls with 429 Too Many Requests."""
        return self.fail_next(
            method,
            status=429,
            description=f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
        )

    def inject_403(
        self,
        method: str,
        chat_id: int | None = None,
        *,
        times: int | None = 1,
        description: str = "Forbidden: bot was blocked by the user",
    ) -> Fault:
        """Answer matching calls with 403 Forbidden (see also ``block``)."""
        return self.fail_next(
            method, status=403, description=description, times=times, chat_id=chat_id
        )

    def inject_500(
        self, method: str, *, times: int | None = 1, chat_id: int | None = None
    ) -> Fault:
        """Answer matching calls with 500 Internal Server Error."""
        return self.fail_next(
            method,
            status=500,
            description="Internal Server Error",
            times=times,
            chat_id=chat_id,
        )

    def inject_timeout(
        self,
        method: str,
        seconds: float = 30.0,
        *,
        times: int | None = 1,
        chat_id: int | None = None,
        deliver: bool = False,
    ) -> Fault:
        """Stall matching calls for ``seconds`` (then 504, or processed when ``deliver``)."""
        fault = Fault(
            method,
            504,
            "Gateway Timeout",
            None,
            times,
            chat_id,
            delay=seconds,
            deliver=deliver,
        )
        self._faults.append(fault)
        return fault

    def inject_reset(
        self,
        method: str,
        *,
        deliver: bool = False,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> Fault:
        """Drop the connection instead of answering matching calls; with ``deliver`` the
        call is carried out first (the bot cannot tell which)."""
        fault = Fault(method, RESET, "connection reset", None, times, chat_id, deliver=deliver)
        fault.reset = True
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """Faults that have not been used up yet."""
        return list(self._faults)

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """Every call the bot made, optionally only those of ``method`` (case-insensitive)."""
        if method is None:
            return list(self._calls)
        wanted = method.lower()
        return [record for record in self._calls if record.method.lower() == wanted]

    def sent(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """Snapshots of the messages the bot sent to ``chat_id``, oldest first."""
        stored = self._messages.get(chat_id, {})
        return [
            dataclasses.replace(item.sent)
            for item in stored.values()
            if item.sent is not None and (include_deleted or not item.sent.deleted)
        ]

    def last(self, chat_id: int) -> SentMessage | None:
        """The most recent message the bot sent to ``chat_id``."""
        sent = self.sent(chat_id)
        return sent[-1] if sent else None

    def all_sent(self) -> list[SentMessage]:
        """Every message the bot sent, in send order per chat."""
        return [
            dataclasses.replace(item.sent)
            for chat in self._messages.values()
            for item in chat.values()
            if item.sent is not None
        ]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The stored Telegram JSON of any message (resident's or bot's)."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(stored.data) if stored else None

    @property
    def callback_answers(self) -> list[tuple[str, str | None]]:
        """(callback_query_id, text) of every answerCallbackQuery."""
        return [(a.callback_query_id, a.text) for a in self.callback_answer_records]

    @property
    def pending_updates(self) -> int:
        """Updates the bot has not acknowledged yet."""
        return len(self.updates)

    # The timeout parameters below are part of the documented helper API (ASYNC109 prefers
    # asyncio.timeout, but a deadline with a descriptive error is more useful in tests).
    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        message: str | None = None,
    ) -> T:
        """Return the first truthy ``predicate()``, re-checked whenever the API state changes."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = ", ".join(
                    f"{c.method}({c.status})" for c in self._calls[-10:] if c.method != "getUpdates"
                )
                raise TimeoutError(
                    f"{message or 'condition'} not met within {timeout}s; recent calls: {recent}"
                )
            await self._wait_change(remaining)

    async def wait_sent(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least ``count`` messages were sent to ``chat_id`` and return them."""
        await self.wait_for(
            lambda: len(self.sent(chat_id)) >= count,
            timeout,
            message=f"{count} message(s) to chat {chat_id}",
        )
        return self.sent(chat_id)

    async def wait_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        answered: bool = False,
    ) -> list[CallRecord]:
        """Wait until ``method`` was called ``count`` times (and answered, if ``answered``)."""
        await self.wait_for(
            lambda: sum(1 for c in self.calls(method) if c.status or not answered) >= count,
            timeout,
            message=f"{count} {method} call(s)",
        )
        return self.calls(method)

    async def wait_idle(
        self,
        quiet: float = 0.05,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until updates are fetched and no call but getUpdates happened for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            # Unacknowledged updates mean the bot has work it has not even fetched yet.
            in_flight = self._in_flight > 0 or bool(self.updates)
            idle_for = now - self._last_activity
            if not in_flight and idle_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(f"bot still busy after {timeout}s")
            wait = deadline - now if in_flight else min(quiet - idle_for, deadline - now)
            await self._wait_change(max(wait, 0.001))

    # ------------------------------------------------------------------ residents

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def _chat(self, user: JSON, chat_type: str, chat_id: int | None) -> JSON:
        if chat_type == "private":
            if chat_id is not None and chat_id != user["id"]:
                raise ValueError("a private chat's id is the user's id")
            chat: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        else:
            if chat_id is None or chat_id >= 0:
                raise ValueError("group chats need a negative chat_id")
            chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type} {chat_id}"}
        self._chats[chat["id"]] = chat
        return dict(chat)

    def _chat_for(self, chat_id: int) -> JSON:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def enqueue(self, kind: str, payload: JSON) -> JSON:
        """Queue a raw update of type ``kind`` (e.g. "message") and return it."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.updates.append(update)
        self._last_activity = time.monotonic()
        self._changed()
        return update

    def _resident_message(
        self,
        user_id: int,
        content: JSON,
        *,
        first_name: str,
        language_code: str | None,
        chat_type: str,
        chat_id: int | None,
    ) -> JSON:
        user = self._user(user_id, first_name, language_code)
        chat = self._chat(user, chat_type, chat_id)
        message: JSON = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **content,
        }
        self._messages.setdefault(chat["id"], {})[message["message_id"]] = _Stored(message)
        return self.enqueue("message", copy.deepcopy(message))

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> JSON:
        """A resident sends ``text``; a leading "/command" gets its bot_command entity;
        ``reply_to`` makes it a reply to that message of the chat."""
        content: JSON = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            target = self._messages[chat_id if chat_id is not None else user_id][reply_to]
            content["reply_to_message"] = copy.deepcopy(target.data)
            content["reply_to_message"].pop("reply_to_message", None)
        return self._resident_message(
            user_id,
            content,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_command(
        self,
        user_id: int,
        command: str,
        payload: str | None = None,
        *,
        mention: bool = False,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident sends "/command payload" (``mention`` appends @bot_username)."""
        text = "/" + command.lstrip("/")
        if mention:
            text += f"@{BOT_USERNAME}"
        if payload:
            text += f" {payload}"
        return self.send_text(
            user_id,
            text,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def press(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Resident",
        language_code: str | None = "en",
    ) -> JSON:
        """A resident presses an inline button carrying ``data`` on a message."""
        chat = chat_id if chat_id is not None else user_id
        user = self._user(user_id, first_name, language_code)
        query_id = f"{BOT_ID}{next(self._callback_counter):08d}"
        self._open_callbacks[query_id] = user_id
        stored = self._messages.get(chat, {}).get(message_id)
        query: JSON = {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{chat}",
            "data": data,
        }
        if stored is not None and not (stored.sent is not None and stored.sent.deleted):
            query["message"] = copy.deepcopy(stored.data)
        else:
            # What Telegram sends for messages the bot can no longer access.
            query["message"] = {"chat": self._chat_for(chat), "message_id": message_id, "date": 0}
        return self.enqueue("callback_query", query)

    def press_inline(
        self, user_id: int, data: str, *, inline_message_id: str = "AAAA-inline-1"
    ) -> JSON:
        """A button pressed on a message sent through inline mode: no message, only its id."""
        user = self._user(user_id, "Resident", "en")
        query_id = f"{BOT_ID}{next(self._callback_counter):08d}"
        self._open_callbacks[query_id] = user_id
        query: JSON = {
            "id": query_id,
            "from": user,
            "chat_instance": "ci-inline",
            "inline_message_id": inline_message_id,
            "data": data,
        }
        return self.enqueue("callback_query", query)

    def tap(self, user_id: int, label: str, *, chat_id: int | None = None) -> JSON:
        """Press the button labelled ``label`` on the newest bot message that has one."""
        chat = chat_id if chat_id is not None else user_id
        for sent in reversed(self.sent(chat, include_deleted=False)):
            for row in sent.buttons:
                for text, data in row:
                    if text == label and data is not None:
                        return self.press(user_id, sent.message_id, data, chat_id=chat_id)
        labels = [sent.labels for sent in self.sent(chat, include_deleted=False)]
        raise LookupError(f"no button {label!r} in chat {chat}; buttons per message: {labels}")

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident shares a location (a live one, updated by ``move_location``, when
        ``live_period`` is given)."""
        content: JSON = {"location": {"latitude": latitude, "longitude": longitude}}
        if live_period is not None:
            content["location"]["live_period"] = live_period
        return self._resident_message(
            user_id,
            content,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_voice(
        self,
        user_id: int,
        file_id: str = "voice-1",
        duration: int = 3,
        *,
        content: bytes = b"OggS\x00fake-voice",
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident sends a voice note (downloadable via getFile)."""
        stored = self.add_file(content, "voice/file.oga", file_id=file_id)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(content),
        }
        return self._resident_message(
            user_id,
            {"voice": voice},
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_sticker(
        self,
        user_id: int,
        emoji: str = "👍",
        *,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident sends a sticker."""
        stored = self.add_file(b"RIFFfake-webp", "stickers/file.webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._resident_message(
            user_id,
            {"sticker": sticker},
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        content: bytes = b"\xff\xd8\xfffake-jpeg",
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident sends a photo (two sizes, like Telegram)."""
        stored = self.add_file(content, "photos/file.jpg")
        small = self.add_file(content[:16], "photos/thumb.jpg")
        photo = [
            {
                "file_id": small.file_id,
                "file_unique_id": small.file_unique_id,
                "width": 90,
                "height": 90,
                "file_size": len(small.content or b""),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            },
        ]
        message: JSON = {"photo": photo}
        if caption is not None:
            message["caption"] = caption
        return self._resident_message(
            user_id,
            message,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_document(
        self,
        user_id: int,
        file_name: str = "notes.txt",
        content: bytes = b"resident notes",
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident sends a file."""
        stored = self.add_file(content, f"documents/{file_name}")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        message: JSON = {"document": document}
        if caption is not None:
            message["caption"] = caption
        return self._resident_message(
            user_id,
            message,
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def send_poll(
        self,
        user_id: int,
        question: str = "Which option?",
        options: tuple[str, ...] = ("Yes", "No"),
        *,
        first_name: str = "Resident",
        language_code: str | None = "en",
        chat_type: str = "private",
        chat_id: int | None = None,
    ) -> JSON:
        """A resident forwards/creates a poll in the chat."""
        poll = {
            "id": f"poll{next(self._file_counter)}",
            "question": question,
            # PTB 22.8 (Bot API 9.6/10.0) requires persistent_id, allows_revoting, members_only.
            "options": [
                {"text": option, "voter_count": 0, "persistent_id": str(index)}
                for index, option in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._resident_message(
            user_id,
            {"poll": poll},
            first_name=first_name,
            language_code=language_code,
            chat_type=chat_type,
            chat_id=chat_id,
        )

    def edit_text(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None
    ) -> JSON:
        """A resident edits an earlier text message (an edited_message update)."""
        chat = chat_id if chat_id is not None else user_id
        stored = self._messages.get(chat, {}).get(message_id)
        if stored is None or stored.data.get("from", {}).get("id") != user_id:
            raise KeyError(f"user {user_id} has no message {message_id} in chat {chat}")
        stored.data["text"] = new_text
        stored.data["edit_date"] = int(time.time())
        entities = _command_entities(new_text)
        if entities:
            stored.data["entities"] = entities
        else:
            stored.data.pop("entities", None)
        return self.enqueue("edited_message", copy.deepcopy(stored.data))

    def move_location(
        self, user_id: int, message_id: int, latitude: float, longitude: float
    ) -> JSON:
        """A live location moves: Telegram sends it as an edit of the location message."""
        stored = self._messages.get(user_id, {}).get(message_id)
        if stored is None or "location" not in stored.data:
            raise KeyError(f"user {user_id} has no location message {message_id}")
        stored.data["location"] = {**stored.data["location"], "latitude": latitude}
        stored.data["location"]["longitude"] = longitude
        stored.data["edit_date"] = int(time.time())
        return self.enqueue("edited_message", copy.deepcopy(stored.data))

    def add_to_group(self, user_id: int, chat_id: int, chat_type: str = "group") -> JSON:
        """Someone adds the bot to a group: a my_chat_member update in that group."""
        user = self._users.get(user_id) or self._user(user_id, "Resident", "en")
        chat = self._chat(user, chat_type, chat_id)
        payload = {
            "chat": chat,
            "from": dict(user),
            "date": int(time.time()),
            "old_chat_member": {"user": dict(self.bot_user), "status": "left"},
            "new_chat_member": {"user": dict(self.bot_user), "status": "member"},
        }
        return self.enqueue("my_chat_member", payload)

    def block(self, user_id: int) -> JSON:
        """The resident blocks the bot: a my_chat_member update, and sends then fail with 403."""
        self._blocked.add(user_id)
        return self._member_update(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> JSON:
        """The resident restarts the bot after blocking it."""
        self._blocked.discard(user_id)
        return self._member_update(user_id, "kicked", "member")

    def _member_update(self, user_id: int, old: str, new: str) -> JSON:
        user = self._users.get(user_id) or self._user(user_id, "Resident", "en")
        chat = self._chats.get(user_id) or self._chat(user, "private", None)
        now = int(time.time())
        payload = {
            "chat": dict(chat),
            "from": dict(user),
            "date": now,
            "old_chat_member": {"user": dict(self.bot_user), "status": old}
            | ({"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"user": dict(self.bot_user), "status": new}
            | ({"until_date": 0} if new == "kicked" else {}),
        }
        return self.enqueue("my_chat_member", payload)

    def add_chat(self, chat_id: int, chat_type: str | None = None) -> None:
        """Make a chat known (relevant with ``strict_chats``)."""
        kind = chat_type or ("private" if chat_id > 0 else "group")
        self._chats.setdefault(chat_id, {"id": chat_id, "type": kind})

    def add_file(
        self,
        content: bytes | None,
        path: str,
        *,
        file_id: str | None = None,
        file_name: str | None = None,
    ) -> _File:
        """Register downloadable content and return its file record."""
        number = next(self._file_counter)
        stem, dot, suffix = path.rpartition(".")
        file_path = f"{stem}_{number}.{suffix}" if dot else f"{path}_{number}"
        stored = _File(
            file_id=file_id or f"FILE{number:06d}",
            file_unique_id=f"U{number:06d}",
            file_path=file_path,
            content=content,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[file_path] = stored
        return stored

    def download(self, file_path: str) -> bytes | None:
        """Content served at ``{base_file_url}{token}/{file_path}`` (None if unknown)."""
        stored = self._files_by_path.get(file_path)
        return stored.content if stored else None

    # ------------------------------------------------------------------ method handlers

    def _get_me(self, params: JSON, files: Files) -> JSON:
        return dict(self.bot_user)

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset", 0), "offset")
        limit = min(max(_as_int(params.get("limit", 100), "limit"), 1), 100)
        timeout = params.get("timeout", 0)
        timeout = float(timeout) if isinstance(timeout, int | float | str) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]
        # Telegram ends an older long poll when a newer one arrives (two bot instances).
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed()
        interrupt = self._interrupt_generation
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            self.updates = [u for u in self.updates if self._is_allowed(u)]
            if self.updates:
                return copy.deepcopy(self.updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or interrupt != self._interrupt_generation:
                return []
            await self._wait_change(remaining)
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    def _is_allowed(self, update: JSON) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed_updates is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def _target_chat(self, params: JSON) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad_request("chat not found")
        if self.strict_chats and chat_id not in self._chats:
            raise _bad_request("chat not found")
        return chat_id

    def _admit_send(self, chat_id: int) -> None:
        """Apply blocking and flood limits to a message about to be sent."""
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        limits = self.limits
        if limits is None:
            return
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        retry = _ApiError(
            429, f"Too Many Requests: retry after {limits.retry_after}", limits.retry_after
        )
        if len(window) >= limits.global_per_second:
            self.stats.global_breaches += 1
            raise retry
        # Rates below one per second become "one per 1/rate seconds".
        if limits.per_chat_per_second >= 1:
            allowed, span = int(limits.per_chat_per_second), 1.0
        else:
            allowed, span = 1, 1.0 / limits.per_chat_per_second
        chat_window = self._chat_windows.setdefault(chat_id, deque())
        while chat_window and chat_window[0] <= now - span:
            chat_window.popleft()
        if len(chat_window) >= allowed:
            self.stats.per_chat_breaches += 1
            raise retry
        group_window: deque[float] | None = None
        if limits.group_per_minute is not None and chat_id < 0:
            group_window = self._group_windows.setdefault(chat_id, deque())
            while group_window and group_window[0] <= now - 60.0:
                group_window.popleft()
            if len(group_window) >= limits.group_per_minute:
                self.stats.group_breaches += 1
                raise retry
            group_window.append(now)
        window.append(now)
        chat_window.append(now)

    def _render(self, text: str, parse_mode: Any, limit: int, what: str) -> str:
        mode = parse_mode if isinstance(parse_mode, str) else None
        try:
            plain = render(text, mode)
        except EntityParseError as error:
            raise _bad_request(f"can't parse entities: {error}") from None
        except ValueError:
            raise _bad_request("unsupported parse_mode") from None
        if _utf16_len(plain) > limit:
            raise _bad_request(f"{what} is too long")
        return plain

    def _markup(
        self, raw: Any
    ) -> tuple[JSON | None, list[list[tuple[str, str | None]]], list[list[str]]]:
        """Validate reply_markup and return it with its inline buttons and reply keyboard."""
        if raw is None or raw == "":
            return None, [], []
        if not isinstance(raw, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        buttons: list[list[tuple[str, str | None]]] = []
        keyboard: list[list[str]] = []
        if "inline_keyboard" in raw:
            rows = raw["inline_keyboard"]
            if not isinstance(rows, list):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
                )
            for row in rows:
                parsed_row: list[tuple[str, str | None]] = []
                for button in row:
                    text = button.get("text")
                    if not text:
                        raise _bad_request("text buttons are unallowed in the inline keyboard")
                    data = button.get("callback_data")
                    if data is not None:
                        size = len(str(data).encode("utf-8"))
                        if size == 0 or size > _MAX_CALLBACK_DATA:
                            raise _bad_request("BUTTON_DATA_INVALID")
                    elif not any(key in button for key in _OTHER_BUTTON_KINDS):
                        raise _bad_request('can\'t find field "callback_data"')
                    parsed_row.append((text, data))
                buttons.append(parsed_row)
        elif "keyboard" in raw:
            for row in raw["keyboard"]:
                keyboard.append(
                    [button["text"] if isinstance(button, dict) else str(button) for button in row]
                )
        return raw, buttons, keyboard

    def _reply_to(self, chat_id: int, params: JSON) -> int | None:
        reply_to = params.get("reply_to_message_id")
        allow_missing = _as_bool(params.get("allow_sending_without_reply", False))
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
            allow_missing = _as_bool(
                reply_parameters.get("allow_sending_without_reply", allow_missing)
            )
        if reply_to is None:
            return None
        message_id = _as_int(reply_to, "reply message identifier")
        if message_id not in self._messages.get(chat_id, {}):
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        return message_id

    def _validate_send(self, chat_id: int, params: JSON) -> None:
        """Reject bad markup or reply targets before the send counts against flood limits."""
        self._markup(params.get("reply_markup"))
        self._reply_to(chat_id, params)

    def _store_sent(
        self,
        method: str,
        chat_id: int,
        params: JSON,
        content: JSON,
        sent: SentMessage,
    ) -> JSON:
        message_id = self._new_message_id(chat_id)
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_for(chat_id),
            "from": dict(self.bot_user),
            **content,
        }
        reply_to = self._reply_to(chat_id, params)
        if reply_to is not None:
            message["reply_to_message"] = copy.deepcopy(self._messages[chat_id][reply_to].data)
            message["reply_to_message"].pop("reply_to_message", None)
        markup, buttons, keyboard = self._markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        sent.message_id = message_id
        sent.chat_id = chat_id
        sent.buttons = buttons
        sent.keyboard = keyboard
        sent.reply_markup = markup
        sent.reply_to_message_id = reply_to
        sent.method = method
        sent.date = message["date"]
        self._messages.setdefault(chat_id, {})[message_id] = _Stored(message, sent)
        self.stats.messages_sent += 1
        return copy.deepcopy(message)

    def _send_message(self, params: JSON, files: Files) -> JSON:
        chat_id = self._target_chat(params)
        raw_text = params.get("text")
        if raw_text is None or str(raw_text).strip() == "":
            raise _bad_request("message text is empty")
        raw_text = str(raw_text)
        parse_mode = params.get("parse_mode")
        text = self._render(raw_text, parse_mode, _MAX_TEXT, "message")
        if not text.strip():
            raise _bad_request("message text is empty")
        self._validate_send(chat_id, params)
        self._admit_send(chat_id)
        sent = SentMessage(
            message_id=0, chat_id=chat_id, text=text, raw_text=raw_text, parse_mode=parse_mode
        )
        return self._store_sent("sendMessage", chat_id, params, {"text": text}, sent)

    def _upload(self, params: JSON, files: Files, field_name: str, default_name: str) -> _File:
        """Resolve an uploaded file, an attach:// reference, a file_id or a URL."""
        value = params.get(field_name)
        upload = files.get(field_name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            name, content = upload[0] or default_name, upload[1]
            stored = self.add_file(content, f"{field_name}s/{name}", file_name=name)
            stored_name = name
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
            stored_name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            stored_name = value.rsplit("/", 1)[-1] or default_name
            stored = self.add_file(None, f"{field_name}s/{stored_name}")
        elif isinstance(value, str) and value:
            # What Telegram answers for a file_id it does not know (or no longer knows).
            raise _bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise _bad_request(f"there is no {field_name} in the request")
        return dataclasses.replace(stored, file_name=stored_name)

    def _caption(self, params: JSON) -> tuple[str | None, str | None]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, None
        raw = str(raw)
        return raw, self._render(raw, params.get("parse_mode"), _MAX_CAPTION, "message caption")

    def _send_document(self, params: JSON, files: Files) -> JSON:
        chat_id = self._target_chat(params)
        raw_caption, caption = self._caption(params)
        self._validate_send(chat_id, params)
        stored = self._upload(params, files, "document", "document")
        self._admit_send(chat_id)
        name = stored.file_name or "document"
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": _mime_type(name),
            "file_size": len(stored.content or b""),
        }
        content: JSON = {"document": document}
        if caption is not None:
            content["caption"] = caption
        sent = SentMessage(
            message_id=0,
            chat_id=chat_id,
            text=None,
            document_name=name,
            document_bytes=stored.content,
            caption=caption,
            raw_text=raw_caption,
            parse_mode=params.get("parse_mode"),
        )
        return self._store_sent("sendDocument", chat_id, params, content, sent)

    def _send_photo(self, params: JSON, files: Files) -> JSON:
        chat_id = self._target_chat(params)
        raw_caption, caption = self._caption(params)
        self._validate_send(chat_id, params)
        stored = self._upload(params, files, "photo", "photo.jpg")
        self._admit_send(chat_id)
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(stored.content or b""),
            }
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        sent = SentMessage(
            message_id=0,
            chat_id=chat_id,
            text=None,
            photo_bytes=stored.content,
            caption=caption,
            raw_text=raw_caption,
            parse_mode=params.get("parse_mode"),
        )
        return self._store_sent("sendPhoto", chat_id, params, content, sent)

    def _send_voice(self, params: JSON, files: Files) -> JSON:
        chat_id = self._target_chat(params)
        raw_caption, caption = self._caption(params)
        self._validate_send(chat_id, params)
        stored = self._upload(params, files, "voice", "voice.ogg")
        self._admit_send(chat_id)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": 1,
            "file_size": len(stored.content or b""),
        }
        content: JSON = {"voice": voice}
        if caption is not None:
            content["caption"] = caption
        sent = SentMessage(
            message_id=0,
            chat_id=chat_id,
            text=None,
            document_name=stored.file_id,
            document_bytes=stored.content,
            caption=caption,
            raw_text=raw_caption,
            parse_mode=params.get("parse_mode"),
        )
        return self._store_sent("sendVoice", chat_id, params, content, sent)

    def _find_editable(self, params: JSON) -> _Stored:
        if params.get("inline_message_id"):
            raise _bad_request("message to edit not found")
        chat_id = self._target_chat(params)
        message_id = _as_int(params.get("message_id"), "message identifier")
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or (stored.sent is not None and stored.sent.deleted):
            raise _bad_request("message to edit not found")
        if stored.sent is None:
            raise _bad_request("message can't be edited")
        return stored

    def _apply_edit(
        self,
        stored: _Stored,
        params: JSON,
        changes: JSON,
    ) -> JSON:
        assert stored.sent is not None
        # Leaving out reply_markup in an edit removes the inline keyboard, as in Telegram.
        markup, buttons, _ = self._markup(params.get("reply_markup"))
        inline = markup if markup is not None and "inline_keyboard" in markup else None
        unchanged = all(stored.data.get(key) == value for key, value in changes.items())
        if unchanged and stored.data.get("reply_markup") == inline:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        stored.data.update(changes)
        if inline is None:
            stored.data.pop("reply_markup", None)
        else:
            stored.data["reply_markup"] = inline
        stored.data["edit_date"] = int(time.time())
        sent = stored.sent
        sent.buttons = buttons
        sent.reply_markup = inline
        sent.edited = True
        sent.edit_count += 1
        return copy.deepcopy(stored.data)

    def _edit_message_text(self, params: JSON, files: Files) -> JSON:
        stored = self._find_editable(params)
        assert stored.sent is not None
        if "text" not in stored.data:
            raise _bad_request("there is no text in the message to edit")
        raw_text = params.get("text")
        if raw_text is None or str(raw_text).strip() == "":
            raise _bad_request("message text is empty")
        raw_text = str(raw_text)
        text = self._render(raw_text, params.get("parse_mode"), _MAX_TEXT, "message")
        data = self._apply_edit(stored, params, {"text": text})
        stored.sent.text = text
        stored.sent.raw_text = raw_text
        stored.sent.parse_mode = params.get("parse_mode")
        return data

    def _edit_message_caption(self, params: JSON, files: Files) -> JSON:
        stored = self._find_editable(params)
        assert stored.sent is not None
        if "text" in stored.data:
            raise _bad_request("there is no caption in the message to edit")
        raw_caption, caption = self._caption(params)
        before = stored.data.get("caption")
        data = self._apply_edit(stored, params, {"caption": caption})
        if caption is None:
            stored.data.pop("caption", None)
            data.pop("caption", None)
        elif before is None:
            data["caption"] = caption
        stored.sent.caption = caption
        stored.sent.raw_text = raw_caption
        return data

    def _edit_message_reply_markup(self, params: JSON, files: Files) -> JSON:
        stored = self._find_editable(params)
        return self._apply_edit(stored, params, {})

    def _delete_message(self, params: JSON, files: Files) -> bool:
        chat_id = self._target_chat(params)
        message_id = _as_int(params.get("message_id"), "message identifier")
        self._delete_one(chat_id, message_id, strict=True)
        return True

    def _delete_messages(self, params: JSON, files: Files) -> bool:
        chat_id = self._target_chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad_request("message identifiers are not specified")
        for message_id in ids:
            self._delete_one(chat_id, _as_int(message_id, "message identifier"), strict=False)
        return True

    def _delete_one(self, chat_id: int, message_id: int, *, strict: bool) -> None:
        chats = self._messages.get(chat_id, {})
        stored = chats.get(message_id)
        if stored is None or (stored.sent is not None and stored.sent.deleted):
            if strict:
                raise _bad_request("message to delete not found")
            return
        if stored.sent is not None:
            stored.sent.deleted = True
        else:
            del chats[message_id]

    def _answer_callback_query(self, params: JSON, files: Files) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        del self._open_callbacks[query_id]
        text = params.get("text")
        self.callback_answer_records.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=str(text) if text is not None else None,
                show_alert=_as_bool(params.get("show_alert", False)),
                url=params.get("url"),
            )
        )
        return True

    def _send_chat_action(self, params: JSON, files: Files) -> bool:
        chat_id = self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return True

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _set_my_commands(self, params: JSON, files: Files) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not name or len(name) > 32 or not name.replace("_", "").isalnum():
                raise _bad_request("BOT_COMMAND_INVALID")
            if name.lower() != name:
                raise _bad_request("BOT_COMMAND_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JSON, files: Files) -> list[JSON]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSON, files: Files) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _delete_webhook(self, params: JSON, files: Files) -> bool:
        self.webhook_url = ""
        if _as_bool(params.get("drop_pending_updates", False)):
            self.updates.clear()
        return True

    def _set_webhook(self, params: JSON, files: Files) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        if _as_bool(params.get("drop_pending_updates", False)):
            self.updates.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: Files) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _get_file(self, params: JSON, files: Files) -> JSON:
        file_id = params.get("file_id")
        stored = self._files.get(str(file_id))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content or b""),
            "file_path": stored.file_path,
        }


_OTHER_BUTTON_KINDS = (
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
    "web_app",
)

_MIME_TYPES = {
    "csv": "text/csv",
    "txt": "text/plain",
    "json": "application/json",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def _mime_type(name: str) -> str:
    return _MIME_TYPES.get(name.rpartition(".")[2].lower(), "application/octet-stream")


def _command_entities(text: str) -> list[JSON]:
    if not text.startswith("/") or len(text) < 2:
        return []
    end = 1
    while end < len(text) and not text[end].isspace():
        end += 1
    command = text[:end]
    name = command[1:].split("@", 1)[0]
    if not name or not all(char.isalnum() or char == "_" for char in name):
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
