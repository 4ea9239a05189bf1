"""An initiative's news ("you said, we did") and its check-ins, in each recipient's language,
with the chart of the round its topic was chosen in: the initiative and that round read once
for the whole broadcast, not once for each of its (up to tens of thousands of) recipients."""

from __future__ import annotations

from typing import Any

from bot.app import Core
from bot.jobs.chartworker import InlineCharts
from bot.jobs.compose import BroadcastComposer
from bot.store.broadcasts import Broadcast, Recipient
from tests.conftest import STAFF
from tests.jobs.test_compose_results import _closed_round


def _broadcast(kind: str, content: dict[str, Any]) -> Broadcast:
    broadcast = Broadcast.__new__(Broadcast)
    for name, value in {"id": 7, "kind": kind, "round_id": None, "content": content}.items():
        object.__setattr__(broadcast, name, value)
    return broadcast


def _reads(core: Core) -> list[str]:
    """The database reads made from now on, by the name of what each ran."""
    reads: list[str] = []
    real_read = core.db.read

    async def counting(fn: Any, *args: Any) -> Any:
        reads.append(getattr(fn, "__name__", repr(fn)))
        return await real_read(fn, *args)

    core.db.read = counting  # type: ignore[method-assign]
    return reads


async def test_initiative_news_reads_the_initiative_once_for_all_its_recipients(
    core: Core,
) -> None:
    round_id, topics, first, second = await _closed_round(core)
    initiative = await core.desk.create_initiative(
        STAFF, {"en": "Walks", "cy": "Teithiau cerdded"}, [topics[0].id]
    )
    news = _broadcast(
        "initiative",
        {
            "initiative_id": initiative,
            "status": "active",
            "note": {"en": "The first walk was on Sunday."},
        },
    )
    reads = _reads(core)
    composer = BroadcastComposer(core.db, core.catalogs, InlineCharts())
    english = [Recipient(pid, "telegram", str(pid), "en", False) for pid in first + second]
    welsh = Recipient(first[0], "telegram", str(first[0]), "cy", False)
    composed = [await composer.compose(news, r) for r in [*english, welsh]]

    assert [m.text.splitlines() for m in composed[0]] == [
        [
            "📣 You said, we did: news about “Walks”.",
            "Now: Started",
            "The first walk was on Sunday.",
        ]
    ]
    assert all(messages == composed[0] for messages in composed[:12])
    photo_key = composed[0][0].photo_key
    assert composed[0][0].photo and photo_key and photo_key.startswith(f"results-{round_id}-")
    (in_welsh,) = composed[12]
    assert "Teithiau cerdded" in in_welsh.text
    assert in_welsh.photo and in_welsh.photo_key != photo_key  # the chart in Welsh
    # Two reads for thirteen recipients: the initiative with its round, and the round's
    # results for the chart (it was two reads for each recipient, and the results once).
    assert len(reads) == 2, reads

    # A check-in about the same initiative in the same run reads nothing more.
    check_in = _broadcast("checkin", {"initiative_id": initiative})
    asked = await composer.compose(check_in, english[0])
    assert asked[0].text.startswith("How is “Walks” going?")
    assert len(reads) == 2, reads
    # Once the broadcasts are over it is let go of: a later one reads it as it is then.
    composer.forget()
    await composer.compose(check_in, english[1])
    assert len(reads) == 3, reads
    composer.close()
