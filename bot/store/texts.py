"""Texts staff write in several languages, and JSON values, as the store keeps them."""

from __future__ import annotations

import json
from typing import Any

# Locale code -> text, e.g. {"en": "Walking group", "cy": "Grŵp cerdded"}. Built-in texts
# (default topics) hold the English msgid under "en" and are translated by the catalogs.
Texts = dict[str, str]


def dump_texts(texts: Texts) -> str:
    """Texts as stored: a JSON object with sorted keys."""
    return json.dumps(texts, ensure_ascii=False, sort_keys=True)


def load_texts(stored: str | None) -> Texts:
    """Texts from their stored form ({} for none; a bare string counts as English)."""
    if not stored:
        return {}
    value = json.loads(stored)
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"en": str(value)}


def dump(value: Any) -> str | None:
    """A JSON value as stored (None stays NULL)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def load(stored: str | None) -> Any:
    """A stored JSON value (NULL is None)."""
    return None if stored is None else json.loads(stored)
