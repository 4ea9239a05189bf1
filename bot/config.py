"""Settings from environment variables, with a .env file read if present."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from bot.i18n.catalogs import DOMAIN, SOURCE_LOCALE, default_locales_dir
from bot.i18n.organisation import Organisation

DEFAULT_DATABASE = "./data/community-voice.sqlite3"
DEFAULT_API_BASE = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the bot reads; documented in .env.example."""

    bot_token: str | None
    database: Path
    flows_dirs: tuple[Path, ...]  # empty: the shipped flows/ folder
    locales_dir: Path | None
    default_locale: str
    log_level: str
    telegram_api_base_url: str
    webhook_url: str | None
    webhook_listen: str
    webhook_port: int
    webhook_secret: str | None
    staff_telegram_ids: frozenset[int]
    organisation: Organisation
    bot_username: str | None = None  # for links made without Telegram (the CLI's posters)
    broadcast_rate: float = 30.0
    paid_broadcast: bool = False
    bot_api_keepalive: bool = True
    quiet_hours: str = "21:00-08:00"
    timezone: str = "Europe/London"
    reminder_after: timedelta = timedelta(hours=24)
    sweep_seconds: float = 60.0
    delivery_retention: timedelta = timedelta(days=90)
    # Residents' data is deleted this long after they were last active (the privacy notice
    # says so, in their language).
    retention: timedelta = timedelta(days=730)
    suppress_below: int = 5
    export_secret: str | None = None
    invite_hours: float = 72.0
    # The staff dashboard (bot/web/): where it listens (port 0: not at all), the address staff
    # open (a reverse proxy's https address), map tiles, and the idle time that signs out.
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    web_public_url: str = ""
    web_tile_url: str = ""
    web_idle_minutes: float = 30.0
    # Telegram's one message a second in a chat. Not a setting anyone should change: tests of
    # whole conversations shorten it, and the fault suite checks the real second.
    chat_spacing: float = 1.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Read settings from `env` (default: the process environment plus ./.env)."""
        if env is None:
            if dotenv:
                load_dotenv(Path.cwd() / ".env", override=False)
            env = dict(os.environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        webhook_url, webhook_secret = get("WEBHOOK_URL"), get("WEBHOOK_SECRET")
        if webhook_url and not webhook_secret:
            raise ConfigError(
                "WEBHOOK_SECRET must be set when WEBHOOK_URL is: Telegram sends it with every "
                "update so that nobody else can post fake ones"
            )
        if webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
            raise ConfigError(
                "WEBHOOK_SECRET may use only letters, digits, _ and - (1 to 256 characters)"
            )
        return cls(
            bot_token=get("BOT_TOKEN"),
            database=Path(get("DATABASE_PATH", DEFAULT_DATABASE) or DEFAULT_DATABASE),
            flows_dirs=tuple(Path(p) for p in (get("FLOWS_DIR") or "").split(os.pathsep) if p),
            locales_dir=_path(get("LOCALES_DIR")),
            default_locale=_default_locale(get("DEFAULT_LOCALE", "en") or "en", get("LOCALES_DIR")),
            log_level=(get("LOG_LEVEL", "INFO") or "INFO").upper(),
            telegram_api_base_url=get("TELEGRAM_API_BASE_URL", DEFAULT_API_BASE)
            or DEFAULT_API_BASE,
            webhook_url=webhook_url,
            webhook_listen=get("WEBHOOK_LISTEN", "0.0.0.0") or "0.0.0.0",
            webhook_port=_int("WEBHOOK_PORT", get("WEBHOOK_PORT", "8443")),
            webhook_secret=webhook_secret,
            staff_telegram_ids=_ids(get("STAFF_TELEGRAM_IDS", "") or ""),
            organisation=_organisation(env, get("ORGANISATION_NAME"), _path(get("LOCALES_DIR"))),
            bot_username=_username(get("BOT_USERNAME")),
            **_broadcast_settings(get, lambda name: name in env),
            **_evidence_settings(get),
            **_web_settings(get),
        )


ORGANISATION_PREFIX = "ORGANISATION_NAME_"


def _languages(locales: Path | None) -> set[str]:
    """The languages we have translations for (English, and each catalog's)."""
    return {SOURCE_LOCALE} | {
        po.parent.parent.name
        for po in (locales or default_locales_dir()).glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    }


def _default_locale(code: str, locales_dir: str | None) -> str:
    # "fr" was taken, and everyone whose language was not known was written to in English.
    # A regional tag is the language's ("en_GB", "pt-BR", "CY"), as a phone's would be.
    have = _languages(_path(locales_dir))
    tag = code.strip().replace("_", "-").lower()
    found = tag if tag in have else tag.split("-")[0]
    if found not in have:
        raise ConfigError(
            f"DEFAULT_LOCALE: '{code}' is not a language we have translations for; use one "
            f"of {', '.join(sorted(have))}"
        )
    return found


def _organisation(env: dict[str, str], name: str | None, locales: Path | None) -> Organisation:
    """ORGANISATION_NAME, and the name in other languages: ORGANISATION_NAME_CY=... (any
    language code we have translations for, in capitals or not)."""
    have = _languages(locales)
    names: dict[str, str] = {}
    for key, value in env.items():
        if not key.upper().startswith(ORGANISATION_PREFIX) or not value.strip():
            continue
        code = key[len(ORGANISATION_PREFIX) :].lower().replace("_", "-")
        if code not in have:
            raise ConfigError(
                f"{key}: '{code}' is not a language we have translations for; use one of "
                f"{', '.join(f'{ORGANISATION_PREFIX}{c.upper()}' for c in sorted(have))}"
            )
        names[code] = value.strip()
    return Organisation.of(name, names)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _username(value: str | None) -> str | None:
    if value is None:
        return None
    name = value.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name):
        raise ConfigError(
            f"BOT_USERNAME must be your bot's username, like my_area_bot, not {value!r}"
        )
    return name


def _int(name: str, value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _ids(value: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in value.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"STAFF_TELEGRAM_IDS must be numeric Telegram user ids separated by commas; "
                f"{part!r} is not one"
            )
        ids.add(int(part))
    return frozenset(ids)


# Telegram's limits: about 30 messages a second overall for free, up to 1000 a second with
# paid broadcasts (allow_paid_broadcast, charged in Stars).
FREE_RATE, PAID_RATE = 30.0, 1000.0


def _flag(value: str | None) -> bool:
    """A yes/no setting: "1", "true" or "yes" (any case) is yes; anything else, or unset, no."""
    return (value or "").lower() in ("1", "true", "yes")


def _broadcast_settings(
    get: Callable[[str, str | None], str | None], given: Callable[[str], bool]
) -> dict[str, Any]:
    paid = _flag(get("PAID_BROADCAST", "false"))
    rate = _float("BROADCAST_RATE", get("BROADCAST_RATE", str(FREE_RATE)))
    ceiling = PAID_RATE if paid else FREE_RATE
    if not 0 < rate <= ceiling:
        hint = "" if paid else " (set PAID_BROADCAST=true to go up to 1000)"
        raise ConfigError(f"BROADCAST_RATE must be more than 0 and at most {ceiling:g}{hint}")
    # Set but empty means "no quiet hours"; not set at all means the default.
    quiet = get("QUIET_HOURS", None) or ("" if given("QUIET_HOURS") else "21:00-08:00")
    zone = get("TIMEZONE", "Europe/London") or "Europe/London"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE {zone!r} is not a time zone name like Europe/London") from None
    if quiet and not re.fullmatch(r"\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*", quiet):
        raise ConfigError(f"QUIET_HOURS must look like 21:00-08:00 (or be empty), not {quiet!r}")
    return {
        "broadcast_rate": rate,
        "paid_broadcast": paid,
        "bot_api_keepalive": _flag(get("BOT_API_KEEPALIVE", "true")),
        "quiet_hours": quiet,
        "timezone": zone,
        "reminder_after": _duration("REMINDER_AFTER", get("REMINDER_AFTER", "24h") or "24h"),
        "sweep_seconds": _float("SWEEP_SECONDS", get("SWEEP_SECONDS", "60")),
        "delivery_retention": _duration(
            "DELIVERY_RETENTION", get("DELIVERY_RETENTION", "90d") or "90d"
        ),
        "retention": _duration("RETENTION", get("RETENTION", "2y") or "2y"),
    }


def _evidence_settings(get: Callable[[str, str | None], str | None]) -> dict[str, Any]:
    suppress = _int("SUPPRESS_BELOW", get("SUPPRESS_BELOW", "5"))
    if suppress < 0:
        raise ConfigError("SUPPRESS_BELOW must be 0 or more (5 hides counts of 1 to 4)")
    secret = get("EXPORT_SECRET", None)
    if secret is not None and len(secret) < 16:
        raise ConfigError("EXPORT_SECRET must be at least 16 characters (a long random string)")
    hours = _float("STAFF_INVITE_HOURS", get("STAFF_INVITE_HOURS", "72"))
    if hours <= 0:
        raise ConfigError("STAFF_INVITE_HOURS must be more than 0")
    return {"suppress_below": suppress, "export_secret": secret, "invite_hours": hours}


def _web_settings(get: Callable[[str, str | None], str | None]) -> dict[str, Any]:
    listen = get("WEB_LISTEN", "127.0.0.1") or "127.0.0.1"
    port = _int("WEB_PORT", get("WEB_PORT", "8080"))
    if not 0 <= port <= 65535:
        raise ConfigError("WEB_PORT must be a port number (0 turns the dashboard off)")
    public = (get("WEB_PUBLIC_URL", None) or "").rstrip("/")
    if public and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", public):
        raise ConfigError(
            f"WEB_PUBLIC_URL must be the address staff open, like https://voice.example.org, "
            f"not {public!r}"
        )
    host = f"[{listen}]" if ":" in listen else listen
    tiles = get("WEB_TILE_URL", None) or ""
    if tiles and not all(part in tiles for part in ("{z}", "{x}", "{y}")):
        raise ConfigError("WEB_TILE_URL must have {z}, {x} and {y} in it, or be empty")
    idle = _float("WEB_IDLE_MINUTES", get("WEB_IDLE_MINUTES", "30"))
    if idle <= 0:
        raise ConfigError("WEB_IDLE_MINUTES must be more than 0")
    return {
        "web_listen": listen,
        "web_port": port,
        "web_public_url": public or f"http://{host}:{port}",
        "web_tile_url": tiles,
        "web_idle_minutes": idle,
    }


def _float(name: str, value: str | None) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None


def _duration(name: str, value: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mo|[smhdy]?)\s*", value)
    if not match:
        raise ConfigError(f"{name} must look like 24h, 90m, 2d, 18mo or 2y, not {value!r}")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "mo": 30 * 86400, "y": 365 * 86400, "": 1}
    return timedelta(seconds=float(match.group(1)) * unit[match.group(2)])
