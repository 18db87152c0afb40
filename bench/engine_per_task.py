"""Per-task cost of the engine, compared with raw SpiffWorkflow (a benchmark, not a test).

    python -m bench.engine_per_task [--model PATH ...] [--postgres URL] [--quick] [--profile]

Prints tables to stdout and writes nothing else: SQLite databases live in a temporary directory,
PostgreSQL runs in a schema of its own (``samverkan_bench_<pid>``) that is dropped at the end.

(a) raw SpiffWorkflow: the journey in memory, the full ``BpmnWorkflowSerializer`` JSON (spec
    included) deserialized before and serialized after every task, as a naive host would do;
(b) the engine: the same journey through ``WorkflowEngine.complete_task`` with durable commits,
    warm (same engine: workflow cache hit) and cold (a fresh ``WorkflowEngine`` per task), on
    SQLite and PostgreSQL;
(c) the same with 1,000 and 100,000 other open cases in the database, plus one inbox query and one
    idle scheduler tick at each size;
(d) a case that has looped through 18 monthly cycles compared with a new one.

See docs/benchmarks.md for what each figure means and the figures measured so far.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import json
import logging
import math
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.scratch import postgres_schema
from bench.targets import postgres_url
from engine import clock as clock_module
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.definitions import xml_safety
from engine.errors import EngineError
from engine.language.timers import parse_duration
from engine.persistence.db import Database
from engine.persistence.models import CaseEventRow, CaseRow, HumanTaskRow, TaskCandidateRow, TimerRow
from engine.spiff import deep, runtime
from engine.spiff.loading import load
from engine.spiff.script_engine import SafeScriptEngine
from engine.spiff.specs import form_of, start_of
from engine.spiff.state import SpecBundle, full_serializer, json_text
from engine.views import Case, Form, SourceFile, Task

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = ROOT / "processes" / "samverkansteamet.bpmn"
FALLBACK = [ROOT / "tests" / "bpmn" / "referral_reply.bpmn",
            ROOT / "tests" / "bpmn" / "conversations.bpmn"]
MONTHLY = ROOT / "tests" / "bpmn" / "monthly_contact.bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

START = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)  # a Monday morning in Stockholm
ACTOR = "bench"
FLAT = 1.20  # "flat": the larger size's median at most 20 % above the smaller's (run-to-run noise is ~10 %)

# The serializer a naive host would use: SpiffWorkflow's own, spec included, configured for the
# engine's timer and message classes.
RAW_SERIALIZER = full_serializer()


# --- how long each part runs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    raw_journeys: int
    warmup_journeys: int
    warm_journeys: int
    cold_journeys: int
    sizes: tuple[int, ...]
    size_warm_journeys: int
    size_cold_journeys: int
    inbox_reps: int
    tick_reps: int
    templates: int
    aged_cases: int
    raw_aged: int
    months: int


DEFAULT_PLAN = Plan(raw_journeys=150, warmup_journeys=5, warm_journeys=100, cold_journeys=50,
                    sizes=(1_000, 100_000), size_warm_journeys=40, size_cold_journeys=20, inbox_reps=25,
                    tick_reps=100, templates=250, aged_cases=24, raw_aged=8, months=18)
QUICK_PLAN = Plan(raw_journeys=20, warmup_journeys=2, warm_journeys=15, cold_journeys=8,
                  sizes=(1_000, 10_000), size_warm_journeys=8, size_cold_journeys=5, inbox_reps=7,
                  tick_reps=15, templates=100, aged_cases=8, raw_aged=3, months=18)


@dataclass(frozen=True)
class Stat:
    n: int
    median_ms: float
    p95_ms: float

    def __str__(self) -> str:
        return f"{self.median_ms:8.2f} {self.p95_ms:8.2f}"


def stat(samples_ns: Sequence[int]) -> Stat:
    if not samples_ns:
        return Stat(0, math.nan, math.nan)
    ordered = sorted(samples_ns)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return Stat(len(ordered), statistics.median(ordered) / 1e6, p95 / 1e6)


def say(line: str = "") -> None:
    print(line, flush=True)


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


# --- the model ------------------------------------------------------------------------------------


@dataclass
class Model:
    label: str
    files: list[SourceFile]
    keys: list[str]  # the top-level processes a journey starts, in document order
    bundles: dict[str, SpecBundle]
    note: str = ""
    choices: dict[str, Any] = field(default_factory=dict)  # the model's happy path, where first options loop


#: The happy path through processes/samverkansteamet.bpmn. With the generic data (the same example
#: text everywhere) the journey would loop for ever: two team members or two contact persons must be
#: different people, and the inclusive gateway after the action plan needs at least one measure chosen.
TEAM_CHOICES: dict[str, Any] = {
    "teammedlem_1": "Anna", "teammedlem_2": "Bo",
    "kontaktperson": "anna", "andra_kontaktperson": "bo",
    "deltagarens_svar": "ja", "beslut": "antagen", "mal_uppfyllt": "ja",
    "arbetstraning": True, "fler_samtal": False,
}


def read_files(paths: Sequence[Path]) -> list[SourceFile]:
    return [SourceFile(p.name, p.read_bytes()) for p in paths]


def parse_model(label: str, files: list[SourceFile]) -> tuple[Model | None, str]:
    result = load(files)
    if result.errors:
        first = result.errors[0]
        return None, f"{len(result.errors)} error(s), first: {first.file}: {first.element}: {first.message}"
    if not result.processes:
        return None, "no executable process"
    called: set[str] = set()
    for source in files:
        tree = xml_safety.parse_xml(source.content, source.name)
        for node in tree.getroot().iter(f"{{{BPMN_NS}}}callActivity"):
            if node.get("calledElement"):
                called.add(node.get("calledElement") or "")
    keys = [p.key for p in result.processes if p.key not in called] or [result.processes[0].key]
    bundles = {p.key: p.bundle for p in result.processes}
    return Model(label, files, keys, bundles), ""


def resolve_model(paths: Sequence[str] | None) -> Model:
    if paths:
        chosen = [Path(p) for p in paths]
        model, why = parse_model(", ".join(p.name for p in chosen), read_files(chosen))
        if model is None:
            raise SystemExit(f"--model does not validate: {why}")
        model.note = "given with --model"
        return model
    note = f"{JOURNEY.relative_to(ROOT)} does not exist yet"
    if JOURNEY.exists():
        dmn = sorted(JOURNEY.parent.glob("*.dmn"))
        model, why = parse_model(", ".join(p.name for p in [JOURNEY, *dmn]), read_files([JOURNEY, *dmn]))
        if model is not None:
            model.note = "the team's journey"
            model.choices = dict(TEAM_CHOICES)
            return model
        note = f"{JOURNEY.relative_to(ROOT)} does not validate ({why})"
    model, why = parse_model(" + ".join(p.name for p in FALLBACK), read_files(FALLBACK))
    if model is None:
        raise SystemExit(f"the fallback models do not validate: {why}")
    model.note = f"fallback: {note}"
    return model


# --- form data for the happy path -----------------------------------------------------------------


@dataclass
class Choices:
    fields: dict[str, Any] = field(default_factory=dict)  # field id -> value, overrides the defaults
    start_data: dict[str, Any] = field(default_factory=dict)
    max_steps: int = 200


def form_data(form: Form, choices: Choices, today: date) -> dict[str, Any]:
    """Data for a form: the run's choices, else the engine's sample answers (first enum option,
    false, the minimum or 1, today's date, example text)."""
    return form.sample_answers(today, choices.fields)


def start_data(form: Form, choices: Choices, today: date) -> dict[str, Any]:
    """What a case starts with: its start form's answers (as registration would give them), then the
    run's start data."""
    return {**form.sample_answers(today, choices.fields), **choices.start_data}


def pick(tasks: Sequence[Task]) -> Task:
    return sorted(tasks, key=lambda t: (t.name, t.id))[0]


# --- (a) raw SpiffWorkflow --------------------------------------------------------------------------


class RawDriver:
    """The journey on SpiffWorkflow objects: full JSON (spec included) in and out around each task."""

    def __init__(self, bundles: dict[str, SpecBundle], choices: Choices) -> None:
        self.bundles = bundles
        self.choices = choices
        self.script_engine = SafeScriptEngine()
        self.clock = SimulatedClock(START)
        self.capped = 0  # cases stopped by the step cap (a loop the form data never leaves)

    def load(self, bundle: SpecBundle, state: str) -> Any:
        workflow = RAW_SERIALIZER.deserialize_json(state)
        workflow.script_engine = self.script_engine  # not serialized: a safe host sets it every time
        # (sub-workflows have no script engine of their own: theirs is a read-only view of this one)
        workflow.engine_outputs = bundle.outputs  # output parameters, as the engine applies them
        return workflow

    def start(self, key: str) -> tuple[Any, str]:
        bundle = self.bundles[key]
        with clock_module.using(self.clock):
            workflow = bundle.new_workflow(self.script_engine)
            runtime.start(workflow, start_data(start_of(bundle.specs()[0])[1], self.choices, self.clock.now().date()))
        return workflow, RAW_SERIALIZER.serialize_json(workflow)

    def complete(self, key: str, state: str, task_id: Any, data: dict[str, Any],
                 parts: dict[str, list[int]] | None = None) -> tuple[Any, str, int]:
        """One task: deserialize → complete → serialize. Returns the workflow, its JSON and the ns."""
        bundle = self.bundles[key]
        with clock_module.using(self.clock):
            t0 = time.perf_counter_ns()
            workflow = self.load(bundle, state)
            t1 = time.perf_counter_ns()
            runtime.complete(workflow, workflow.get_task_from_id(task_id), data)
            t2 = time.perf_counter_ns()
            state = RAW_SERIALIZER.serialize_json(workflow)
            t3 = time.perf_counter_ns()
        if parts is not None:
            parts["deserialize"].append(t1 - t0)
            parts["complete"].append(t2 - t1)
            parts["serialize"].append(t3 - t2)
        return workflow, state, t3 - t0

    def fire_timers(self, key: str, workflow: Any, state: str) -> tuple[Any, str]:
        timers = runtime.waiting_timers(workflow)
        self.clock.set(max(timers[0].due_at, self.clock.now()))
        with clock_module.using(self.clock):
            workflow = self.load(self.bundles[key], state)
            while any(t.due_at <= self.clock.now() for t in runtime.waiting_timers(workflow)):
                runtime.fire_due_timers(workflow)
            return workflow, RAW_SERIALIZER.serialize_json(workflow)

    def journey(self, keys: Sequence[str], samples: list[int] | None,
                parts: dict[str, list[int]] | None = None, sizes: list[int] | None = None) -> int:
        done = 0
        for key in keys:
            workflow, state = self.start(key)
            for step in range(self.choices.max_steps + 1):
                if step == self.choices.max_steps:
                    self.capped += 1
                    break
                if workflow.is_completed():
                    break
                ready = runtime.ready_user_tasks(workflow)
                if ready:
                    task = sorted(ready, key=lambda t: (runtime.element_of(t.task_spec), str(t.id)))[0]
                    data = form_data(form_of(task.task_spec), self.choices, self.clock.now().date())
                    workflow, state, ns = self.complete(key, state, task.id, data, parts)
                    done += 1
                    if samples is not None:
                        samples.append(ns)
                    if sizes is not None:
                        sizes.append(len(state.encode()))
                elif runtime.waiting_timers(workflow):
                    workflow, state = self.fire_timers(key, workflow, state)
                else:
                    break  # waits for a message: the journey ends here for the benchmark
        return done


# --- (b) the engine ----------------------------------------------------------------------------------


class EngineDriver:
    """The same journey through WorkflowEngine, each task completed with its form's data."""

    def __init__(self, db: Database, choices: Choices) -> None:
        self.db = db
        self.choices = choices
        self.clock = SimulatedClock(START)
        self.engine = WorkflowEngine(db, clock=self.clock, migrate=False)
        self.profiler: cProfile.Profile | None = None
        self.counting = False
        self.statements = 0
        self.transactions = 0
        event.listen(db.engine, "before_cursor_execute", self._count_statement)
        event.listen(db.engine, "commit", self._count_commit)

    def _count_statement(self, *_args: Any) -> None:
        if self.counting:
            self.statements += 1

    def _count_commit(self, *_args: Any) -> None:
        if self.counting:
            self.transactions += 1

    def count(self, keys: Sequence[str], journeys: int = 3) -> tuple[float, float]:
        """SQL statements and commits per completed task (warm path)."""
        self.statements = self.transactions = 0
        samples: list[int] = []
        original = self.complete

        def counted(task: Task, mode: str) -> int:
            self.counting = True
            try:
                return original(task, mode)
            finally:
                self.counting = False

        self.complete = counted  # type: ignore[method-assign]
        try:
            for _ in range(journeys):
                self.journey(keys, "warm", samples)
        finally:
            del self.complete
        return self.statements / len(samples), self.transactions / len(samples)

    def fresh(self) -> WorkflowEngine:
        return WorkflowEngine(self.db, clock=self.clock, migrate=False)

    def complete(self, task: Task, mode: str) -> int:
        """Complete one task and return the ns: ``warm`` same engine, ``fresh`` a new engine object,
        ``state`` the same engine with its workflow cache emptied (spec cache kept)."""
        data = form_data(task.form, self.choices, self.clock.now().date())
        engine = self.engine
        if mode == "fresh":
            engine = self.fresh()
        elif mode == "state":
            engine.runner.cache.clear()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            t0 = time.perf_counter_ns()
            engine.complete_task(task.id, data, task.assignee or ACTOR)
            return time.perf_counter_ns() - t0
        finally:
            if self.profiler is not None:
                self.profiler.disable()

    def drive(self, case_id: str, mode: str, samples: list[int] | None, max_steps: int | None = None) -> int:
        done = 0
        for _ in range(self.choices.max_steps if max_steps is None else max_steps):
            case = self.engine.case(case_id)
            if case.status != "open":
                break
            if case.open_tasks:
                ns = self.complete(pick(case.open_tasks), mode)
                done += 1
                if samples is not None:
                    samples.append(ns)
            elif case.timers:
                self.engine.advance_clock(to=max(case.timers[0].due_at, self.clock.now()))
            else:
                break  # waits for a message
        return done

    def start(self, key: str) -> Case:
        """A new case, started with its start form's answers."""
        registration = self.engine.registration(key)
        form = registration.form if registration is not None else Form()
        return self.engine.start_case(key, data=start_data(form, self.choices, self.clock.now().date()), actor=ACTOR)

    def journey(self, keys: Sequence[str], mode: str, samples: list[int] | None) -> int:
        done = 0
        for key in keys:
            case = self.start(key)
            done += self.drive(case.id, mode, samples)
        return done


# --- databases ---------------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.migrate()
        try:
            yield db
        finally:
            db.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    """A schema of our own in the given database, dropped afterwards (the tests' schema is untouched)."""
    with postgres_schema(url, "samverkan_bench") as scoped:
        db = Database(scoped)
        try:
            db.migrate()
            yield db
        finally:
            db.dispose()


# --- (c) many other open cases -----------------------------------------------------------------------


class Bulk:
    """Open cases in bulk: a few hundred real ones (templates), then copies of their rows by SQL."""

    def __init__(self, driver: EngineDriver, model: Model, templates: int) -> None:
        self.driver = driver
        self.db = driver.db
        self.model = model
        self.templates = templates
        self.template_count = 0
        self.next_batch = 1
        self.group: str | None = None

    def prepare(self) -> float:
        """Start the templates, each left at a different point of its journey; returns seconds taken."""
        t0 = time.perf_counter()
        rng = random.Random(20260112)
        lengths = {key: RawDriver(self.model.bundles, self.driver.choices).journey([key], None)
                   for key in self.model.keys}
        ids = []
        for n in range(self.templates):
            key = self.model.keys[n % len(self.model.keys)]
            case = self.driver.start(key)
            # stop before the last task, so that the case stays open somewhere along its journey
            self.driver.drive(case.id, "warm", None, max_steps=rng.randint(0, max(0, lengths[key] - 1)))
            ids.append(case.id)
        with self.db.transaction() as session:
            session.execute(text("CREATE TABLE bench_templates (id VARCHAR(36) PRIMARY KEY)"))
            open_ids = list(session.scalars(select(CaseRow.id).where(CaseRow.id.in_(ids),
                                                                     CaseRow.status == "open")))
            if open_ids:
                session.execute(text("INSERT INTO bench_templates (id) VALUES (:id)"), [{"id": i} for i in open_ids])
            # Keep every copied timer out of the way of the measured journeys' clock and of the idle
            # tick: the due times stay spread as in real cases, a century later.
            century = timedelta(days=36_525)
            for row in session.scalars(select(CaseRow).where(CaseRow.id.in_(open_ids),
                                                             CaseRow.next_due_at.is_not(None))):
                row.next_due_at = row.next_due_at + century if row.next_due_at else None
            for timer in session.scalars(select(TimerRow).where(TimerRow.case_id.in_(open_ids))):
                timer.due_at = timer.due_at + century
            self.group = session.scalar(
                select(TaskCandidateRow.name)
                .join(HumanTaskRow, HumanTaskRow.id == TaskCandidateRow.task_id)
                .where(TaskCandidateRow.kind == "group", HumanTaskRow.case_id.in_(open_ids))
                .group_by(TaskCandidateRow.name).order_by(func.count().desc(), TaskCandidateRow.name).limit(1)
            )
        self.template_count = len(open_ids)
        return time.perf_counter() - t0

    def open_cases(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.status == "open")) or 0)

    def _new_id(self, column: str) -> str:
        if self.db.is_sqlite:
            return f"(printf('b%07x', seq.k) || substr({column}, 9))"
        return f"('b' || lpad(to_hex(seq.k), 7, '0') || substr({column}, 9))"

    def _seq(self) -> str:
        if self.db.is_sqlite:
            return ("(WITH RECURSIVE s(k) AS (SELECT :lo UNION ALL SELECT k + 1 FROM s WHERE k < :hi) "
                    "SELECT k FROM s) AS seq")
        return "generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS seq(k)"

    def _copy(self, table: Any, alias: str, replaced: dict[str, str], where: str) -> str:
        columns = [c.name for c in table.columns if not (c.name == "id" and table.name == "case_events")]
        values = [replaced.get(c, f"{alias}.{c}") for c in columns]
        return (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"FROM {self._seq()}, {table.name} {alias} WHERE {where}")

    def grow_to(self, target: int) -> tuple[int, float]:
        """Copy the templates until ``target`` cases are open; returns (open cases, seconds)."""
        t0 = time.perf_counter()
        if self.template_count == 0:
            return self.open_cases(), 0.0
        templates = "SELECT id FROM bench_templates"
        template_tasks = f"SELECT id FROM human_tasks WHERE case_id IN ({templates})"
        statements = [
            self._copy(CaseRow.__table__, "c", {"id": self._new_id("c.id"), "participant_key": "NULL"},
                       f"c.id IN ({templates})"),
            self._copy(HumanTaskRow.__table__, "h", {"id": self._new_id("h.id"), "case_id": self._new_id("h.case_id")},
                       f"h.case_id IN ({templates})"),
            self._copy(TaskCandidateRow.__table__, "tc", {"task_id": self._new_id("tc.task_id")},
                       f"tc.task_id IN ({template_tasks})"),
            self._copy(TimerRow.__table__, "tm", {"id": self._new_id("tm.id"), "case_id": self._new_id("tm.case_id")},
                       f"tm.case_id IN ({templates})"),
            self._copy(CaseEventRow.__table__, "e", {"case_id": self._new_id("e.case_id")},
                       f"e.case_id IN ({templates})"),
        ]
        missing = target - self.open_cases()
        batches = max(0, math.ceil(missing / self.template_count))
        chunk = max(1, 10_000 // self.template_count)
        while batches > 0:
            lo, hi = self.next_batch, self.next_batch + min(chunk, batches) - 1
            with self.db.engine.begin() as connection:
                for statement in statements:
                    connection.execute(text(statement), {"lo": lo, "hi": hi})
            batches -= hi - lo + 1
            self.next_batch = hi + 1
        seconds = time.perf_counter() - t0
        self.settle()
        return self.open_cases(), seconds

    def settle(self) -> None:
        """Let the database settle after a bulk load, as it would have long before a real day's work:
        statistics gathered, dead rows vacuumed, the write-ahead log checkpointed."""
        if self.db.is_sqlite:
            raw = self.db.engine.raw_connection()  # the driver's own autocommit mode, no BEGIN IMMEDIATE
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
            return
        with self.db.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE")
            with suppress(Exception):  # needs a privileged role; without it there is only a little more noise
                connection.exec_driver_sql("CHECKPOINT")


def time_calls(fn: Callable[[], Any], reps: int) -> Stat:
    fn()  # warm
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return stat(samples)


# --- the suites -----------------------------------------------------------------------------------------


@dataclass
class EngineFigures:
    warm: Stat
    fresh: Stat
    state: Stat
    failures: dict[str, str] = field(default_factory=dict)  # path -> why its journeys could not run


@dataclass
class SizeFigures:
    open_cases: int
    warm: Stat
    fresh: Stat
    inbox: Stat
    inbox_rows: int
    tick: Stat
    load_seconds: float
    failures: dict[str, str] = field(default_factory=dict)


@dataclass
class AgeFigures:
    state_bytes: dict[int, int]  # month -> median bytes of the stored state
    warm: dict[int, list[int]]
    fresh: dict[int, list[int]]
    firing: dict[int, float]  # month -> mean ms per timer occurrence fired by advance_clock


@dataclass
class BackendFigures:
    name: str
    version: str
    engine: EngineFigures | None = None
    sizes: list[SizeFigures] = field(default_factory=list)
    age: AgeFigures | None = None


def measure_raw(model: Model, choices: Choices, plan: Plan) -> tuple[Stat, dict[str, Stat], int, int, int]:
    driver = RawDriver(model.bundles, choices)
    for _ in range(plan.warmup_journeys):
        driver.journey(model.keys, None)
    samples: list[int] = []
    parts: dict[str, list[int]] = {"deserialize": [], "complete": [], "serialize": []}
    sizes: list[int] = []
    gc.collect()
    tasks = 0
    for _ in range(plan.raw_journeys):
        tasks = driver.journey(model.keys, samples, parts, sizes)
    return (stat(samples), {k: stat(v) for k, v in parts.items()}, tasks, int(statistics.median(sizes)),
            driver.capped)


def measure_engine(driver: EngineDriver, model: Model, plan: Plan, warm_n: int, cold_n: int,
                   with_state: bool = True) -> tuple[EngineFigures, int]:
    for _ in range(plan.warmup_journeys):
        driver.journey(model.keys, "warm", None)
    figures = {}
    failures: dict[str, str] = {}
    tasks = 0
    for mode, journeys in (("warm", warm_n), ("fresh", cold_n), ("state", cold_n if with_state else 0)):
        samples: list[int] = []
        gc.collect()
        try:
            for _ in range(journeys):
                tasks = driver.journey(model.keys, mode, samples)
        except EngineError as failed:  # reported, not hidden: this path cannot run the journey
            failures[mode] = " ".join(str(failed).split())
            samples = []
        figures[mode] = stat(samples)
    return EngineFigures(figures["warm"], figures["fresh"], figures["state"], failures), tasks


def measure_point(driver: EngineDriver, model: Model, plan: Plan, bulk: Bulk, open_cases: int,
                  load_seconds: float) -> SizeFigures:
    figures, _ = measure_engine(driver, model, plan, plan.size_warm_journeys, plan.size_cold_journeys,
                                with_state=False)
    groups = [bulk.group] if bulk.group else []
    # As the inbox asks: the tasks offered to the user or their role, within their intervention(s).
    keys = list(model.keys)
    rows = len(driver.engine.tasks(user="bench-user", groups=groups, process_keys=keys))
    inbox = time_calls(lambda: driver.engine.tasks(user="bench-user", groups=groups, process_keys=keys),
                       plan.inbox_reps)
    tick = time_calls(driver.engine.run_due_timers, plan.tick_reps)
    return SizeFigures(open_cases, figures.warm, figures.fresh, inbox, rows, tick, load_seconds, figures.failures)


def engine_suite(name: str, db: Database, model: Model, choices: Choices, plan: Plan,
                 raw: Stat, figures: BackendFigures) -> None:
    driver = EngineDriver(db, choices)
    driver.engine.deploy(model.files, ACTOR)
    engine_figures, _ = measure_engine(driver, model, plan, plan.warm_journeys, plan.cold_journeys)
    figures.engine = engine_figures
    statements, commits = driver.count(model.keys)
    for mode, label in (("warm", "warm  (cache hit)    "), ("fresh", "cold  (fresh engine) "),
                        ("state", "cold  (state only)   ")):
        s = getattr(engine_figures, mode)
        if mode in engine_figures.failures:
            say(f"  {name:<10} {label}        FAILED: {engine_figures.failures[mode]}")
        else:
            say(f"  {name:<10} {label}    {s}   {ratio(s.median_ms, raw.median_ms):5.2f}x   n={s.n}")
    say(f"  {name:<10} per completion: {statements:.1f} SQL statements incl. BEGIN, {commits:.1f} commits (warm path)")

    floor = commit_floor(db)
    say(f"  {name:<10} floor: one durable commit of a 1-row UPDATE (SQLAlchemy Core) {floor}")
    if not plan.sizes:
        return

    # (c) the same with many other open cases
    bulk = Bulk(driver, model, plan.templates)
    prep = bulk.prepare()
    baseline = bulk.open_cases()
    say(f"  {name:<10} (c) {bulk.template_count} real open cases started as templates in {prep:.1f} s; "
        f"inbox group: {bulk.group or '(none)'}")
    figures.sizes.append(measure_point(driver, model, plan, bulk, baseline, prep))
    for size in plan.sizes:
        open_cases, seconds = bulk.grow_to(size)
        figures.sizes.append(measure_point(driver, model, plan, bulk, open_cases, seconds))
        say(f"  {name:<10} (c) {open_cases:,} open cases (rows copied in {seconds:.1f} s) measured")


def commit_floor(db: Database, reps: int = 300) -> Stat:
    """What the database alone costs per step: one durable transaction updating one row."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO bench_floor (id, n) VALUES (1, 0)"))
    update = text("UPDATE bench_floor SET n = n + 1 WHERE id = 1")

    def step() -> None:
        with db.engine.begin() as connection:
            connection.execute(update)

    return time_calls(step, reps)


def age_suite(db: Database, plan: Plan) -> AgeFigures:
    """(d) cases looping through monthly cycles: state size and per-step cost by age."""
    files = monthly_files()
    driver = EngineDriver(db, Choices())
    driver.engine.deploy(files, ACTOR)
    cases = [driver.engine.start_case("monthly_contact", actor=ACTOR).id for _ in range(plan.aged_cases)]
    sizes: dict[int, int] = {0: median_state(db, cases)}
    warm: dict[int, list[int]] = {}
    fresh: dict[int, list[int]] = {}
    firing: dict[int, float] = {}
    for month in range(1, plan.months + 1):
        target = parse_duration(f"P{month}M").add_to(START)
        gc.collect()
        t0 = time.perf_counter_ns()
        fired = driver.engine.advance_clock(to=target)
        firing[month] = (time.perf_counter_ns() - t0) / 1e6 / max(1, fired)
        warm[month], fresh[month] = [], []
        for n, case_id in enumerate(cases):
            tasks = [t for t in driver.engine.case(case_id).open_tasks if t.name == "contact_referrer"]
            if len(tasks) != 1:
                raise SystemExit(f"month {month}: expected one 'Kontakta remittenten' task, found {len(tasks)}")
            mode = "warm" if n % 2 == 0 else "fresh"
            (warm if mode == "warm" else fresh)[month].append(driver.complete(tasks[0], mode))
        sizes[month] = median_state(db, cases)
    return AgeFigures(sizes, warm, fresh, firing)


def raw_age(plan: Plan) -> tuple[dict[int, int], dict[int, list[int]]]:
    model, why = parse_model("monthly", monthly_files())
    if model is None:
        raise SystemExit(f"monthly_contact.bpmn does not validate: {why}")
    driver = RawDriver(model.bundles, Choices())
    cases = [driver.start("monthly_contact") for _ in range(plan.raw_aged)]
    sizes = {0: len(cases[0][1].encode())}
    samples: dict[int, list[int]] = {}
    for month in range(1, plan.months + 1):
        samples[month] = []
        target = parse_duration(f"P{month}M").add_to(START)
        for n, (workflow, state) in enumerate(cases):
            driver.clock.set(max(target, driver.clock.now()))
            with clock_module.using(driver.clock):
                workflow = driver.load(driver.bundles["monthly_contact"], state)
                while any(t.due_at <= target for t in runtime.waiting_timers(workflow)):
                    runtime.fire_due_timers(workflow)
                state = RAW_SERIALIZER.serialize_json(workflow)
            task = next(t for t in runtime.ready_user_tasks(workflow)
                        if runtime.element_of(t.task_spec) == "contact_referrer")
            workflow, state, ns = driver.complete("monthly_contact", state, task.id, {})
            samples[month].append(ns)
            cases[n] = (workflow, state)
        sizes[month] = len(cases[0][1].encode())
    return sizes, samples


def monthly_files() -> list[SourceFile]:
    """monthly_contact.bpmn with its 12-month limit moved to 36 months, so that 18 cycles can happen."""
    content = MONTHLY.read_bytes()
    lifted = content.replace(b"<bpmn:timeDuration>P12M</bpmn:timeDuration>",
                             b"<bpmn:timeDuration>P36M</bpmn:timeDuration>")
    if lifted == content:
        raise SystemExit("monthly_contact.bpmn no longer has the P12M limit this benchmark lifts; update bench")
    return [SourceFile(MONTHLY.name, lifted)]


def median_state(db: Database, case_ids: Sequence[str]) -> int:
    with db.transaction() as session:
        states = session.scalars(select(CaseRow.state).where(CaseRow.id.in_(list(case_ids)))).all()
    return int(statistics.median(len(json_text(s).encode()) for s in states))  # the JSON, as raw_age measures it


# --- reporting -------------------------------------------------------------------------------------------


def machine_facts(pg: str | None) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        f"date        {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"CPU         {os.cpu_count()} logical ({usable} usable), {cpu}",
        f"Python      {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"SQLite      {sqlite3.sqlite_version} (WAL, synchronous=FULL)",
        f"libraries   SpiffWorkflow {importlib.metadata.version('SpiffWorkflow')}, "
        f"SQLAlchemy {importlib.metadata.version('SQLAlchemy')}, psycopg {version_or_none('psycopg')}",
    ]
    if pg:
        facts.append(f"PostgreSQL  {postgres_version(pg)}")
    else:
        facts.append("PostgreSQL  skipped: no --postgres, SAMVERKAN_BENCH_POSTGRES_URL or SAMVERKAN_TEST_POSTGRES_URL")
    return facts


def version_or_none(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def postgres_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
            fsync = connection.execute(text("SHOW fsync")).scalar()
            commit = connection.execute(text("SHOW synchronous_commit")).scalar()
        return f"{version} (fsync={fsync}, synchronous_commit={commit}, on {make_url(url).host or 'a socket'})"
    finally:
        engine.dispose()


def pooled(by_month: dict[int, list[int]], months: Sequence[int]) -> Stat:
    return stat([ns for m in months for ns in by_month.get(m, [])])


def print_sizes(backend: BackendFigures) -> None:
    base = backend.sizes[0] if backend.sizes else None
    for point in backend.sizes:
        assert base is not None
        fresh = "   FAILED          " if "fresh" in point.failures else str(point.fresh)
        say(f"  {backend.name:<10} {point.open_cases:>9,}   {point.warm}   {fresh}   "
            f"{point.inbox.median_ms:8.2f} ({point.inbox_rows:>3} rows)   {point.tick.median_ms:8.3f}   "
            f"{ratio(point.warm.median_ms, base.warm.median_ms):5.2f}x "
            f"{ratio(point.fresh.median_ms, base.fresh.median_ms):5.2f}x")


def print_age(name: str, age: AgeFigures, raw_sizes: dict[int, int], raw_samples: dict[int, list[int]],
              months: int) -> None:
    shown = sorted({1, 2, 6, 12, months} & set(age.warm))
    for month in shown:
        warm, fresh = stat(age.warm[month]), stat(age.fresh[month])
        raw = stat(raw_samples.get(month, []))
        say(f"  {name:<10} month {month:>2}   {age.state_bytes[month]:>8,} B  {warm.median_ms:8.2f}  "
            f"{fresh.median_ms:8.2f}  {age.firing[month]:8.2f}     {raw_sizes.get(month, 0):>8,} B  "
            f"{raw.median_ms:8.2f}")


def verdicts(raw: Stat, backends: list[BackendFigures], months: int) -> list[str]:
    lines = []
    for b in backends:
        if b.engine:
            for label, s in (("warm", b.engine.warm), ("cold, fresh engine", b.engine.fresh),
                             ("cold, state only", b.engine.state)):
                r = ratio(s.median_ms, raw.median_ms)
                verdict = "MET" if r <= 1.0 else "NOT MET" if s.n else "FAILED (see above)"
                lines.append(f"  engine <= 1.0x raw   {b.name:<10} {label:<19} {r:5.2f}x  {verdict}")
    for b in backends:
        if len(b.sizes) >= 3:
            small, large = b.sizes[1], b.sizes[-1]
            for label, a, c in (("warm", small.warm, large.warm), ("cold, fresh engine", small.fresh, large.fresh)):
                r = ratio(c.median_ms, a.median_ms)
                verdict = "MET" if r <= FLAT else "NOT MET" if a.n and c.n else "FAILED (see above)"
                lines.append(f"  flat {small.open_cases:,} -> {large.open_cases:,} open   {b.name:<10} {label:<19} "
                             f"{r:5.2f}x  {verdict}")
    for b in backends:
        if b.age:
            new = [1, 2, 3]
            old = [months - 2, months - 1, months]
            for label, by_month in (("warm", b.age.warm), ("cold, fresh engine", b.age.fresh)):
                r = ratio(pooled(by_month, old).median_ms, pooled(by_month, new).median_ms)
                lines.append(f"  flat new -> {months}-month case {b.name:<10} {label:<19} {r:5.2f}x  "
                             f"{'MET' if r <= FLAT else 'NOT MET'}")
    return lines


def profile(model: Model, choices: Choices, pg: str | None, journeys: int = 20) -> None:
    """cProfile of ``complete_task`` alone (warm, fresh engine, state only) on SQLite, and of raw Spiff.

    The engine runs SpiffWorkflow on its deep-stack threads, which cProfile does not follow: here the
    main thread is marked as one of them, so that the same work runs inline and shows up.
    """
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    hop = time_calls(lambda: deep.call(lambda: None), 2000)
    deep._local.deep = True
    try:
        with sqlite_database() as db:
            driver = EngineDriver(db, choices)
            driver.engine.deploy(model.files, ACTOR)
            for _ in range(3):
                driver.journey(model.keys, "warm", None)
            for mode in ("warm", "fresh", "state"):
                driver.profiler = cProfile.Profile()
                tasks: list[int] = []
                try:
                    for _ in range(journeys):
                        driver.journey(model.keys, mode, tasks)
                except EngineError as failed:
                    say(f"\n--- profile: engine, {mode} path: FAILED after {len(tasks)} tasks: {failed}")
                    driver.profiler = None
                    continue
                print_profile(f"engine, {mode} path: complete_task only", driver.profiler, len(tasks))
                driver.profiler = None
        if pg:
            with postgres_database(pg) as db:
                driver = EngineDriver(db, choices)
                driver.engine.deploy(model.files, ACTOR)
                for _ in range(3):
                    driver.journey(model.keys, "warm", None)
                driver.profiler = cProfile.Profile()
                tasks = []
                for _ in range(journeys):
                    driver.journey(model.keys, "warm", tasks)
                print_profile("engine on PostgreSQL, warm path: complete_task only", driver.profiler, len(tasks))
                driver.profiler = None
        with sqlite_database() as db:
            driver = EngineDriver(db, Choices())
            driver.engine.deploy(monthly_files(), ACTOR)
            cases = [driver.engine.start_case("monthly_contact", actor=ACTOR).id for _ in range(20)]
            for month in range(1, 19):
                driver.engine.advance_clock(to=parse_duration(f"P{month}M").add_to(START))
                if month in (1, 16):
                    driver.profiler = cProfile.Profile()
                for case_id in cases:
                    task = next(t for t in driver.engine.case(case_id).open_tasks if t.name == "contact_referrer")
                    driver.complete(task, "warm")
                if month in (3, 18):
                    assert driver.profiler is not None
                    print_profile(f"engine, warm path, monthly_contact months {month - 2}-{month}",
                                  driver.profiler, 3 * len(cases))
                    driver.profiler = None
    finally:
        deep._local.deep = False
    say(f"\n  deep-thread hand-off (engine.spiff.deep.call of a no-op): median {hop.median_ms * 1000:.1f} µs per call")
    raw_driver = RawDriver(model.bundles, choices)
    profiler = cProfile.Profile()
    samples: list[int] = []
    profiler.enable()
    for _ in range(journeys):
        raw_driver.journey(model.keys, samples)
    profiler.disable()
    print_profile("raw SpiffWorkflow journeys (incl. the driver's picking)", profiler, len(samples))


def print_profile(title: str, profiler: cProfile.Profile, tasks: int) -> None:
    """Own time and cumulative time per task (ms) of the heaviest functions."""
    entries = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values())
    say(f"\n--- profile: {title} — {tasks} tasks, {total * 1000 / max(1, tasks):.2f} ms/task profiled ---")

    def name(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        for marker in ("site-packages/", "/work/main/", "lib/python3"):
            if marker in filename:
                filename = filename.split(marker, 1)[1]
        return f"{filename}:{line}({function})" if line else function

    say("  by own time                                                                    ms/task   calls/task")
    for key, (_cc, nc, tt, _ct, _callers) in sorted(entries.items(), key=lambda kv: -kv[1][2])[:14]:
        say(f"    {name(key)[:80]:<80} {tt * 1000 / tasks:7.3f}   {nc / tasks:8.1f}")
    say("  the engine's own functions, cumulative (includes what they call)")
    own = [(k, v) for k, v in entries.items() if k[0].startswith(str(ROOT / "engine"))]
    for key, (_cc, nc, _tt, ct, _callers) in sorted(own, key=lambda kv: -kv[1][3])[:22]:
        say(f"    {name(key)[:80]:<80} {ct * 1000 / tasks:7.3f}   {nc / tasks:8.1f}")


# --- main -------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine_per_task", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="+", metavar="PATH",
                        help="BPMN (and DMN) files of the journey (default: processes/samverkansteamet.bpmn "
                             "if it validates, else referral_reply + conversations from tests/bpmn)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL URL (default: SAMVERKAN_BENCH_POSTGRES_URL "
                                                          "or SAMVERKAN_TEST_POSTGRES_URL); a schema of its own is "
                                                          "created in it and dropped")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 10,000 instead of 100,000 cases")
    parser.add_argument("--choice", action="append", default=[], metavar="FIELD=VALUE",
                        help="the value to give a form field (JSON, else text), e.g. beslut=ja; repeatable")
    parser.add_argument("--start-data", default="{}", metavar="JSON", help="data every case starts with")
    parser.add_argument("--max-steps", type=int, default=200, help="steps per case before the driver stops")
    parser.add_argument("--skip", action="append", default=[], choices=["sqlite", "postgres", "sizes", "age"],
                        help="leave a part out (for a partial run)")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile hot spots of complete_task (SQLite; warm path on PostgreSQL too)")
    return parser.parse_args(argv)


def parse_choices(args: argparse.Namespace, defaults: dict[str, Any]) -> Choices:
    fields: dict[str, Any] = dict(defaults)
    for item in args.choice:
        name, _, raw = item.partition("=")
        try:
            fields[name] = json.loads(raw)
        except json.JSONDecodeError:
            fields[name] = raw
    return Choices(fields, json.loads(args.start_data), args.max_steps)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("spiff").setLevel(logging.WARNING)
    plan = QUICK_PLAN if args.quick else DEFAULT_PLAN
    if "sizes" in args.skip:
        plan = Plan(**{**plan.__dict__, "sizes": ()})
    model = resolve_model(args.model)
    choices = parse_choices(args, model.choices)
    pg = None if "postgres" in args.skip else postgres_url(args.postgres)
    began = time.perf_counter()

    say("samverkan engine: per-task cost benchmark" + (" (--quick)" if args.quick else ""))
    say("=" * 100)
    for line in machine_facts(pg):
        say(line)
    say(f"journey     {model.label} — processes {', '.join(model.keys)} ({model.note})")
    say("form data   first enum option, booleans False, longs at min or 1, dates = simulated today, example text"
        + (f"; choices {choices.fields}" if choices.fields else ""))
    say("timings     time.perf_counter_ns, medians and p95 in ms, after warm-up journeys")
    say()

    say("(a) raw SpiffWorkflow: deserialize full JSON (spec included) → complete one task → serialize")
    raw, parts, tasks, raw_bytes, capped = measure_raw(model, choices, plan)
    say(f"  tasks per journey {tasks}; full JSON per case (median) {raw_bytes:,} B")
    if capped:
        say(f"  WARNING: {capped} cases stopped at the cap of {choices.max_steps} steps: the form data loops; "
            f"give the happy path with --choice FIELD=VALUE")
    say("                                     median      p95")
    say(f"  per task                          {raw}   n={raw.n}")
    for name, s in parts.items():
        say(f"    of which {name:<22}{s}")
    say()

    backends: list[BackendFigures] = [BackendFigures("SQLite", sqlite3.sqlite_version)]
    if pg:
        backends.append(BackendFigures("PostgreSQL", ""))
    say("(b) the engine: WorkflowEngine.complete_task, one durable transaction per step")
    say("  warm = same engine (workflow cache hit); cold (fresh engine) = a new WorkflowEngine per task, so the")
    say("  state comes from the database and the spec is rebuilt from its stored JSON; cold (state only) =")
    say("  cache emptied, spec kept")
    say("  ((c) then adds open cases to the same database and measures again)")
    say("  backend    path                         median      p95   vs raw")
    for backend in backends:
        if backend.name == "SQLite" and "sqlite" in args.skip:
            continue
        context = sqlite_database() if backend.name == "SQLite" else postgres_database(pg or "")
        with context as db:
            engine_suite(backend.name, db, model, choices, plan, raw, backend)
    say()

    if plan.sizes:
        say("(c) per task with other open cases in the database (each with its human_tasks, task_candidates,")
        say("    timers and case_events rows); inbox = engine.tasks(user, groups, process_keys) (at most 500 rows);")
        say("    tick = engine.run_due_timers() with nothing due")
        say("  backend     open cases   warm med      p95   cold med      p95   inbox ms            tick ms   "
            "vs first row")
        for backend in backends:
            print_sizes(backend)
        say()

    if "age" not in args.skip:
        say(f"(d) a case's age: {plan.aged_cases} cases of monthly_contact.bpmn (12-month limit lifted to 36 in "
            f"memory), each month: advance")
        say("    the clock (fires 'Varje månad'), complete 'Kontakta remittenten' (half warm, half fresh engine)")
        raw_sizes, raw_samples = raw_age(plan)
        for backend in backends:
            if backend.name == "SQLite" and "sqlite" in args.skip:
                continue
            context = sqlite_database() if backend.name == "SQLite" else postgres_database(pg or "")
            with context as db:
                backend.age = age_suite(db, plan)
        say("  backend    age        state     warm ms   cold ms  fire ms/occ     raw JSON    raw ms")
        say(f"  {'':<10} new (0)   {backends[0].age.state_bytes[0] if backends[0].age else 0:>8,} B"
            f"{'':>42}{raw_sizes[0]:>8,} B")
        for backend in backends:
            if backend.age:
                print_age(backend.name, backend.age, raw_sizes, raw_samples, plan.months)
        for backend in backends:
            if backend.age:
                new, old = [1, 2, 3], [plan.months - 2, plan.months - 1, plan.months]
                age = backend.age
                say(f"  {backend.name:<10} pooled months 1-3 vs {old[0]}-{old[-1]}: "
                    f"warm {pooled(age.warm, new).median_ms:.2f} → {pooled(age.warm, old).median_ms:.2f} ms, "
                    f"cold {pooled(age.fresh, new).median_ms:.2f} → {pooled(age.fresh, old).median_ms:.2f} ms; "
                    f"raw {pooled(raw_samples, new).median_ms:.2f} → {pooled(raw_samples, old).median_ms:.2f} ms")
        say()

    say(f"targets (flat = at most {FLAT:.2f}x)")
    for line in verdicts(raw, backends, plan.months):
        say(line)
    say(f"\ntotal run time {time.perf_counter() - began:.0f} s")

    if args.profile:
        profile(model, choices, pg)
    return 0


def targets(options: Any) -> list[Any]:
    """For ``bench.targets``: the warm completion in process against raw SpiffWorkflow, measured side
    by side in this run on the shipped Samverkansteamet journey (SQLite stated, PostgreSQL the target)."""
    from bench.targets import Target

    logging.getLogger("spiff").setLevel(logging.WARNING)
    plan = Plan(**{**(QUICK_PLAN if options.quick else DEFAULT_PLAN).__dict__, "sizes": ()})
    model = resolve_model(None)
    choices = Choices(dict(model.choices))
    raw, _parts, _tasks, _bytes, _capped = measure_raw(model, choices, plan)
    found = []
    backends = [("SQLite", sqlite_database)]
    if options.postgres:
        backends.append(("PostgreSQL", lambda: postgres_database(options.postgres)))
    for name, context in backends:
        with context() as db:
            driver = EngineDriver(db, choices)
            driver.engine.deploy(model.files, ACTOR)
            figures, _ = measure_engine(driver, model, plan, plan.warm_journeys, 0, with_state=False)
        found.append(Target(f"warm completion in process / raw SpiffWorkflow, {name}",
                            ratio(figures.warm.median_ms, raw.median_ms), 1.0, "×", stated=name == "SQLite",
                            note=f"{figures.warm.median_ms:.2f} ms vs raw {raw.median_ms:.2f} ms, {model.label}"))
    if not options.postgres:
        found.append(Target("warm completion in process / raw SpiffWorkflow, PostgreSQL", math.nan, 1.0, "×",
                            note="no PostgreSQL URL given"))
    return found


if __name__ == "__main__":
    sys.exit(main())
