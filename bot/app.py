"""Wiring: build the database, flows, catalogs, host and staff desk from settings, and run
the scheduled work for whichever channels this process serves."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.console.outbound import ConsoleOutbound
from bot.flows.model import NodeKind
from bot.flows.registry import default_flows_dir
from bot.host.checks import load_library
from bot.host.deeplinks import new_referral_code
from bot.host.hooks import registry as default_registry
from bot.host.host import Host
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.i18n.catalogs import Catalogs
from bot.jobs.artwork import MatplotlibArtwork
from bot.jobs.compose import BroadcastComposer, Charts
from bot.jobs.outbound import Outbound
from bot.jobs.pacing import Pacer, QuietHours
from bot.jobs.scheduler import Jobs, JobSettings
from bot.jobs.sender import BroadcastSender, ProgressHook
from bot.memory import release_free_memory
from bot.staff.actor import Actor, Role
from bot.staff.desk import StaffDesk
from bot.staff.hearing import Hearing
from bot.staff.report.common import Options
from bot.staff.staffing import StaffRoster
from bot.store.db import Database
from bot.store.report import EQUALITY_KEYS, Scope

if TYPE_CHECKING:
    from bot.web.voice import VoiceFiles

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Core:
    """Everything a channel needs, built once at start."""

    settings: Settings
    db: Database
    flows: FlowLibrary
    catalogs: Catalogs
    registry: Registry
    host: Host
    desk: StaffDesk
    clock: Clock
    roster: StaffRoster

    def report_options(self, actor: Actor, scope: Scope) -> Options:
        """What a QS148 report made now by `actor` for `scope` needs to know."""
        return Options(
            scope=scope,
            threshold=self.settings.suppress_below,
            organisation=self.settings.organisation.name_in(self.catalogs.get("en")),
            made_at=self.clock().isoformat(),
            made_by=actor.name,
            labels=equality_labels(self.flows),
        )

    def hearing(self) -> Hearing:
        """What staff read of residents' words, with each question's text for context."""
        questions = {
            (flow.id, node.id): node.text
            for flow in self.flows
            for node in flow.nodes.values()
            if node.text
        }
        typed = tuple(
            (flow.id, node.id)
            for flow in self.flows
            for node in flow.nodes.values()
            if node.kind is NodeKind.TEXT
        )
        return Hearing(self.desk, typed, questions, self.settings.suppress_below)

    @property
    def data_dir(self) -> Path:
        """The folder the database is in; charts for simulator residents go there too."""
        return self.settings.database.parent

    @property
    def quiet(self) -> QuietHours | None:
        """When nobody is sent broadcasts (None: any time)."""
        return QuietHours.parse(self.settings.quiet_hours, self.settings.timezone)


def equality_labels(flows: FlowLibrary) -> dict[str, dict[str, str]]:
    """The onboarding questions' answers (id -> English label) by the key they are saved
    under, so reports name groups as residents saw them."""
    found: dict[str, dict[str, str]] = {}
    if "onboarding" not in flows:
        return found
    for node in flows.get("onboarding").nodes.values():
        if node.save_as in EQUALITY_KEYS:
            found[node.save_as] = {o.id: o.label for o in node.options}
    return found


def flow_paths(settings: Settings) -> list[Path]:
    """The flow folders to load."""
    return list(settings.flows_dirs) or [default_flows_dir()]


@asynccontextmanager
async def open_core(
    settings: Settings,
    *,
    clock: Clock = _utc_now,
    new_code: Callable[[], str] = new_referral_code,
) -> AsyncIterator[Core]:
    """Check the flows, open the database, load catalogs; closes the database on exit.
    InvalidFlows (listing every problem) when a flow has one."""
    registry = default_registry(new_code)
    flows = load_library(flow_paths(settings), registry)
    catalogs = Catalogs(settings.locales_dir, settings.default_locale)
    db = await Database.open(settings.database)
    try:
        await db.write(flows.remember, clock().isoformat())
        host = Host(
            db,
            flows,
            catalogs,
            registry,
            clock=clock,
            default_locale=settings.default_locale,
            organisation=settings.organisation,
            retention=settings.retention,
            artwork=MatplotlibArtwork(catalogs),
        )
        if settings.bot_username:
            host.bot_username = settings.bot_username
        desk = StaffDesk(db, clock, languages=catalogs.available())
        roster = StaffRoster(desk, settings.invite_hours)
        await roster.seed_admins(settings.staff_telegram_ids)
        yield Core(settings, db, flows, catalogs, registry, host, desk, clock, roster)
    finally:
        await db.close()


def make_pacer(core: Core) -> Pacer:
    """The bot's one pacer: every message it sends, broadcast or reply, counts in its rate."""
    settings = core.settings
    return Pacer(
        settings.broadcast_rate,
        per_chat=settings.chat_spacing,
        quiet=core.quiet,
        wall=core.clock,
        just_started=True,
    )


class Services:
    """The scheduled work (sweeps, exact-time jobs, broadcast senders) of one running bot,
    sending through the channels it can reach: the simulator's inbox always, Telegram when
    the process has a token."""

    def __init__(
        self,
        core: Core,
        outbounds: Mapping[str, Outbound],
        *,
        on_progress: ProgressHook | None = None,
        pacer: Pacer | None = None,
        charts: Charts | None = None,
    ) -> None:
        settings = core.settings
        self.core = core
        self.outbounds: dict[str, Outbound] = {
            "console": ConsoleOutbound(core.db, core.data_dir / "charts", core.clock),
            **outbounds,
        }
        self.on_progress = on_progress
        self.pacer = pacer or make_pacer(core)
        self.composer = BroadcastComposer(
            core.db, core.catalogs, charts, bot_username=lambda: core.host.bot_username
        )
        self.jobs = Jobs(
            core.db,
            self.sender,
            settings=JobSettings(
                reminder_after=settings.reminder_after,
                sweep_seconds=settings.sweep_seconds,
                delivery_retention=settings.delivery_retention,
                retention=settings.retention,
            ),
            clock=core.clock,
        )
        self.jobs.after_broadcasts.append(self._after_broadcasts)

    async def _after_broadcasts(self) -> None:
        self.composer.forget()
        await self.core.db.shrink_caches()  # first: what it frees, the trim hands back
        await asyncio.to_thread(release_free_memory)

    def sender(self) -> BroadcastSender:
        """A sender sharing the bot's pacer (so all broadcasts together keep the rate)."""
        return BroadcastSender(
            self.core.db,
            self.composer,
            self.outbounds,
            self.pacer,
            clock=self.core.clock,
            on_progress=self.on_progress,
        )

    async def start(self) -> None:
        """Catch up on everything that came due while stopped, then keep sweeping."""
        await self.jobs.start()

    async def stop(self) -> None:
        """Stop the sweeps and the senders (deliveries in flight stay recorded)."""
        await self.jobs.stop()
        self.composer.close()


@asynccontextmanager
async def dashboard(
    core: Core,
    services: Services,
    voice: VoiceFiles | None = None,
    tell_champion: Callable[[int], Awaitable[bool]] | None = None,
) -> AsyncIterator[str | None]:
    """The staff dashboard on WEB_LISTEN:WEB_PORT while the bot runs, in its process; yields
    the address staff open (None: WEB_PORT is 0, or the port could not be had)."""
    settings = core.settings
    if not settings.web_port:
        yield None
        return
    from bot.web.server import Dashboard, WebServer  # aiohttp's server and Jinja2: only here

    server = WebServer(Dashboard(core, services.jobs, voice, tell_champion))
    try:
        await server.start(settings.web_listen, settings.web_port)
    except OSError as exc:
        print(
            f"The staff dashboard could not listen on {settings.web_listen}:"
            f"{settings.web_port} ({exc.strerror or exc}). Set WEB_PORT to a free port, or 0."
        )
        yield None
        return
    try:
        yield settings.web_public_url
    finally:
        await server.stop()


async def announce_dashboard(core: Core, address: str, *, with_link: bool = True) -> None:
    """Print the dashboard's address and, `with_link`, a one-time sign-in link for whoever
    started the bot (they are at the server, so an admin already)."""
    from bot.staff.dashboard import LINK_MINUTES, DashboardDoor

    print(f"Staff dashboard: {address}")
    if with_link:
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = "operator"
        who = Actor(f"cli:{operator}", Role.ADMIN, "cli")
        link = await DashboardDoor(core.desk).link_for_operator(who, operator)
        print(f"Sign in (the link works once, for {LINK_MINUTES} minutes): {link.url(address)}")
    print("A sign-in link: community-voice dashboard-link --as NAME, or /dashboard in Telegram.")
