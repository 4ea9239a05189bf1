"""Wiring: build the store, flows, catalogs and conversation from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Settings
from bot.conversation import Conversation
from bot.engagement.hooks import Hooks
from bot.flows.registry import FlowRegistry, default_flows_dir
from bot.i18n.catalogs import Catalogs
from bot.store.engagement import Engagement
from bot.store.repository import Store


@dataclass(frozen=True, slots=True)
class Core:
    """Everything a channel needs, built once at start."""

    settings: Settings
    store: Store
    flows: FlowRegistry
    catalogs: Catalogs
    conversation: Conversation


def load_flows(settings: Settings) -> FlowRegistry:
    """Load and validate every flow; raises InvalidFlows listing each problem."""
    return FlowRegistry.load(list(settings.flows_dirs) or [default_flows_dir()])


@asynccontextmanager
async def open_core(settings: Settings) -> AsyncIterator[Core]:
    """Open the database and load flows and catalogs; closes the store on exit."""
    flows = load_flows(settings)
    catalogs = Catalogs(settings.locales_dir)
    store = await Store.open(settings.database)
    try:
        conversation = Conversation(
            store,
            flows,
            catalogs,
            default_locale=settings.default_locale,
            organisation=settings.organisation,
            hooks=Hooks(Engagement(store)),
        )
        yield Core(settings, store, flows, catalogs, conversation)
    finally:
        await store.close()
