"""What each recipient of a broadcast receives, in their own language."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from bot.flows.callback import encode_callback
from bot.host import deeplinks, texts
from bot.host.hostnodes import CHAMPION_SUPPORT, OPEN_FLOW, RESUME_FLOW
from bot.host.textsplit import CAPTION_LIMIT, units
from bot.i18n.catalogs import Catalogs, Translator
from bot.i18n.markers import N_
from bot.jobs.chartworker import ChartWorker
from bot.jobs.drawing_wait import drawn
from bot.jobs.outbound import OutMessage
from bot.jobs.results import ChartSpec, Results, caption, chart_spec
from bot.store import broadcasts, champions, initiatives, rounds, support
from bot.store.broadcasts import Broadcast, Recipient
from bot.store.champions import declined
from bot.store.db import Database, Tx
from bot.store.texts import Texts

T = TypeVar("T")

log = logging.getLogger(__name__)

# At most this long drawing a broadcast's charts before its first message (a drawing takes a
# tenth to a third of a second; the worker process a second or two to start): a drawing stuck
# longer must not hold up everyone, nor keep a pause from being seen.
PREPARE_AT_MOST = 30.0

# Residents' own choices repeat (1,682 different ones, language included, among 58,799 in the
# benchmark's round): each is composed once, up to this many at a time.
COMPOSED_AT_MOST = 4096

# Ready-made messages staff can pick instead of writing their own: translated for everyone.
TEMPLATES: dict[str, str] = {
    "new-round": N_(
        "We have a new question for you about what we should work on first. "
        "Send /menu and choose “Help choose what we work on first”."
    ),
    "thank-you": N_(
        "Thank you for taking part. What you tell us is shaping what happens in our area."
    ),
    "evaluation": N_(
        "Please tell us how our projects are going. "
        "Send /menu and choose “Tell us how a project is going”."
    ),
}

STATUS_WORDS = {
    "planned": N_("Planned"),
    "active": N_("Started"),
    "paused": N_("Paused"),
    "finished": N_("Finished"),
}


def button(label: str, node: str, option: str) -> tuple[str, str]:
    """A button for a host question; session 0 means "not bound to a flow session"."""
    return label, encode_callback("0", node, option)


class Charts(Protocol):
    """Draws results charts (in a worker process, or inline in tests)."""

    async def draw(self, spec: ChartSpec) -> bytes:
        """The chart as a PNG."""
        ...

    def close(self) -> None:
        """Let go of whatever drawing needs."""
        ...


class BroadcastComposer:
    """Builds each recipient's messages. A round's results are read once and its chart
    drawn once per language, however many residents it goes to."""

    def __init__(
        self,
        db: Database,
        catalogs: Catalogs,
        charts: Charts | None = None,
        bot_username: Callable[[], str] = lambda: "",
    ) -> None:
        self.db = db
        self.catalogs = catalogs
        self.bot_username = bot_username  # for a champion's link (learnt at start)
        self.charts = charts or ChartWorker()
        self._read_results: dict[int, asyncio.Task[Results]] = {}
        self._drawn: dict[str, asyncio.Task[bytes]] = {}
        # Recipients' own choices, asked for together: a sender starts a whole batch of
        # recipients at once, and one read for all of them replaces one read each (a tenth of
        # the bot's CPU at 1,000 messages a second).
        self._wanted: dict[int, dict[int, asyncio.Future[frozenset[int]]]] = {}
        self._reader: asyncio.Task[None] | None = None
        # A round's results message by language and the resident's own choices: composing
        # one (its caption and chart's name) was a quarter of the bot's time at 1,000/s.
        self._composed: dict[tuple[int, str, frozenset[int]], tuple[OutMessage, ...]] = {}
        # An initiative's news or check-in: the initiative and the round its topic was
        # chosen in, read once for all the broadcast's recipients rather than once each.
        self._initiatives: dict[int, asyncio.Task[_Chosen]] = {}
        # Charts whose drawing failed for the recipients who needed them (one that failed
        # ahead is tried once more first): those and the rest of the broadcast get the text
        # alone, rather than nothing, and nobody draws it again until the broadcasts end.
        self._undrawable: set[str] = set()

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        """The messages for one recipient."""
        tr = self.catalogs.get(recipient.locale)
        kind = broadcast.kind
        if kind == "staff":
            return [OutMessage(staff_text(broadcast.content, tr))]
        if kind == "results" and broadcast.round_id is not None:
            return await self._results(broadcast.round_id, recipient, tr)
        if kind == "initiative":
            return await self._initiative(broadcast, tr)
        if kind == "reminder":
            text = tr.gettext(
                "You started answering some questions but did not finish. "
                "Would you like to carry on? Your answers so far are saved."
            )
            return [OutMessage(text, buttons=(button(tr.gettext("Carry on"), RESUME_FLOW, "go"),))]
        if kind == "checkin":
            found, _ = await self._initiative_of(broadcast)
            title = pick_text(found.title, tr) if found else ""
            text = tr.gettext(
                "How is “{title}” going? It only takes a minute to tell us.", title=title
            )
            label = tr.gettext("⭐ Tell us")
            return [OutMessage(text, buttons=(button(label, OPEN_FLOW, "evaluation"),))]
        if kind == "champion" and "support_request" in broadcast.content:
            return [await self._support_answer(int(broadcast.content["support_request"]), tr)]
        if kind == "champion" and "notice" in broadcast.content:
            return await self._notice(str(broadcast.content["notice"]), recipient, tr)
        if kind == "champion" and "message" in broadcast.content:
            # Staff write in whatever language they can: the framing is the champion's.
            said = str(broadcast.content["message"])
            return [
                OutMessage(
                    tr.gettext("💬 A message from our team:")
                    + f"\n\n{said}\n\n"
                    + tr.gettext("To answer, send /support.")
                )
            ]
        if kind == "champion":
            return [
                OutMessage(
                    tr.gettext(texts.CHECK_IN),
                    buttons=(
                        button(tr.gettext(texts.CHECK_IN_OK), CHAMPION_SUPPORT, "ok"),
                        button(tr.gettext(texts.CHECK_IN_HELP), CHAMPION_SUPPORT, "help"),
                    ),
                    # "All good" typed in reply answers it, as the button does.
                    asks=CHAMPION_SUPPORT,
                )
            ]
        raise ValueError(f"broadcast {broadcast.id}: cannot compose a {kind!r} message")

    async def prepare(self, broadcast: Broadcast, channels: Sequence[str]) -> None:
        """Draw the broadcast's chart in the language of each recipient still to be sent to
        on `channels`, before anyone's message is composed. Drawn as the first recipient in
        each language needed it, a thousand deliveries or more waited for the drawings at the
        start of a broadcast at 1000/s, 7 MB of them, and the memory Python took for them
        stayed after the broadcast (bench/broadcast.py)."""
        round_id = await self._chart_round(broadcast)
        if round_id is None:
            return
        languages = await self.db.read(broadcasts.languages_to_send, broadcast.id, channels)
        if not languages:
            return
        results = await self._once(self._read_results, round_id, lambda: self._read(round_id))
        drawings: dict[str, asyncio.Task[bytes]] = {}  # by chart: languages may share one
        for locale in languages:
            spec = chart_spec(results, self.catalogs.get(locale))
            if spec is not None:
                drawings[spec.key] = self._drawing(spec)
        if not drawings:
            return
        # asyncio.wait cancels none of them: a drawing not done in time goes on, for those who
        # need it. (A gather under wait_for, cancelled at shutdown, was left holding an error
        # nobody read, which asyncio printed as it stopped.)
        done, pending = await asyncio.wait(drawings.values(), timeout=PREPARE_AT_MOST)
        for drawing in done:
            if not drawing.cancelled():
                drawing.exception()  # read: a failed one is tried again for who needs it
        if pending:
            log.warning(
                "broadcast %s: charts not drawn after %.0f s; sending those that are",
                broadcast.id,
                PREPARE_AT_MOST,
            )

    async def _chart_round(self, broadcast: Broadcast) -> int | None:
        """The closed round whose chart the broadcast's messages carry, if any."""
        if broadcast.kind == "results":
            return broadcast.round_id
        if broadcast.kind != "initiative":
            return None
        _, round_id = await self._initiative_of(broadcast)
        return round_id

    async def _initiative_of(self, broadcast: Broadcast) -> _Chosen:
        """The broadcast's initiative, and the round its topic was chosen in once that round
        has closed (None before): as they were when its first recipient needed them."""
        initiative_id = int(broadcast.content["initiative_id"])
        return await self._once(
            self._initiatives, initiative_id, lambda: self.db.read(_chosen, initiative_id)
        )

    def _drawing(self, spec: ChartSpec) -> asyncio.Task[bytes]:
        return _task(self._drawn, spec.key, lambda: self.charts.draw(spec))

    async def _notice(self, status: str, recipient: Recipient, tr: Translator) -> list[OutMessage]:
        """A champion told their status changed, as /mylink would tell them; nothing if it
        has changed again since (reactivated at once in Telegram after a pause queued at the
        command line, "paused" would come after "you are now a champion")."""
        found = await self.db.read(champions.of_participant, recipient.participant_id)
        if found is None or found.status != status:
            return []
        if status == "active":
            link = deeplinks.link(self.bot_username(), found.code)
            return [OutMessage(tr.gettext(texts.NOW_CHAMPION, link=link))]
        if status == "paused":
            return [OutMessage(tr.gettext(texts.PAUSED))]
        return [OutMessage(tr.gettext(texts.DECLINED if declined(found) else texts.ENDED))]

    async def _support_answer(self, request_id: int, tr: Translator) -> OutMessage:
        found = await self.db.read(support.get, request_id)
        answer = (found.answer or "") if found else ""
        # Staff write in whatever language they can: the framing sentence is the champion's.
        return OutMessage(
            tr.gettext("💬 Our team has answered your request for support:") + "\n\n" + answer
        )

    async def _initiative(self, broadcast: Broadcast, tr: Translator) -> list[OutMessage]:
        content = broadcast.content
        found, round_id = await self._initiative_of(broadcast)
        title = pick_text(found.title, tr) if found else ""
        lines = [tr.gettext("📣 You said, we did: news about “{title}”.", title=title)]
        status = content.get("status")
        if status in STATUS_WORDS:
            lines.append(tr.gettext("Now: {status}", status=tr.gettext(STATUS_WORDS[status])))
        note = content.get("note")
        if note:
            lines.append(pick_text(note, tr))
        # With the chart of the round its topics were chosen in, once that round has closed.
        if round_id is None:
            return [OutMessage("\n".join(lines))]
        results = await self._once(self._read_results, round_id, lambda: self._read(round_id))
        return await self._with_chart("\n".join(lines), results, tr)

    async def _with_chart(self, text: str, results: Results, tr: Translator) -> list[OutMessage]:
        """The text with the round's chart in the reader's language: drawn once per
        language, and sent under one key whatever the message, so it is uploaded once."""
        spec = chart_spec(results, tr)
        if spec is None or spec.key in self._undrawable:
            return [OutMessage(text)]
        drawing = self._drawing(spec)
        try:
            # Shielded: a delivery stopped while it waits must not stop the drawing the
            # others wait for too.
            png = drawing.result() if drawing.done() else await drawn(asyncio.shield(drawing))
        except Exception:
            if not drawing.done() or drawing.cancelled():
                raise
            if spec.key not in self._undrawable:
                self._undrawable.add(spec.key)
                log.exception("chart %s could not be drawn: sending the text alone", spec.key)
            return [OutMessage(text)]
        key = f"results-{results.round_id}-{spec.key}"
        if units(text) > CAPTION_LIMIT:
            return [OutMessage("", photo=png, photo_key=key), OutMessage(text)]
        return [OutMessage(text, photo=png, photo_key=key)]

    async def _results(
        self, round_id: int, recipient: Recipient, tr: Translator
    ) -> list[OutMessage]:
        results = await self._once(self._read_results, round_id, lambda: self._read(round_id))
        mine = await self._mine(round_id, recipient.participant_id)
        key = (round_id, tr.locale, mine)
        found = self._composed.get(key)
        if found is None:
            found = tuple(await self._with_chart(caption(results, mine, tr), results, tr))
            if len(self._composed) >= COMPOSED_AT_MOST:
                self._composed.clear()
            self._composed[key] = found
        return list(found)

    async def _mine(self, round_id: int, participant_id: int) -> frozenset[int]:
        wanted = self._wanted.setdefault(round_id, {})
        future = wanted.get(participant_id)
        if future is None:
            future = wanted[participant_id] = asyncio.get_running_loop().create_future()
        if self._reader is None:
            self._reader = _shared(self._read_choices())
        return await asyncio.shield(future)

    async def _read_choices(self) -> None:
        wanted = self._wanted
        try:
            await asyncio.sleep(0)  # the rest of the batch asks meanwhile
            wanted, self._wanted, self._reader = self._wanted, {}, None
            for round_id, futures in wanted.items():
                found = await self.db.read(rounds.choices_of, list(futures), round_id)
                for participant_id, future in futures.items():
                    if not future.done():
                        future.set_result(frozenset(found.get(participant_id, ())))
        except BaseException as exc:
            if self._wanted is wanted:  # stopped before taking them: let nobody wait on
                self._wanted, self._reader = {}, None
            for futures in wanted.values():
                for future in futures.values():
                    if future.done():
                        continue
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            if not isinstance(exc, Exception):
                raise

    async def _read(self, round_id: int) -> Results:
        found, ranking, count, under_way = await self.db.read(_round_summary, round_id)
        # Residents are shown no firsts, but the order of topics level on "chose it" would
        # say which first is bigger: the order staff see, at residents' fixed threshold.
        shown = rounds.in_order(ranking, rounds.SMALLEST_SHOWN)
        question = found.question if found else {}
        return Results(round_id, question, count, tuple(shown), under_way)

    async def _once(
        self,
        cache: dict[Any, asyncio.Task[T]],
        key: object,
        make: Callable[[], Awaitable[T]],
    ) -> T:
        # Many recipients are composed at once: the first asks, the others wait for it (and
        # one of them stopped does not stop it for the rest).
        return await asyncio.shield(_task(cache, key, make))

    def forget(self) -> None:
        """Let go of what the broadcasts that have finished needed: the messages composed,
        the results and initiatives read and the charts drawn (their PNGs; Telegram's
        file_id for each is in the database, so a later broadcast draws them again but does
        not upload them). A later broadcast reads its initiative as it is then."""
        self._composed.clear()
        self._read_results.clear()
        self._initiatives.clear()
        self._drawn.clear()
        self._undrawable.clear()

    def close(self) -> None:
        """Forget cached results, initiatives and charts, and stop drawing."""
        self.forget()
        self.charts.close()


def staff_text(content: dict[str, Any], tr: Translator) -> str:
    """A staff message in the recipient's language: their text, a template, or English."""
    template = content.get("template")
    if template in TEMPLATES:
        return tr.gettext(TEMPLATES[template])
    return pick_text(content.get("texts") or {}, tr)


def pick_text(texts: Texts, tr: Translator) -> str:
    """Staff text in the reader's language, else the default language, else English, else
    any; built-in texts (English msgids) are translated through the catalogs."""
    return tr.pick(texts)


def untranslated(content: dict[str, Any], locales: Iterable[str]) -> list[str]:
    """The recipients' languages that will get the English text because theirs was not
    given."""
    if content.get("template") in TEMPLATES:
        return []  # templates are translated through the catalogs
    given = set((content.get("texts") or {}).keys())
    return sorted(set(locales) - given)


# An initiative (None if deleted) and the closed round its topic was chosen in.
_Chosen = tuple[initiatives.Initiative | None, int | None]


def _chosen(conn: Tx, initiative_id: int) -> _Chosen:
    found = initiatives.get(conn, initiative_id)
    chosen_in = rounds.get(conn, found.round_id) if found and found.round_id else None
    return found, (chosen_in.id if chosen_in and chosen_in.status == "closed" else None)


def _round_summary(
    conn: Tx, round_id: int
) -> tuple[rounds.Round | None, list[rounds.TopicResult], int, frozenset[int]]:
    return (
        rounds.get(conn, round_id),
        rounds.results(conn, round_id),
        rounds.participant_count(conn, round_id),
        initiatives.topics_under_way(conn, round_id),
    )


def _task(
    cache: dict[Any, asyncio.Task[T]], key: object, make: Callable[[], Awaitable[T]]
) -> asyncio.Task[T]:
    """The task under `key`, started if there is none or it failed."""
    task = cache.get(key)
    if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
        task = cache[key] = _shared(make())
    return task


def _shared(work: Awaitable[T]) -> asyncio.Task[T]:
    """A task many deliveries wait for, in a context of its own: created in the first one's,
    it would keep that delivery's sender run (drawing_wait's callback) alive while cached."""
    return asyncio.get_running_loop().create_task(_awaited(work), context=contextvars.Context())


async def _awaited(work: Awaitable[T]) -> T:
    return await work
