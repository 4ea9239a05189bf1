"""The Bot API transport's CPU a message: aiohttp's client against keepalive.py's connections.

    .venv/bin/python bench/transport.py [--requests 20000] [--concurrency 200] [--runs 3]

This process runs the offline Bot API double over HTTP on 127.0.0.1. Each run is a client
process of its own that sends --requests sendMessage calls, --concurrency at a time, the way a
broadcast does (bot/telegram/rawcall.py through PTB's request object, bot/telegram/http.py's
AiohttpRequest), and reports the CPU it used (every thread) a request. The two transports
alternate (aiohttp, keepalive, aiohttp, ...) --runs times each: the same calls, the same
texts, the same double, the same number of connections; only how a JSON call goes over HTTP
differs. Figures: CPU µs a request, requests/s (bounded by the double, which shares the
machine), and the ratio keepalive / aiohttp per pair. No target: the broadcast benchmark's
are what count; this says where their CPU went.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tgdouble import TEST_TOKEN, DoubleServer, FakeBotAPI  # noqa: E402

TEXT = (
    "Here is what people chose: green spaces 41, buses to the clinic 37, "
    "youth club 22. Your choices are marked with a star."
)
TRANSPORTS = ("aiohttp", "keepalive")


async def _client(base_url: str, transport: str, requests: int, concurrency: int) -> None:
    from telegram import Bot

    from bot.telegram import rawcall
    from bot.telegram.http import AiohttpRequest

    request = AiohttpRequest(json_over_keepalive=transport == "keepalive")  # as the setting does
    bot = Bot(TEST_TOKEN, base_url=base_url, request=request, get_updates_request=request)
    await bot.initialize()
    for chat in range(1, 201):  # warm: connections open, code paths taken
        await rawcall.send_message(bot, chat, TEXT)
    left = iter(range(requests))

    async def worker() -> None:
        for n in left:
            await rawcall.send_message(bot, 1 + n % 10_000, TEXT)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await bot.shutdown()
    print(f"{cpu / requests * 1e6:.1f} {requests / wall:.1f}")


async def _run(args: argparse.Namespace) -> int:
    api = FakeBotAPI()
    for chat in range(1, 10_001):
        api.add_chat(chat)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in TRANSPORTS}
    async with DoubleServer(api) as server:
        for _ in range(args.runs):
            for name in TRANSPORTS:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--client",
                    server.base_url,
                    "--transport",
                    name,
                    "--requests",
                    str(args.requests),
                    "--concurrency",
                    str(args.concurrency),
                    cwd=ROOT,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                out, err = await process.communicate()
                if process.returncode != 0:
                    print(f"the {name} client failed:\n{err.decode()}", file=sys.stderr)
                    return 1
                cpu_us, rate = (float(x) for x in out.split())
                results[name].append((cpu_us, rate))
    await api.aclose()
    print(
        f"Bot API transport: {args.requests} sendMessage calls a run, {args.concurrency} at a "
        f"time, {args.runs} alternated runs each (Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)"
    )
    print(f"{'transport':<12}{'CPU µs a request':>40}{'requests/s':>30}")
    for name in TRANSPORTS:
        cpus = ", ".join(f"{c:.0f}" for c, _ in results[name])
        rates = ", ".join(f"{r:.0f}" for _, r in results[name])
        print(f"{name:<12}{cpus:>40}{rates:>30}")
    ratios = [k[0] / a[0] for a, k in zip(results["aiohttp"], results["keepalive"], strict=True)]
    print(
        "keepalive / aiohttp CPU a request, by pair: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f" (median {statistics.median(ratios):.2f})"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--transport", choices=TRANSPORTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.requests < 1 or args.concurrency < 1 or args.runs < 1:
        parser.error("--requests, --concurrency and --runs must be at least 1")
    if args.client:
        asyncio.run(_client(args.client, args.transport, args.requests, args.concurrency))
        return 0
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
