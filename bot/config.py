"""Settings from environment variables, with a .env file read if present."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

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
    organisation: str

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
            default_locale=get("DEFAULT_LOCALE", "en") or "en",
            log_level=(get("LOG_LEVEL", "INFO") or "INFO").upper(),
            telegram_api_base_url=get("TELEGRAM_API_BASE_URL", DEFAULT_API_BASE)
            or DEFAULT_API_BASE,
            webhook_url=webhook_url,
            webhook_listen=get("WEBHOOK_LISTEN", "0.0.0.0") or "0.0.0.0",
            webhook_port=_int("WEBHOOK_PORT", get("WEBHOOK_PORT", "8443")),
            webhook_secret=webhook_secret,
            staff_telegram_ids=_ids(get("STAFF_TELEGRAM_IDS", "") or ""),
            organisation=get("ORGANISATION_NAME", "your local health and wellbeing team")
            or "your local health and wellbeing team",
        )


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


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
