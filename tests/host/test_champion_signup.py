"""A champion changing their sign-up: their earlier choices come back ticked (the record's,
read once a tap through the step's snapshot), and what they send replaces them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.flows.events import Choose, Text
from bot.flows.loader import load_flow_bytes
from bot.flows.needs import needs_problems
from bot.flows.validator import validate_flow
from bot.host.host import Host
from bot.host.replies import Question
from bot.host.steps import Step, Who
from bot.staff.listings import listing
from bot.store import champions, participants
from bot.store.champions import SignUp
from bot.store.db import Database, Tx
from bot.store.records import ChampionSignUp
from tests.conftest import CODE, FIXED_NOW

EARLIER = Path(__file__).parent / "earlier"

WHO = Who("telegram", "601", "601", "en")


def _question(replies: list[Any]) -> Question:
    return next(r for r in reversed(replies) if isinstance(r, Question))


def _ticked(replies: list[Any]) -> list[str]:
    return [b.label for b in _question(replies).buttons if b.selected]


async def test_changing_a_sign_up_starts_from_the_earlier_choices(
    host: Host, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def signed_up(conn: Tx) -> None:
        found = participants.find_or_create(conn, "telegram", "601", "601", "x")
        participants.update(conn, found.id, {"consent_at": FIXED_NOW.isoformat(), "locale": "en"})
        details = SignUp(
            ("connector",), ("cy", "pl"), ("evenings", "weekends"), "Cooking, Urdu", True
        )
        champions.save_signup(conn, found.id, CODE, details, FIXED_NOW.isoformat())

    await db.write(signed_up)
    reads: list[int] = []
    real = champions.of_participant

    def of_participant(conn: Tx, participant_id: int) -> Any:
        reads.append(participant_id)
        return real(conn, participant_id)

    monkeypatch.setattr(champions, "of_participant", of_participant)

    async def tap(option_id: str, node_id: str) -> list[Any]:
        reads.clear()
        out = await host.handle(WHO, Choose(option_id, node_id))
        assert len(reads) <= 1, f"the champion was read {len(reads)} times in one tap"
        return out.replies

    out = await host.begin(WHO, "champions")
    assert "Do you want to change your answers?" in _question(out.replies).text
    await tap("yes", "waiting")
    replies = await tap("yes", "offer")
    assert _ticked(replies) == ["✅ Connector"]
    replies = await tap("not-sure", "roles")  # stands alone: Connector is unticked
    assert _ticked(replies) == ["✅ I am not sure yet"]
    replies = await tap("_done", "roles")
    assert _ticked(replies) == ["✅ Cymraeg", "✅ Polski"]
    replies = await tap("_done", "languages")
    assert "When could you help?" in _question(replies).text
    assert _ticked(replies) == ["✅ Evenings", "✅ Weekends"]
    replies = await tap("weekdays", "availability")
    assert _ticked(replies) == ["✅ Weekdays", "✅ Evenings", "✅ Weekends"]
    replies = await tap("varies", "availability")  # stands alone: the others go
    assert _ticked(replies) == ["✅ It changes"]
    await tap("_done", "availability")
    replies = await tap("_skip", "skills")
    assert _ticked(replies) == ["✅ Yes"]  # they let us contact them
    await tap("yes", "contact")

    found = await db.read(lambda conn: real(conn, 1))
    assert found is not None
    assert (found.roles, found.languages, found.availability) == (
        ("not-sure",),
        ("cy", "pl"),
        ("varies",),
    )
    # Skipped when changing: what they said before stays (Skip is not "delete it").
    assert found.skills == "Cooking, Urdu"
    # Their copy (/mydata) shows the times as a list, like the roles and languages.
    kept, _ = await host.export(WHO)
    [row] = kept["tables"]["champions"]
    assert (row["roles"], row["languages"], row["availability"]) == (
        ["not-sure"],
        ["cy", "pl"],
        ["varies"],
    )


async def test_a_sign_up_begun_when_availability_took_one_answer_is_kept_as_a_list(
    host: Host, db: Database
) -> None:
    """A session finishes on the flow version it began on: one where "When could you help?"
    took one answer, saved as text."""
    record = host.registry.records["champion"]

    def made(conn: Tx) -> Any:
        view = Step(host, conn, WHO, FIXED_NOW).view()
        answers = {"roles": ["connector"], "languages": ["cy"], "availability": "evenings"}
        return record.make(view, answers)

    made_then = await db.write(made)
    assert isinstance(made_then, ChampionSignUp)
    assert made_then.details.availability == ("evenings",)


@pytest.mark.parametrize("name", ["champions", "support"])
def test_the_flows_from_before_this_change_still_load(host: Host, name: str) -> None:
    """Sessions begun on an earlier version of a flow finish on it (else they are moved to
    the new version, told "The questions have changed since you started"): these are the
    champions and support flows as they were before "When could you help?" took several
    answers and before a turned-down sign-up was its own status (tests/host/earlier)."""
    source = (EARLIER / f"{name}.yaml").read_bytes()
    flow, problems = load_flow_bytes(source, f"{name}.yaml (earlier version)")
    assert flow is not None and problems == []
    assert validate_flow(flow, set(host.flows.ids())) == []
    assert needs_problems([flow], host.registry.provided()) == []


async def test_another_language_asks_which_and_staff_read_it(host: Host, db: Database) -> None:
    # "Another language" said nothing of which: for peer roles the community languages
    # are what matters most (QS148 statement 4).
    def consented(conn: Tx) -> None:
        found = participants.find_or_create(conn, "telegram", "601", "601", "x")
        participants.update(conn, found.id, {"consent_at": FIXED_NOW.isoformat(), "locale": "en"})

    await db.write(consented)
    await host.begin(WHO, "champions")
    await host.handle(WHO, Choose("yes", "offer"))
    await host.handle(WHO, Choose("connector", "roles"))
    await host.handle(WHO, Choose("_done", "roles"))
    await host.handle(WHO, Choose("other", "languages"))
    out = await host.handle(WHO, Choose("_done", "languages"))
    assert "Which other languages do you speak?" in _question(out.replies).text
    await host.handle(WHO, Text("Tigrinya, Amharic"))
    await host.handle(WHO, Choose("weekends", "availability"))
    await host.handle(WHO, Choose("_done", "availability"))
    await host.handle(WHO, Choose("_skip", "skills"))
    await host.handle(WHO, Choose("yes", "contact"))
    found = await db.read(lambda conn: champions.of_participant(conn, 1))
    assert found is not None and found.other_languages == "Tigrinya, Amharic"
    listed = await db.read(lambda conn: listing(conn, "champions", "cli", 5))
    assert "languages other («Tigrinya, Amharic»)" in listed[0], listed
