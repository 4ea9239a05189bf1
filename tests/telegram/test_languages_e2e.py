"""Languages in Telegram: the phone's language from the first message, right-to-left text,
and the language picker when we do not have the phone's language."""

from __future__ import annotations

from bot.i18n.catalogs import FSI, PDI, Catalogs
from tests.telegram.conftest import Harness

CATALOGS = Catalogs()


def tr(code: str, text: str, **params: object) -> str:
    return CATALOGS.get(code).gettext(text, **params)


async def _onboard(
    tg: Harness, user: int, code: str, area: str, payload: str | None = None
) -> None:
    """`user`, whose phone is in `code`, agrees, gives their area and skips the rest."""
    tg.api.send_command(user, "start", payload, language_code=code)
    await tg.settle()
    tg.api.tap(user, tr(code, "Yes, I agree"))
    await tg.settle()
    tg.api.send_text(user, area, language_code=code)
    await tg.settle()
    # "Would you answer a few questions?": its answers are translated for that question.
    tg.api.tap(user, CATALOGS.get(code).pgettext("yes/no: would you", "No, thanks"))
    await tg.settle()


async def test_a_polish_phone_gets_polish_from_the_first_message(tg: Harness) -> None:
    tg.api.send_command(3001, "start", language_code="pl")
    await tg.settle()
    first = tg.api.sent(3001)[0].text or ""
    assert first.startswith(
        tr(
            "pl",
            "Hello! This is Community Voice, run by {organisation}.\n"
            "We want to hear what matters to you about health and wellbeing where you live. "
            "You can help choose what we work on, tell us about good things in your area, "
            "and tell us how it is going.",
            organisation="Riverside Health Team",
        )
    )
    assert not first.startswith(tr("en", "Hello! This is Community Voice, run by {organisation}."))
    assert tg.last(3001).labels == [tr("pl", "Yes, I agree"), tr("pl", "No, thank you")]


async def test_arabic_onboarding_reads_right_to_left(tg: Harness) -> None:
    user = 3002
    await _onboard(tg, user, "ar", "حي الزهور")
    welcome = tg.api.sent(user)[0].text or ""
    # The inserted English name is isolated so it cannot scramble the Arabic sentence.
    assert f"{FSI}Riverside Health Team{PDI}" in welcome
    assert tg.asked(user).endswith(tr("ar", "What would you like to do?"))
    assert tg.rows("SELECT locale, area, consent_at IS NOT NULL FROM participants") == [
        ("ar", "حي الزهور", 1)
    ]


async def test_regional_codes_are_negotiated_and_unknown_ones_get_the_picker(tg: Harness) -> None:
    tg.api.send_command(3003, "start", language_code="pt-BR")
    await tg.settle()
    assert tg.last(3003).labels == [tr("pt", "Yes, I agree"), tr("pt", "No, thank you")]
    tg.api.send_command(3004, "start", language_code="ja")
    await tg.settle()
    picker = tg.last(3004)
    assert picker.text == "Which language would you like?"
    assert "Cymraeg" in picker.labels and "اردو" in picker.labels
    await tg.tap(3004, "Cymraeg")
    assert tg.rows("SELECT locale FROM participants WHERE channel_user_id = '3004'") == [("cy",)]
    assert tg.asked(3004).endswith(tr("cy", "Are you happy to take part?"))


async def test_start_after_stop_says_news_will_come_again_in_polish(tg: Harness) -> None:
    user = 3005
    tg.api.send_command(user, "start", language_code="pl")
    await tg.settle()
    await tg.tap(user, tr("pl", "Yes, I agree"))
    tg.api.send_command(user, "stop", language_code="pl")
    await tg.settle()
    assert tg.asked(user).startswith("Nie będziesz już dostawać od nas wiadomości.")
    tg.api.send_command(user, "start", language_code="pl")
    await tg.settle()
    question = tr(
        "pl",
        "Which area do you live in? You can type your neighbourhood, or the first part of "
        "your postcode (like CF10).",
    )
    assert tg.asked(user).startswith(f"Znowu będziesz dostawać od nas wiadomości.\n\n{question}")


async def test_ticked_answers_are_echoed_with_the_language_s_own_separator(tg: Harness) -> None:
    # Urdu read "✅ ⁨Polski⁩; ⁨English⁩": a Latin ";", and in the order tapped, not as the
    # buttons are.
    user = 3005
    await _onboard(tg, user, "ur", "Grangetown", "flow-champions")
    tg.api.tap(user, CATALOGS.get("ur").pgettext("yes/no: would you", "Yes"))
    await tg.settle()
    assert tg.asked(user).endswith(tr("ur", "Choose as many as you like, then tap Done."))
    for tapped in ("Connector", "Health champion", "✔️ Done"):
        tg.api.tap(user, tr("ur", tapped))
        await tg.settle()
    roles = tg.texts(user)[-2]
    assert roles.endswith(f"✅ {tr('ur', 'Health champion')}، {tr('ur', 'Connector')}")
    for tapped in ("Polski", "English", "✔️ Done"):
        tg.api.tap(user, tr("ur", tapped))
        await tg.settle()
    languages = tg.texts(user)[-2]
    assert languages.endswith(f"✅ {FSI}English{PDI}، {FSI}Polski{PDI}")
