"""What each recipient of a broadcast receives, in their own language."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from babel.numbers import format_percent

from bot.flows.callback import encode_callback
from bot.host.hostnodes import CHAMPION_SUPPORT, OPEN_FLOW, RESUME_FLOW
from bot.i18n.catalogs import Catalogs, Translator
from bot.i18n.markers import N_
from bot.jobs.outbound import OutMessage
from bot.store import initiatives, rounds, support
from bot.store.broadcasts import Broadcast, Recipient
from bot.store.db import Database, Tx
from bot.store.texts import Texts

if TYPE_CHECKING:
    from bot.jobs.charts import ChartImage

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption
RESULT_LINES = 5


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


@dataclass(frozen=True, slots=True)
class _Round:
    question: Texts
    participants: int
    ranking: list[tuple[int, Texts, float]]  # topic id, label, share of points


class BroadcastComposer:
    """Builds each recipient's messages; results charts are cached per language and choices."""

    def __init__(
        self,
        db: Database,
        catalogs: Catalogs,
        chart: Callable[..., ChartImage] | None = None,
    ) -> None:
        self.db = db
        self.catalogs = catalogs
        # matplotlib is imported on the first chart, not at start: it is most of the bot's
        # memory, and every long-lived object makes the garbage collector's full passes longer.
        self.chart = chart
        self._rounds: dict[int, _Round] = {}
        # Charts differ only by language and the recipient's choices (at most 3 of a
        # round's topics), so a few hundred renders serve thousands of recipients.
        self._charts = lru_cache(maxsize=512)(self._render)

    async def compose(self, broadcast: Broadcast, recipient: Recipient) -> list[OutMessage]:
        """The messages for one recipient."""
        tr = self.catalogs.get(recipient.locale)
        kind = broadcast.kind
        if kind == "staff":
            return [OutMessage(staff_text(broadcast.content, tr))]
        if kind == "results" and broadcast.round_id is not None:
            return await self._results(broadcast.round_id, recipient, tr)
        if kind == "initiative":
            return [await self._initiative(broadcast.content, tr)]
        if kind == "reminder":
            text = tr.gettext(
                "You started answering some questions but did not finish. "
                "Would you like to carry on? Your answers so far are saved."
            )
            return [OutMessage(text, buttons=(button(tr.gettext("Carry on"), RESUME_FLOW, "go"),))]
        if kind == "checkin":
            found = await self.db.read(initiatives.get, int(broadcast.content["initiative_id"]))
            title = pick_text(found.title, tr) if found else ""
            text = tr.gettext(
                "How is “{title}” going? It only takes a minute to tell us.", title=title
            )
            label = tr.gettext("⭐ Tell us")
            return [OutMessage(text, buttons=(button(label, OPEN_FLOW, "evaluation"),))]
        if kind == "champion" and "support_request" in broadcast.content:
            return [await self._support_answer(int(broadcast.content["support_request"]), tr)]
        if kind == "champion":
            text = tr.gettext(
                "Hello, community champion! How are things going? If you would like support, "
                "training or a chat with our team, tap below."
            )
            return [
                OutMessage(
                    text,
                    buttons=(
                        button(tr.gettext("👍 All good"), CHAMPION_SUPPORT, "ok"),
                        button(tr.gettext("🙋 I would like support"), CHAMPION_SUPPORT, "help"),
                    ),
                )
            ]
        raise ValueError(f"broadcast {broadcast.id}: cannot compose a {kind!r} message")

    async def _support_answer(self, request_id: int, tr: Translator) -> OutMessage:
        found = await self.db.read(support.get, request_id)
        answer = (found.answer or "") if found else ""
        # Staff write in whatever language they can: the framing sentence is the champion's.
        return OutMessage(
            tr.gettext("💬 Our team has answered your request for support:") + "\n\n" + answer
        )

    async def _initiative(self, content: dict[str, Any], tr: Translator) -> OutMessage:
        found = await self.db.read(initiatives.get, int(content["initiative_id"]))
        title = pick_text(found.title, tr) if found else ""
        lines = [tr.gettext("📣 You said, we did: news about “{title}”.", title=title)]
        status = content.get("status")
        if status in STATUS_WORDS:
            lines.append(tr.gettext("Now: {status}", status=tr.gettext(STATUS_WORDS[status])))
        note = content.get("note")
        if note:
            lines.append(pick_text(note, tr))
        return OutMessage("\n".join(lines))

    async def _results(
        self, round_id: int, recipient: Recipient, tr: Translator
    ) -> list[OutMessage]:
        summary = await self._round(round_id)
        mine = tuple(await self.db.read(rounds.choices, recipient.participant_id, round_id))
        # Drawing takes tens of milliseconds: off the event loop, so residents are not kept
        # waiting while results go out.
        image = await asyncio.to_thread(self._charts, round_id, tr.locale, mine)
        lines = [
            tr.ngettext(
                "📊 The question has closed. Here is what {count} person chose:",
                "📊 The question has closed. Here is what {count} people chose:",
                summary.participants,
            )
        ]
        shown = summary.ranking if not image.labels_drawn else summary.ranking[:RESULT_LINES]
        for place, (topic_id, label, share) in enumerate(shown, start=1):
            star = " ★" if topic_id in mine else ""
            percent = format_percent(share, locale=tr.locale)
            lines.append(f"{place}. {pick_text(label, tr)} – {percent}{star}")
        if mine:
            lines.append(tr.gettext("★ = your choices"))
        lines.append(
            tr.gettext(
                "What happens next: our team will plan work on the top choices with local "
                "people, and we will keep you posted."
            )
        )
        caption = "\n".join(lines)
        if len(caption) > CAPTION_LIMIT:
            return [OutMessage("", photo=image.png), OutMessage(caption)]
        return [OutMessage(caption, photo=image.png)]

    async def _round(self, round_id: int) -> _Round:
        cached = self._rounds.get(round_id)
        if cached is not None:
            return cached
        found, results, count = await self.db.read(_round_summary, round_id)
        total = sum(r.points for r in results) or 1
        summary = _Round(
            question=found.question if found else {},
            participants=count,
            ranking=[(r.topic.id, r.topic.label, r.points / total) for r in results],
        )
        self._rounds[round_id] = summary
        return summary

    def _render(self, round_id: int, locale: str, mine: tuple[int, ...]) -> ChartImage:
        from bot.jobs.charts import Bar, render_results_chart

        summary = self._rounds[round_id]
        tr = self.catalogs.get(locale)
        bars = [
            Bar(pick_text(label, tr), share, topic_id in mine)
            for topic_id, label, share in summary.ranking
        ]
        draw = self.chart or render_results_chart
        return draw(
            bars,
            title=tr.gettext("What people chose"),
            locale=locale,
            highlight_note=tr.gettext("★ = your choices") if mine else "",
        )


def staff_text(content: dict[str, Any], tr: Translator) -> str:
    """A staff message in the recipient's language: their text, a template, or English."""
    template = content.get("template")
    if template in TEMPLATES:
        return tr.gettext(TEMPLATES[template])
    return pick_text(content.get("texts") or {}, tr)


def pick_text(texts: Texts, tr: Translator) -> str:
    """Staff text in the reader's language, else English, else any; built-in texts (English
    msgids) are translated through the catalogs."""
    chosen = texts.get(tr.locale) or texts.get("en") or next(iter(texts.values()), "")
    return tr.gettext(chosen) if chosen else ""


def fallback_count(content: dict[str, Any], per_locale: dict[str, int]) -> int:
    """How many recipients will get the English text because theirs was not given."""
    if content.get("template") in TEMPLATES:
        return 0  # templates are translated through the catalogs
    given = set((content.get("texts") or {}).keys())
    return sum(n for locale, n in per_locale.items() if locale not in given)


def _round_summary(
    conn: Tx, round_id: int
) -> tuple[rounds.Round | None, list[rounds.TopicResult], int]:
    return (
        rounds.get(conn, round_id),
        rounds.results(conn, round_id),
        rounds.participant_count(conn, round_id),
    )
