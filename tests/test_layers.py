"""The layers import one way: telegram/console → host → flows; host, jobs, staff → store;
the engine and the store know nothing of Telegram, and only the store speaks SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO

BOT = REPO / "bot"

# package -> the packages of ours it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "flows": {"i18n"},  # the pure engine: markers for translatable texts, nothing else
    "i18n": set(),
    "store": set(),
    "host": {"flows", "i18n", "store"},
    "staff": {"store", "jobs", "i18n"},
    "jobs": {"store", "flows", "host", "i18n"},
    "console": {"host", "flows", "store", "jobs"},
    "telegram": {"app", "config", "host", "flows", "i18n", "jobs", "staff", "store"},
    # The dashboard is a channel like Telegram, without Telegram: its changes go through staff.
    "web": {"app", "config", "i18n", "jobs", "staff", "store"},
}
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _package(path: Path) -> str:
    parts = path.relative_to(BOT).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


FILES = sorted(BOT.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_imports_go_one_way(path: Path) -> None:
    package = _package(path)
    if package not in ALLOWED:
        return  # wiring and entry points (app, cli, config, logs) may use everything
    ours = {name.split(".")[1] for name in _imports(path) if name.startswith("bot.")}
    assert ours - {package} <= ALLOWED[package], f"{path.name} imports {sorted(ours)}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_telegram_and_sql_stay_in_their_packages(path: Path) -> None:
    package = _package(path)
    modules = {name.split(".")[0] for name in _imports(path)}
    if "telegram" in modules:
        assert package == "telegram", f"{path} imports python-telegram-bot"
    if "sqlite3" in modules or "aiosqlite" in modules:
        assert package == "store", f"{path} uses SQLite directly (use bot.store and its Tx)"
    if package != "store":
        text = path.read_text("utf-8")
        assert not SQL.search(text), f"{path} has SQL outside bot/store/"
