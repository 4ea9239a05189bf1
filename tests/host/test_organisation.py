"""Who runs the bot, as each resident reads it: their language's name for the organisation,
else the one name given, else "your local health and wellbeing team" in their language."""

from __future__ import annotations

from bot.host.host import Host
from bot.host.library import FlowLibrary
from bot.host.registry import Registry
from bot.host.replies import Message
from bot.host.steps import Who
from bot.i18n.catalogs import Catalogs
from bot.i18n.organisation import Organisation
from bot.store.db import Database
from tests.conftest import fixed_clock


def _host(
    db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry, team: Organisation
) -> Host:
    return Host(db, flows, catalogs, hooks, clock=fixed_clock, organisation=team)


async def _welcome(host: Host, language: str) -> str:
    who = Who("console", f"user-{language}", f"user-{language}", language)
    outcome = await host.begin(who)
    return next(r.text for r in outcome.replies if isinstance(r, Message))


async def test_the_welcome_names_the_organisation_in_the_residents_language(
    db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry
) -> None:
    team = Organisation.of("Riverside Health Team", {"cy": "Tîm Iechyd Glan-yr-afon"})
    host = _host(db, flows, catalogs, hooks, team)
    assert (await _welcome(host, "cy")).startswith(
        "Helo! Dyma Community Voice, sy'n cael ei redeg gan Tîm Iechyd Glan-yr-afon."
    )
    assert (await _welcome(host, "en")).startswith(
        "Hello! This is Community Voice, run by Riverside Health Team."
    )


async def test_without_a_name_the_default_is_said_in_the_residents_language(
    db: Database, flows: FlowLibrary, catalogs: Catalogs, hooks: Registry
) -> None:
    host = _host(db, flows, catalogs, hooks, Organisation.of(None))
    assert (await _welcome(host, "cy")).startswith(
        "Helo! Dyma Community Voice, sy'n cael ei redeg gan eich tîm iechyd a lles lleol."
    )
    assert (await _welcome(host, "es")).startswith(
        "¡Hola! Esto es Community Voice, un servicio de su equipo local de salud y bienestar."
    )
    privacy = await host.info(Who("console", "x", "x", "pl"), "privacy")
    assert "lokalny zespół ds. zdrowia i dobrego samopoczucia" in privacy.replies[0].text  # type: ignore[union-attr]
