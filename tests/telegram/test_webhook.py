"""Webhook mode: Telegram's secret token is checked on every update."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.telegram.runner import serve
from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _listening(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("the webhook server never started listening")


def _update(update_id: int, text: str) -> dict[str, object]:
    user = {"id": 4242, "is_bot": False, "first_name": "Resident", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 4242, "type": "private"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_webhook_updates_need_the_secret(tmp_path: Path) -> None:
    api = FakeBotAPI()
    port = _free_port()
    async with DoubleServer(api) as server:
        settings = Settings.from_env(
            {
                "BOT_TOKEN": TEST_TOKEN,
                "DATABASE_PATH": str(tmp_path / "hook.sqlite3"),
                "TELEGRAM_API_BASE_URL": server.base_url,
                "WEBHOOK_URL": "https://bot.example.org/telegram",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
                "WEBHOOK_SECRET": "s3cret-token",
                "WEB_PORT": str(web_port := _free_port()),
            },
            dotenv=False,
        )
        stop = asyncio.Event()
        running = asyncio.create_task(serve(settings, stop))
        try:
            [hook] = await api.wait_calls("setWebhook", 1, timeout=10)
            assert hook.params["url"] == "https://bot.example.org/telegram"
            assert hook.params["secret_token"] == "s3cret-token"
            url = f"http://127.0.0.1:{port}/telegram"
            await _listening(port)
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json=_update(1, "/help")) as forged:
                    assert forged.status == 403
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
                async with http.post(url, json=_update(2, "/help"), headers=headers) as real:
                    assert real.status == 200
            [reply] = await api.wait_sent(4242, 1, timeout=10)
            assert "/mydata" in (reply.text or "")
            assert len(api.sent(4242)) == 1  # the forged update did nothing
            # The staff dashboard runs in the same process, asking for a sign-in.
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{web_port}/rounds") as page:
                    assert page.status == 401
                    assert "Sign in to the staff dashboard" in await page.text()
        finally:
            stop.set()
            await asyncio.wait_for(running, 15)
