"""What the staff layer says, kept with the English template it was made from, so that the
dashboard can say it in the staff member's language (its `dashboard` catalog: Welsh); the
command line and Telegram read it as the English string it also is.

A template is marked where it is written, as the first argument of `Said(...)`,
`StaffError(...)` or `Refused(...)`, or with `S_(...)` where it is kept to be filled later
(`make i18n` extracts those for the dashboard's catalog), with its values as keyword
arguments: a value that is itself `Said` is translated too. Translators keep the
{placeholders}; a literal brace is written twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def S_(template: str) -> str:
    """Mark a template kept to be filled later (`Said(template, ...)`) for translation."""
    return template


class Said(str):
    """English text ("There is no round 7.") that remembers its template ("There is no
    round {round_id}.") and the values that filled it."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Said:
        made = super().__new__(cls, template.format(**params) if params else template)
        made.template = template
        made.params = params
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (a worker process's error) as what it is, not as the str it looks like.
        return (_remake, (self.template, self.params))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """This text through `gettext`, its `Said` values too."""
        params = {
            name: value.translated(gettext) if isinstance(value, Said) else value
            for name, value in self.params.items()
        }
        # gettext("") is the catalog's header, not a translation of nothing.
        text = gettext(self.template) if self.template else ""
        return text.format(**params) if params else text


def joined(parts: Iterable[str], separator: str = "\n") -> Said:
    """Texts one after another (lines, or a list), each translated on its own where it is
    `Said`."""
    names = {f"part{n}": part for n, part in enumerate(parts)}
    # A template of placeholders only, not marked: there is nothing in it to translate.
    between = separator.replace("{", "{{").replace("}", "}}")
    return Said(between.join("{" + name + "}" for name in names), **names)


def _remake(template: str, params: dict[str, Any]) -> Said:
    return Said(template, **params)
