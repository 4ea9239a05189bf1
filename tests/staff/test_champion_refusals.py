"""Refusals of a champion's change: the English staff read in Telegram and at the command
line, written once a verb, and the Welsh the dashboard says them in."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

import pytest

from bot.staff import champions
from bot.staff.actor import Actor, Role, StaffError
from bot.staff.desk import StaffDesk
from bot.store.champions import STATUSES
from bot.store.db import Database, Tx
from bot.web.i18n import DashboardCatalogs, explain
from tests.conftest import REPO, STAFF
from tests.staff.test_report_measures import T0, insert, person


def _champion(conn: Tx) -> None:
    insert(conn, "champions", participant_id=person(conn, 1), code="c-abc", created_at=T0)


def _status(status: str) -> Callable[[Tx], None]:
    def work(conn: Tx) -> None:
        conn.execute("UPDATE champions SET status = ? WHERE id = 1", (status,))

    return work


def _welsh(error: StaffError) -> str:
    def run() -> str:
        DashboardCatalogs(REPO / "locales").use("cy")
        return explain(error)

    # A copy of the context: the page's language stays out of the other tests.
    return contextvars.copy_context().run(run)


@pytest.mark.parametrize("verb", sorted(champions.CHANGES))
async def test_a_change_refused_names_the_statuses_it_may_come_from(
    db: Database, desk: StaffDesk, verb: str
) -> None:
    """Each verb's sentence is written out for translators: it must still name the statuses
    CHANGES allows, as the sentence built from them did."""
    await db.write(_champion)
    allowed = champions.CHANGES[verb][1]
    for status in (s for s in STATUSES if s not in allowed):
        await db.write(_status(status))
        with pytest.raises(StaffError) as refused:
            await champions.change(desk, STAFF, 1, verb)
        words = " or ".join(champions.status_word(s) for s in allowed)
        assert str(refused.value) == (
            f"Champion 1 is {champions.status_word(status)}: only a champion who is {words} "
            f"can be {verb}d."
        )


async def test_the_welsh_dashboard_says_a_refusal_with_the_champions_status(
    db: Database, desk: StaffDesk
) -> None:
    await db.write(_champion)
    await db.write(_status("ended"))
    with pytest.raises(StaffError) as refused:
        await champions.change(desk, STAFF, 1, "pause")
    assert (
        str(refused.value) == "Champion 1 is retired: only a champion who is active can be paused."
    )
    assert _welsh(refused.value) == (
        "Mae hyrwyddwr 1 wedi ymddeol: dim ond hyrwyddwr gweithredol y gellir ei oedi."
    )
    with pytest.raises(StaffError) as again:
        await desk.set_champion(STAFF, 1, "ended")
    assert _welsh(again.value) == "Mae hyrwyddwr 1 eisoes wedi ymddeol."


async def test_what_a_role_cannot_do_is_translated_with_the_refusal(
    db: Database, desk: StaffDesk
) -> None:
    await db.write(_champion)
    viewer = Actor("test:viewer", Role.VIEWER, "web")
    with pytest.raises(StaffError) as refused:
        await champions.change(desk, viewer, 1, "approve")
    assert str(refused.value) == (
        "Your role (viewer) cannot approve a champion; that needs staff. Ask an admin."
    )
    assert "cymeradwyo hyrwyddwr" in _welsh(refused.value)
