"""Every question kind as Telegram shows it: ticks, ordering, location, voice, long text."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.conftest import Harness, bot_running
from tgdouble import DoubleServer, FakeBotAPI

AMINA = 1001


async def _to_kitchen(tg: Harness) -> None:
    await tg.command(AMINA, "start", "flow-kitchen")
    await tg.tap(AMINA, "Yes, I agree")
    await tg.tap(AMINA, "Skip")
    await tg.tap(AMINA, "No, thanks")


async def test_multi_select_ticks_in_place_then_done(tg: Harness) -> None:
    await _to_kitchen(tg)
    question = tg.last(AMINA)
    assert "Pick up to 2" in (question.text or "")
    # The flow's first question: Done, but no Back.
    assert question.labels == ["Healthy food", "Parks", "Safe streets", "✔️ Done"]
    count = len(tg.api.sent(AMINA))
    await tg.tap(AMINA, "Parks")
    await tg.tap(AMINA, "Healthy food")
    ticked = tg.api.sent(AMINA)[count - 1]
    assert len(tg.api.sent(AMINA)) == count  # edited in place, nothing new sent
    assert ticked.labels[:3] == ["✅ Healthy food", "✅ Parks", "Safe streets"]
    await tg.tap(AMINA, "Safe streets")  # a third is one too many
    assert tg.asked(AMINA).endswith("You can choose up to 2. Tap one you chose to remove it.")
    assert tg.api.sent(AMINA)[count - 1].labels[:3] == [
        "✅ Healthy food",
        "✅ Parks",
        "Safe streets",
    ]
    await tg.tap(AMINA, "✔️ Done")
    # Echoed as the buttons are; ranked from the order they were ticked in.
    assert tg.api.sent(AMINA)[count - 1].text.endswith("✅ Healthy food, Parks")
    rank = tg.last(AMINA)
    assert rank.text.startswith("Which matters most?")
    assert rank.labels[:2] == ["Parks", "Healthy food"]


async def test_rank_location_voice_and_finish(tg: Harness) -> None:
    await _to_kitchen(tg)
    await tg.tap(AMINA, "Parks")
    await tg.tap(AMINA, "Safe streets")
    await tg.tap(AMINA, "✔️ Done")
    await tg.tap(AMINA, "Safe streets")  # most important first; the last is placed for us
    where = tg.last(AMINA)
    assert "Where is it?" in (where.text or "")
    assert where.keyboard[0] == ["📍 Share my location"]  # a reply keyboard can ask for it
    tg.api.send_location(AMINA, 51.48, -3.18)
    await tg.settle()
    assert "Tell us more" in tg.asked(AMINA)
    removed = [m for m in tg.api.sent(AMINA) if m.text == "✅ 📍"]
    assert removed and removed[0].reply_markup == {"remove_keyboard": True}
    tg.api.send_voice(AMINA, "voice-file-7", 12)
    await tg.settle()
    assert "Thank you for your voice note." in tg.asked(AMINA)
    rows = dict(tg.rows("SELECT key, value_json FROM answers WHERE flow_id = 'kitchen'"))
    assert rows["order"] == '["streets", "parks"]'
    assert rows["where"] == '{"latitude": 51.48, "longitude": -3.18}'
    assert rows["story"] == '{"voice": "voice-file-7", "duration": 12}'
    assert tg.asked(AMINA).endswith("All done")


async def test_language_picker_mid_flow_asks_the_question_again(tg: Harness) -> None:
    await tg.command(AMINA, "start")
    await tg.command(AMINA, "language")
    picker = tg.last(AMINA)
    # Every language we have, each in its own name and script.
    assert picker.labels == [
        "English",
        "العربية",
        "বাংলা",
        "Cymraeg",
        "Español",
        "ਪੰਜਾਬੀ",
        "Polski",
        "Português",
        "Română",
        "اردو",
    ]
    await tg.tap(AMINA, "Polski")
    assert tg.asked(AMINA).startswith("Od teraz")
    # The same consent question, now in Polish, with Polish buttons.
    assert "Are you happy to take part?" not in tg.asked(AMINA)
    assert len(tg.last(AMINA).labels) == 2
    assert tg.rows("SELECT locale FROM participants") == [("pl",)]


async def test_long_messages_are_split_at_telegram_s_limit(
    api: FakeBotAPI, server: DoubleServer, tmp_path: Path
) -> None:
    long_name = ("Riverside " * 450).strip()  # about 4,500 characters
    async with bot_running(server, tmp_path / "db.sqlite3", organisation=long_name) as bot:
        tg = Harness(api, bot, tmp_path / "db.sqlite3")
        await tg.settle()
        await _to_kitchen(tg)
        await tg.tap(AMINA, "Parks")
        await tg.tap(AMINA, "✔️ Done")
        await tg.text(AMINA, "Skip")  # the location question's Skip is a reply-keyboard button
        await tg.tap(AMINA, "Skip")
        *_, first, second, done = tg.texts(AMINA)
        pieces = [first, second]
        assert done == "All done"
        assert all(len(p) <= 4096 for p in pieces) and first.startswith("Riverside")
        assert " ".join(pieces) == f"{long_name} LONG"
