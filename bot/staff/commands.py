"""Staff commands as staff type them in the channel they are using: the staff layer's
messages reach Telegram, the command line and the dashboard alike, and a message that says
what to do next must name a command that works where it is read."""

from __future__ import annotations

from bot.staff.actor import StaffError
from bot.staff.said import S_, Said

# Keyed by the command line's name; "{}" is where the argument goes.
_COMMANDS: dict[str, dict[str, str]] = {
    "telegram": {
        "voice-notes": "/voice_notes",
        "voice": "/voice {}",
        "suggestion-link": "/suggestion_link {}",
        "suggestion-unlink": "/suggestion_unlink {}",
        "edit-measure": "/edit measure {}",
        "measure-accept": "/measure_accept {}",
        "measure-adopt": "/measure_adopt {}",
        "measure-reject": "/measure_reject {}",
        "rounds": "/rounds",
        "results": "/results {}",
        "suggestions": "/suggestions",
        "initiatives": "/initiatives",
        "initiative-active": "/initiative_update {} active",
        "measures": "/measures",
        "milestones": "/milestones {}",
        "champions": "/champions",
        "support": "/support_open",
        "support-done": "/support_done {}",
        "areas": "/areas",
        "area-add": "/area_add {}",
    },
    # Every command line command is under "admin": "results 1" alone is not one.
    "cli": {
        "voice-notes": "admin voice-notes",
        "voice": "admin voice {}",
        "suggestion-link": "admin suggestion-link {}",
        "suggestion-unlink": "admin suggestion-unlink {}",
        "edit-measure": "admin edit measure {}",
        "measure-accept": "admin measure-accept {}",
        "measure-adopt": "admin measure-adopt {}",
        "measure-reject": "admin measure-reject {}",
        "rounds": "admin rounds",
        "results": "admin results {}",
        "suggestions": "admin suggestions",
        "initiatives": "admin initiatives",
        "initiative-active": "admin initiative-update {} --status active",
        "measures": "admin measures",
        "milestones": "admin milestones {}",
        "champions": "admin champions",
        "support": "admin support",
        "support-done": "admin support-done {}",
        "areas": "admin areas",
        "area-add": "admin area-add {}",
    },
    # The dashboard has no commands: its Words page lists and plays voice notes and links
    # suggestions (only its not-found message for a voice note names one of these); a
    # measure's words are edited in Telegram or on the command line only.
    "web": {
        "voice-notes": S_("The Words page"),
        "voice": S_("The Words page"),
        "suggestion-link": S_("The Words page"),
        "suggestion-unlink": S_("Unlink, beside the initiative on the Words page"),
        "edit-measure": S_(
            "/edit measure {argument} (in Telegram) or admin edit measure {argument}"
        ),
        "measure-accept": S_("Accept for votes (on the initiative's page)"),
        "measure-adopt": S_("Adopt (on the initiative's page)"),
        "measure-reject": S_("Reject (on the initiative's page)"),
        "rounds": S_("The Rounds page"),
        "results": S_("The Rounds page"),
        "suggestions": S_("The Words page"),
        "initiatives": S_("The Initiatives page"),
        "initiative-active": S_("“You said, we did” on the initiative's page, status active"),
        "measures": S_("The initiative's page"),
        "milestones": S_("The initiative's page"),
        "champions": S_("The Champions page"),
        "support": S_("The Champions page"),
        "support-done": S_("The Champions page"),
        # No areas page: they are defined in Telegram or at the command line.
        "areas": S_("/areas in Telegram (admin areas at the command line)"),
        "area-add": S_("/area_add in Telegram (admin area-add at the command line)"),
    },
}


def command(channel: str, name: str, argument: object = "") -> str:
    """How staff in `channel` ask for `name` (the command line's name), with `argument`;
    Telegram's form in a channel with no commands of its own (the configuration). The
    dashboard's is `Said`: "The Rounds page" is translated where it is shown."""
    if channel == "web":
        return Said(_COMMANDS["web"][name], argument=argument)
    forms = _COMMANDS.get(channel, _COMMANDS["telegram"])
    return forms[name].format(argument).rstrip()


def lists(channel: str, name: str, argument: object = "") -> str:
    """Where staff in `channel` find the ids a not-found message is about: "admin rounds
    lists them", "/rounds lists them", "The Rounds page lists them"."""
    return Said("{command} lists them", command=command(channel, name, argument))


def no_such(
    channel: str, thing: str, number: object, listing: str | None = None, argument: object = ""
) -> StaffError:
    """ "There is no initiative 9. admin initiatives lists them.": a number not found, with
    where staff in `channel` find the numbers (`listing`: the command, if not `thing` + s)."""
    listed = lists(channel, listing or f"{thing}s", argument)
    return StaffError(
        _NO_SUCH.get(thing, _NO_SUCH_THING), thing=thing, number=number, listed=listed
    )


# Whole sentences, one a thing, for the languages that say them differently ("Nid oes
# menter 9", "Nid oes rownd 9").
_NO_SUCH = {
    "champion": S_("There is no champion {number}. {listed}."),
    "initiative": S_("There is no initiative {number}. {listed}."),
    "measure": S_("There is no measure {number}. {listed}."),
    "milestone": S_("There is no milestone {number}. {listed}."),
    "round": S_("There is no round {number}. {listed}."),
    "suggestion": S_("There is no suggestion {number}. {listed}."),
    "topic": S_("There is no topic {number}. {listed}."),
}
_NO_SUCH_THING = S_("There is no {thing} {number}. {listed}.")
