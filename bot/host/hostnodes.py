"""Questions the host asks itself, outside any flow, and the button ids that lead to them.

Buttons carry `v1:0:<node>:<option>` (session 0: not bound to a flow session). Flow node ids
can never clash with these: the host checks them before the engine sees the input.
"""

from __future__ import annotations

LANGUAGE = "language-picker"  # option: a locale code
DELETE = "delete-confirm"  # option: yes / no
OPEN_FLOW = "open-flow"  # option: a flow id (a check-in's "Tell us" button)
RESUME_FLOW = "resume-flow"  # option: go (a reminder's "Carry on" button)
CHAMPION_SUPPORT = "champion-support"  # option: ok / help (the champions' monthly check-in)
POSTER_LANGUAGES = "poster-languages"  # option: locale codes joined by "+" (e.g. cy+en)
BROADCAST_CONTROL = "broadcast"  # option: <action>-<broadcast id>, staff only
