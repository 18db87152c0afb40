"""10,000 timers falling due at once, fired by 1, 2 and 4 worker processes on PostgreSQL (a benchmark).

    python -m bench.timer_burst --postgres URL [--timers 10000] [--workers 1 2 4] [--journey team|tiny]

Every case waits at one timer, all due at the same moment. Each worker is a separate OS process
that runs what ``samverkan worker`` runs — ``engine.scheduler.blocking(engine, interval)``: the
APScheduler job calling :class:`engine.scheduler.Ticker`, i.e. ``WorkflowEngine.run_due()`` — on
its own ``WorkflowEngine`` against one PostgreSQL database. The workers' clock is the engine's
simulated clock, standing one minute after the due moment (the same as setting the due dates in
the past). The wall time runs from the moment the workers are released until the last timer's
transaction has committed; afterwards the history must hold exactly one ``TimerFired`` per case.

Journeys (``--journey``):

- ``team`` (default): ``processes/samverkansteamet.bpmn`` at the referral's assessment
  ("Bedöma remissen på teammöte"), where the timer "Svarstiden (14 dagar) har passerat" falls due.
  Firing it opens the task "Svarstiden har passerat: eskalera", and the assessment task's own
  escalation falls due at the same moment, so the tick also writes its escalations for each case.
- ``tiny``: ``bench/bpmn/timer_wait.bpmn``: wait a week, then one task.

The cases are a few real ones and working copies of them (:mod:`bench.open_cases`). They are made
once, kept in snapshot tables, and restored before every run. Everything happens in a schema of
its own (``samverkan_bench_<pid>``), dropped at the end. See docs/benchmarks.md for the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import multiprocessing
import os
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.engine_per_task import (
    START,
    TEAM_CHOICES,
    Choices,
    machine_facts,
    postgres_database,
    postgres_url,
    print_profile,
    read_files,
    say,
)
from bench.open_cases import Cloner, case_tables, settle, start_templates
from engine import events, scheduler
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.db import Database
from engine.spiff import deep
from engine.views import SourceFile

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_WORKERS = 2
POLL_SECONDS = 0.1
ACTOR = "bench"


@dataclass(frozen=True)
class Journey:
    name: str
    files: list[SourceFile]
    process_key: str
    stop: int  # tasks completed before the case waits at the timer
    timer: str  # the element of the timer that falls due
    choices: Choices
    label: str


def journey(name: str) -> Journey:
    if name == "tiny":
        return Journey("tiny", read_files([ROOT / "bench" / "bpmn" / "timer_wait.bpmn"]), "timer_wait", 0, "wait",
                       Choices(), "bench/bpmn/timer_wait.bpmn, waiting at 'En vecka har gått'")
    team = ROOT / "processes" / "samverkansteamet.bpmn"
    return Journey("team", read_files([team, *sorted(team.parent.glob("*.dmn"))]), "samverkansteamet", 3,
                   "eskalering_svarstid", Choices(dict(TEAM_CHOICES)),
                   "processes/samverkansteamet.bpmn at 'Bedöma remissen på teammöte', "
                   "timer 'Svarstiden (14 dagar) har passerat'")


# --- the cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    due: datetime  # when every case's timer falls due
    until: datetime  # the workers' clock
    cases: int
    other_timers_after: datetime | None  # the next other timer of these cases (must be after ``until``)


def prepare(db: Database, chosen: Journey, timers: int, templates: int) -> tuple[Burst, float]:
    """``timers`` cases waiting at the journey's timer, all due at one moment; then snapshotted."""
    t0 = time.perf_counter()
    clock = SimulatedClock(START)
    engine = WorkflowEngine(db, clock=clock, migrate=False)
    engine.deploy(chosen.files, ACTOR)
    ids = start_templates(engine, clock, chosen.process_key, chosen.choices, [chosen.stop] * min(templates, timers))
    due_times = set()
    others: list[datetime] = []
    for case_id in ids:
        case = engine.case(case_id)
        mine = [t for t in case.timers if t.element == chosen.timer]
        if case.status != "open" or len(mine) != 1:
            raise SystemExit(f"a template case does not wait at '{chosen.timer}': {case.status}, "
                             f"timers {[t.element for t in case.timers]}")
        due_times.add(mine[0].due_at)
        others += [t.due_at for t in case.timers if t.element != chosen.timer]
    if len(due_times) != 1:
        raise SystemExit(f"the templates' timers are not due at one moment: {sorted(due_times)}")
    due = due_times.pop()
    until = due + timedelta(minutes=1)
    later = min(others, default=None)
    if later is not None and later <= until:
        raise SystemExit(f"another timer of the cases falls due by {until}: {later}")
    Cloner(db, ids).clone(timers - len(ids))
    with db.engine.begin() as connection:
        due_cases = connection.execute(text("SELECT count(*) FROM cases WHERE next_due_at <= :u"), {"u": until})
        if due_cases.scalar() != timers:
            raise SystemExit("the copies do not all fall due")
        for table in case_tables(db):
            connection.execute(text(f"CREATE TABLE bench_snapshot_{table.name} AS SELECT * FROM {table.name}"))
    return Burst(due, until, timers, later), time.perf_counter() - t0


def restore(db: Database) -> None:
    """Every case back to waiting at its timer, from the snapshot; then the database settles."""
    tables = [t.name for t in case_tables(db)]
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)}"))
        for name in tables:
            connection.execute(text(f"INSERT INTO {name} SELECT * FROM bench_snapshot_{name}"))
    settle(db)


# --- the workers ------------------------------------------------------------------------------------


def worker(url: str, until: datetime, interval: float, ready: Any, go: Any, stop: Any, results: Any,
           number: int) -> None:
    """One worker process: ``samverkan worker``'s loop on a clock standing at ``until``.

    Counted on the side (by wrapping the engine object's methods, not by changing the engine):
    the batches a tick claimed, the cases in them and the timers they fired, and how many case
    states were loaded.
    """
    logging.getLogger("spiff").setLevel(logging.WARNING)
    # "skipped: maximum number of running instances reached": the long first tick is still running
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    engine = WorkflowEngine(url, clock=SimulatedClock(until), migrate=False)
    with engine.db.engine.connect() as connection:  # a long-running worker has its specs parsed already
        versions = [int(v) for v in connection.execute(text("SELECT DISTINCT process_version_id FROM cases")).scalars()]
    for version in versions:
        engine.catalog.bundle(version)
    outcomes: Counter[str] = Counter()
    moments: dict[str, float] = {}
    fire_next_due = engine._fire_next_due
    load = engine.runner._workflow

    def counted_fire_next_due(moment: datetime, batch: int, passed_over: set[str]) -> tuple[int, int]:
        claimed, fired = fire_next_due(moment, batch, passed_over)
        if claimed:
            outcomes["batches"] += 1
            outcomes["claimed"] += claimed
        if fired:
            outcomes["fired"] += fired
            moments.setdefault("first", time.perf_counter())
            moments["last"] = time.perf_counter()
        return claimed, fired

    def counted_load(session: Any, row: Any) -> Any:
        outcomes["loaded"] += 1
        return load(session, row)

    engine._fire_next_due = counted_fire_next_due  # type: ignore[method-assign]
    engine.runner._workflow = counted_load  # type: ignore[method-assign]
    sched, ticker = scheduler.blocking(engine, interval)

    def shut_down() -> None:
        stop.wait()
        sched.shutdown(wait=True)

    threading.Thread(target=shut_down, daemon=True).start()
    ready.set()
    go.wait()
    before = resource.getrusage(resource.RUSAGE_SELF)
    sched.start()  # returns once shut down
    after = resource.getrusage(resource.RUSAGE_SELF)
    results.put({
        "number": number, "outcomes": dict(outcomes), "ticks": ticker.health.ticks,
        "error": ticker.health.last_error, "first": moments.get("first"), "last": moments.get("last"),
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    })


@dataclass
class Run:
    workers: int
    fired_seconds: float  # released → the last timer's transaction committed
    done_seconds: float  # released → nothing due any more (timers and reminders), as polled
    fired: int
    outcomes: Counter[str]
    ticks: int
    worker_cpu: float
    postgres_cpu: float
    machine_busy: float  # share of all cores busy during the run
    errors: list[str] = field(default_factory=list)
    checks: dict[str, int] = field(default_factory=dict)
    ok: bool = False


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def postgres_seconds() -> float:
    """CPU seconds used so far by every ``postgres`` process (this benchmark's backends and any other's)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat_line[stat_line.index("(") + 1: stat_line.rindex(")")]
        if name.startswith("postgres"):
            fields = stat_line[stat_line.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run(db: Database, url: str, burst: Burst, workers: int, interval: float, timeout: float) -> Run:
    restore(db)
    context = multiprocessing.get_context("spawn")
    go, stop = context.Event(), context.Event()
    results = context.Queue()
    readies = [context.Event() for _ in range(workers)]
    processes = [context.Process(target=worker, args=(url, burst.until, interval, readies[n], go, stop, results, n),
                                 name=f"bench-worker-{n}") for n in range(workers)]
    for process in processes:
        process.start()
    for ready in readies:
        if not ready.wait(120):
            raise SystemExit("a worker did not start")
    remaining_timers = text("SELECT count(*) FROM cases WHERE next_due_at <= :u")
    remaining_deadlines = text("SELECT count(*) FROM human_tasks WHERE remind_at <= :u OR escalate_at <= :u")
    busy0, total0 = cpu_jiffies()
    pg0 = postgres_seconds()
    released = time.perf_counter()
    go.set()
    done = None
    with db.engine.connect() as connection:
        while time.perf_counter() - released < timeout:
            time.sleep(POLL_SECONDS)
            left = connection.execute(remaining_timers, {"u": burst.until}).scalar()
            left = (left or 0) + (connection.execute(remaining_deadlines, {"u": burst.until}).scalar() or 0)
            connection.rollback()
            if left == 0:
                done = time.perf_counter() - released
                break
    busy1, total1 = cpu_jiffies()
    pg1 = postgres_seconds()
    stop.set()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(60)
    outcomes: Counter[str] = Counter()
    for report in reports:
        outcomes.update(report["outcomes"])
    lasts = [r["last"] for r in reports if r["last"] is not None]
    result = Run(
        workers=workers,
        fired_seconds=(max(lasts) - released) if lasts else float("nan"),
        done_seconds=done if done is not None else float("nan"),
        fired=outcomes["fired"], outcomes=outcomes, ticks=sum(r["ticks"] for r in reports),
        worker_cpu=sum(r["cpu"] for r in reports), postgres_cpu=pg1 - pg0,
        machine_busy=(busy1 - busy0) / max(1, total1 - total0),
        errors=[f"worker {r['number']}: {r['error']}" for r in reports if r["error"]],
    )
    if done is None:
        result.errors.append(f"not everything fired within {timeout:.0f} s")
    verify(db, burst, result)
    return result


def verify(db: Database, burst: Burst, result: Run) -> None:
    """Exactly one TimerFired per case, no incident, and the workers' count agrees."""
    fired = {"e": events.TimerFired.event}
    with db.engine.connect() as connection:
        per_case = Counter(int(n) for n in connection.execute(text(
            "SELECT count(*) FROM case_events WHERE event = :e GROUP BY case_id"), fired).scalars())
        elements = connection.execute(text(
            "SELECT count(DISTINCT element) FROM case_events WHERE event = :e"), fired).scalar()
        incidents = connection.execute(text(
            "SELECT count(*) FROM case_events WHERE event = :e"), {"e": events.IncidentRaised.event}).scalar()
        reminders = connection.execute(text(
            "SELECT count(*) FROM case_events WHERE event = :e"), {"e": events.TaskReminded.event}).scalar()
    once = per_case.get(1, 0)
    more = sum(v for k, v in per_case.items() if k > 1)
    result.checks = {"cases fired once": once, "cases fired more than once": more,
                     "cases not fired": burst.cases - sum(per_case.values()), "incidents": int(incidents or 0),
                     "reminders written": int(reminders or 0), "timer elements": int(elements or 0)}
    result.ok = (once == burst.cases and more == 0 and not incidents and result.fired == burst.cases
                 and elements == 1 and not result.errors)


# --- profile ------------------------------------------------------------------------------------------


def profile(db: Database, burst: Burst, timers: int) -> None:
    """cProfile of one tick firing ``timers`` of the cases in this process (the rest made not due)."""
    restore(db)
    with db.engine.begin() as connection:
        keep = "SELECT id FROM cases ORDER BY id LIMIT :n"
        connection.execute(text(f"UPDATE cases SET next_due_at = NULL WHERE id NOT IN ({keep})"), {"n": timers})
        connection.execute(text(f"UPDATE human_tasks SET remind_at = NULL, escalate_at = NULL "
                                f"WHERE case_id NOT IN ({keep})"), {"n": timers})
    engine = WorkflowEngine(db, clock=SimulatedClock(burst.until), migrate=False)
    with db.engine.connect() as connection:
        for version in connection.execute(text("SELECT DISTINCT process_version_id FROM cases")).scalars():
            engine.catalog.bundle(int(version))
    ticker = scheduler.Ticker(engine)
    # cProfile does not follow the engine's deep-stack threads: run the same work inline instead.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), deep.RECURSION_LIMIT))
    deep._local.deep = True
    profiler = cProfile.Profile()
    try:
        t0 = time.perf_counter()
        profiler.enable()
        fired = ticker()
        profiler.disable()
        seconds = time.perf_counter() - t0
    finally:
        deep._local.deep = False
    per_timer = seconds / max(1, fired) * 1000
    say(f"\n  one process fired {fired:,} timers in {seconds:.1f} s under cProfile ({per_timer:.1f} ms per timer "
        f"profiled; cProfile roughly doubles the time)")
    print_profile(f"one tick, {fired:,} timers fired (per timer)", profiler, max(1, fired))


# --- main ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.timer_burst", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL (default: SAMVERKAN_BENCH_POSTGRES_URL "
                                                          "or SAMVERKAN_TEST_POSTGRES_URL); a schema of its own is "
                                                          "created in it and dropped")
    parser.add_argument("--timers", type=int, default=10_000, help="cases, each with one timer due (default 10000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts (default 1 2 4)")
    parser.add_argument("--journey", choices=["team", "tiny"], default="team",
                        help="the team's journey at the assessment (default) or bench/bpmn/timer_wait.bpmn")
    parser.add_argument("--templates", type=int, default=50, help="real cases started before copying (default 50)")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between a worker's ticks (default 5, as samverkan worker)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up a run after this many seconds")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile one in-process tick firing N of the timers")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("spiff").setLevel(logging.WARNING)
    pg = postgres_url(args.postgres)
    if not pg:
        raise SystemExit("PostgreSQL is needed: give --postgres URL (or SAMVERKAN_BENCH_POSTGRES_URL)")
    chosen = journey(args.journey)
    began = time.perf_counter()
    say(f"samverkan engine: {args.timers:,} timers falling due at once, fired by worker processes")
    say("=" * 100)
    for line in machine_facts(pg):
        say(line)
    load = os.getloadavg()
    say(f"load        {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min) at the start"
        + ("  WARNING: other work is running; figures will be noisy" if load[0] > 1.0 else ""))
    say(f"journey     {chosen.label}")
    say(f"workers     separate processes, each scheduler.blocking(engine, {args.interval:g}) as `samverkan worker`, "
        f"simulated clock one minute after the due moment")
    say()
    runs: list[Run] = []
    with postgres_database(pg) as db:
        burst, seconds = prepare(db, chosen, args.timers, args.templates)
        real = min(args.templates, args.timers)
        say(f"  {burst.cases:,} cases ({real} real, the rest copies) made in {seconds:.1f} s;"
            f" due {burst.due:%Y-%m-%d %H:%M} UTC, workers' clock {burst.until:%H:%M} UTC"
            + (f", next other timer {burst.other_timers_after:%Y-%m-%d %H:%M}" if burst.other_timers_after else ""))
        for workers in args.workers:
            result = run(db, db.url, burst, workers, args.interval, args.timeout)
            runs.append(result)
            say(f"  {workers} worker(s): all {result.fired:,} fired in {result.fired_seconds:.1f} s "
                f"({result.fired / result.fired_seconds:.0f}/s), nothing due after {result.done_seconds:.1f} s; "
                f"checks {'passed' if result.ok else 'FAILED'} {result.checks}"
                + (f"; errors: {result.errors}" if result.errors else ""))
        if args.profile:
            profile(db, burst, args.profile)
    say()
    say("all fired = from release to the last timer's commit; batches = transactions that claimed due cases;")
    say("claimed = cases in them; loaded = case states loaded (deserialized)")
    say("  workers   all fired (s)   timers/s   nothing due (s)   fired   batches   claimed   loaded   "
        "worker CPU s   postgres CPU s   CPU ms/timer   machine busy   checks")
    for r in runs:
        say(f"  {r.workers:>7}   {r.fired_seconds:13.1f}   {r.fired / r.fired_seconds:8.0f}   {r.done_seconds:15.1f}   "
            f"{r.fired:>5,}   {r.outcomes['batches']:>7,}   {r.outcomes['claimed']:>7,}   {r.outcomes['loaded']:>6,}   "
            f"{r.worker_cpu:12.1f}   {r.postgres_cpu:14.1f}   "
            f"{(r.worker_cpu + r.postgres_cpu) / max(1, r.fired) * 1000:12.1f}   "
            f"{r.machine_busy * 100:11.0f}%   {'ok' if r.ok else 'FAILED'}")
    say("  (CPU ms/timer = worker and postgres CPU seconds over timers fired: what a timer costs whatever else runs;")
    say("   postgres CPU counts every postgres process on the machine, other sessions' too)")
    say()
    target = next((r for r in runs if r.workers == TARGET_WORKERS), None)
    if target is not None and args.timers == 10_000:
        met = target.ok and target.fired_seconds < TARGET_SECONDS
        say(f"target: 10,000 timers in under {TARGET_SECONDS:.0f} s with {TARGET_WORKERS} workers on 2 cores: "
            f"{target.fired_seconds:.1f} s   {'MET' if met else 'NOT MET'}")
    say(f"\nload at the end {os.getloadavg()[0]:.2f}; total run time {time.perf_counter() - began:.0f} s")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
