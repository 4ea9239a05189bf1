"""The fault suite's scenarios: each runs the real bot process against the double, does harm,
and returns its figures, each with the target it must meet."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.logs import secrets_of
from bot.store import broadcasts
from bot.store.broadcasts import Audience
from bot.store.db import Database, Tx
from tests.faults.botproc import STAFF_ID, TOKEN, BotProcess
from tests.faults.residents import OPT_IN, Resident
from tests.jobs.conftest import residents
from tgdouble import BOT_ID, BOT_USERNAME, DoubleServer, FakeBotAPI, Limits

MESSAGES = ("sendMessage", "sendPhoto", "sendDocument", "sendVoice")
# Every pointer to a private chat, in whichever language, carries the bot's link.
POINTER = f"https://t.me/{BOT_USERNAME}"
# What the sender logs (at DEBUG) when its request slots grow: the most a crash can leave in doubt.
SLOTS = re.compile(r"up to (\d+) requests in flight")


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure and whether it meets its target."""

    scenario: str
    name: str
    value: str
    target: str
    ok: bool


def figure(scenario: str, name: str, value: object, target: str, ok: bool) -> Figure:
    return Figure(scenario, name, str(value), target, ok)


def leaked(text: str) -> int:
    """How many times any form of the token appears in `text`."""
    return sum(text.count(secret) for secret in secrets_of(TOKEN))


def busiest_second(api: FakeBotAPI) -> int:
    """The most message requests (retries included) to one chat within any one second."""
    times: dict[object, list[float]] = {}
    for call in api.calls():
        if call.method in MESSAGES:
            times.setdefault(call.chat_id, []).append(call.time)
    worst = 0
    for stamps in times.values():
        stamps.sort()
        start = 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= 1.0:
                start += 1
            worst = max(worst, end - start + 1)
    return worst


def _rows(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute(sql, params))


# -- kill -9 during residents' flows ------------------------------------------------------------


async def flows_under_kill9(
    folder: Path, kills: int, people: int = 20, seed: int = 1
) -> list[Figure]:
    """Residents answer; the bot is killed at random moments and started again."""
    name = "kill -9 during flows"
    rng = random.Random(seed)
    api = FakeBotAPI()
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder)
        await bot.start()
        crowd = [Resident(api, 20_001 + n) for n in range(people)]
        for _ in range(kills):
            tasks = [asyncio.ensure_future(_walk(r)) for r in crowd]
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            await bot.kill()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await bot.start()
            await api.wait_idle(quiet=0.3, timeout=20)
            await asyncio.gather(*(r.resume() for r in crowd))
        await bot.stop()
        await api.aclose()
    acknowledged = {answer for r in crowd for answer in r.acknowledged}
    saved = {str(value).strip('"') for (value,) in _rows(bot.db, "SELECT value_json FROM answers")}
    lost = len(acknowledged - saved)
    failed = sum(r.failed_resumes for r in crowd)
    resumed = sum(r.resumed for r in crowd)
    return [
        figure(name, "kill -9", bot.starts - 1, f">= {kills}", bot.starts - 1 >= kills),
        figure(name, "acknowledged answers lost", f"{lost} of {len(acknowledged)}", "0", lost == 0),
        figure(name, "failed resumes", f"{failed} of {resumed + failed}", "0", failed == 0),
        figure(name, "tracebacks", bot.tracebacks(), "0", bot.tracebacks() == 0),
        figure(
            name,
            "message requests to one chat in 1 s",
            busiest_second(api),
            "<= 1",
            busiest_second(api) <= 1,
        ),
    ]


async def _walk(resident: Resident) -> None:
    while await resident.act():
        pass


# -- kill -9 and SIGTERM mid-broadcast ----------------------------------------------------------


async def broadcast_crashes(
    folder: Path, rate: int, recipients: int, kills: int, latency: float = 0.02, seed: int = 2
) -> list[Figure]:
    """A broadcast killed (and once stopped) mid-send, then resumed each time."""
    name = f"broadcast at {rate}/s"
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    database = await Database.open(folder / "bot.sqlite3")
    await residents(database, recipients, start=50_000)
    bid = await database.write(
        broadcasts.create, "staff", Audience("everyone"), {"texts": {"en": "News"}}, now
    )
    assert bid is not None
    await database.write(broadcasts.start, bid, now)
    await database.close()
    api = FakeBotAPI(
        limits=Limits(global_per_second=rate, per_chat_per_second=1.0), latency=latency
    )
    settings = {"BROADCAST_RATE": str(rate), "PAID_BROADCAST": "true" if rate > 30 else "false"}
    left = 0  # in doubt after the kills so far
    per_kill: list[tuple[int, int]] = []  # (left in doubt by a kill, request slots it had)
    term_code = None
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder, settings)
        for n in range(kills + 1):
            await bot.start()
            goal = len(api.all_sent()) + rng.randint(max(1, rate // 10), max(2, rate // 2))
            await api.wait_for(lambda goal=goal: len(api.all_sent()) >= goal, timeout=30)
            if n == kills:
                term_code = await bot.stop()
                break
            await bot.kill()
            slots = max(int(n) for n in SLOTS.findall(bot.this_run()))
            now_left = _in_doubt(bot.db, bid)
            per_kill.append((now_left - left, slots))
            left = now_left
        await bot.start()
        await _finished(bot.db, bid)
        await bot.stop()
        await api.aclose()
    got = Counter(m.chat_id for m in api.all_sent())
    states = dict(
        _rows(
            bot.db,
            "SELECT p.chat_id, d.state FROM deliveries d JOIN participants p "
            "ON p.id = d.participant_id WHERE d.broadcast_id = ?",
            bid,
        )
    )
    doubt = [chat for chat, state in states.items() if state == "sending"]
    lost = [chat for chat in doubt if got[int(str(chat))] == 0]
    twice = sum(1 for count in got.values() if count > 1)
    wrong = [
        c for c, s in states.items() if s != "sending" and (s != "sent" or got[int(str(c))] != 1)
    ]
    within = all(doubted <= slots for doubted, slots in per_kill)
    shown = ", ".join(f"{d} of {s}" for d, s in per_kill)
    return [
        figure(name, "kills / SIGTERM", f"{kills} / 1", f"{kills} / 1", True),
        figure(name, "recipients sent twice", twice, "0", twice == 0),
        figure(name, "not in doubt, not sent exactly once", len(wrong), "0", not wrong),
        figure(
            name,
            "in doubt per kill, of request slots",
            shown,
            "<= the slots in flight",
            within,
        ),
        figure(
            name,
            "in doubt: reached Telegram / lost",
            f"{len(doubt) - len(lost)} / {len(lost)}",
            "reported, never resent",
            len(lost) <= len(doubt),
        ),
        figure(
            name,
            "in doubt after SIGTERM",
            _in_doubt(bot.db, bid) - left,
            "0",
            _in_doubt(bot.db, bid) == left and term_code == 0,
        ),
        figure(
            name,
            "per-chat breaches / 429s",
            f"{api.stats.per_chat_breaches} / {api.stats.too_many_requests}",
            "0 / 0",
            api.stats.per_chat_breaches == 0 == api.stats.too_many_requests,
        ),
        figure(name, "tracebacks", bot.tracebacks(), "0", bot.tracebacks() == 0),
    ]


def _in_doubt(db: Path, bid: int) -> int:
    [(count,)] = _rows(
        db, "SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ? AND state = 'sending'", bid
    )
    return int(str(count))


async def _finished(db: Path, bid: int, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while _rows(db, "SELECT status FROM broadcasts WHERE id = ?", bid) != [("done",)]:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the broadcast did not finish")
        await asyncio.sleep(0.2)


# -- injected Telegram faults while residents answer ---------------------------------------------

FAULTS = ("429", "500", "timeout", "timeout delivered", "reset", "reset delivered")


async def injected_faults(
    folder: Path, seconds: float, people: int = 12, seed: int = 3
) -> list[Figure]:
    """Residents answer while Telegram fails in every way it does, at random."""
    name = "injected faults"
    rng = random.Random(seed)
    api = FakeBotAPI()
    kinds: Counter[str] = Counter()
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder)
        await bot.start()
        crowd = [Resident(api, 30_001 + n) for n in range(people)]
        blocked, gone = 30_900, 30_901
        for user in (blocked, gone):
            api.send_command(user, "start")
        api.inject_403("*", blocked, times=None)
        api.fail_next(
            "*", status=400, description="Bad Request: chat not found", times=None, chat_id=gone
        )
        tasks = [asyncio.ensure_future(_persist(r)) for r in crowd]
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.25)
            chat = rng.choice(crowd).user
            method = rng.choice(
                ["sendMessage", "sendMessage", "editMessageText", "answerCallbackQuery"]
            )
            kind = rng.choice(FAULTS)
            kinds[kind] += 1
            where = chat if method != "answerCallbackQuery" else None
            if kind == "429":
                api.inject_429(method, retry_after=1, chat_id=where)
            elif kind == "500":
                api.inject_500(method, chat_id=where)
            elif kind.startswith("timeout"):
                api.inject_timeout(method, 6.0, chat_id=where, deliver=kind.endswith("delivered"))
            else:
                api.inject_reset(method, chat_id=where, deliver=kind.endswith("delivered"))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        api.clear_faults()
        await api.wait_idle(quiet=0.5, timeout=30)
        [(unreachable,)] = _rows(
            bot.db,
            "SELECT COUNT(*) FROM participants WHERE unreachable_at IS NOT NULL "
            "AND channel_user_id IN (?, ?)",
            str(blocked),
            str(gone),
        )
        await bot.stop()
        await api.aclose()
    twice = _repeats(api, crowd)
    sorry = sum(1 for m in api.all_sent() if (m.text or "").startswith("Sorry, something went"))
    steps = sum(len(r.acknowledged) + r.resumed for r in crowd)
    return [
        figure(
            name,
            "faults injected",
            ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
            "every kind",
            len(kinds) == len(FAULTS),
        ),
        figure(name, "tracebacks", bot.tracebacks(), "0", bot.tracebacks() == 0),
        figure(name, "same message twice in a row", twice, "0", twice == 0),
        figure(name, "apologies for Telegram's faults", sorry, "0", sorry == 0),
        figure(
            name,
            "message requests to one chat in 1 s",
            busiest_second(api),
            "<= 1",
            busiest_second(api) <= 1,
        ),
        figure(
            name,
            "403 / chat not found marked unreachable",
            f"{unreachable} of 2",
            "2 of 2",
            unreachable == 2,
        ),
        figure(name, "residents' answers acknowledged", steps, "> 0", steps > 0),
    ]


async def _persist(resident: Resident) -> None:
    """A resident who, when the bot says nothing (a message lost in a fault), sends /start."""
    while True:
        if not await resident.act(timeout=8):
            await resident.resume(timeout=15)


def _repeats(api: FakeBotAPI, crowd: list[Resident]) -> int:
    """Messages delivered twice in a row to a chat that no second thing from the resident
    explains: a retry of a message that had already arrived.

    The same question twice is right when the resident sent something for each: a tap, then
    /start while the tap's answer was held up by Telegram's faults, gets the question once for
    the tap and once more for /start, both after the /start. So a pair counts when the
    resident did nothing after the first, and at most one thing since the bot's message before
    it (the one thing both would then be answering)."""
    found = 0
    for resident in crowd:
        said = sorted(resident.actions)
        sent = [
            (c.time, repr(c.params.get("text")), repr(c.params.get("reply_markup")))
            for c in api.calls("sendMessage")
            if c.chat_id == resident.user and c.status == 200
        ]
        before = [float("-inf")] + [t for t, *_ in sent]
        for s0, (t1, *m1), (t2, *m2) in zip(before, sent, sent[1:], strict=False):
            after_first = any(t1 < t <= t2 for t in said)
            answering = sum(1 for t in said if s0 < t <= t2)
            if m1 == m2 and not after_first and answering < 2:
                found += 1
    return found


# -- fuzzed updates ------------------------------------------------------------------------------


async def fuzzed_updates(folder: Path, count: int) -> list[Figure]:
    """Thousands of updates of every kind, valid as PTB builds them, and often absurd."""
    from tests.faults.fuzz import generate

    name = "fuzzed updates"
    fuzzed = generate(count)
    api = FakeBotAPI()
    settings = {"LOG_LEVEL": "INFO", "BROADCAST_RATE": "1000", "PAID_BROADCAST": "true"}
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder, settings)
        await bot.start()
        for start in range(0, len(fuzzed), 200):
            for n, (kind, payload) in enumerate(fuzzed[start : start + 200], start):
                # Hypothesis draws the same few ids again and again; spread them so that a
                # handful of updates share a chat (as residents do), not thousands: one chat
                # is answered one message a second.
                api.enqueue(kind, _spread(payload, 100_000 + (n // 5) * 10_000))
            await api.wait_for(lambda: api.pending_updates < 100, timeout=120)
        await api.wait_idle(quiet=1.0, timeout=120)
        since = len(api.sent(40_001))
        api.send_command(40_001, "start")
        answering = True
        try:
            await api.wait_for(lambda: len(api.sent(40_001)) > since, timeout=15)
        except TimeoutError:
            answering = False
        await bot.stop()
        await api.aclose()
    groups = Counter(m.chat_id for m in api.all_sent() if m.chat_id < 0)
    extra = sum(count - 1 for count in groups.values()) + sum(
        1 for m in api.all_sent() if m.chat_id < 0 and POINTER not in (m.text or "")
    )
    [(misbound,)] = _rows(
        bot.db,
        "SELECT COUNT(*) FROM participants WHERE chat_id != channel_user_id "
        "OR CAST(chat_id AS INTEGER) < 0",
    )
    crashes = bot.output().count("Error while parsing updates")
    return [
        figure(name, "updates (hypothesis, PTB types)", len(fuzzed), ">= requested", True),
        figure(
            name,
            "unhandled exceptions",
            bot.tracebacks() + crashes,
            "0",
            bot.tracebacks() + crashes == 0,
        ),
        figure(
            name,
            "group chats told / messages beyond the pointer",
            f"{len(groups)} / {extra}",
            "0 beyond",
            extra == 0,
        ),
        figure(name, "participants bound to a chat not their own", misbound, "0", misbound == 0),
        figure(name, "still answering afterwards", "yes" if answering else "no", "yes", answering),
    ]


def _spread(value: Any, offset: int) -> Any:
    """`value` with every user and chat id moved by `offset` (away from 0, signs kept)."""
    if isinstance(value, dict):
        moved = {key: _spread(item, offset) for key, item in value.items()}
        ident = value.get("id")
        if (
            isinstance(ident, int)
            and ident != BOT_ID
            and ("first_name" in value or "type" in value)
        ):
            moved["id"] = ident + offset if ident > 0 else ident - offset
        return moved
    if isinstance(value, list):
        return [_spread(item, offset) for item in value]
    return value


# -- the token in no log ---------------------------------------------------------------------


async def token_never_logged(folder: Path, cases: int = 3) -> list[Figure]:
    """A revoked token at start and while polling, and a proxy page that echoes the request
    path: the bot ends with a clear word and a non-zero code, the token in no output."""
    name = "token"
    figures = []
    for case in ("revoked at start", "proxy echoes the path", "revoked while polling")[:cases]:
        api = FakeBotAPI()
        if case == "revoked at start":
            api.token = "999000:another-token"
        elif case == "proxy echoes the path":
            echo = f"Bad Gateway for /bot{TOKEN}/getMe (/bot{quote(TOKEN, safe='')}/getMe)"
            api.fail_next("getMe", status=502, description=echo, times=None)
        async with DoubleServer(api) as server:
            bot = BotProcess(server, folder / case.replace(" ", "-"))
            bot.folder.mkdir()
            await bot.start(ready=case == "revoked while polling")
            if case == "revoked while polling":
                api.send_command(50_001, "start")
                await api.wait_sent(50_001, 1, timeout=15)
                api.token = "999000:another-token"
            code = await bot.exited(30)
            if code is None:
                code = await bot.stop()
            await api.aclose()
        said = bot.output()
        clear = "rejected the bot token" in said or "could not start" in said
        figures.append(
            figure(
                name,
                f"{case}: exit code / token in output",
                f"{code} / {leaked(said)}",
                "non-zero, said why / 0",
                code not in (0, None) and clear and leaked(said) == 0,
            )
        )
    return figures


# -- staff actions by a resident ---------------------------------------------------------------


ACTIONS = ("send-1", "pause-1", "resume-1", "cancel-1")
STAFF_TABLES = (
    "rounds",
    "topics",
    "initiatives",
    "initiative_updates",
    "measures",
    "champions",
    "assets",
    "broadcasts",
    "support_requests",
    "audit_log",
)


async def staff_from_a_resident(folder: Path) -> list[Figure]:
    """A resident tries every staff command and button the bot has (read from its handlers,
    so a new one is covered without a word here): nothing may change."""
    name = "staff commands from a resident"
    commands, patterns = await _staff_handlers(folder)
    await _seed(folder / "bot.sqlite3")
    before = _dump(folder / "bot.sqlite3")
    api = FakeBotAPI()
    mallory = 70_001
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder)
        await bot.start()
        api.send_command(mallory, "start")
        await api.wait_sent(mallory, 1, timeout=15)
        # Residents, a new one for each try: one chat is answered one message a second.
        tries = [(f"/{command} 1 active 2027-01-01 everyone\nHello", None) for command in commands]
        tries += [("", pattern + action) for pattern in patterns for action in ACTIONS]
        for n, (text, data) in enumerate(sorted(tries, key=str), start=1):
            user = mallory + n
            if data is None:
                api.send_text(user, text)
            else:
                api.send_text(user, "hello")
                api.press(user, 1, data)
        await api.wait_idle(quiet=1.0, timeout=90)
        await bot.stop()
        await api.aclose()
    after = _dump(folder / "bot.sqlite3")
    refused = sum(
        1
        for n in range(1, len(commands) + 1 + 4 * len(patterns))
        for m in api.sent(mallory + n)
        if "only staff" in (m.text or "").lower()
    )
    told = refused + sum(1 for a in api.callback_answers if a[1] and "only staff" in a[1].lower())
    changed = [table for table in STAFF_TABLES if before[table] != after[table]]
    tries = len(commands) + 4 * len(patterns)
    return [
        figure(
            name,
            "commands / buttons tried",
            f"{len(commands)} / {4 * len(patterns)}",
            "every staff handler",
            len(commands) >= 20 and patterns != [],
        ),
        figure(name, "staff actions done", ", ".join(changed) or 0, "0", not changed),
        figure(name, "told it is for staff only", f"{told} of {tries}", "every try", told == tries),
        figure(name, "tracebacks", bot.tracebacks(), "0", bot.tracebacks() == 0),
    ]


async def _staff_handlers(folder: Path) -> tuple[set[str], list[str]]:
    """Every command and button pattern the bot's Application handles, less the residents'."""
    from telegram.ext import CallbackQueryHandler, CommandHandler

    from bot.app import open_core
    from bot.config import Settings
    from bot.telegram.application import COMMANDS, build_application

    residents_own = {name for name, _ in COMMANDS} | {"mylink", "myposter", "mystats", "support"}
    env = {"BOT_TOKEN": TOKEN, "DATABASE_PATH": str(folder / "bot.sqlite3")}
    commands: set[str] = set()
    patterns: list[str] = []
    async with open_core(Settings.from_env(env, dotenv=False)) as core:
        app = build_application(core)
        for handlers in app.handlers.values():
            for handler in handlers:
                if isinstance(handler, CommandHandler):
                    commands |= set(handler.commands)
                elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
                    pattern = getattr(handler.pattern, "pattern", handler.pattern)
                    patterns.append(str(pattern).lstrip("^"))
    return commands - residents_own, patterns


async def _seed(db: Path) -> None:
    """What staff commands would act on: a round, initiatives, measures, a champion, an
    asset, a support request and a draft broadcast, all with id 1."""
    from bot.store import assets, champions, participants, support
    from tests.conftest import STAFF

    now = datetime.now(UTC).isoformat()
    database = await Database.open(db)
    try:
        from bot.staff.desk import StaffDesk
        from bot.staff.staffing import StaffRoster

        desk = StaffDesk(database, lambda: datetime.now(UTC))
        await desk.seed_demo(STAFF)
        # The admin from STAFF_TELEGRAM_IDS, as a bot that has run before has them: the start
        # then writes nothing, and any audit row after it is an action by the resident.
        await StaffRoster(desk).seed_admins([STAFF_ID])

        def more(conn: Tx) -> None:
            someone = participants.find_or_create(conn, "telegram", "70900", "70900", now)
            champion = champions.create(conn, someone.id, "c-seeded-code", now)
            support.create(conn, champion, someone.id, "help please", now)
            assets.save(conn, someone.id, assets.Nomination("skills", "cooking"), now)
            broadcasts.create(conn, "staff", Audience("everyone"), {"texts": {"en": "x"}}, now)

        await database.write(more)
    finally:
        await database.close()


def _dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    dump = {table: _rows(db, f"SELECT * FROM {table} ORDER BY rowid") for table in STAFF_TABLES}
    # The bot itself tells staff of a waiting request (alerted_at): not an action by anyone.
    dump["support_requests"] = _rows(
        db, "SELECT id, status, answer, answer_sent, answered_by FROM support_requests"
    )
    return dump


# -- /delete, and expiry after the retention period ---------------------------------------------


def _marks(user: int) -> dict[str, str]:
    """What one resident leaves in the database: words, file ids, their champion code."""
    return {
        kind: f"{kind.upper()}-{user}"
        for kind in ("area", "voice", "asset", "place", "other", "worked", "measure", "idea")
    } | {"code": f"c-code-of-{user}", "user": str(user)}


async def _everywhere(db: Path, user: int, pid: int) -> None:
    """Rows for `user` in every kind of table a resident reaches, as their flows write them."""
    from bot.store import assets, champions, initiatives, participants, rounds, support

    now = datetime.now(UTC).isoformat()
    m = _marks(user)
    database = await Database.open(db)
    try:

        def write(conn: Tx) -> None:
            champion = champions.create(conn, pid, m["code"], now, status="active")
            support.create(conn, champion, pid, {"voice": m["voice"], "duration": 4}, now)
            nomination = assets.Nomination("skills", m["asset"], {"place": m["place"]})
            assets.save(conn, pid, nomination, now)
            [round_id] = [r.id for r in rounds.all_rounds(conn, "open")][:1]
            topic = rounds.topics(conn, round_id)[0].id
            rounds.save_submission(
                conn, pid, rounds.Submission(round_id, (topic,), m["other"]), now
            )
            initiative = initiatives.all_initiatives(conn)[0].id
            kept = initiatives.add_measure(
                conn, initiative, {"en": m["measure"]}, now, proposed_by=pid
            )
            initiatives.set_measure_status(conn, kept, "adopted", now)
            initiatives.add_measure(conn, initiative, {"en": m["idea"]}, now, proposed_by=pid)
            initiatives.save_votes(conn, pid, initiatives.Votes(initiative, (kept,)), now)
            evaluation = initiatives.Evaluation(initiative, now[:10], {kept: 4}, m["worked"])
            initiatives.save_evaluation(conn, pid, evaluation, now)
            newcomer = conn.execute("SELECT MAX(id) + 1000 FROM participants").fetchone()[0]
            other = participants.find_or_create(conn, "telegram", str(newcomer), str(newcomer), now)
            champions.record_referral(conn, other.id, champion, m["code"], now)
            listed = Audience("participants", [pid, other.id])
            broadcasts.create(conn, "reminder", listed, {}, now, status="done")

        await database.write(write)
    finally:
        await database.close()


def _traces(db: Path, user: int, pid: int) -> list[str]:
    """Every place in the database (table.column) still holding something of the resident:
    one of their words, file ids or code, their user id, or their participant id where a
    column points at participants or a broadcast lists people."""
    found = []
    marks = [m for k, m in _marks(user).items() if k != "user"]
    for (table,) in _rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        refs = {
            str(r[3])
            for r in _rows(db, f'PRAGMA foreign_key_list("{table}")')
            if r[2] == "participants"
        }
        for row in _rows(db, f'SELECT * FROM "{table}"'):
            names = [r[1] for r in _rows(db, f'PRAGMA table_info("{table}")')]
            for column, value in zip(names, row, strict=True):
                text = str(value)
                if any(mark in text for mark in marks) or text == str(user):
                    found.append(f"{table}.{column}: {text[:60]}")
                elif (column in refs or (table, column) == ("participants", "id")) and value == pid:
                    found.append(f"{table}.{column} = participant {pid}")
                elif (table, column) == ("broadcasts", "audience") and pid in (
                    json.loads(text).get("value") or [] if '"participants"' in text else []
                ):
                    found.append(f"{table}.{column} lists participant {pid}")
    return found


async def delete_leaves_nothing(folder: Path) -> list[Figure]:
    """A resident with rows in every table deletes their data: nothing of them is left; the
    retention expiry erases another the same way."""
    name = "/delete"
    await _seed(folder / "bot.sqlite3")
    api = FakeBotAPI()
    rhian, sam = 60_001, 60_002
    async with DoubleServer(api) as server:
        bot = BotProcess(server, folder)
        await bot.start()
        pids = {}
        for user in (rhian, sam):
            person = Resident(api, user)
            for _ in range(2):  # /start, consent
                await person.act(timeout=10)
            api.send_text(user, _marks(user)["area"])  # their area, in their words
            await api.wait_for(lambda u=user: OPT_IN in (api.last(u).text or ""), timeout=10)
            [(pid,)] = _rows(
                bot.db, "SELECT id FROM participants WHERE channel_user_id = ?", str(user)
            )
            pids[user] = int(str(pid))
        await bot.stop()
        for user in (rhian, sam):
            await _everywhere(bot.db, user, pids[user])
        before = _traces(bot.db, rhian, pids[rhian])
        await bot.start()
        sent = len(api.sent(rhian))
        api.send_command(rhian, "mydata")
        [*_, document] = await api.wait_sent(rhian, sent + 1, timeout=15)
        export = (document.document_bytes or b"").decode()
        missing = [m for k, m in _marks(rhian).items() if k != "user" and m not in export]
        api.send_command(rhian, "delete")
        await api.wait_sent(rhian, sent + 2, timeout=15)
        await asyncio.sleep(1.1)  # one message a second in a chat
        api.tap(rhian, "Yes, delete everything")
        await api.wait_for(lambda: "deleted everything" in (api.last(rhian).text or ""), 15)
        told = "those words stay" in (api.last(rhian).text or "")
        await bot.stop()
        left = _traces(bot.db, rhian, pids[rhian])
        kept = [t for t in left if t.startswith("measures.text")]
        # Sam has been silent longer than the retention period: the sweep erases him.
        bot.settings["RETENTION"] = "1s"
        await asyncio.sleep(1.2)
        await bot.start()
        with contextlib.suppress(TimeoutError):
            await api.wait_for(lambda: _gone(bot.db, sam), timeout=10)
        await bot.stop()
        await api.aclose()
    expired = [t for t in _traces(bot.db, sam, pids[sam]) if not t.startswith("measures.text")]
    leftover = [t for t in left if t not in kept]
    return [
        figure(name, "places holding the resident before", len(before), "> 10", len(before) > 10),
        figure(name, "of them missing from /mydata", ", ".join(missing) or 0, "0", not missing),
        figure(name, "left after /delete (row, text, file id)", len(leftover), "0", not leftover),
        figure(
            name,
            "adopted measure's words kept, unlinked, and said so",
            "yes" if kept and told else "no",
            "yes",
            len(kept) == 1 and told,
        ),
        figure(name, "left after the retention expiry", len(expired), "0", not expired),
        figure(name, "tracebacks", bot.tracebacks(), "0", bot.tracebacks() == 0),
    ]


def _gone(db: Path, user: int) -> bool:
    return not _rows(db, "SELECT 1 FROM participants WHERE channel_user_id = ?", str(user))
