"""Case starts per second in one process on SQLite, for every shipped journey a person can start
(a benchmark, not a test).

    python -m bench.case_starts [--quick]

Each journey of ``processes/`` (deployed as ``samverkan serve`` deploys it) is started through
``WorkflowEngine.start_case`` with its start form's answers and a new participant each time — as
registration does — first one start after the other on one thread, then from four threads at once
(a server's request threads). Each start is its own durable transaction. Beside them: one durable
commit of a one-row update, the floor any start pays on this disk. Target: ≥ 300 starts/s.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.engine_per_task import Choices, commit_floor, start_data
from bench.targets import Options, Target
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.db import Database
from engine.views import Form, SourceFile

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
THREADS = 4


def shipped_files() -> list[SourceFile]:
    return [SourceFile(p.name, p.read_bytes()) for p in sorted((ROOT / "processes").iterdir())
            if p.suffix in (".bpmn", ".dmn")]


class Starter:
    def __init__(self, engine: WorkflowEngine, key: str) -> None:
        registration = engine.registration(key)
        self.engine, self.key = engine, key
        self.data = start_data(registration.form if registration is not None else Form(), Choices(),
                               engine.clock.now().date())
        self.people = itertools.count()

    def start(self) -> None:
        n = next(self.people)
        self.engine.start_case(self.key, participant={"name": f"Deltagare {n}"}, participant_key=f"{self.key}-{n}",
                               data=dict(self.data), actor="bench")


def sequential(starter: Starter, n: int) -> float:
    """Starts per second, one after the other."""
    began = time.perf_counter()
    for _ in range(n):
        starter.start()
    return n / (time.perf_counter() - began)


def threaded(starter: Starter, n: int, threads: int = THREADS) -> float:
    """Starts per second from ``threads`` threads at once, ``n`` in all."""
    each = n // threads
    failures: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(each):
                starter.start()
        except BaseException as err:  # reported below, not swallowed
            failures.append(err)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return each * threads / (time.perf_counter() - began)


def targets(options: Options) -> list[Target]:
    n = 100 if options.quick else 600
    found: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="samverkan-starts-") as folder:
        db = Database(f"sqlite:///{Path(folder) / 'starts.sqlite3'}")
        db.migrate()
        engine = WorkflowEngine(db, clock=SimulatedClock(START), migrate=False)
        engine.deploy(shipped_files(), actor="bench")
        floor = commit_floor(db).median_ms
        for version in engine.processes():
            registration = engine.registration(version.key)
            if registration is None or not registration.by_hand:
                continue
            starter = Starter(engine, version.key)
            sequential(starter, 20)  # warm-up: the version's spec, forms, the connections
            one = sequential(starter, n)
            many = threaded(starter, n)
            found.append(Target(f"case starts per second in one process, SQLite, {version.key}", max(one, many),
                                300, "/s", at_least=True,
                                note=f"{one:.0f}/s one thread, {many:.0f}/s from {THREADS} threads; "
                                     f"a durable commit alone {floor:.2f} ms"))
        db.dispose()
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    for target in targets(Options(args.quick, None)):
        print(target.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
