"""A resident's area as the host stores it: the English name of the area tapped or typed
(in any of its names, or a postcode), else their own words; never a voice note."""

from __future__ import annotations

from bot.flows.events import Choose, Text, Voice
from bot.host.host import Host
from bot.host.steps import Who
from bot.staff import areas
from bot.staff.desk import StaffDesk
from bot.store import participants, places
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


async def test_a_whole_postcode_is_kept_as_its_district_only(host: Host, db: Database) -> None:
    # No areas defined: their words are kept. The question asks for the first part of the
    # postcode; a whole one (a few houses) was kept as typed, and shown to staff.
    await host.begin(WHO)
    await host.handle(WHO, Text("1"))  # consent
    await host.handle(WHO, Text("cf10 1aa"))
    assert await _area(db) == "CF10"
    await host.begin(WHO, "area")
    await host.handle(WHO, Text("Near the park, CF5 1AB"))
    assert await _area(db) == "Near the park, CF5"
    kept = await db.read(
        lambda conn: [
            r[0]
            for r in conn.execute(
                "SELECT value_json || ' ' || COALESCE((SELECT group_concat(state_json) FROM "
                "sessions), '') FROM answers WHERE key = 'area'"
            )
        ]
    )
    assert kept and not any("1AA" in k.upper() or "1AB" in k.upper() for k in kept), kept


def test_coarse_cuts_whole_postcodes_only() -> None:
    assert places.coarse("cf10 1aa") == "CF10"
    assert places.coarse("SW1A 2AA") == "SW1A"
    assert places.coarse("cf10") == "CF10"
    assert places.coarse("Splott") == "Splott"
    assert places.coarse("by the park at m1 1ae, near town") == "by the park at M1, near town"
    assert places.coarse("Block A1 2nd floor") == "Block A1 2nd floor"  # not a postcode
    assert places.coarse("I live at CF10 1ST") == "I live at CF10"  # 1ST, in capitals: one
    # In a phone's Arabic or Bengali digits, inside a sentence too; none: kept as typed.
    assert places.coarse("قرب CF١٠ ١AA") == "قرب CF10"
    assert places.coarse("CF১০ ১AA এর কাছে") == "CF10 এর কাছে"
    assert places.coarse("شارع ٣") == "شارع ٣"
