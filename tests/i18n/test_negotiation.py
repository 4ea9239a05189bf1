"""A client's language tag to one of our locales: the same answer however often it is asked,
and however many different tags have been asked about before."""

from __future__ import annotations

from bot.i18n import catalogs as module
from bot.i18n.catalogs import Catalogs


def test_a_tag_gets_the_same_locale_every_time() -> None:
    catalogs = Catalogs()
    assert [catalogs.negotiate("cy-GB") for _ in range(3)] == ["cy", "cy", "cy"]
    assert catalogs.negotiate("ar_EG") == "ar"
    assert catalogs.negotiate("xx-YY") is None
    assert catalogs.negotiate("") is None and catalogs.negotiate(None) is None


def test_answers_stay_right_after_many_different_tags() -> None:
    catalogs = Catalogs()
    for n in range(module.NEGOTIATED_KEPT + 10):  # more than it keeps: it starts again
        assert catalogs.negotiate(f"zz-{n}") is None
    assert catalogs.negotiate("cy") == "cy"
    assert len(catalogs._negotiated) <= module.NEGOTIATED_KEPT
