"""A resident's area as the host stores it: the English name of the area tapped or typed
(in any of its names, or a postcode), else their own words; never a voice note."""

from __future__ import annotations

from bot.flows.events import Choose, Text, Voice
from bot.host.host import Host
from bot.host.steps import Who
from bot.staff import areas
from bot.staff.desk import StaffDesk
from bot.store import participants
from bot.store.db import Database
from tests.conftest import STAFF

WHO = Who("console", "rhys", "rhys", "en")


async def _area(db: Database) -> str | None:
    found = await db.read(participants.find, "console", "rhys")
    assert found is not None
    return found.area


async def test_typed_words_are_matched_after_somewhere_else(
    host: Host, db: Database, desk: StaffDesk
) -> None:
    await areas.add(
        desk, STAFF, {"en": "Riverside", "cy": "Glan-yr-afon"}, [], ["CF10"], threshold=5
    )
    await host.begin(WHO)
    await host.handle(WHO, Text("1"))  # consent
    await host.handle(WHO, Text("Somewhere else"))
    await host.handle(WHO, Voice("v1", 3))
    assert await _area(db) is None
    await host.handle(WHO, Text("cf10 1aa"))  # typed after "Somewhere else": still matched
    assert await _area(db) == "Riverside"
    await host.begin(WHO, "area")
    await host.handle(WHO, Choose("elsewhere"))
    assert await _area(db) == "Riverside"  # nothing changes until they type it
    await host.handle(WHO, Text("Splott"))
    assert await _area(db) == "Splott"
    await host.begin(WHO, "area")
    await host.handle(WHO, Choose("area.1"))
    assert await _area(db) == "Riverside"
