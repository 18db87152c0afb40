"""The simulator drives cases that talk to each other: it takes on the cases a message opens,
and sees the cases another case's message or signal moved on, even at the same moment."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.driver import Settings, read_files, run

MODEL = Path(__file__).resolve().parents[1] / "bpmn" / "case_messages.bpmn"


@pytest.mark.parametrize(("seed", "pace", "restore"), [(7, "human", False), (11, "human", True), (5, "burst", False)])
def test_a_selection_meeting_its_participants_and_their_signals_run_a_year_without_violation(
        tmp_path: Path, seed: int, pace: str, restore: bool) -> None:
    settings = Settings(f"sqlite:///{tmp_path / 'sim.sqlite3'}", cases=12, months=12, seed=seed, pace=pace,
                        restore=restore)
    report = run(settings, read_files([MODEL]))

    assert report.ok, report.summary()
    opened_by_a_message = report.cases - 12 * 2  # kvitto_test is never started by hand
    assert opened_by_a_message > 0
