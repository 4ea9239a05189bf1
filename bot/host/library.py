"""The flows in use, and the older versions of them that sessions started on.

A session finishes on the version of its flow it started on: every version's source is kept
in the database (by the hash of its file) while a session uses it, and read back when needed.
Only when that version cannot be had (it was never kept, or no longer passes the checks) does a
session move to the current version, which the engine explains to the resident at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.flows.loader import content_hash, load_flow_bytes
from bot.flows.model import Flow
from bot.flows.needs import Provided, needs_problems
from bot.flows.validator import validate_flow
from bot.store import flowversions
from bot.store.db import Tx

log = logging.getLogger(__name__)


class FlowLibrary:
    """Current flows by id, plus old versions by hash (loaded on demand, then kept)."""

    def __init__(self, flows: Mapping[str, Flow], provided: Provided) -> None:
        self._flows = dict(flows)
        self._provided = provided
        self._old: dict[str, Flow | None] = {}
        self._lock = threading.Lock()

    def current(self, flow_id: str) -> Flow | None:
        """The flow with this id as it is now, if there is one."""
        return self._flows.get(flow_id)

    def get(self, flow_id: str) -> Flow:
        """The current flow with this id (KeyError if there is none)."""
        return self._flows[flow_id]

    def ids(self) -> tuple[str, ...]:
        """Every flow id."""
        return tuple(self._flows)

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self._flows

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows.values())

    def __len__(self) -> int:
        return len(self._flows)

    def for_session(self, conn: Tx, flow_id: str, content_hash: str) -> Flow | None:
        """The version a session is on: the current one, or the kept older one; None when the
        flow is gone altogether."""
        current = self._flows.get(flow_id)
        if current is None:
            return None
        if current.content_hash == content_hash:
            return current
        with self._lock:
            if content_hash not in self._old:
                self._old[content_hash] = self._load_old(conn, flow_id, content_hash)
            old = self._old[content_hash]
        return old or current

    def _load_old(self, conn: Tx, flow_id: str, content_hash: str) -> Flow | None:
        kept = flowversions.source(conn, content_hash)
        if kept is None:
            return None
        file, source = kept
        flow, problems = load_flow_bytes(source.encode("utf-8"), f"{file} (earlier version)")
        if flow is not None and flow.id == flow_id and flow.content_hash == content_hash:
            problems += validate_flow(flow, set(self._flows))
            problems += needs_problems([flow], self._provided)
            if not problems:
                return flow
        log.warning(
            "flow %s: the earlier version %s cannot be used any more; its sessions move to the "
            "current version",
            flow_id,
            content_hash,
        )
        return None

    def remember(self, conn: Tx, now: str) -> None:
        """Keep the source of every current flow, and forget versions nobody uses."""
        for flow in self._flows.values():
            try:
                raw = Path(flow.source.file).read_bytes()
                source = raw.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if content_hash(raw) != flow.content_hash:
                continue  # changed on disk since it was loaded: the next start keeps it
            flowversions.remember(conn, flow.content_hash, flow.id, flow.source.file, source, now)
        flowversions.prune(conn, (flow.content_hash for flow in self._flows.values()))
