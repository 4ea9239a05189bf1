"""Checks that the translation template and catalogs are complete and safe to ship.

`check_template` compares a fresh extraction (babel.cfg: the Python code and the flows) with
locales/messages.pot, so a string added without running `make i18n` is caught.
`check_catalogs` checks every locales/<code>/LC_MESSAGES/messages.po against the template:
every message translated (all plural forms), nothing fuzzy, the language's CLDR plural rule in
the Plural-Forms header, the same {placeholders} as the English, and that it compiles.

Every function returns human-readable problems, one string each; an empty list means all is well.
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from gettext import c2py
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message, parse_separated_header
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError, read_po, unescape

from bot.i18n.catalogs import DOMAIN

MAPPING_FILE = "babel.cfg"
TEMPLATE = Path("locales") / f"{DOMAIN}.pot"
# babel.cfg names the flow extractor by its entry point; here it is imported directly, so the
# check works without the project being installed.
FLOW_METHOD = "community_voice_flows"
FLOW_EXTRACTOR = "bot.i18n.extract:extract_flow"
# The same keywords and comment tag as `make i18n` passes to pybabel extract.
KEYWORDS: dict[str, Any] = {
    **DEFAULT_KEYWORDS,
    "N_": None,
    "N_plural": (1, 2),
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
COUNT = "count"  # Translator.ngettext fills {count} with n
# Plural rules are compared on these numbers: 0-999 and some millions, where Spanish, Portuguese
# and others have a form of their own ("many": 1 000 000 de personas).
SAMPLE = (*range(1000), 1_000_000, 1_000_001, 2_000_000, 1_000_000_000)
_LONG = 60
# The header entry: an empty msgid directly followed by its msgstr lines.
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_HEADER = re.compile(rf'^msgid ""[ \t]*\r?\nmsgstr((?:[ \t]*{_QUOTED.pattern}[ \t]*\r?\n?)+)', re.M)
_READ_ERRORS = (OSError, ValueError, UnicodeDecodeError, PoFileError, UnknownLocaleError)
# In right-to-left text a Latin run ("/mydata", "GP", "CF10", "Community Voice") must sit in
# a bidi isolate (U+2066-U+2068 ... U+2069), or its neighbours can be reordered around it.
_OPENS, _PDI, FSI = "\u2066\u2067\u2068", "\u2069", "\u2068"
# Latin letters with their accents ("Română", "Español"): ASCII alone cut a name into pieces
# at each accented letter, and each piece was isolated on its own.
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_LATIN_WORD = rf"[{_LATIN}/](?:[{_LATIN}0-9_/.@'-]*[{_LATIN}0-9_])?"  # not ending in a full stop
_LATIN_RUN = re.compile(rf"{_LATIN_WORD}(?: {_LATIN_WORD})*")
_LATIN_LETTER = re.compile(f"[{_LATIN}]")
_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")

_Key = str | tuple[str, str]


# -- the template ----------------------------------------------------------------------------


def extract_catalog(
    repo_root: Path, mapping: str = MAPPING_FILE, keywords: dict[str, Any] | None = None
) -> Catalog:
    """Extract every message, as `make i18n` does, into a catalog (not written anywhere).
    Another domain (the staff dashboard's) has its own mapping file and keywords."""
    with (repo_root / mapping).open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, mapping)  # type: ignore[no-untyped-call]
    methods = [
        (pattern, FLOW_EXTRACTOR if method == FLOW_METHOD else method)
        for pattern, method in method_map
    ]
    catalog = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(repo_root),
        methods,
        options_map,
        keywords=KEYWORDS if keywords is None else keywords,
        comment_tags=COMMENT_TAGS,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def extract_messages(repo_root: Path) -> set[str]:
    """The msgids (for plurals: the singular) that extraction finds now."""
    return {_singular(message) for message in _messages(extract_catalog(repo_root))}


def template_messages(pot: Path) -> set[str]:
    """The msgids (for plurals: the singular) in a template or catalog file."""
    return {_singular(message) for message in _messages(_read(pot))}


def check_template(
    repo_root: Path, pot: Path | None = None, extracted: Catalog | None = None
) -> list[str]:
    """Differences between a fresh extraction (by default, the residents' messages) and the
    template, each naming the msgid."""
    pot = pot or repo_root / TEMPLATE
    if not pot.is_file():
        return [f"{_shown(pot, repo_root)} is missing: run make i18n"]
    try:
        template = _read(pot)
    except _READ_ERRORS as exc:
        return [f"{_shown(pot, repo_root)} cannot be read: {exc}"]
    fresh = extracted if extracted is not None else extract_catalog(repo_root)
    current = {_key(message): message for message in _messages(fresh)}
    shipped = {_key(message): message for message in _messages(template)}
    name = _shown(pot, repo_root)
    problems = [
        f"{name} lacks {_describe(message)} from {_where(message)}: run make i18n"
        for key, message in current.items()
        if key not in shipped
    ]
    problems += [
        f"{name} has {_describe(message)}, which is no longer used: run make i18n"
        for key, message in shipped.items()
        if key not in current
    ]
    problems += [
        f"{name} has {_describe(shipped[key])} with a different plural: run make i18n"
        for key, message in current.items()
        if key in shipped and _plural_id(message) != _plural_id(shipped[key])
    ]
    return problems


# -- the catalogs ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PluralRule:
    """A language's plural rule as gettext needs it: the number of forms, the expression that
    picks one, and the CLDR category (zero, one, two, few, many, other) of each form."""

    forms: int
    expression: str
    categories: tuple[str, ...]

    @property
    def header(self) -> str:
        """The value Plural-Forms should have."""
        return f"nplurals={self.forms}; plural={self.expression};"

    def pick(self) -> Callable[[int], int]:
        """The expression as a function of n."""
        return c2py(self.expression)


RuleSource = Callable[[str], PluralRule]


def cldr_rule(code: str) -> PluralRule:
    """The CLDR plural rule of a language, as the installed babel gives it."""
    locale = Locale.parse(code)
    rule = get_plural(locale)
    pick = c2py(rule.plural_expr)
    categories = [""] * rule.num_plurals
    for n in SAMPLE:
        form = pick(n)
        if not categories[form]:
            categories[form] = str(locale.plural_form(n))
    return PluralRule(rule.num_plurals, rule.plural_expr, tuple(categories))


def check_catalogs(
    locales_dir: Path, pot: Path, rules: RuleSource = cldr_rule, domain: str = DOMAIN
) -> list[str]:
    """Problems with every locales_dir/<code>/LC_MESSAGES/<domain>.po, checked against `pot`.

    `rules` gives each language's plural rule (default: CLDR through the installed babel).
    """
    try:
        template = _read(pot)
    except _READ_ERRORS as exc:
        return [f"{pot.name} cannot be read: {exc}"]
    problems: list[str] = []
    for po in sorted(locales_dir.glob(f"*/LC_MESSAGES/{domain}.po")):
        problems += check_catalog(po, template, rules)
    return problems


def check_catalog(po: Path, template: Catalog, rules: RuleSource = cldr_rule) -> list[str]:
    """Problems with one catalog; its locale code is the name of its folder."""
    code = po.parent.parent.name
    try:
        locale = Locale.parse(code)
        rule = rules(code)
    except (UnknownLocaleError, ValueError, KeyError):
        return [f"{code}: '{code}' is not a locale code babel knows"]
    try:
        raw = po.read_bytes()
        catalog = _read_bytes(raw, locale)
        header = _header(raw.decode(catalog.charset or "utf-8", errors="replace"))
    except _READ_ERRORS as exc:
        return [f"{code}: {po.name} cannot be read: {exc}"]
    language = locale.english_name or code
    header_problems = _header_problems(header, catalog.fuzzy, language, rule)
    problems = [f"{code}: {p}" for p in header_problems]
    # With a wrong plural rule nobody knows which form is which yet, so any may drop {count}.
    rule_form = rule.pick() if not header_problems else None

    wanted = {_key(message) for message in _messages(template)}
    for expected in _messages(template):
        entry = catalog.get(expected.id, context=expected.context)
        name = _describe(expected)
        if entry is None:
            old = catalog.obsolete.get(_key(expected))
            hint = " (only as an obsolete #~ entry)" if old is not None else ""
            problems.append(f"{code}: {name} is missing{hint}: run make i18n")
            continue
        if _plural_id(entry) != _plural_id(expected):
            if _plural(entry) == _plural(expected):
                wrong = "has a different msgid_plural from the template's"
            else:
                wrong = "should be a plural entry" if _plural(expected) else "should not be plural"
            problems.append(f"{code}: {name} {wrong}: run make i18n")
            continue
        if entry.fuzzy:
            problems.append(
                f"{code}: {name} is fuzzy: check the translation, then remove the fuzzy flag"
            )
            continue
        problems += [
            f"{code}: {p}"
            for p in _translation_problems(
                expected, entry, rule_form, locale.character_order == "right-to-left"
            )
        ]
    problems += [
        f"{code}: {_describe(message)} is not in the template: run make i18n"
        for message in _messages(catalog)
        if _key(message) not in wanted
    ]
    try:
        write_mo(io.BytesIO(), catalog, use_fuzzy=False)
    except Exception as exc:  # any failure here would stop the bot from starting
        problems.append(f"{code}: {po.name} does not compile: {exc}")
    return problems


def _header_problems(
    header: dict[str, str], fuzzy: bool, language: str, rule: PluralRule
) -> list[str]:
    expected = f"use {rule.header}"
    if not header:
        return [f'the header entry (msgid "") is missing; it needs Plural-Forms: {expected}']
    problems = []
    if fuzzy:
        # pybabel compile skips a catalog whose header is fuzzy.
        problems.append("the header is marked fuzzy: remove '#, fuzzy' above msgid \"\"")
    # Read from the file itself: babel's Catalog quietly falls back to the locale's rule when
    # the header has none, but other gettext tools would not.
    if "plural-forms" not in header:
        return [*problems, f"the Plural-Forms header is missing: {expected}"]
    params = parse_separated_header(f" ;{header['plural-forms']}")
    nplurals, expression = params.get("nplurals", ""), params.get("plural", "")
    if not nplurals.isdigit() or not expression:
        return [*problems, f"Plural-Forms needs nplurals and plural: {expected}"]
    return problems + _rule_problems(int(nplurals), expression, language, rule)


def _rule_problems(nplurals: int, expression: str, language: str, rule: PluralRule) -> list[str]:
    expected = f"use {rule.header}"
    right = rule.pick()
    if nplurals != rule.forms:
        return [
            f"Plural-Forms has nplurals={nplurals}, but {language} has {rule.forms} plural "
            f"forms ({_forms_by_example(rule, right)}): {expected}"
        ]
    try:
        form = c2py(expression)
    except (ValueError, SyntaxError):
        return [f"Plural-Forms has an invalid plural expression {expression!r}: {expected}"]
    for n in SAMPLE:
        try:
            picked = form(n)
        except ArithmeticError:
            return [f"Plural-Forms fails for n={n} ({expression}): {expected}"]
        if picked != right(n):
            return [
                f"Plural-Forms picks form {picked} for n={n}, but {language} uses form "
                f"{right(n)} ({rule.categories[right(n)]}) for it: {expected}"
            ]
    return []


def _forms_by_example(rule: PluralRule, pick: Callable[[int], int]) -> str:
    """Each form's category and the first number that takes it: "zero n=0, one n=1, ..."."""
    first: dict[int, int] = {}
    for n in SAMPLE:
        first.setdefault(pick(n), n)
    return ", ".join(
        f"{category} n={first[i]}" if i in first else category
        for i, category in enumerate(rule.categories)
    )


def bare_latin(text: str) -> list[str]:
    """Latin runs of a right-to-left text that are not inside a bidi isolate ({placeholders}
    do not count: their values are isolated when they are filled in)."""
    return [run for _, _, run in _bare_runs(text)]


def isolate_latin(text: str) -> str:
    """`text` with every bare Latin run wrapped in FSI ... PDI."""
    for start, end, _ in reversed(_bare_runs(text)):
        text = f"{text[:start]}{FSI}{text[start:end]}{_PDI}{text[end:]}"
    return text


def _bare_runs(text: str) -> list[tuple[int, int, str]]:
    visible = list(_FIELD.sub(lambda m: " " * len(m.group()), text))
    depth = 0
    for i, char in enumerate(visible):
        if char in _OPENS:
            depth += 1
        elif char == _PDI:
            depth = max(0, depth - 1)
        if depth or char in _OPENS or char == _PDI:
            visible[i] = " "
    return [
        (m.start(), m.end(), m.group())
        for m in _LATIN_RUN.finditer("".join(visible))
        if _LATIN_LETTER.search(m.group())
    ]


def _translation_problems(
    expected: Message, entry: Message, rule: Callable[[int], int] | None, rtl: bool = False
) -> list[str]:
    name = _describe(expected)
    forms = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
    bare = sorted({run for form in forms for run in bare_latin(form)}) if rtl else []
    isolation = (
        [
            f"{name}: Latin text outside a bidi isolate ({', '.join(bare)}): wrap each in "
            "U+2068 ... U+2069 (bot.i18n.check.isolate_latin does it)"
        ]
        if bare
        else []
    )
    return isolation + _form_problems(name, expected, entry, rule)


def _form_problems(
    name: str, expected: Message, entry: Message, rule: Callable[[int], int] | None
) -> list[str]:
    if not _plural(expected):
        translation = entry.string if isinstance(entry.string, str) else ""
        if not translation.strip():
            return [f"{name} is not translated"]
        return _placeholder_problems(name, "", _singular(expected), translation, set())
    forms = list(entry.string) if isinstance(entry.string, list | tuple) else []
    untranslated = [i for i, form in enumerate(forms) if not form.strip()]
    if untranslated:
        shown = ", ".join(f"msgstr[{i}]" for i in untranslated)
        return [f"{name} is not translated ({shown})"]
    # A form used for a single number ("one", "two") may say it in words instead of {count}.
    uses = [sum(1 for n in SAMPLE if rule(n) == i) if rule else 1 for i in range(len(forms))]
    problems: list[str] = []
    for i, form in enumerate(forms):
        may_drop = {COUNT} if uses[i] == 1 else set()
        problems += _placeholder_problems(name, f"msgstr[{i}]", expected.id[1], form, may_drop)
    return problems


def _placeholder_problems(
    name: str, which: str, original: str, translation: str, may_drop: set[str]
) -> list[str]:
    want = _placeholders(original)
    if want is None:
        return []  # the English itself is not a format string; nothing to compare
    where = f"{name} {which}".rstrip()
    have = _placeholders(translation)
    if have is None:
        return [f"{where}: the braces do not pair up (write {{{{ and }}}} for a literal brace)"]
    missing, unknown = want - have - may_drop, have - want
    parts = []
    if missing:
        parts.append(f"missing {_names(missing)}")
    if unknown:
        parts.append(f"unknown {_names(unknown)}")
    if not parts:
        return []
    return [f"{where}: {'; '.join(parts)} (copy placeholders exactly as in the English)"]


def _placeholders(text: str) -> set[str] | None:
    """The {names} a str.format text fills, or None if its braces do not pair up."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError:
        return None
    return {re.split(r"[.\[]", field, maxsplit=1)[0] for field in fields}


def _names(names: Iterable[str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names))


# -- helpers ---------------------------------------------------------------------------------


def _read(path: Path) -> Catalog:
    return _read_bytes(path.read_bytes(), None)


def _read_bytes(raw: bytes, locale: Locale | None) -> Catalog:
    """A .po/.pot file's catalog; anything malformed raises PoFileError instead of printing."""
    return read_po(io.BytesIO(raw), locale=locale, abort_invalid=True)


def _header(text: str) -> dict[str, str]:
    """The header entry's fields (names in lower case) of a .po file's text."""
    found = _HEADER.search(text)
    if found is None:
        return {}
    value = "".join(unescape(part) for part in _QUOTED.findall(found.group(1)))
    fields: dict[str, str] = {}
    for line in value.splitlines():
        name, colon, rest = line.partition(":")
        if colon:
            fields.setdefault(name.strip().lower(), rest.strip())
    return fields


def _messages(catalog: Catalog) -> list[Message]:
    """The catalog's messages without the header entry."""
    return [message for message in catalog if message.id]


def _plural(message: Message) -> bool:
    return isinstance(message.id, list | tuple)


def _plural_id(message: Message) -> str | None:
    return str(message.id[1]) if _plural(message) else None


def _key(message: Message) -> _Key:
    """How a catalog indexes a message: its singular msgid, with its context if any."""
    return (_singular(message), message.context) if message.context else _singular(message)


def _singular(message: Message) -> str:
    return str(message.id[0]) if _plural(message) else str(message.id)


def _describe(message: Message) -> str:
    """A msgid as people can recognise it: quoted, on one line, shortened if long."""
    text = _singular(message).replace("\n", "\\n")
    if len(text) > _LONG:
        text = text[: _LONG - 1] + "…"
    context = f" (context {message.context!r})" if message.context else ""
    return f'"{text}"{context}'


def _where(message: Message) -> str:
    return ", ".join(f"{file}:{line}" for file, line in message.locations) or "somewhere"


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
