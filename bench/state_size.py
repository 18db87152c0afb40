"""Stored state per open case (a benchmark, not a test): the demo data and a simulated year of cases
of every shipped journey, the bytes each open case's row holds against its state's JSON.

    python -m bench.state_size [--quick] [--cases 100] [--months 12] [--seed 1] [--postgres URL]

The demo is what ``samverkan serve --demo`` seeds (web/demo.py), in a SQLite file of its own. The
year is the journey simulator (simulation/, docs/simulator.md) at human pace from a fixed seed:
Samverkansteamet's cases on their own, Gemensamma taget's with the selection meeting that chooses
among them (as bench/journey_simulation.py drives them), each in a SQLite file of its own. Of every
case still open (or paused) at the end it measures the stored bytes (``cases.state``: zlib-compressed
JSON, engine/spiff/state.py) and the JSON's, per journey and over all of them, and checks that each
loads with SpiffWorkflow's own serializer and the engine's alike (simulation/stored.py). On the
same states it times a save's part of the storing (the JSON written, then compressed) and a load's
(decompressed), at zlib's levels 1 (the engine's), 6 and 9. With a PostgreSQL URL it also stores
every state both ways in a scratch schema and reads PostgreSQL's own size of each
(``pg_column_size``: a text value over about 2 kB is compressed by PostgreSQL itself).
docs/benchmarks.md, "Stored state per open case", has the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from bench.targets import Options, Target, postgres_url
from engine.api import WorkflowEngine, folder_files
from engine.persistence.models import CaseRow
from engine.spiff import state
from simulation.driver import Settings, run
from simulation.stored import serializer_problem

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
#: What the simulated year drives together: a journey on its own, or with the process choosing among
#: its participants (the selection meeting opens its cases itself, every six weeks).
YEAR_RUNS: tuple[tuple[str, ...], ...] = (("samverkansteamet",), ("gemensamma_taget", "gemensamma_taget_urval"))
OPEN = ("open", "paused")
LIMIT_KB = 4.0
#: What compressing may add to a save and a load, together (a warm completion costs several ms).
SAVE_LIMIT_MS = 1.0
LEVELS = (1, 6, 9)


@dataclass(frozen=True)
class OpenState:
    source: str  # "demo" or "year"
    process: str
    stored: bytes
    json_bytes: int
    json_ms: float  # writing the state's JSON (state.dump_json): the save's work before compression
    compress_ms: dict[int, float]  # zlib level -> ms
    decompress_ms: dict[int, float]
    packed: dict[int, int]  # zlib level -> bytes


def _per_call_ms(call: Callable[[], Any], reps: int) -> float:
    began = time.perf_counter()
    for _ in range(reps):
        call()
    return (time.perf_counter() - began) / reps * 1000


def _measured(engine: WorkflowEngine, source: str, row: Any, reps: int) -> OpenState:
    raw = state.json_text(row.state).encode()
    workflow = state.load(row.state, row.serializer_version, engine.catalog.bundle(row.process_version_id),
                          None)  # type: ignore[arg-type]
    packed = {level: zlib.compress(raw, level) for level in LEVELS}

    def compressing(level: int) -> Callable[[], bytes]:
        return lambda: zlib.compress(raw, level)

    def decompressing(level: int) -> Callable[[], bytes]:
        return lambda: zlib.decompress(packed[level])

    return OpenState(
        source, row.process_key, row.state, len(raw),
        json_ms=_per_call_ms(lambda: state.dump_json(workflow), reps),
        compress_ms={level: _per_call_ms(compressing(level), reps) for level in LEVELS},
        decompress_ms={level: _per_call_ms(decompressing(level), reps) for level in LEVELS},
        packed={level: len(p) for level, p in packed.items()},
    )


def open_states(engine: WorkflowEngine, source: str, reps: int) -> tuple[list[OpenState], list[str]]:
    """Every open case's stored state, measured, and what is wrong with any that does not load
    with SpiffWorkflow's serializer and the engine's alike."""
    with engine.db.reading() as session:
        rows = session.execute(select(CaseRow.id, CaseRow.process_key, CaseRow.state, CaseRow.serializer_version,
                                      CaseRow.process_version_id).where(CaseRow.status.in_(OPEN))).all()
    rows = [r for r in rows if r.state]
    problems = [f"{r.process_key} {r.id}: {problem}" for r in rows
                if (problem := serializer_problem(engine, r.id)) is not None]
    return [_measured(engine, source, r, reps) for r in rows], problems


def demo_states(scratch: Path, reps: int) -> tuple[list[OpenState], list[str]]:
    """The open cases of ``samverkan serve --demo``."""
    from web import create_app
    from web.demo import seed

    app = create_app({"DATABASE_URL": f"sqlite:///{scratch / 'demo.sqlite3'}", "GALLRING": None})
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy(folder_files(PROCESSES), "system", keep_published=True)
    seed(engine, app.extensions["samverkan.accounts"])
    try:
        return open_states(engine, "demo", reps)
    finally:
        engine.db.dispose()


def year_states(scratch: Path, cases: int, months: int, seed: int, reps: int) -> tuple[list[OpenState], list[str]]:
    """The cases still open after ``months`` simulated months of ``cases`` cases of every journey."""
    found: list[OpenState] = []
    problems: list[str] = []
    for together in YEAR_RUNS:
        url = f"sqlite:///{scratch / ('year-' + together[0] + '.sqlite3')}"
        # Referrals all along when a selection meeting chooses among them (bench/journey_simulation.py).
        spread = 30 * months - 60 if len(together) > 1 else 30
        # The serializer is checked on every open case at the end (open_states), not at every step.
        report = run(Settings(url, list(together), cases, months, seed, "human", False, 1_000_000, spread),
                     folder_files(PROCESSES))
        if not report.ok:
            problems.append(f"the simulated year of {', '.join(together)} stopped: {report.summary(last_steps=3)}")
        engine = WorkflowEngine(url, migrate=False)
        try:
            states, wrong = open_states(engine, "year", reps)
        finally:
            engine.db.dispose()
        found += states
        problems += wrong
    return found, problems


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def size_table(states: Sequence[OpenState]) -> list[str]:
    """Stored and JSON bytes per open case: by source and journey, by journey, and over all."""
    groups: dict[str, list[OpenState]] = {}
    for s in states:
        groups.setdefault(f"{s.source} {s.process}", []).append(s)
        groups.setdefault(f"both {s.process}", []).append(s)
    groups["both, every journey"] = list(states)
    lines = [f"{'open cases of':<36} {'n':>4}  {'stored median / max':>19}  {'JSON median / max':>19}  ratio"]
    for name in sorted(groups):
        group = groups[name]
        stored = [len(s.stored) for s in group]
        raw = [s.json_bytes for s in group]
        ratio = _median(raw) / _median(stored)
        lines.append(f"{name:<36} {len(group):>4}  {_median(stored) / 1000:>8.2f} / {max(stored) / 1000:>5.2f} kB"
                     f"  {_median(raw) / 1000:>8.2f} / {max(raw) / 1000:>5.2f} kB  {ratio:>4.1f}×")
    return lines


def cost_table(states: Sequence[OpenState]) -> list[str]:
    """Per save and per load, median over the open states: the JSON written, and zlib at each level."""
    json_ms = _median([s.json_ms for s in states])
    lines = [f"writing the state's JSON (state.dump_json), the save's work before compression: {json_ms:.3f} ms",
             f"{'zlib level':<11} {'stored median':>13}  {'compress':>9}  {'decompress':>10}  {'compress / JSON':>15}"]
    for level in LEVELS:
        compress = _median([s.compress_ms[level] for s in states])
        lines.append(f"{level:<11} {_median([s.packed[level] for s in states]) / 1000:>10.2f} kB"
                     f"  {compress:>6.3f} ms  {_median([s.decompress_ms[level] for s in states]):>7.3f} ms"
                     f"  {compress / json_ms * 100:>14.0f} %")
    return lines


def postgres_sizes(url: str, states: Sequence[OpenState]) -> tuple[float, float]:
    """PostgreSQL's own size of each state (``pg_column_size``), as JSON text and as stored: medians."""
    schema = f"samverkan_state_size_{os.getpid()}"
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
            connection.execute(text(f"CREATE TABLE {schema}.states (json text NOT NULL, stored bytea NOT NULL)"))
            connection.execute(text(f"INSERT INTO {schema}.states VALUES (:json, :stored)"),
                               [{"json": state.json_text(s.stored), "stored": s.stored} for s in states])
            sizes = connection.execute(text(f"SELECT pg_column_size(json), pg_column_size(stored) "
                                            f"FROM {schema}.states")).all()
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()
    return _median([r[0] for r in sizes]), _median([r[1] for r in sizes])


def targets(options: Options, cases: int | None = None, months: int = 12, seed: int = 1) -> list[Target]:
    cases = cases or (15 if options.quick else 100)
    reps = 5 if options.quick else 30
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        began = time.perf_counter()
        demo, demo_problems = demo_states(scratch, reps)
        print(f"   demo: {len(demo)} open cases ({time.perf_counter() - began:.0f} s)", flush=True)
        began = time.perf_counter()
        year, year_problems = year_states(scratch, cases, months, seed, reps)
        print(f"   a simulated year, {cases} cases of each journey × {months} months, seed {seed}: "
              f"{len(year)} open cases ({time.perf_counter() - began:.0f} s)", flush=True)
    states = demo + year
    problems = demo_problems + year_problems
    for line in size_table(states) + cost_table(states) + problems:
        print(f"   {line}", flush=True)
    stored = [len(s.stored) for s in states]
    by_journey: dict[str, list[int]] = {}
    for s in states:
        by_journey.setdefault(s.process, []).append(len(s.stored))
    journeys = ", ".join(f"{k} {_median(v) / 1000:.2f}" for k, v in sorted(by_journey.items()))
    json_ms = _median([s.json_ms for s in states])
    compress = _median([s.compress_ms[state.COMPRESSION_LEVEL] for s in states])
    decompress = _median([s.decompress_ms[state.COMPRESSION_LEVEL] for s in states])
    found = [
        Target("stored state per open case, median (demo + a simulated year)", _median(stored) / 1000, LIMIT_KB, "kB",
               note=f"{len(states)} open cases; JSON {_median([s.json_bytes for s in states]) / 1000:.1f} kB; "
                    f"max {max(stored) / 1000:.1f} kB; by journey (kB): {journeys}"),
        Target("open states that SpiffWorkflow's serializer and the engine's do not load alike", len(problems), 0,
               "errors"),
        Target(f"zlib level {state.COMPRESSION_LEVEL} per save and load, compress + decompress (median of the states)",
               compress + decompress, SAVE_LIMIT_MS, "ms", note=f"writing the JSON itself: {json_ms:.2f} ms"),
    ]
    if options.postgres:
        as_json, as_stored = postgres_sizes(options.postgres, states)
        print(f"   PostgreSQL's own size (pg_column_size), median: JSON as text {as_json / 1000:.2f} kB "
              f"(PostgreSQL compresses a text over about 2 kB itself), as stored {as_stored / 1000:.2f} kB", flush=True)
        found.append(Target("stored state per open case on PostgreSQL (pg_column_size), median",
                            as_stored / 1000, LIMIT_KB, "kB", note=f"the JSON as text: {as_json / 1000:.2f} kB"))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="15 cases of each journey instead of 100")
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (a scratch schema of its own is used)")
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, postgres=postgres_url(args.postgres))
    for target in targets(options, args.cases, args.months, args.seed):
        print(target.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
