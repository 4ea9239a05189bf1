"""A resident's own idea for a measure waits for staff: other residents are not offered it
until staff accept it (after editing its words, if it names someone), and each decision is
said once, audited once."""

from __future__ import annotations

from tests.telegram.conftest import Harness
from tests.telegram.test_engagement_e2e import OTHER, RESIDENT, _demo, _onboard, _staff

IDEA = "My neighbour John Smith at 12 Mill Rd speeds every day"


async def _to_votes(tg: Harness, user: int) -> list[str]:
    """The measures a resident is offered to vote for on the warm homes project."""
    await tg.tap(user, "📏 Help decide how to judge a project")
    await tg.tap(user, "Warm homes advice sessions")
    return [label for row in tg.last(user).buttons for label, _ in row]


async def test_a_residents_idea_is_offered_only_after_staff_accept_it(tg: Harness) -> None:
    await _demo(tg)
    await _onboard(tg, RESIDENT)
    await _to_votes(tg, RESIDENT)
    await tg.tap(RESIDENT, "✔️ Done")
    await tg.tap(RESIDENT, "Yes")
    await tg.text(RESIDENT, IDEA)
    assert tg.rows("SELECT id, status, locale FROM measures WHERE text LIKE '%Mill Rd%'") == [
        (5, "suggested", "en")
    ]

    await _onboard(tg, OTHER)
    offered = await _to_votes(tg, OTHER)
    assert "Fewer people say their home is too cold" in offered
    assert not any("Mill Rd" in label for label in offered)
    await tg.tap(OTHER, "✔️ Done")
    await tg.tap(OTHER, "No")

    listed = await _staff(tg, "/measures")
    assert (
        f"measure 5 [suggested] initiative 2, waiting for you, not shown to residents: "
        f"proposed by a resident, in en: «{IDEA}»"
    ) in listed
    assert "1 idea(s) from residents wait for you" in listed
    assert "/measure_accept ID" in listed
    assert tg.rows(
        "SELECT action, object_type, object_id FROM audit_log WHERE action = 'residents.read'"
    ) == [("residents.read", "measures", "all")]

    edited = await _staff(tg, "/edit measure 5 Fewer cars speed on Mill Road")
    assert edited.startswith("Changed.")
    assert (await _staff(tg, "/measure_accept 5")) == "Measure 5 is open for residents' votes."
    assert tg.rows("SELECT status FROM measures WHERE id = 5") == [("proposed",)]

    offered = await _to_votes(tg, OTHER)
    assert "Fewer cars speed on Mill Road" in " ".join(offered)
    assert not any("John Smith" in label for label in offered)


async def test_a_decision_that_changes_nothing_is_refused_and_not_audited(tg: Harness) -> None:
    await _demo(tg)
    assert (await _staff(tg, "/measure_adopt 3")) == "Measure 3 adopted."
    assert (await _staff(tg, "/measure_adopt 3")) == "Not done: Measure 3 is already adopted."
    assert (await _staff(tg, "/measure_accept 3")) == (
        "Not done: Measure 3 is already adopted: it is in the evaluation plan, past voting."
    )
    assert tg.rows(
        "SELECT action, before, after FROM audit_log WHERE object_type = 'measure' "
        "AND object_id = '3' AND action = 'measure.adopt'"
    ) == [("measure.adopt", '{"status": "proposed"}', '{"status": "adopted"}')]
