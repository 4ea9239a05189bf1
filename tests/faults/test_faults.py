"""The fault suite's short form, in `make test`: every scenario, small (the full run is
`make faults`). Each test asserts every figure of its scenario meets its target."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.plan import SHORT

SCENARIOS = dict(SHORT.scenarios())


@pytest.mark.parametrize("label", list(SCENARIOS))
async def test_scenario_meets_every_target(label: str, tmp_path: Path) -> None:
    figures = await SCENARIOS[label](tmp_path)
    missed = [f for f in figures if not f.ok]
    assert figures and not missed, "\n".join(
        f"{f.name}: {f.value} (target {f.target})" for f in missed
    )
