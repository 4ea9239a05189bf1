"""`community-voice admin ...` and `seed-demo`: staff work from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

from bot.app import open_core
from bot.config import Settings
from bot.engagement.staff import Staff, StaffError, texts
from bot.store.engagement import Engagement

LISTINGS = ("rounds", "initiatives", "measures", "champions", "assets")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The admin and seed-demo subcommands."""
    sub.add_parser("seed-demo", help="load a demo round, initiatives and measures")
    admin = sub.add_parser("admin", help="staff: run rounds, initiatives, champions, assets")
    actions = admin.add_subparsers(dest="action", required=True)
    for name in LISTINGS:
        actions.add_parser(name, help=f"list {name}")

    def tr(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--tr",
            action="append",
            default=[],
            metavar="LANG=TEXT",
            help="the same text in another language, e.g. --tr 'cy=Helo' (repeatable)",
        )

    p = actions.add_parser("round-open", help="open a priority-setting round")
    p.add_argument("--closes", required=True, help="closing date, e.g. 2026-12-31")
    p.add_argument("--question", help="the question (default: the standard question)")
    p.add_argument("--area", help="only for residents in this area")
    p.add_argument("--topic", action="append", default=[], help="a topic (default: the list)")
    tr(p)
    p = actions.add_parser("round-close", help="close a round now")
    p.add_argument("round", type=int)
    p = actions.add_parser("results", help="a round's ranked topics")
    p.add_argument("round", type=int)
    p = actions.add_parser("topic-add", help="add a topic to an open round")
    p.add_argument("round", type=int)
    p.add_argument("label")
    tr(p)
    p = actions.add_parser("initiative-add", help="record an initiative")
    p.add_argument("title")
    p.add_argument("--topics", required=True, help="topic ids it answers, e.g. 3,5")
    p.add_argument("--description")
    p.add_argument("--starts", help="start date, e.g. 2027-01-10")
    p.add_argument("--status", default="planned")
    p.add_argument("--check-in-days", type=int, default=30)
    tr(p)
    p = actions.add_parser("initiative-update", help="new status and/or what was done")
    p.add_argument("initiative", type=int)
    p.add_argument("--status")
    p.add_argument("--note", help="what was done, in plain words")
    tr(p)
    p = actions.add_parser("measure-add", help="add a measure to an evaluation plan")
    p.add_argument("initiative", type=int)
    p.add_argument("text")
    p.add_argument("--proposed", action="store_true", help="let residents vote on it first")
    tr(p)
    for name, help_text in (
        ("measure-adopt", "adopt a measure into the evaluation plan"),
        ("measure-reject", "reject a proposed measure"),
        ("champion-approve", "approve a champion (they get their link)"),
        ("asset-verify", "mark an asset verified"),
        ("asset-hide", "hide an asset"),
    ):
        p = actions.add_parser(name, help=help_text)
        p.add_argument("id", type=int)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out one admin command; print the result or a clear error."""
    import asyncio

    try:
        print(asyncio.run(_run(settings, args)))
    except StaffError as exc:
        print(f"Not done: {exc}")
        return 1
    return 0


async def _run(settings: Settings, args: argparse.Namespace) -> str:
    async with open_core(settings) as core:
        staff = Staff(Engagement(core.store), lambda: datetime.now(UTC))
        if args.command == "seed-demo":
            return await staff.seed_demo()
        action: Callable[[], Awaitable[str]] = _actions(staff, args)[args.action]
        return await action()


def _actions(staff: Staff, a: argparse.Namespace) -> dict[str, Callable[[], Awaitable[str]]]:
    def ids(text: str) -> list[int]:
        try:
            return [int(x) for x in text.replace(" ", "").split(",") if x]
        except ValueError:
            raise StaffError(f"Topic ids are numbers separated by commas, not {text!r}.") from None

    async def round_open() -> str:
        question = texts(a.question, a.tr) if a.question else None
        topics = [texts(t) for t in a.topic] or None
        new = await staff.open_round(a.closes, question, topics, a.area)
        return f"Opened round {new}.\n" + await staff.results(new)

    async def round_close() -> str:
        await staff.close_round(a.round)
        return f"Closed round {a.round}.\n" + await staff.results(a.round)

    async def topic_add() -> str:
        return f"Added topic {await staff.add_topic(a.round, texts(a.label, a.tr))}."

    async def initiative_add() -> str:
        new = await staff.create_initiative(
            texts(a.title, a.tr),
            ids(a.topics),
            description=texts(a.description) if a.description else None,
            starts_on=a.starts,
            status=a.status,
            check_in_days=a.check_in_days,
        )
        return f"Recorded initiative {new}."

    async def initiative_update() -> str:
        note = texts(a.note, a.tr) if a.note else None
        await staff.update_initiative(a.initiative, a.status, note)
        return f"Updated initiative {a.initiative}."

    async def measure_add() -> str:
        new = await staff.add_measure(a.initiative, texts(a.text, a.tr), adopt=not a.proposed)
        return f"Added measure {new} ({'proposed' if a.proposed else 'adopted'})."

    async def simple(coro: Awaitable[object], said: str) -> str:
        await coro
        return said

    actions: dict[str, Callable[[], Awaitable[str]]] = {
        name: partial(staff.listing, name) for name in LISTINGS
    }
    actions.update(
        {
            "round-open": round_open,
            "round-close": round_close,
            "results": lambda: staff.results(a.round),
            "topic-add": topic_add,
            "initiative-add": initiative_add,
            "initiative-update": initiative_update,
            "measure-add": measure_add,
            "measure-adopt": lambda: simple(
                staff.set_measure(a.id, "adopted"), f"Adopted measure {a.id}."
            ),
            "measure-reject": lambda: simple(
                staff.set_measure(a.id, "rejected"), f"Rejected measure {a.id}."
            ),
            "champion-approve": lambda: simple(
                staff.set_champion(a.id, "active"),
                f"Approved champion {a.id}. Their link is in the champions menu.",
            ),
            "asset-verify": lambda: simple(
                staff.set_asset(a.id, "verified"), f"Asset {a.id} verified."
            ),
            "asset-hide": lambda: simple(staff.set_asset(a.id, "hidden"), f"Asset {a.id} hidden."),
        }
    )
    return actions
