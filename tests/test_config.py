"""Settings: every one documented, bad values refused with a message naming the setting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.config import ConfigError, Settings
from tests.conftest import REPO


def test_every_setting_read_is_documented_in_env_example_and_readme() -> None:
    source = (REPO / "bot" / "config.py").read_text("utf-8")
    read = set(re.findall(r'get\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(), re.M))
    readme = (REPO / "README.md").read_text("utf-8")
    assert read and read <= documented, read - documented
    assert all(f"`{name}`" in readme for name in read), [n for n in read if f"`{n}`" not in readme]


def test_defaults() -> None:
    s = Settings.from_env({}, dotenv=False)
    assert str(s.database) == "data/community-voice.sqlite3"
    assert (s.broadcast_rate, s.quiet_hours, s.timezone) == (30.0, "21:00-08:00", "Europe/London")
    assert s.reminder_after == timedelta(hours=24)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAFF_TELEGRAM_IDS": "12, bob"}, "STAFF_TELEGRAM_IDS"),
        ({"WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET must be set"),
        ({"WEBHOOK_PORT": "eighty"}, "WEBHOOK_PORT"),
        ({"BROADCAST_RATE": "100"}, "PAID_BROADCAST=true"),
        ({"BROADCAST_RATE": "2000", "PAID_BROADCAST": "true"}, "at most 1000"),
        ({"QUIET_HOURS": "late"}, "QUIET_HOURS"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"REMINDER_AFTER": "tomorrow"}, "REMINDER_AFTER"),
        ({"DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE: 'fr' is not a language we have"),
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, dotenv=False)


def test_empty_quiet_hours_mean_none_and_unset_means_the_default() -> None:
    assert Settings.from_env({"QUIET_HOURS": ""}, dotenv=False).quiet_hours == ""
    assert Settings.from_env({"QUIET_HOURS": "  "}, dotenv=False).quiet_hours == ""
    assert Settings.from_env({}, dotenv=False).quiet_hours == "21:00-08:00"
    assert Settings.from_env({"QUIET_HOURS": "22:00-07:00"}, dotenv=False).quiet_hours == (
        "22:00-07:00"
    )


def test_the_organisation_may_be_named_in_each_language() -> None:
    settings = Settings.from_env(
        {
            "ORGANISATION_NAME": "Riverside Health Team",
            "ORGANISATION_NAME_CY": "Tîm Iechyd Glan-yr-afon",
            "organisation_name_pl": "Zespół Zdrowia Riverside",
            "ORGANISATION_NAME_UR": " ",  # empty: as if not set
        },
        dotenv=False,
    )
    assert settings.organisation.name == "Riverside Health Team"
    assert dict(settings.organisation.names) == {
        "cy": "Tîm Iechyd Glan-yr-afon",
        "pl": "Zespół Zdrowia Riverside",
    }
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"ORGANISATION_NAME_WELSH": "Tîm"}, dotenv=False)
    assert str(refused.value).startswith(
        "ORGANISATION_NAME_WELSH: 'welsh' is not a language we have translations for; use one "
        "of ORGANISATION_NAME_AR, ORGANISATION_NAME_BN, ORGANISATION_NAME_CY"
    )
    assert Settings.from_env({}, dotenv=False).organisation.name is None  # the translated default


def test_the_per_language_organisation_name_is_documented() -> None:
    example = (REPO / ".env.example").read_text("utf-8")
    readme = (REPO / "README.md").read_text("utf-8")
    assert re.search(r"^ORGANISATION_NAME_CY=", example, re.M)
    assert "`ORGANISATION_NAME_CY`" in readme


def test_the_keepalive_transport_is_on_unless_turned_off() -> None:
    assert Settings.from_env({}, dotenv=False).bot_api_keepalive is True
    assert Settings.from_env({"BOT_API_KEEPALIVE": "true"}, dotenv=False).bot_api_keepalive
    assert not Settings.from_env({"BOT_API_KEEPALIVE": "no"}, dotenv=False).bot_api_keepalive
    assert not Settings.from_env({"BOT_API_KEEPALIVE": "false"}, dotenv=False).bot_api_keepalive


def test_a_regional_default_locale_is_its_language() -> None:
    for code, language in (("en_GB", "en"), ("pt-BR", "pt"), ("CY", "cy"), ("ur", "ur")):
        assert Settings.from_env({"DEFAULT_LOCALE": code}, dotenv=False).default_locale == language
