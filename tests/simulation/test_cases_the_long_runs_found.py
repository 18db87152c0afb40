"""Cases the 1,000-case runs (docs/benchmarks.md, "Journeys over years") stopped at, replayed alone
(``samverkan simulate --replay RUN.json --case N --save …``): each must now go through unharmed.

- ``samverkansteamet-reminder-after-a-pause.json`` (case 673 of seed 1, human pace): a participant
  on sick leave, paused 67 days; back, the plan is revised and a new work place typed in. In the same
  step the reminder before the time limit (a boundary timer on the participation that had waited a
  year) ran, and recorded its year-old copy of the work place over the new one
  (``lost_value``: arbetsplats). An automatic task now records only what it set as it ran.
- ``gemensamma_taget-older-follow-up-submitted-last.json`` (case 526): two weekly follow-ups open
  at once; the newer is done first (date 24 March), then the older with 13 March — the date the
  task had been given weeks before. The engine took the submitted value for no change and kept the
  24th (``lost_value``: uppfoljning_datum). Every value a person submits is now the case's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import folder_files
from simulation.driver import Settings, Simulation
from simulation.report import RunReport

ROOT = Path(__file__).resolve().parents[2]
FOUND = sorted((Path(__file__).parent / "found").glob("*.json"))


@pytest.mark.parametrize("saved", FOUND, ids=[p.stem for p in FOUND])
def test_a_case_a_long_run_stopped_at_now_goes_through(saved: Path, tmp_path: Path) -> None:
    settings, steps = RunReport.load(saved)
    simulation = Simulation(Settings(f"sqlite:///{tmp_path / 'replay.sqlite3'}", settings["processes"]),
                            folder_files(ROOT / "processes"))
    try:
        report = simulation.replay(steps)
    finally:
        simulation.close()
    assert report.ok, report.summary()
    assert report.cases == 1 and len(report.steps) == len(steps)
