"""The sender's requests in flight: enough for the rate, never more than the transport's
connections (a request waiting for a connection would make its trip look longer than the
network's, and the pacer counts on the trips)."""

from __future__ import annotations

import inspect

from bot.jobs.gate import FLOOR, Gate
from bot.telegram.http import AiohttpRequest


async def test_requests_in_flight_follow_the_latency() -> None:
    gate = Gate(1000)
    for _ in range(50):
        gate.observe(0.1)
    assert gate.limit >= 1000 * 0.1  # enough to reach the rate at 100 ms
    quiet = Gate(30)
    assert FLOOR <= quiet.limit <= 16  # a handful at 30 a second


async def test_never_more_in_flight_than_the_transport_has_connections() -> None:
    connections = inspect.signature(AiohttpRequest).parameters["connection_limit"].default
    gate = Gate(1000)
    for _ in range(50):
        gate.observe(2.0)  # a slow Telegram
    assert gate.limit < connections, (gate.limit, connections)
    assert gate.peak < connections
