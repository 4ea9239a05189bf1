"""The shipped template and catalogs are current and complete; check_catalogs finds problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n.check import (
    PluralRule,
    bare_latin,
    check_catalogs,
    check_template,
    cldr_rule,
    extract_messages,
    isolate_latin,
    template_messages,
)

REPO = Path(__file__).resolve().parents[2]
LOCALES = REPO / "locales"
POT = LOCALES / "messages.pot"


# -- the shipped files ------------------------------------------------------------------------


def test_the_template_is_current() -> None:
    """Every string in bot/ and flows/ is in locales/messages.pot, and nothing else is."""
    current, shipped = extract_messages(REPO), template_messages(POT)
    problems = check_template(REPO, POT)
    if current != shipped or problems:
        pytest.fail(
            f"locales/messages.pot is out of date: run `make i18n`.\n"
            f"{len(current - shipped)} msgid(s) missing, {len(shipped - current)} no longer used:\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_the_shipped_catalogs_are_complete() -> None:
    """Against the plural rules of the babel in the lock (CLDR data), not fixed ones."""
    assert check_catalogs(LOCALES, POT) == []


@pytest.mark.parametrize(
    ("code", "categories"),
    [
        ("cy", ("zero", "one", "two", "few", "many", "other")),
        ("ar", ("zero", "one", "two", "few", "many", "other")),
        ("pt", ("one", "many", "other")),
        ("es", ("one", "many", "other")),
        ("bn", ("one", "other")),
        ("pa", ("one", "other")),
        ("pl", ("one", "few", "many")),
    ],
)
def test_the_locked_babel_has_cldr_plural_categories(code: str, categories: tuple[str]) -> None:
    """What the catalogs were written for (babel 2.19, CLDR 47): a babel whose data moves on
    shows up here first, with the language named."""
    assert cldr_rule(code).categories == categories


def test_welsh_results_read_right_for_each_form() -> None:
    """Each Welsh form of the results line, as residents read it for 0, 1, 2, 3, 6 and 11."""
    from bot.i18n.catalogs import Catalogs
    from bot.jobs.results import TOOK_PART

    tr = Catalogs(LOCALES).get("cy")
    said = {n: tr.ngettext(*TOOK_PART, n).split(". ", 1)[1] for n in (0, 1, 2, 3, 6, 11)}
    assert said == {
        0: "Cymerodd 0 o bobl ran.",
        1: "Cymerodd un person ran.",
        2: "Cymerodd dau berson ran.",
        3: "Cymerodd tri pherson ran.",
        6: "Cymerodd chwe pherson ran.",
        11: "Cymerodd 11 o bobl ran.",
    }


# -- check_catalogs on small catalogs ----------------------------------------------------------

TEMPLATE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Skip"
msgstr ""

msgid "Hello, {name}."
msgstr ""

msgid "You can choose up to {count}."
msgid_plural "You can choose up to {count}."
msgstr[0] ""
msgstr[1] ""
"""

# The checker's own tests use rules fixed here, not babel's CLDR data, so that they keep
# testing the checker when CLDR changes (as it did in babel 2.19). Deliberately not CLDR 47's:
# Welsh with 5 forms, as older CLDR had it.
WELSH = PluralRule(
    5, "(n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 0)", ("other", "one", "two", "few", "many")
)
POLISH = PluralRule(
    3,
    "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
    ("one", "few", "many"),
)
ARABIC = PluralRule(
    6,
    "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)",
    ("zero", "one", "two", "few", "many", "other"),
)
RULES = {"cy": WELSH, "pl": POLISH, "ar": ARABIC}
WELSH_FORMS, POLISH_FORMS, ARABIC_FORMS = WELSH.header, POLISH.header, ARABIC.header
GOOD = {
    "cy": (
        WELSH_FORMS,
        ["Hepgor", "Helo, {name}.", ["{count} dewis", "Un", "Dau", "Tri", "Chwech"]],
    ),
    "pl": (
        POLISH_FORMS,
        ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {count}", "Do {count} (wiele)"]],
    ),
    "ar": (
        ARABIC_FORMS,
        [
            "تخطي",
            "مرحبا {name}.",
            ["لا شيء", "واحد", "اثنان", "{count} قليل", "{count} كثير", "{count} أخرى"],
        ],
    ),
}


def po(
    plural_forms: str | None, entries: list[str | list[str]], flags: dict[int, str] | None = None
) -> str:
    """A catalog for TEMPLATE: entries in template order, a list for the plural one."""
    header = '"Content-Type: text/plain; charset=utf-8\\n"\n'
    if plural_forms is not None:
        header += f'"Plural-Forms: {plural_forms}\\n"\n'
    ids = [
        'msgid "Skip"',
        'msgid "Hello, {name}."',
        'msgid "You can choose up to {count}."\nmsgid_plural "You can choose up to {count}."',
    ]
    text = f'msgid ""\nmsgstr ""\n{header}'
    for i, (msgid, entry) in enumerate(zip(ids, entries, strict=True)):
        flag = f"#, {flags[i]}\n" if flags and i in flags else ""
        if isinstance(entry, list):
            msgstr = "\n".join(f'msgstr[{n}] "{form}"' for n, form in enumerate(entry))
        else:
            msgstr = f'msgstr "{entry}"'
        text += f"\n{flag}{msgid}\n{msgstr}\n"
    return text


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    (tmp_path / "messages.pot").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def write(locales: Path, code: str, text: str) -> None:
    folder = locales / code / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "messages.po").write_text(text, encoding="utf-8")


def problems(locales: Path) -> list[str]:
    return check_catalogs(locales, locales / "messages.pot", rules=RULES.__getitem__)


def test_complete_catalogs_have_no_problems(locales: Path) -> None:
    for code, (forms, entries) in GOOD.items():
        write(locales, code, po(forms, list(entries)))
    assert problems(locales) == []


def test_no_catalogs_no_problems(locales: Path) -> None:
    (locales / "fr" / "LC_MESSAGES").mkdir(parents=True)  # a folder without messages.po
    assert problems(locales) == []


def test_untranslated_entry(locales: Path) -> None:
    forms, entries = GOOD["cy"]
    write(locales, "cy", po(forms, ["", *entries[1:]]))
    assert problems(locales) == ['cy: "Skip" is not translated']


def test_untranslated_plural_form(locales: Path) -> None:
    write(locales, "pl", po(POLISH_FORMS, ["Pomiń", "Cześć, {name}.", ["Jeden", "", "Do {count}"]]))
    assert problems(locales) == [
        'pl: "You can choose up to {count}." is not translated (msgstr[1])'
    ]


def test_fuzzy_entry(locales: Path) -> None:
    forms, entries = GOOD["cy"]
    write(locales, "cy", po(forms, list(entries), flags={1: "fuzzy, python-brace-format"}))
    assert problems(locales) == [
        'cy: "Hello, {name}." is fuzzy: check the translation, then remove the fuzzy flag'
    ]


def test_fuzzy_header(locales: Path) -> None:
    forms, entries = GOOD["cy"]
    write(locales, "cy", "#, fuzzy\n" + po(forms, list(entries)))
    assert problems(locales) == [
        "cy: the header is marked fuzzy: remove '#, fuzzy' above msgid \"\""
    ]


def test_arabic_needs_six_forms(locales: Path) -> None:
    two = ["تخطي", "مرحبا {name}.", ["واحد", "{count} أخرى"]]
    write(locales, "ar", po("nplurals=2; plural=(n != 1);", two))
    assert problems(locales) == [
        "ar: Plural-Forms has nplurals=2, but Arabic has 6 plural forms (zero n=0, one n=1, "
        f"two n=2, few n=3, many n=11, other n=100): use {ARABIC_FORMS}"
    ]


def test_welsh_needs_babels_count(locales: Path) -> None:
    write(
        locales,
        "cy",
        po(
            "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5);",
            ["Hepgor", "Helo, {name}.", ["Dim", "Un", "Dau", "Tri", "Chwech", "{count}"]],
        ),
    )
    assert problems(locales) == [
        "cy: Plural-Forms has nplurals=6, but Welsh has 5 plural forms (other n=0, one n=1, "
        f"two n=2, few n=3, many n=6): use {WELSH_FORMS}"
    ]


def test_polish_needs_three_forms(locales: Path) -> None:
    write(
        locales,
        "pl",
        po("nplurals=2; plural=(n != 1);", ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {count}"]]),
    )
    assert problems(locales) == [
        "pl: Plural-Forms has nplurals=2, but Polish has 3 plural forms (one n=1, few n=2, "
        f"many n=0): use {POLISH_FORMS}"
    ]


def test_polish_plural_expression_must_match_cldr(locales: Path) -> None:
    # Right count, wrong rule: 12, 13 and 14 take the "few" form only outside the teens.
    wrong = "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);"
    _, entries = GOOD["pl"]
    write(locales, "pl", po(wrong, list(entries)))
    assert problems(locales) == [
        "pl: Plural-Forms picks form 1 for n=12, but Polish uses form 2 (many) for it: "
        f"use {POLISH_FORMS}"
    ]


def test_missing_plural_forms_header(locales: Path) -> None:
    _, entries = GOOD["pl"]
    write(locales, "pl", po(None, list(entries)))
    assert problems(locales) == [f"pl: the Plural-Forms header is missing: use {POLISH_FORMS}"]


def test_placeholder_mismatch(locales: Path) -> None:
    write(
        locales,
        "pl",
        po(POLISH_FORMS, ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {cuont}", "Do {count}"]]),
    )
    assert problems(locales) == [
        'pl: "You can choose up to {count}." msgstr[1]: missing {count}; unknown {cuont} '
        "(copy placeholders exactly as in the English)"
    ]


def test_placeholder_renamed_in_a_singular(locales: Path) -> None:
    write(
        locales,
        "pl",
        po(POLISH_FORMS, ["Pomiń", "Cześć, {imie}.", ["Jeden", "Do {count}", "Do {count}"]]),
    )
    assert problems(locales) == [
        'pl: "Hello, {name}.": missing {name}; unknown {imie} '
        "(copy placeholders exactly as in the English)"
    ]


def test_only_a_single_number_form_may_leave_out_count(locales: Path) -> None:
    # Polish msgstr[0] is only for 1, but msgstr[2] covers 0, 5, 6, ... and needs {count}.
    write(
        locales,
        "pl",
        po(POLISH_FORMS, ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {count}", "Wiele"]]),
    )
    assert problems(locales) == [
        'pl: "You can choose up to {count}." msgstr[2]: missing {count} '
        "(copy placeholders exactly as in the English)"
    ]


def test_welsh_form_zero_is_not_one(locales: Path) -> None:
    # Welsh msgstr[0] is "other" (0, 4, 5, 7, ...): it must keep {count}.
    write(
        locales,
        "cy",
        po(WELSH_FORMS, ["Hepgor", "Helo, {name}.", ["Dim", "Un", "Dau", "Tri", "Chwech"]]),
    )
    assert problems(locales) == [
        'cy: "You can choose up to {count}." msgstr[0]: missing {count} '
        "(copy placeholders exactly as in the English)"
    ]


def test_unpaired_braces(locales: Path) -> None:
    write(
        locales,
        "pl",
        po(POLISH_FORMS, ["Pomiń", "Cześć, {name.", ["Jeden", "Do {count}", "Do {count}"]]),
    )
    assert problems(locales) == [
        'pl: "Hello, {name}.": the braces do not pair up (write {{ and }} for a literal brace)'
    ]


def test_missing_and_stale_entries(locales: Path) -> None:
    text = po(POLISH_FORMS, ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {count}", "Do {count}"]])
    text = text.replace('msgid "Skip"\nmsgstr "Pomiń"', '#~ msgid "Skip"\n#~ msgstr "Pomiń"')
    text += '\nmsgid "Gone"\nmsgstr "Nie ma"\n'
    write(locales, "pl", text)
    assert problems(locales) == [
        'pl: "Skip" is missing (only as an obsolete #~ entry): run make i18n',
        'pl: "Gone" is not in the template: run make i18n',
    ]


def test_unknown_locale_folder(locales: Path) -> None:
    write(locales, "zz", po(None, ["a", "b", ["c", "d"]]))
    assert problems(locales) == ["zz: 'zz' is not a locale code babel knows"]


def test_a_form_for_millions_is_checked(locales: Path) -> None:
    """Spanish's "many" form only starts at a million: a rule that forgets it is caught."""
    spanish = PluralRule(
        3, "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)", ("one", "many", "other")
    )
    write(
        locales,
        "es",
        po("nplurals=3; plural=(n == 1 ? 0 : 2);", ["a", "{name}", ["1", "{count}", "{count}"]]),
    )
    found = check_catalogs(locales, locales / "messages.pot", rules={"es": spanish}.__getitem__)
    assert found == [
        "es: Plural-Forms picks form 2 for n=1000000, but Spanish uses form 1 (many) for it: "
        f"use {spanish.header}"
    ]


def test_malformed_catalog(locales: Path) -> None:
    write(locales, "pl", 'msgid "Skip"\nmsgstrx "Pomiń"\n')
    [problem] = problems(locales)
    assert problem.startswith("pl: messages.po cannot be read: ")


# -- check_template on a small project ---------------------------------------------------------


def test_a_string_added_without_make_i18n_is_named(tmp_path: Path) -> None:
    (tmp_path / "babel.cfg").write_text(
        (REPO / "babel.cfg").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "app.py").write_text(
        'from bot.i18n.markers import N_\n\nHELLO = N_("Hello")\nNEW = N_("Brand new")\n',
        encoding="utf-8",
    )
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "f.yaml").write_text(
        "id: f\ntitle: A flow\nnodes:\n  - id: a\n    text: {one: 'One', other: '{count}'}\n",
        encoding="utf-8",
    )
    pot = tmp_path / "messages.pot"
    pot.write_text(
        'msgid "Hello"\nmsgstr ""\n\nmsgid "Old"\nmsgstr ""\n\n'
        'msgid "One"\nmsgid_plural "{count} items"\nmsgstr[0] ""\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    assert extract_messages(tmp_path) == {"Hello", "Brand new", "A flow", "One"}
    assert check_template(tmp_path, pot) == [
        'messages.pot lacks "Brand new" from bot/app.py:4: run make i18n',
        'messages.pot lacks "A flow" from flows/f.yaml:2: run make i18n',
        'messages.pot has "Old", which is no longer used: run make i18n',
        'messages.pot has "One" with a different plural: run make i18n',
    ]
    assert check_template(tmp_path, tmp_path / "none.pot") == ["none.pot is missing: run make i18n"]


def test_plural_shape_must_match_the_template(locales: Path) -> None:
    text = po(POLISH_FORMS, ["Pomiń", "Cześć, {name}.", ["Jeden", "Do {count}", "Do {count}"]])
    write(locales, "pl", text.replace('msgid_plural "You can', 'msgid_plural "You may'))
    write(
        locales,
        "cy",
        po(WELSH_FORMS, ["Hepgor", ["Helo", "Helo"], ["a", "b", "c", "d", "e"]]).replace(
            'msgid "Hello, {name}."', 'msgid "Hello, {name}."\nmsgid_plural "x"'
        ),
    )
    assert problems(locales) == [
        'cy: "Hello, {name}." should not be plural: run make i18n',
        'cy: "You can choose up to {count}." msgstr[0]: missing {count} '
        "(copy placeholders exactly as in the English)",
        'pl: "You can choose up to {count}." has a different msgid_plural from the template\'s: '
        "run make i18n",
    ]


def test_latin_in_right_to_left_text_must_be_isolated(locales: Path) -> None:
    forms, entries = GOOD["ar"]
    bare = ["أرسل /menu", "مرحبا {name} من GP.", entries[2]]
    write(locales, "ar", po(forms, bare))
    assert problems(locales) == [
        'ar: "Skip": Latin text outside a bidi isolate (/menu): wrap each in U+2068 ... U+2069 '
        "(bot.i18n.check.isolate_latin does it)",
        'ar: "Hello, {name}.": Latin text outside a bidi isolate (GP): wrap each in '
        "U+2068 ... U+2069 (bot.i18n.check.isolate_latin does it)",
    ]
    # Isolated, they pass; {name} needs nothing (its value is isolated when filled in).
    write(locales, "ar", po(forms, [isolate_latin(bare[0]), isolate_latin(bare[1]), entries[2]]))
    assert problems(locales) == []
    assert isolate_latin("من Community Voice و CF10") == (
        "من \u2068Community Voice\u2069 و \u2068CF10\u2069"
    )
    # A name with accented letters is one run, isolated whole: cut at each accent, Urdu and
    # Arabic residents read "\u2068Rom\u2069â\u2068n\u2069ă" (the accents outside, moved).
    assert isolate_latin("Română, Español") == "\u2068Română\u2069, \u2068Español\u2069"
    assert bare_latin("\u2068Rom\u2069â\u2068n\u2069ă") == ["â", "ă"]
    # Left-to-right languages may write Latin as they like.
    write(locales, "pl", po(POLISH_FORMS, ["Wyślij /menu", "Cześć, {name}.", GOOD["pl"][1][2]]))
    assert problems(locales) == []
