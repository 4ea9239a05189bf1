"""The delivery ledger at scale: audiences queued in short transactions, finished ledgers
summarised and pruned with their counts kept (and, for feedback, who it reached)."""

from __future__ import annotations

from datetime import timedelta

from bot.store import broadcasts, initiatives, report, rounds
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx
from bot.store.report import Scope
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW.isoformat()


def _people(conn: Tx, count: int) -> None:
    conn.executemany(
        "INSERT INTO participants (channel, channel_user_id, chat_id, consent_at, created_at) "
        "VALUES ('telegram', ?, ?, ?, ?)",
        [(str(n), str(n), NOW, NOW) for n in range(1, count + 1)],
    )


async def _delivered_to(db: Database, bid: int) -> list[int]:
    """Who a broadcast's ledger has a row for."""
    rows = await db.read(
        lambda conn: conn.execute(
            "SELECT participant_id FROM deliveries WHERE broadcast_id = ? ORDER BY 1", (bid,)
        ).fetchall()
    )
    return [r[0] for r in rows]


async def test_a_large_audience_is_queued_in_chunks(db: Database) -> None:
    chunk = broadcasts.QUEUE_CHUNK
    await db.write(_people, 2 * chunk + chunk // 2)
    bid = await db.write(broadcasts.create, "staff", Audience("everyone"), {}, NOW)
    assert bid is not None
    # Starting queues the first chunk only; each further call queues the next.
    assert await db.write(broadcasts.start, bid, NOW) == broadcasts.QUEUE_CHUNK
    found = await db.read(broadcasts.get, bid)
    assert found is not None and not found.queued_all
    chunks = [await db.write(broadcasts.queue_more, bid, NOW) for _ in range(3)]
    assert chunks == [chunk, chunk // 2, 0]
    found = await db.read(broadcasts.get, bid)
    assert found is not None and found.queued_all
    assert await db.read(broadcasts.counts, bid) == {"queued": 2 * chunk + chunk // 2}
    # Starting again queues nothing twice.
    assert await db.write(broadcasts.start, bid, NOW) == 0


async def test_an_audience_few_belong_to_is_queued_a_stretch_of_participants_at_a_time(
    db: Database,
) -> None:
    await db.write(_people, 60)
    members = [5, 30, 31, 32, 55]
    bid = await db.write(broadcasts.create, "staff", Audience("participants", members), {}, NOW)
    assert bid is not None

    def sending(conn: Tx) -> None:
        conn.execute(
            "UPDATE broadcasts SET status = 'sending', queued_all = 0 WHERE id = ?", (bid,)
        )

    await db.write(sending)
    queued = []
    while not (found := await db.read(broadcasts.get, bid)).queued_all:
        queued.append(await db.write(broadcasts.queue_more, bid, NOW, 2, 20))
    # Ids 1-20, 21-31 (a full chunk), 32-51, 52-60: none, two, one, one.
    assert queued == [1, 2, 1, 1]
    assert await _delivered_to(db, bid) == members
    assert found.queued_upto >= 60


async def test_a_round_audience_is_everyone_who_took_part_and_can_be_told(db: Database) -> None:
    await db.write(_people, 12)

    def took_part(conn: Tx) -> int:
        round_id = rounds.create(
            conn, {"en": "What first?"}, NOW, NOW, [("parks", {"en": "Parks"}, False)]
        )
        topic = rounds.topics(conn, round_id)[0]
        for pid in (2, 3, 7, 11):
            rounds.save_submission(conn, pid, rounds.Submission(round_id, (topic.id,)), NOW)
        conn.execute("UPDATE participants SET opted_out_at = ? WHERE id = 7", (NOW,))
        return round_id

    round_id = await db.write(took_part)
    bid = await db.write(broadcasts.create, "staff", Audience("round", round_id), {}, NOW)
    assert bid is not None
    assert await db.write(broadcasts.start, bid, NOW) == 3
    assert await _delivered_to(db, bid) == [2, 3, 11]  # 7 opted out


async def test_an_initiatives_news_reaches_who_voted_for_or_proposed_its_measures(
    db: Database,
) -> None:
    await db.write(_people, 8)

    def had_a_say(conn: Tx) -> int:
        walks = initiatives.create(conn, {"en": "Walks"}, NOW)
        other = initiatives.create(conn, {"en": "Warm homes"}, NOW)
        voted_for = initiatives.add_measure(conn, walks, {"en": "More walkers"}, NOW)
        initiatives.add_measure(conn, walks, {"en": "Less lonely"}, NOW, proposed_by=2)
        elsewhere = initiatives.add_measure(conn, other, {"en": "Warmer"}, NOW, proposed_by=4)
        for pid, measure in ((1, voted_for), (3, voted_for), (5, voted_for), (6, elsewhere)):
            conn.execute(
                "INSERT INTO measure_votes (measure_id, participant_id, created_at) "
                "VALUES (?, ?, ?)",
                (measure, pid, NOW),
            )
        # Who sent /stop or blocked the bot is not told, as for every audience.
        conn.execute("UPDATE participants SET opted_out_at = ? WHERE id = 3", (NOW,))
        conn.execute("UPDATE participants SET unreachable_at = ? WHERE id = 5", (NOW,))
        return walks

    walks = await db.write(had_a_say)
    audience = Audience("initiative_people", walks)
    reach = await db.read(broadcasts.reach, audience)
    assert (reach.told, reach.stopped, reach.unreachable) == (2, 1, 1)
    bid = await db.write(broadcasts.create, "initiative", audience, {}, NOW)
    assert bid is not None
    assert await db.write(broadcasts.start, bid, NOW) == 2
    assert await _delivered_to(db, bid) == [
        1,
        2,
    ]  # the voter and the proposer; not 4 or 6 (another's)


async def test_a_finished_ledger_is_pruned_and_its_counts_kept(db: Database) -> None:
    await db.write(_people, 30)
    walks = await db.write(initiatives.create, {"en": "Walks"}, NOW)
    news = await _sent(db, "initiative", 25, initiative_id=walks)
    plain = await _sent(db, "staff", 30)  # the 25 still reachable
    # Results cancelled before anyone was sent them: nobody to count.
    cancelled = await db.write(broadcasts.create, "results", Audience("everyone"), {}, NOW)
    assert cancelled is not None
    await db.write(broadcasts.start, cancelled, NOW)
    await db.write(broadcasts.set_status, cancelled, "cancelled", NOW)
    later = (FIXED_NOW + timedelta(days=1)).isoformat()
    # Not before it is old enough.
    assert await db.write(broadcasts.prune, NOW, later) == 0
    rows = []
    while done := await db.write(broadcasts.prune, later, later, 10):
        rows.append(done)
    # The news: none (each call counts one); the plain broadcast and the cancelled: all 25.
    assert rows == [1, 10, 10, 5, 10, 10, 5]
    assert await db.read(broadcasts.counts, news) == {"sent": 25, "unreachable": 5}
    assert await db.read(broadcasts.counts, plain) == {"sent": 25}
    assert await db.read(_ledger_rows) == {news: 30}
    # The QS148 report still counts the people its news reached, as it did.
    assert await db.read(report.feedback_sent, Scope()) == {(walks, "initiative"): 25}


async def _sent(db: Database, kind: str, reached: int, **link: int) -> int:
    """A finished broadcast to everyone reachable, sent to those up to id `reached`."""
    bid = await db.write(broadcasts.create, kind, Audience("everyone"), {}, NOW, **link)
    assert bid is not None
    await db.write(broadcasts.start, bid, NOW)
    claimed = await db.write(broadcasts.claim, bid, 30, NOW, ["telegram"])
    pids = [r.participant_id for r in claimed]
    await db.write(broadcasts.attempting, bid, pids, NOW)
    results = [(pid, "sent" if pid <= reached else "unreachable", None) for pid in pids]
    await db.write(broadcasts.settle, bid, results, NOW)
    await db.write(broadcasts.set_status, bid, "done", NOW)
    return bid


def _ledger_rows(conn: Tx) -> dict[int, int]:
    rows = conn.execute("SELECT broadcast_id, COUNT(*) FROM deliveries GROUP BY 1")
    return {int(r[0]): int(r[1]) for r in rows}
