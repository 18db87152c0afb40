"""The cost of one idle scheduler tick with many open cases waiting at timers (a benchmark, not a test).

    python -m bench.scheduler_tick [--postgres URL] [--sizes 1000 10000 100000] [--ticks 300]

A tick is what ``samverkan worker`` runs every few seconds: :class:`engine.scheduler.Ticker`, i.e.
``WorkflowEngine.run_due()`` — one statement asking whether any timer, reminder or escalation is
due (then nothing to fire or send). An idle worker writes its heartbeat every 30 seconds, i.e. on
one tick in six at the default 5-second interval: that write is timed on its own, and the verdict
is given for a tick that writes it. Measured with nothing due, at each size, on SQLite (a file in
a temporary directory) and PostgreSQL (a schema of its own, dropped at the end).

The open cases are the team's journey (``processes/samverkansteamet.bpmn``): a few hundred real
cases, each stopped at a random point of the journey where it waits at timers, then working copies
of their rows (:mod:`bench.open_cases`). Target: a tick under 5 ms, independent of the number of
cases. See docs/benchmarks.md for the figures measured so far.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from bench.engine_per_task import (
    FLAT,
    START,
    Choices,
    Stat,
    machine_facts,
    postgres_database,
    postgres_url,
    resolve_model,
    say,
    sqlite_database,
    stat,
)
from bench.open_cases import Cloner, settle, start_templates, table_counts
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.db import Database
from engine.persistence.models import CaseRow
from engine.scheduler import HEARTBEAT_EVERY, Ticker

TARGET_MS = 5.0
#: An idle worker's heartbeat is written every 30 seconds: one tick in six at the default interval.
TICKS_PER_HEARTBEAT = int(HEARTBEAT_EVERY.total_seconds() // 5)
#: Where a case of the team's journey waits at timers: after this many completed tasks (3: the
#: referral's assessment with its reminder and escalation timers; 7–14: the participation
#: sub-process with its monthly cycle, its one-month warning and its time limit).
TIMER_STOPS = (3, 7, 8, 9, 10, 11, 12, 13, 14)
ACTOR = "bench"


@dataclass
class Point:
    backend: str
    open_cases: int
    waiting_timers: int
    pending_deadlines: int  # open tasks with a reminder or escalation still to send
    tick: Stat
    heartbeat: Stat  # the heartbeat an idle worker writes every 30 seconds, alone
    parts: list[tuple[str, Stat]]  # each transaction of a tick: what it queries, its time
    statements: int
    transactions: int
    plans: list[tuple[str, list[str]]] = field(default_factory=list)


class StatementLog:
    """The SQL one tick sends, and how many commits (to count them and to explain the queries)."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        self.commits = 0
        event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def _commit(self, *_args: Any) -> None:
        if self.on:
            self.commits += 1

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.statements, self.commits, self.on = [], 0, True
        try:
            yield
        finally:
            self.on = False


def time_calls(fn: Callable[[], Any], reps: int, warmup: int = 5) -> Stat:
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return stat(samples)


def time_transactions(db: Database, ticker: Ticker, log: StatementLog, reps: int) -> list[tuple[str, Stat]]:
    """Each transaction of a tick timed on its own (as the engine is written now: one, asking
    whether anything is due), by wrapping the database's
    ``transaction()``, so that nothing inside the engine is called directly. Each is named by the
    table its first SELECT reads."""
    original = db.transaction
    durations: list[list[int]] = []
    names: list[str] = []

    @contextmanager
    def timed() -> Iterator[Any]:
        first = len(log.statements)
        t0 = time.perf_counter_ns()
        with original() as session:
            yield session
        durations[-1].append(time.perf_counter_ns() - t0)
        if log.on:
            names.append(_table_read(log.statements[first:]))

    db.transaction = timed  # type: ignore[method-assign]
    try:
        with log.recording():
            durations.append([])
            ticker()
        durations.clear()
        for _ in range(reps):
            durations.append([])
            ticker()
    finally:
        del db.transaction
    width = max(len(d) for d in durations)
    names += ["?"] * (width - len(names))
    return [(names[k], stat([d[k] for d in durations if len(d) > k])) for k in range(width)]


def _table_read(statements: Sequence[tuple[str, Any]]) -> str:
    for statement, _ in statements:
        words = statement.split()
        if words and words[0].upper() == "SELECT" and "FROM" in words:
            return words[words.index("FROM") + 1]
    return "?"


def counts(db: Database) -> tuple[int, int, int, int]:
    """Open cases, waiting timers, open tasks with a deadline still to send, history rows."""
    with db.engine.connect() as connection:
        rows = table_counts(db)
        pending = connection.exec_driver_sql(
            "SELECT count(*) FROM human_tasks WHERE remind_at IS NOT NULL OR escalate_at IS NOT NULL").scalar()
        open_cases = connection.exec_driver_sql("SELECT count(*) FROM cases WHERE status = 'open'").scalar()
    return int(open_cases or 0), rows["timers"], int(pending or 0), rows["case_events"]


def explain(db: Database, statements: Sequence[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """The query plans of a tick's SELECTs: PostgreSQL's actual plan, SQLite's query plan."""
    plans = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if db.is_sqlite:
                cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                lines = [str(row[-1]) for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) {statement}", parameters)
                lines = [str(row[0]) for row in cursor.fetchall()]
            plans.append((" ".join(statement.split())[:150], lines))
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return plans


def build_templates(db: Database, model_files: Any, process_key: str, choices: Choices, templates: int,
                    seed: int) -> tuple[WorkflowEngine, SimulatedClock, list[str], float]:
    """Real cases of the journey, each stopped where it waits at timers; started an hour apart so
    that their dates spread over days, then one tick to fire whatever fell due meanwhile."""
    t0 = time.perf_counter()
    clock = SimulatedClock(START)
    engine = WorkflowEngine(db, clock=clock, migrate=False)
    engine.deploy(model_files, ACTOR)
    rng = random.Random(seed)
    stops = [rng.choice(TIMER_STOPS) for _ in range(templates)]
    ids = start_templates(engine, clock, process_key, choices, stops, spacing=timedelta(hours=1))
    Ticker(engine)()  # what fell due while the templates were made: fired, as a running worker would have
    with db.transaction() as session:
        waiting = list(session.scalars(select(CaseRow.id).where(
            CaseRow.id.in_(ids), CaseRow.status == "open", CaseRow.next_due_at.is_not(None))))
    return engine, clock, waiting, time.perf_counter() - t0


def measure_backend(name: str, context: AbstractContextManager[Database], sizes: Sequence[int], reps: int,
                    templates: int) -> list[Point]:
    model = resolve_model(None)
    if "samverkansteamet" not in model.keys:
        raise SystemExit(f"processes/samverkansteamet.bpmn is needed: {model.note}")
    choices = Choices(dict(model.choices))
    points: list[Point] = []
    with context as db:
        engine, clock, waiting, seconds = build_templates(db, model.files, "samverkansteamet", choices,
                                                          templates, seed=20260112)
        say(f"  {name:<10} {len(waiting)} real cases waiting at timers, built in {seconds:.1f} s "
            f"(clock now {clock.now():%Y-%m-%d %H:%M} UTC)")
        cloner = Cloner(db, waiting)
        log = StatementLog(db)
        ticker = Ticker(engine)
        for size in sizes:
            added, clone_seconds = cloner.grow_to(size)
            t0 = time.perf_counter()
            settle(db)
            settle_seconds = time.perf_counter() - t0
            open_cases, timers, pending, history = counts(db)
            ticker()  # the first tick after a pause writes the heartbeat: the one recorded is a plain idle tick
            with log.recording():
                fired = ticker()
            if fired or ticker.health.last_error:
                raise SystemExit(f"the tick was not idle: fired {fired}, error {ticker.health.last_error}")
            statements = list(log.statements)  # BEGIN included where the driver is sent one
            tick = time_calls(ticker, reps)
            heartbeat = time_calls(lambda: engine.operations.record_tick(
                ticker.worker_id, None, ticks=TICKS_PER_HEARTBEAT, prune=False), reps)
            parts = time_transactions(db, ticker, log, reps)
            if ticker.health.last_error or counts(db)[3] != history:
                raise SystemExit("a measured tick changed something: it was not idle")
            plans = explain(db, statements) if size == max(sizes) else []
            point = Point(name, open_cases, timers, pending, tick, heartbeat, parts, len(statements), log.commits,
                          plans)
            points.append(point)
            say(f"  {name:<10} {open_cases:>9,} open cases ({added:,} copies written in {clone_seconds:.1f} s, "
                f"settled in {settle_seconds:.1f} s): tick median {tick.median_ms:.3f} ms, p95 {tick.p95_ms:.3f} ms; "
                f"heartbeat {heartbeat.median_ms:.3f} ms")
    return points


def print_table(points: Sequence[Point]) -> None:
    say("  backend     open cases  waiting timers  pending deadlines   tick median      p95   heartbeat   "
        "with heartbeat   average   per transaction (median)   SQL/tick  commits")
    for p in points:
        parts = ", ".join(f"{name} {s.median_ms:.3f}" for name, s in p.parts)
        say(f"  {p.backend:<10} {p.open_cases:>11,} {p.waiting_timers:>15,} {p.pending_deadlines:>18,}   "
            f"{p.tick.median_ms:8.3f} {p.tick.p95_ms:8.3f}   {p.heartbeat.median_ms:9.3f}   "
            f"{with_heartbeat(p):14.3f}   {average(p):7.3f}   {parts:<26} {p.statements:8d} {p.transactions:8d}")
    say("  (heartbeat = the write an idle worker makes every 30 s, alone; with heartbeat = tick median + heartbeat")
    say(f"   median, a tick that writes it; average = tick median + heartbeat median / {TICKS_PER_HEARTBEAT}, "
        "at 5 s a tick;")
    say("   SQL/tick counts every statement sent, BEGIN included where the driver is sent one: SQLite;")
    say("   a transaction is named by the table its SELECT reads)")


def with_heartbeat(p: Point) -> float:
    return p.tick.median_ms + p.heartbeat.median_ms


def average(p: Point) -> float:
    return p.tick.median_ms + p.heartbeat.median_ms / TICKS_PER_HEARTBEAT


def verdicts(points: Sequence[Point]) -> list[str]:
    lines = []
    for backend in dict.fromkeys(p.backend for p in points):
        mine = [p for p in points if p.backend == backend]
        largest = max(mine, key=lambda p: p.open_cases)
        smallest = min(mine, key=lambda p: p.open_cases)
        under = with_heartbeat(largest) < TARGET_MS
        lines.append(f"  {backend:<10} tick < {TARGET_MS:.0f} ms at {largest.open_cases:,} open cases: median "
                     f"{largest.tick.median_ms:.3f} ms (p95 {largest.tick.p95_ms:.3f} ms), "
                     f"{with_heartbeat(largest):.3f} ms when it writes the heartbeat   {'MET' if under else 'NOT MET'}")
        if largest is not smallest:
            ratio = with_heartbeat(largest) / with_heartbeat(smallest)
            lines.append(f"  {backend:<10} independent of the number of cases ({smallest.open_cases:,} -> "
                         f"{largest.open_cases:,}): {ratio:.2f}x   {'MET' if ratio <= FLAT else 'NOT MET'}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler_tick", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL (default: SAMVERKAN_BENCH_POSTGRES_URL "
                                                          "or SAMVERKAN_TEST_POSTGRES_URL); a schema of its own is "
                                                          "created in it and dropped")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000], metavar="N",
                        help="open cases to measure at, ascending (default: 1000 10000 100000)")
    parser.add_argument("--ticks", type=int, default=300, help="ticks timed per size and part (default 300)")
    parser.add_argument("--templates", type=int, default=200,
                        help="real cases started before copying (default 200)")
    parser.add_argument("--skip", action="append", default=[], choices=["sqlite", "postgres"],
                        help="leave a database out")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("samverkan.scheduler").setLevel(logging.WARNING)
    sizes = sorted(args.sizes)
    pg = None if "postgres" in args.skip else postgres_url(args.postgres)
    began = time.perf_counter()
    say("samverkan engine: one idle scheduler tick with many open cases waiting at timers")
    say("=" * 100)
    for line in machine_facts(pg):
        say(line)
    load = os.getloadavg()
    say(f"load        {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min) at the start"
        + ("  WARNING: other work is running; figures will be noisy" if load[0] > 1.0 else ""))
    say("journey     samverkansteamet.bpmn: real cases stopped where they wait at timers, then working copies")
    say(f"tick        engine.scheduler.Ticker() = WorkflowEngine.run_due() with nothing due; {args.ticks} ticks "
        f"per size after 5 warm-up ticks; ms")
    say()
    points: list[Point] = []
    if "sqlite" not in args.skip:
        points += measure_backend("SQLite", sqlite_database(), sizes, args.ticks, args.templates)
    if pg:
        points += measure_backend("PostgreSQL", postgres_database(pg), sizes, args.ticks, args.templates)
    say()
    say("idle tick (ms); per transaction = each of the tick's transactions timed alone, from BEGIN to COMMIT")
    print_table(points)
    say()
    for p in points:
        if p.plans:
            say(f"query plans at {p.open_cases:,} open cases, {p.backend}:")
            for statement, lines in p.plans:
                say(f"  {statement}")
                for line in lines:
                    say(f"      {line}")
    say()
    say(f"targets (independent = at most {FLAT:.2f}x from the smallest to the largest size)")
    for line in verdicts(points):
        say(line)
    say(f"\nload at the end {os.getloadavg()[0]:.2f}; total run time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
