"""The topic list a new round starts with, unless staff give their own."""

from __future__ import annotations

from bot.i18n.markers import N_

# (stable key, English label): labels are msgids, translated through the catalogs.
DEFAULT_TOPICS: tuple[tuple[str, str], ...] = (
    ("mental-health", N_("Mental health and loneliness")),
    ("physical-activity", N_("Being more active")),
    ("healthy-food", N_("Healthy food")),
    ("smoking-alcohol-drugs", N_("Smoking, alcohol and drugs")),
    ("housing", N_("Housing and warm homes")),
    ("safe-streets", N_("Safe streets")),
    ("gp-access", N_("Getting to see a GP")),
    ("children-young-people", N_("Children and young people")),
    ("older-people", N_("Support for older people")),
    ("money-worries", N_("Money worries")),
)

DEFAULT_QUESTION = N_("What should we work on first to improve health in our area?")
