"""Telling a resident they are a champion now, with their link: from a staff command in
Telegram and from the dashboard, the same words through the same outbox."""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot

from bot.host.host import Host
from bot.host.texts import NOW_CHAMPION
from bot.telegram.outbox import Outbox

log = logging.getLogger(__name__)


class ChampionNotice:
    """Sends the notice in the champion's language; says whether it went."""

    def __init__(self, bot: Bot, host: Host, outbox: Outbox) -> None:
        self.bot = bot
        self.host = host
        self.outbox = outbox

    async def tell(self, participant_id: int) -> bool:
        """True once the champion has been sent their link (not on another channel)."""
        notice = await self.host.champion_notice(participant_id, NOW_CHAMPION)
        if notice is None or notice[0] != "telegram":
            return False
        _, chat_id, text = notice
        try:
            await self.outbox.call(int(chat_id), partial(self.bot.send_message, int(chat_id), text))
        except Exception:
            log.warning("could not send champion %s their link", participant_id, exc_info=True)
            return False
        return True
