"""`community-voice admin` commands for staff texts in every language and for areas: open a
round with translated topics, read and edit a text in every language, keep the area list."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from bot.staff import areas as desk_areas
from bot.staff import wording
from bot.staff.actor import Actor, StaffError
from bot.staff.desk import StaffDesk
from bot.staff.parsing import split_list, texts, translate, translation_items
from bot.store.texts import Texts

ACTIONS = ("areas", "area-add", "area-edit", "area-remove", "text", "edit")
TR_HELP = "the text just before in another language, e.g. --tr 'cy=Helo' (repeatable)"


class InOrder(argparse.Action):
    """Keeps --question, --topic and --tr in the order given, so that a --tr translates the
    text just before it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        entries = list(getattr(namespace, "in_order", None) or [])
        entries.append((self.dest, str(values), option_string or ""))
        namespace.in_order = entries


def add_round_open(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`admin round-open`: a question, topics and areas, each text with its translations."""
    p = actions.add_parser(
        "round-open",
        help="open a priority-setting round",
        description="Open a round. Each --tr translates the --question or --topic just "
        "before it, e.g. --topic 'Safer crossings' --tr 'cy=Croesfannau mwy diogel'.",
    )
    p.add_argument("--closes", required=True, help="closing date, e.g. 2026-12-31")
    p.add_argument(
        "--question", action=InOrder, help="the question (default: the standard question)"
    )
    p.add_argument("--topic", action=InOrder, help="a topic (repeatable; default: the list)")
    p.add_argument("--tr", action=InOrder, metavar="LANG=TEXT", help=TR_HELP)
    p.add_argument(
        "--area",
        action="append",
        default=[],
        help="only for residents in this area: a name, alias or postcode district "
        "(repeatable, or several separated by commas; default: everyone)",
    )


def round_texts(in_order: Sequence[tuple[str, str, str]]) -> tuple[Texts | None, list[Texts]]:
    """The question and topics of `admin round-open`, each with the --tr given after it."""
    question: Texts | None = None
    topics: list[Texts] = []
    current: Texts | None = None
    for dest, value, option in in_order:
        if dest == "tr":
            [(code, words)] = translation_items([value])
            if current is None:
                raise StaffError(
                    f"--tr {value!r} comes before the text it translates: put it right after "
                    "--question or --topic."
                )
            translate(current, code, words, f"{option} {value!r}: ")
            continue
        if not value.strip():
            raise StaffError(f"{option} is empty.")
        current = {"en": value.strip()}
        if dest == "topic":
            topics.append(current)
        elif question is not None:
            raise StaffError("Give one --question (a round asks one question).")
        else:
            question = current
    return question, topics


def initiative_texts(
    title: str, in_order: Sequence[tuple[str, str, str]]
) -> tuple[Texts, Texts | None]:
    """The title and description of `admin initiative-add`, each with the --tr given after
    it; a --tr before --description (or with none) translates the title, as it always did."""
    named = texts(title)
    description: Texts | None = None
    current = named
    for dest, value, option in in_order:
        if dest == "tr":
            [(code, words)] = translation_items([value])
            translate(current, code, words, f"{option} {value!r}: ")
            continue
        if description is not None:
            raise StaffError("Give one --description (an initiative has one).")
        if not value.strip():
            raise StaffError(f"{option} is empty.")
        description = current = {"en": value.strip()}
    return named, description


def areas_given(given: Sequence[str]) -> list[str]:
    """--area values, each possibly several names separated by commas."""
    return [name for value in given for name in split_list(value)]


def add_parsers(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The area and text subcommands of `admin`."""

    def tr(p: argparse.ArgumentParser, what: str) -> None:
        p.add_argument(
            "--tr",
            action="append",
            default=[],
            metavar="LANG=TEXT",
            help=f"{what} in another language, e.g. --tr 'cy=...' (repeatable; 'cy=-' removes one)",
        )

    def lists(p: argparse.ArgumentParser) -> None:
        p.add_argument("--aliases", help="other names people use, separated by commas")
        p.add_argument(
            "--districts", help="postcode districts in it, separated by commas, e.g. CF10,CF11"
        )

    actions.add_parser("areas", help="list the areas residents pick from, and residents' own")
    p = actions.add_parser("area-add", help="add an area residents can pick")
    p.add_argument("name", help="its name in English, e.g. Riverside")
    tr(p, "its name")
    lists(p)
    p = actions.add_parser("area-edit", help="rename, translate or change an area")
    p.add_argument("area", help="the area: its name, an alias or a postcode district")
    p.add_argument("--name", help="a new English name (residents and rounds follow it)")
    tr(p, "its name")
    lists(p)
    p = actions.add_parser("area-remove", help="stop offering an area")
    p.add_argument("area", help="its name, an alias or a postcode district")
    p = actions.add_parser(
        "text",
        help="a question, topic, initiative (its title), description (an initiative's) or "
        "measure, in every language",
    )
    p.add_argument("kind", choices=wording.KINDS)
    p.add_argument(
        "id",
        type=int,
        help="its number (for a question: the round's; a description: its initiative's)",
    )
    p = actions.add_parser(
        "edit",
        help="change or translate a question, topic, initiative (its title), description or "
        "measure",
    )
    p.add_argument("kind", choices=wording.KINDS)
    p.add_argument(
        "id",
        type=int,
        help="its number (for a question: the round's; a description: its initiative's)",
    )
    p.add_argument("english", nargs="?", help="new English words (leave out to translate only)")
    tr(p, "the text")


async def run(desk: StaffDesk, who: Actor, a: argparse.Namespace, *, threshold: int) -> str:
    """Carry out one of ACTIONS; counts of people below `threshold` are suppressed."""
    if a.action == "areas":
        return await desk_areas.listing(desk, who, threshold=threshold)
    if a.action == "area-add":
        name: Texts = {"en": a.name.strip()}
        for code, words in translation_items(a.tr):
            translate(name, code, words)
        return await desk_areas.add(
            desk,
            who,
            name,
            split_list(a.aliases or ""),
            split_list(a.districts or ""),
            threshold=threshold,
        )
    if a.action == "area-edit":
        return await desk_areas.edit(
            desk,
            who,
            a.area,
            name=a.name,
            translations=_translations(a.tr),
            aliases=None if a.aliases is None else split_list(a.aliases),
            districts=None if a.districts is None else split_list(a.districts),
            threshold=threshold,
        )
    if a.action == "area-remove":
        return await desk_areas.remove(desk, who, a.area)
    if a.action == "text":
        return await wording.show(desk, who, a.kind, a.id)
    return await wording.edit(desk, who, a.kind, a.id, a.english, _translations(a.tr))


def _translations(items: Sequence[str]) -> Texts:
    found: Texts = {}
    for code, words in translation_items(items):
        translate(found, code, words)
    return found
