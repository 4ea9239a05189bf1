"""What the host itself says to residents (English msgids, translated when shown)."""

from __future__ import annotations

from bot.i18n.markers import N_

ALL_GOOD = N_("Good to hear. Thank you for all you do!")
# A champion told their status changed (bot/staff/notices.py), and reminded by /mylink.
NOW_CHAMPION = N_(
    "Good news: you are now a community champion! Thank you. Here is your own link. "
    "When people join through it, we know they came through you:\n{link}"
)
PAUSED = N_(
    "Your champion role is paused at the moment. People who use your link are still welcome. "
    "Send /support if you would like to talk to our team."
)
ENDED = N_(
    "Your time as a community champion has ended. Thank you for all you did! "
    "People who use your link are still welcome."
)
DECLINED = N_(
    "Thank you for offering to be a community champion. Our team cannot take you on in this "
    "role at the moment. You can still tell us what matters to you: send /menu."
)
# The champions' monthly check-in (sent by the scheduler; answered by a tap or typed words).
CHECK_IN = N_(
    "Hello, community champion! How are things going? If you would like support, "
    "training or a chat with our team, tap below."
)
CHECK_IN_OK = N_("👍 All good")
CHECK_IN_HELP = N_("🙋 I would like support")
# Nothing about answers being saved: what was not sent yet (a vote, an evaluation) is not
# counted, and a resident told "saved" believed they had voted.
LEFT_FLOW = N_("You have stopped these questions. Send /menu to choose something else.")
FLOW_GONE = N_("Those questions are no longer available. Here is the menu.")
NOTHING_TO_CANCEL = N_(
    "You are not answering any questions right now. Send /menu to see what you can do."
)
HELP = N_(
    "Tap the buttons to answer. You can also type the number of an answer.\n"
    "/menu – choose what to do\n"
    "/language – change language\n"
    "/cancel – stop the current questions\n"
    "/privacy – how we use your answers\n"
    "/mydata – get a copy of everything we keep about you\n"
    "/delete – delete everything we keep about you\n"
    "/stop – no more news from us"
)
PRIVACY = N_(
    "This bot is run by {organisation}. We keep your answers, your language and your area, "
    "and delete them {retention} after your last answer. We do not ask for your name. Only our "
    "team can see them. We use them to plan local health work and to tell you what happened.\n"
    "Send /mydata to get a copy, or /delete to remove everything."
)
PICK_LANGUAGE = N_("Which language would you like?")
# TRANSLATORS: a language typed at a question of languages that has no button for it, only one
# for another language ({other}: that button's words; {language}: the name of the language
# typed, in your language, as CLDR writes it, maybe in lower case: "francuski", "francés").
UNLISTED_LANGUAGE = N_("{language} is not on the list: tap “{other}” and we will ask which.")
UNLISTED_LANGUAGES = N_(
    "{language} is not on the list: tap “{other}”, then Done, and we will ask which."
)
LANGUAGE_CHANGED = N_("From now on I will write in {language}.")
STOPPED = N_(
    "You will not get any more news from us. Your answers are kept. "
    "Send /start if you want news again, or /delete to remove everything."
)
NEWS_AGAIN = N_("You will get news from us again.")
DELETED = N_(
    "Done. We have deleted everything we kept about you. "
    "If you send another message, we will start again as if we had never met."
)
DELETED_BUT_MEASURES = N_(
    "Done. We have deleted everything we kept about you, except the words of a measure you "
    "suggested that is now part of an evaluation plan: those words stay, but nothing links "
    "them to you any more. If you send another message, we will start again as if we had "
    "never met."
)
DELETE_QUESTION = N_(
    "Do you want us to delete everything we keep about you? This cannot be undone."
)
DELETE_YES = N_("Yes, delete everything")
DELETE_NO = N_("No, keep it")
# Typed words that are none of a host question's buttons (the flows' own words, too).
TAP_A_BUTTON = N_("Please tap one of the buttons.")
NOTHING_DELETED = N_("Nothing was deleted.")
