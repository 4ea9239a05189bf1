"""The host's step: one write transaction and one engine run a tap, and flow versions that a
session keeps to the end (or, when it cannot, is told at once where it is)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.flows import engine
from bot.flows.events import Choose, Text
from bot.flows.model import Option
from bot.flows.registry import default_flows_dir
from bot.host.checks import load_library
from bot.host.host import Host
from bot.host.registry import Registry
from bot.host.replies import Message, Question
from bot.host.steps import Who
from bot.host.words import TranslatedWords
from bot.i18n.catalogs import Catalogs
from bot.store import participants, sessions
from bot.store.db import Database
from tests.conftest import FIXED_NOW, make_host

WHO = Who("telegram", "501", "501", "en")

SURVEY = """\
id: survey
title: A survey
start: pick
nodes:
  - id: pick
    kind: multi_choice
    text: "Which do you like?"
    save_as: liked
    options:
      - {id: a, label: "Apples"}
      - {id: b, label: "Bread"}
      - {id: c, label: "Cheese"}
    next: why
  - id: why
    kind: text
    text: "Why?"
    save_as: why
    next: done
  - id: done
    kind: end
    text: "Thanks!"
"""


def _texts(replies: list[Any]) -> list[str]:
    return [r.text for r in replies if isinstance(r, Message | Question)]


def _question(replies: list[Any]) -> Question:
    return next(r for r in reversed(replies) if isinstance(r, Question))


class Counted:
    """Counts the transactions a database runs."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = self.reads = 0
        # Where each transaction begins, on the writer (whether on its thread or the event
        # loop) and on a reader.
        write, steps, read = db._in_transaction, db._open_steps, db._read

        def counted_write(*args: Any) -> Any:
            self.writes += 1
            return write(*args)

        def counted_steps(*args: Any) -> Any:
            self.writes += 1
            return steps(*args)

        def counted_read(*args: Any) -> Any:
            self.reads += 1
            return read(*args)

        monkeypatch.setattr(db, "_in_transaction", counted_write)
        monkeypatch.setattr(db, "_open_steps", counted_steps)
        monkeypatch.setattr(db, "_read", counted_read)


async def test_a_tap_is_one_write_transaction_and_one_engine_run(
    host: Host, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await host.begin(WHO)  # onboarding: the consent question
    counted = Counted(db, monkeypatch)
    runs: list[str] = []
    real = engine.resume

    def resume(*args: Any, **kw: Any) -> Any:
        runs.append("resume")
        return real(*args, **kw)

    monkeypatch.setattr(engine, "resume", resume)
    out = await host.handle(WHO, Choose("yes", "consent"))
    assert (counted.writes, counted.reads) == (1, 0)
    assert runs == ["resume"]
    assert "Which area do you live in?" in _question(out.replies).text


async def test_typing_an_answer_costs_no_more_than_a_tap(
    host: Host, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await host.begin(WHO)
    counted = Counted(db, monkeypatch)
    out = await host.handle(WHO, Text("1"))  # the number of "Yes, I agree"
    assert (counted.writes, counted.reads) == (1, 0)
    assert "Which area do you live in?" in _question(out.replies).text


def _consent(conn: Any, who: Who) -> None:
    found = participants.find_or_create(conn, who.channel, who.user_id, who.chat_id, "x")
    participants.update(conn, found.id, {"consent_at": FIXED_NOW.isoformat(), "locale": "en"})


async def _host_on(folder: Path, db: Database, catalogs: Catalogs, hooks: Registry) -> Host:
    flows = load_library([default_flows_dir(), folder], hooks)
    await db.write(flows.remember, FIXED_NOW.isoformat())
    return make_host(db, flows, catalogs, hooks)


async def test_a_session_finishes_on_the_flow_version_it_started_on(
    tmp_path: Path, db: Database, catalogs: Catalogs, hooks: Registry
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "survey.yaml").write_text(SURVEY)
    first = await _host_on(folder, db, catalogs, hooks)
    await db.write(_consent, WHO)
    await first.begin(WHO, "survey")
    await first.handle(WHO, Choose("a", "pick"))  # ticked, not yet done
    # The file changes while they are at the first question: the second one is reworded
    # and the first loses an option.
    changed = SURVEY.replace('"Why?"', '"What do you like about them?"').replace(
        '      - {id: c, label: "Cheese"}\n', ""
    )
    (folder / "survey.yaml").write_text(changed)
    second = await _host_on(folder, db, catalogs, hooks)  # a restart with the new file
    again = await second.repeat(WHO)
    # Still the version they started: three options, their tick kept, no notice.
    question = _question(again.replies)
    assert [b.label for b in question.buttons] == ["✅ Apples", "Bread", "Cheese"]
    out = await second.handle(WHO, Choose("_done", "pick"))
    assert _texts(out.replies)[-1].startswith("Why?")
    # Someone starting now gets the new version.
    other = Who("telegram", "502", "502", "en")
    await db.write(_consent, other)
    fresh = await second.begin(other, "survey")
    assert [b.label for b in _question(fresh.replies).buttons] == ["Apples", "Bread"]


async def test_when_the_old_version_is_gone_the_resident_is_told_at_once(
    tmp_path: Path, db: Database, catalogs: Catalogs, hooks: Registry
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "survey.yaml").write_text(SURVEY)
    first = await _host_on(folder, db, catalogs, hooks)
    await db.write(_consent, WHO)
    await first.begin(WHO, "survey")
    await first.handle(WHO, Choose("b", "pick"))
    await first.handle(WHO, Choose("_done", "pick"))  # now at "why"
    # The node they are at is renamed, and the old version was never kept (a database from
    # before versions were kept, say).
    (folder / "survey.yaml").write_text(
        SURVEY.replace("id: why", "id: reason").replace("next: why", "next: reason")
    )
    await db.write(lambda conn: conn.execute("DELETE FROM flow_versions"))
    second = await _host_on(folder, db, catalogs, hooks)
    out = await second.start(WHO)  # /start, or opening the simulator
    texts = _texts(out.replies)
    assert texts[0].startswith("The questions have changed since you started")
    assert _question(out.replies).text.startswith("Which do you like?")
    assert out.participant is not None
    now = await db.read(sessions.active, out.participant.id)
    assert now is not None and '"liked":["b"]' in now.state_json  # their answers are kept


def test_latin_words_of_right_to_left_catalogs_are_matched_without_their_isolates(
    catalogs: Catalogs,
) -> None:
    # Urdu's words for yes and no include "haan" and "nahi", written in the catalog inside
    # bidi isolates (as every Latin run in right-to-left text must be): typed, they matched
    # nothing, as the isolates were compared too.
    words = TranslatedWords(catalogs.get("ur"))
    assert (words.consent("haan"), words.consent("nahi"), words.consent("ہاں")) == (
        "yes",
        "no",
        "yes",
    )
    assert words.consent("\u2068no\u2069") == "no"


def test_an_option_is_found_by_some_of_its_words_only_where_that_is_safe(
    catalogs: Catalogs,
) -> None:
    exact = [Option("yes", "Yes, show exactly where"), Option("no", "No, only the rough area")]
    kinds = [
        Option("skills", "🛠️ Something a person is good at"),
        Option("networks", "👥 A group or club"),
        Option("facilities", "🏠 A place, like a hall, park or library"),
    ]
    bn = TranslatedWords(catalogs.get("bn"))
    # "I don't know" in Bengali was read as "Yes, show exactly where": `\w` split its words
    # into single letters, and any word starting "জ" or "ন" matched.
    assert bn.option("জানি না", exact) is None
    assert bn.option("দেখান না", exact) is None  # "show it, no": a yes or no is never guessed
    assert bn.option("বাদ দিন", kinds) is None  # Skip is the control, not a kind of thing
    english = TranslatedWords(catalogs.get("en"))
    assert english.option("group", kinds) == kinds[1]
    assert english.option("a place", kinds) == kinds[2]
    assert english.option("show exactly", exact) is None
    assert english.option("skip", kinds) is None


SPOKEN = """\
id: spoken
title: Languages
start: first
nodes:
  - id: first
    kind: choice
    text: "Which language did you speak first?"
    save_as: first
    options:
      - {id: en, label: "English"}
      - {id: cy, label: "Cymraeg"}
      - {id: other, label: "Another language"}
    next: food
  - id: food
    kind: choice
    text: "Which do you like?"
    save_as: food
    options:
      - {id: a, label: "Apples"}
      - {id: other, label: "Something else"}
    next: done
  - id: done
    kind: end
    text: "Thanks!"
"""


async def test_a_language_typed_at_a_choice_without_its_button_is_told_which_to_tap(
    tmp_path: Path, db: Database, catalogs: Catalogs, hooks: Registry
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "spoken.yaml").write_text(SPOKEN)
    host = await _host_on(folder, db, catalogs, hooks)
    await db.write(_consent, WHO)
    await host.begin(WHO, "spoken")
    out = await host.handle(WHO, Text("Somali"))
    assert _texts(out.replies)[0] == (
        "Somali is not on the list: tap “Another language” and we will ask which."
    )
    out = await host.handle(WHO, Text("Welsh"))
    assert _texts(out.replies)[-1].startswith("Which do you like?")
    # Options that are not languages: French is no answer there, and is not told it is.
    out = await host.handle(WHO, Text("French"))
    assert _texts(out.replies)[0] == "Please tap one of the buttons."
