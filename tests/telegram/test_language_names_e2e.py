"""Languages chosen by typing their name: in the language itself, in the resident's, in
English, and in Welsh with the mutation a sentence gives it ("yn Gymraeg", "yng Nghymraeg")."""

from __future__ import annotations

from bot.i18n.catalogs import Catalogs
from tests.telegram.conftest import Harness

CY = Catalogs().get("cy")
DYLAN, AMINA = 1001, 1002


async def _welsh_champion_offer(tg: Harness, user: int) -> None:
    """A Welsh speaker offers to be a champion, up to "Which languages do you speak?"."""
    await tg.command(user, "start", "flow-champions", language_code="cy")
    await tg.tap(user, CY.gettext("Yes, I agree"))
    await tg.text(user, "Grangetown", language_code="cy")
    await tg.tap(user, CY.pgettext("yes/no: would you", "No, thanks"))
    await tg.tap(user, CY.pgettext("yes/no: would you", "Yes"))
    await tg.tap(user, CY.gettext("Connector"))
    await tg.tap(user, CY.gettext("✔️ Done"))
    assert CY.gettext("Which languages do you speak?") in tg.asked(user)


async def test_a_welsh_champion_types_the_languages_they_speak(tg: Harness) -> None:
    await _welsh_champion_offer(tg, DYLAN)
    # "Gymraeg" (soft mutation), "Saesneg" and "Pwyleg" (English and Polish in Welsh): each
    # was "Please tap the buttons to choose".
    for typed in ("Gymraeg", "Saesneg", "Pwyleg"):
        await tg.text(DYLAN, typed, language_code="cy")
    ticked = [label for label in tg.last(DYLAN).labels if label.startswith("✅")]
    assert ticked == ["✅ English", "✅ Cymraeg", "✅ Polski"]
    # Typed again, mutated another way, it is unticked.
    await tg.text(DYLAN, "Nghymraeg", language_code="cy")
    ticked = [label for label in tg.last(DYLAN).labels if label.startswith("✅")]
    assert ticked == ["✅ English", "✅ Polski"]
    # A word that only looks mutated names nothing.
    await tg.text(DYLAN, "Gwyleg", language_code="cy")
    assert tg.texts(DYLAN)[-1].startswith(
        CY.gettext("Please tap the buttons to choose, then tap Done.")
    )
    await tg.tap(DYLAN, CY.gettext("✔️ Done"))
    assert tg.rows("SELECT value_json FROM answers WHERE key = 'languages'") == [('["en", "pl"]',)]


async def test_the_language_picker_takes_a_language_s_name_in_any_of_its_forms(
    tg: Harness,
) -> None:
    await tg.command(AMINA, "start")
    await tg.tap(AMINA, "Yes, I agree")
    for typed, locale in (("Welsh", "cy"), ("Bwyleg", "pl"), ("angielski", "en"), ("اردو", "ur")):
        await tg.command(AMINA, "language")
        await tg.text(AMINA, typed)
        assert tg.rows("SELECT locale FROM participants") == [(locale,)], typed
    # Mutations are Welsh: a resident writing in another language is not guessed at.
    await tg.command(AMINA, "language")
    await tg.text(AMINA, "Gymraeg")
    assert tg.rows("SELECT locale FROM participants") == [("ur",)]
