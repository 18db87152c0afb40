"""Every shipped journey driven by the simulator on SQLite (a temporary file): no violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simulation.shipped import COMBINATIONS, simulate


@pytest.mark.parametrize(("process", "pace", "mode"), COMBINATIONS)
def test_the_shipped_journey_keeps_every_invariant(tmp_path: Path, process: str, pace: str, mode: str) -> None:
    simulate(f"sqlite:///{tmp_path / 'simulation.sqlite3'}", process, pace, mode)
