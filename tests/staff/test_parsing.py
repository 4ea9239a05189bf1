"""What staff type: a round's question, topics, areas and translations, line by line, and a
clear message naming the line for anything else."""

from __future__ import annotations

import pytest

from bot.staff.actor import StaffError
from bot.staff.parsing import RoundRequest, round_request, texts, translation_items

LANGUAGES = ("ar", "bn", "cy", "en", "es", "pa", "pl", "pt", "ro", "ur")


def test_a_round_with_its_own_topics_areas_and_translations() -> None:
    body = (
        "2026-12-31 What would make Riverside healthier?\n"
        "cy: Beth fyddai'n gwneud Glan-yr-afon yn iachach?\n"
        "Area: Riverside, CF11\n"
        "topic: Safer crossings\n"
        "CY: Croesfannau mwy diogel\n"
        "pl : Bezpieczniejsze przejścia\n"
        "\n"
        "topic: A youth club\n"
    )
    assert round_request(body, LANGUAGES) == RoundRequest(
        "2026-12-31",
        {
            "en": "What would make Riverside healthier?",
            "cy": "Beth fyddai'n gwneud Glan-yr-afon yn iachach?",
        },
        (
            {
                "en": "Safer crossings",
                "cy": "Croesfannau mwy diogel",
                "pl": "Bezpieczniejsze przejścia",
            },
            {"en": "A youth club"},
        ),
        ("Riverside", "CF11"),
    )
    assert round_request("2026-12-31", LANGUAGES) == RoundRequest("2026-12-31")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Use: /round_open DATE [question]"),
        ("2026-12-31\ncy: Beth?", "Line 2 (cy: ...): a translation goes under the text it"),
        ("2026-12-31 Q?\nxx: Hello", "Line 2: 'xx' is not one of our languages: ar, bn, cy"),
        ("2026-12-31 Q?\ncy Helo", "Line 2 ('cy Helo') is not understood: write 'topic: ...'"),
        ("2026-12-31 Q?\ncy:", "Line 2 ('cy:') has nothing after the colon."),
        ("2026-12-31 Q?\ncy: Un\ncy: Dau", "Line 3 (cy: ...): There are two cy translations"),
        ("2026-12-31 Q?\nen: Q again", "Line 2 (en: ...): The English is the main text itself"),
        ("2026-12-31 Q?\nnotes: bring a pen", "Line 2 ('notes: bring a pen') is not understood"),
    ],
)
def test_a_malformed_line_is_refused_naming_it(body: str, message: str) -> None:
    with pytest.raises(StaffError) as refused:
        round_request(body, LANGUAGES)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("Helo", "Write a translation as LANG=TEXT, like cy=Helo, not 'Helo'."),
        ("=Helo", "'=Helo' does not say its language: write it like cy=Helo."),
        ("welsh=Helo", "'welsh' is not a language code like cy, pl or ur (in 'welsh=Helo')."),
        ("cy=", "The cy translation is empty: write cy=... with its words."),
    ],
)
def test_a_translation_without_its_language_or_words_is_refused(item: str, message: str) -> None:
    with pytest.raises(StaffError) as refused:
        translation_items([item])
    assert str(refused.value) == message


def test_translations_keep_colons_and_equals_signs_in_their_words() -> None:
    assert translation_items(["cy=Amser: 10am", "pl: a=b"]) == [
        ("cy", "Amser: 10am"),
        ("pl", "a=b"),
    ]
    with pytest.raises(StaffError, match="two cy translations"):
        texts("Hello", ["cy=Helo", "cy=Shwmae"])
