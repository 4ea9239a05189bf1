"""The file a report or an export is written to: its format and whether it can be written.

`--output answers.csv` wrote an Excel workbook named .csv (the format was --format's
default, whatever the name said), and a folder or a missing folder gave a traceback after
the export had been recorded in the audit log as made. Both are settled before anything is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.staff.actor import StaffError
from bot.staff.said import Said

# Endings that name a format, so a name ending in one of them and a --format that says
# another are refused rather than written as the wrong kind of file.
_ALIASES = {".htm": ".html", ".markdown": ".md"}
# Every ending a report or an export is written as: a name ending in one says what it holds.
_KINDS = frozenset({".csv", ".zip", ".xlsx", ".geojson", ".md", ".html"})


def output_file(
    output: Path | None,
    given: str | None,
    formats: Sequence[str],
    default: str,
    ending: Callable[[str], str],
    stem: str,
) -> tuple[Path, str]:
    """The file to write and its format: --format's when given, else the one `output`'s
    name ends in; with no --output, `default` in `stem` and the format's ending. Refuses a
    name that says another format, and a file that cannot be written."""
    if output is not None:
        check_writable(output)  # first: a folder is said to be one, not to lack a format
        return output, _format(output, given, formats, ending)
    fmt = given or default
    output = Path(f"{stem}{ending(fmt)}")
    check_writable(output)
    return output, fmt


def _format(
    output: Path, given: str | None, formats: Sequence[str], ending: Callable[[str], str]
) -> str:
    name_ends = _ALIASES.get(output.suffix.lower(), output.suffix.lower())
    by_ending = {ending(f): f for f in formats}
    named = by_ending.get(name_ends)
    if given is None:
        if named is None:
            # TRANSLATORS: {endings} lists file endings: ".csv, .xlsx or .zip".
            raise StaffError(
                "{name} does not say which format to write: end the name in {endings}, or "
                "give --format.",
                name=output.name,
                endings=_either(list(by_ending)),
            )
        return named
    if named is not None and named != given:
        # TRANSLATORS: {ending} is the name's ending (".csv"), {given} and {named} formats.
        raise StaffError(
            "{name} ends in {ending} but --format is {given}: name it {renamed}, or give "
            "--format {named}.",
            name=output.name,
            ending=output.suffix,
            given=given,
            renamed=output.with_suffix(ending(given)).name,
            named=named,
        )
    if named is None and name_ends in _KINDS and name_ends != ending(given):
        # "all.csv" with --format csv: every table as CSV is a zip, which that name hides.
        # TRANSLATORS: {ending} and {written} are file endings (".csv", ".zip").
        raise StaffError(
            "{name} ends in {ending}, but this is written as {written}: name it {renamed}.",
            name=output.name,
            ending=output.suffix,
            written=ending(given),
            renamed=output.with_suffix(ending(given)).name,
        )
    return given


@contextmanager
def writing(output: Path) -> Iterator[None]:
    """A failure to write `output` said as a staff error, not a traceback."""
    try:
        yield
    except OSError as exc:
        # TRANSLATORS: {reason} is the system's words, in English ("No space left on device").
        raise StaffError(
            "Could not write {output}: {reason}.",
            output=output,
            reason=exc.strerror or exc,
        ) from None


def check_writable(output: Path) -> None:
    """Refuse a file that cannot be written, before anything is made or recorded."""
    if output.is_dir():
        raise StaffError(
            "{output} is a folder: give a file name in it, like {output}/NAME.", output=output
        )
    folder = output.parent
    if not folder.is_dir():
        raise StaffError(
            "There is no folder {folder} to write {name} in.", folder=folder, name=output.name
        )
    if output.exists() and not output.is_file():
        raise StaffError("{output} is not a file that can be written.", output=output)
    # Not opened to check: a file made by the check would stay behind if the export did not.
    if not os.access(output if output.exists() else folder, os.W_OK):
        raise StaffError("Cannot write {output}: permission denied.", output=output)


def _either(endings: list[str]) -> str:
    if len(endings) == 1:
        return endings[0]
    # TRANSLATORS: file endings: {some} is ".csv, .xlsx", {last} ".zip".
    return Said("{some} or {last}", some=", ".join(endings[:-1]), last=endings[-1])
