"""Languages chosen by typing their name: in the language itself, in the resident's, in
English, and in Welsh with the mutation a sentence gives it ("yn Gymraeg", "yng Nghymraeg");
and a language typed that has no button is told which button to tap for it."""

from __future__ import annotations

from bot.i18n.catalogs import Catalogs
from tests.telegram.conftest import Harness

CY = Catalogs().get("cy")
DYLAN, AMINA = 1001, 1002


async def _champion_offer(tg: Harness, user: int, locale: str = "cy") -> None:
    """A resident offers to be a champion, up to "Which languages do you speak?"."""
    tr = Catalogs().get(locale)
    await tg.command(user, "start", "flow-champions", language_code=locale)
    await tg.tap(user, tr.gettext("Yes, I agree"))
    await tg.text(user, "Grangetown", language_code=locale)
    await tg.tap(user, tr.pgettext("yes/no: would you", "No, thanks"))
    await tg.tap(user, tr.pgettext("yes/no: would you", "Yes"))
    await tg.tap(user, tr.gettext("Connector"))
    await tg.tap(user, tr.gettext("✔️ Done"))
    assert tr.gettext("Which languages do you speak?") in tg.asked(user)


async def test_a_welsh_champion_types_the_languages_they_speak(tg: Harness) -> None:
    await _champion_offer(tg, DYLAN)
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


async def test_a_language_with_no_button_is_told_to_tap_another_language(tg: Harness) -> None:
    await _champion_offer(tg, AMINA, "en")
    # Each was "Please tap the buttons to choose, then tap Done.", as if French were not a
    # language. (By its name in itself, "Français", it is not found: that would parse every
    # language babel has.)
    for typed in ("French", "Somali"):
        await tg.text(AMINA, typed)
        assert tg.texts(AMINA)[-1].startswith(
            f"{typed} is not on the list: tap “Another language”, then Done, and we will ask which."
        ), typed
    # A language with a button is still ticked by its name, and other words get the plain
    # reply.
    await tg.text(AMINA, "Polish")
    assert [b for b in tg.last(AMINA).labels if b.startswith("✅")] == ["✅ Polski"]
    await tg.text(AMINA, "Tuesdays")
    assert tg.texts(AMINA)[-1].startswith("Please tap the buttons to choose, then tap Done.")
    await tg.tap(AMINA, "Another language")
    await tg.tap(AMINA, "✔️ Done")
    assert "Which other languages do you speak?" in tg.asked(AMINA)


async def test_a_welsh_speaker_typing_ffrangeg_is_told_in_welsh(tg: Harness) -> None:
    await _champion_offer(tg, DYLAN)
    for typed in ("Ffrangeg", "French"):
        await tg.text(DYLAN, typed, language_code="cy")
        assert tg.texts(DYLAN)[-1].startswith(
            CY.gettext(
                "{language} is not on the list: tap “{other}”, then Done, and we will ask which.",
                language="Ffrangeg",
                other="Iaith arall",
            )
        ), typed
    assert tg.texts(DYLAN)[-1].startswith("Does dim Ffrangeg ar y rhestr")
