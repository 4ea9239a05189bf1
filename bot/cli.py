"""The `community-voice` command: run, chat, validate, graph, and the staff commands."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from bot import admin_cli, logs
from bot.app import Services, announce_dashboard, dashboard, flow_paths, open_core
from bot.config import ConfigError, Settings
from bot.flows.graph import to_mermaid
from bot.flows.registry import InvalidFlows
from bot.host.checks import check_all, load_library
from bot.host.deeplinks import FLOW_PREFIX, new_referral_code
from bot.host.hooks import registry
from bot.host.steps import Who
from bot.store.db import CannotOpen

log = logging.getLogger("community_voice")
STAFF_COMMANDS = ("admin", "seed-demo", "broadcast", "report", "export", "dashboard-link")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # `community-voice admin answers | head`: the reader stopped; say nothing more (as
        # Python's documentation advises, so its exit does not print a second error).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    # In the terminal, log lines would break up the conversation: warnings only.
    simulator = args.command in (None, "run") and not settings.bot_token
    quiet = simulator or args.command in STAFF_COMMANDS or args.command == "chat"
    logs.configure("WARNING" if quiet else settings.log_level, settings.bot_token)
    command = args.command or "run"
    try:
        if command == "validate":
            return _validate(args.paths or flow_paths(settings))
        if command == "graph":
            return _graph(settings, args.flow_id)
        if command in STAFF_COMMANDS:
            return admin_cli.run(settings, args)
        if command == "chat":
            return asyncio.run(_chat(settings, args.flow, args.lang, args.user, args.start))
        return _run(settings)
    except CannotOpen as exc:
        print(f"Configuration problem: DATABASE_PATH: {exc}", file=sys.stderr)
        return 2
    except InvalidFlows as exc:
        print("The bot cannot start because some flows have problems:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if command == "chat" or simulator:
            # Ctrl-C is how many people leave a terminal program: nothing is lost, say so.
            print("\nStopped. Run it again to carry on where you left off.")
            return 0
        return 130


def parser() -> argparse.ArgumentParser:
    """The command line's arguments (tests replay staff commands through it)."""
    return _parser()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="community-voice",
        description="Community Voice: a Telegram bot for community engagement (NICE QS148).",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the terminal simulator when BOT_TOKEN is unset)")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--flow", help="start this flow straight away (after onboarding)")
    chat.add_argument("--lang", help="your language code, as a phone would report it (e.g. pl)")
    chat.add_argument("--user", help="who you are, so separate residents can be tried")
    chat.add_argument(
        "--start",
        metavar="PAYLOAD",
        help="open the chat as a deep link would: a champion's code (c-...) or flow-<id>",
    )
    validate = sub.add_parser("validate", help="check flow files and list every problem")
    validate.add_argument("paths", nargs="*", type=Path, help="flow files or folders")
    graph = sub.add_parser("graph", help="print a Mermaid flowchart of a flow")
    graph.add_argument("flow_id")
    admin_cli.add_parsers(sub)
    return parser


def _validate(paths: Sequence[Path]) -> int:
    # Every pass the bot runs at start-up: shape, graph, and the names the bot provides.
    flows, problems = check_all(list(paths), registry(new_referral_code))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"{len(flows)} flow(s) OK: {', '.join(sorted(flows))}")
    return 0


def _graph(settings: Settings, flow_id: str) -> int:
    flows = load_library(flow_paths(settings), registry(new_referral_code))
    if flow_id not in flows:
        return _no_such_flow(flow_id, flows.ids())
    print(to_mermaid(flows.get(flow_id)))
    return 0


def _no_such_flow(flow_id: str, ids: Iterable[str]) -> int:
    print(f"No flow called {flow_id!r}. Flows: {', '.join(sorted(ids))}", file=sys.stderr)
    return 1


def _run(settings: Settings) -> int:
    if not settings.bot_token:
        print(
            "No BOT_TOKEN is set, so this is the terminal simulator. "
            "Set BOT_TOKEN in .env to run the Telegram bot."
        )
        return asyncio.run(_chat(settings, None, None, None, None, with_dashboard=True))
    from bot.telegram.runner import run_telegram

    return run_telegram(settings)


async def _chat(
    settings: Settings,
    flow: str | None,
    lang: str | None,
    user: str | None,
    start: str | None,
    *,
    with_dashboard: bool = False,
) -> int:
    from bot.console.simulator import HELP, Simulator, run

    name = user or _default_user()
    async with open_core(settings) as core:
        # A mistyped flow, by --flow or by a --start flow-<id> deep link, is refused before
        # anything is said: the bot itself would quietly start onboarding or pick up instead.
        wanted = [flow] if flow is not None else []
        if start is not None and start.startswith(FLOW_PREFIX):
            wanted.append(start.removeprefix(FLOW_PREFIX))
        for flow_id in wanted:
            if flow_id not in core.flows:
                return _no_such_flow(flow_id, core.flows.ids())
        who = Who("console", name, name, lang)
        interactive = sys.stdin.isatty()
        # The same scheduled work as the Telegram bot: rounds close, news goes out (to the
        # simulator's inbox, shown here), reminders and check-ins are sent.
        services = Services(core, {})
        await services.start()
        try:
            async with dashboard(core, services) if with_dashboard else _no_dashboard() as web:
                if web:
                    await announce_dashboard(core, web)
                if interactive:
                    print(HELP)
                simulator = Simulator(core.host, who, echo_input=not interactive)
                await run(simulator, sys.stdin, flow, start)
        finally:
            await services.stop()
    return 0


@asynccontextmanager
async def _no_dashboard() -> AsyncIterator[None]:
    yield None


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "resident"


if __name__ == "__main__":
    raise SystemExit(main())
