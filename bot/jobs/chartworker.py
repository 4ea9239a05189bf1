"""Results charts drawn in a worker process.

matplotlib is most of a Python process's memory once loaded, and drawing holds the
interpreter for tenths of a second. Drawn in a separate process, neither touches the bot: its
memory stays where it was, residents' replies are never held up, and the worker goes away
when it has been idle a while. A round has one chart per language, so this is a handful of
drawings however many residents took part.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Literal

from bot.jobs.results import ChartSpec

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0


def draw(spec: ChartSpec, fmt: Literal["png", "svg"] = "png", small: str = "<5") -> bytes:
    """The chart as a PNG (runs in the worker process), or as SVG for a page; a suppressed
    count is written as `small` (the dashboard's follows SUPPRESS_BELOW, e.g. "<10")."""
    from bot.jobs.charts import Bar, render_results_chart

    bars = [
        Bar(label, max(count, 0), False, shown=small if count < 0 else None)
        for label, count in zip(spec.labels, spec.counts, strict=True)
    ]
    image = render_results_chart(
        bars,
        title=spec.title,
        locale=spec.locale,
        highlight_note=spec.note,
        as_share=False,
        fmt=fmt,
    )
    return image.png


class ChartWorker:
    """Draws charts in a process of its own, started when needed and stopped when idle."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._busy = 0
        self._idle: asyncio.TimerHandle | None = None

    async def draw(self, spec: ChartSpec) -> bytes:
        """Draw one chart."""
        loop = asyncio.get_running_loop()
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._pool is None:
            # "spawn": a fresh interpreter, not a copy of the bot's memory.
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._busy += 1
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, draw, spec)
        except BrokenProcessPool:
            # The worker process died (killed, out of memory): a broken pool fails every
            # drawing at once, so the next one starts a new process.
            if self._pool is pool:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            raise
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle = loop.call_later(self.idle_seconds, self.close)

    def close(self) -> None:
        """Stop the worker process (the next chart starts a new one)."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class InlineCharts:
    """Draws in this process: for tests, where a worker process would only add seconds."""

    async def draw(self, spec: ChartSpec) -> bytes:
        """Draw one chart, here."""
        return draw(spec)

    def close(self) -> None:
        """Nothing to stop."""
