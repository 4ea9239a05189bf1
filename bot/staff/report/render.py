"""The report as Markdown and as a plain HTML page (no scripts, printable), for a board."""

from __future__ import annotations

from html import escape

from bot.staff.report.model import Cell, Measure, Report, Table, legend
from bot.staff.report.qs148 import DATA_SOURCE

SHOWN = {
    "yes": "Shown by the data",
    "partly": "Partly shown by the data: add local evidence",
    "no": "Not shown by the data: attach local evidence",
}


def markdown(report: Report) -> str:
    """The report as Markdown."""
    out = [
        "# QS148 community engagement: evidence from Community Voice",
        "",
        f"{report.organisation}. Period: {report.period}. Area: {report.area}.",
        f"Made {report.made_at[:16].replace('T', ' ')} UTC by {report.made_by}.",
        "",
        DATA_SOURCE,
        "",
        legend(report.threshold),
    ]
    for statement in report.statements:
        heading = f"## Statement {statement.number}: {statement.title}"
        out += ["", heading, "", f"> {statement.text}"]
        for m in statement.measures:
            out += _md_measure(m)
    out += ["", "## Who takes part (statement 1, outcome b)", "", report.representation_note]
    for t in report.representation:
        out += _md_table(t)
    return "\n".join(out) + "\n"


def _md_measure(m: Measure) -> list[str]:
    out = ["", f"### {_title(m)}", "", f"*QS148:* {m.wording}", ""]
    out.append(f"**{SHOWN[m.shown]}.**" + (f" {m.figure}" if m.figure else ""))
    if m.numerator:
        out += ["", f"- Numerator: {m.numerator}", f"- Denominator: {m.denominator}"]
    if m.note:
        out += ["", m.note]
    for t in m.tables:
        out += _md_table(t)
    if m.attach:
        out += ["", f"*To attach:* {m.attach}"]
    return out


def _title(m: Measure) -> str:
    """ "Statement 2, process b" for the measure "2 process b"."""
    number, rest = m.code.split(" ", 1)
    return f"Statement {number}, {rest}"


def _md_table(t: Table) -> list[str]:
    out = ["", f"**{t.title}**", ""]
    if not t.rows:
        return [*out, "(none)"]
    out.append("| " + " | ".join(t.columns) + " |")
    out.append("|" + "---|" * len(t.columns))
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in t.rows]
    if t.note:
        out += ["", f"*{t.note}*"]
    return out


def _md_cell(cell: Cell) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
    "line-height:1.4}table{border-collapse:collapse;margin:.5em 0 1em}"
    "th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}"
    "blockquote{border-left:4px solid #999;margin:0;padding-left:1em}"
    ".yes{color:#064}.partly{color:#735}.no{color:#a00}"
)


def html(report: Report) -> str:
    """The report as one HTML page."""
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>QS148 community engagement: evidence</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>QS148 community engagement: evidence from Community Voice</h1>",
        f"<p>{escape(report.organisation)}. Period: {escape(report.period)}. "
        f"Area: {escape(report.area)}.<br>Made {escape(report.made_at[:16].replace('T', ' '))} "
        f"UTC by {escape(report.made_by)}.</p>",
        f"<p>{escape(DATA_SOURCE)}</p>",
        f"<p><small>{escape(legend(report.threshold))}</small></p>",
    ]
    for statement in report.statements:
        out.append(f"<h2>Statement {statement.number}: {escape(statement.title)}</h2>")
        out.append(f"<blockquote>{escape(statement.text)}</blockquote>")
        for m in statement.measures:
            out += _html_measure(m)
    out.append("<h2>Who takes part (statement 1, outcome b)</h2>")
    out.append(f"<p>{escape(report.representation_note)}</p>")
    for t in report.representation:
        out += _html_table(t)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_measure(m: Measure) -> list[str]:
    out = [
        f"<h3>{escape(_title(m))}</h3>",
        f"<p><em>QS148:</em> {escape(m.wording)}</p>",
        f'<p class="{m.shown}"><strong>{escape(SHOWN[m.shown])}.</strong> {escape(m.figure)}</p>',
    ]
    if m.numerator:
        out.append(
            f"<ul><li>Numerator: {escape(m.numerator)}</li>"
            f"<li>Denominator: {escape(m.denominator)}</li></ul>"
        )
    if m.note:
        out.append(f"<p>{escape(m.note)}</p>")
    for t in m.tables:
        out += _html_table(t)
    if m.attach:
        out.append(f"<p><em>To attach:</em> {escape(m.attach)}</p>")
    return out


def _html_table(t: Table) -> list[str]:
    out = [f"<p><strong>{escape(t.title)}</strong></p>"]
    if not t.rows:
        return [*out, "<p>(none)</p>"]
    out.append("<table><thead><tr>")
    out += [f"<th>{escape(c)}</th>" for c in t.columns]
    out.append("</tr></thead><tbody>")
    for row in t.rows:
        out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    if t.note:
        out.append(f"<p><small>{escape(t.note)}</small></p>")
    return out
