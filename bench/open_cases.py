"""Many open cases, quickly: a few real ones started through the engine, then working copies of them.

Shared by ``bench.scheduler_tick`` and ``bench.timer_burst``. Starting a case of the team's journey
and completing its tasks costs 5–10 ms per step, so 100,000 real cases would take hours. Instead a
few hundred *templates* are started and driven through :class:`~engine.api.WorkflowEngine`, and
their stored rows — in ``cases`` and in every table whose rows belong to a case (``human_tasks``,
``task_candidates``, ``timers``, ``case_events``, ``notifications`` …, found in the database's
catalogue) — are copied as the database holds them (the driver's raw values; the state's JSON text
byte for byte).

Each copy gets ids of its own: every UUID in every copied value (the case id, the SpiffWorkflow
task ids in the state, in the read models and in the history) has its first 8 hex digits replaced
by a prefix that belongs to that copy alone. A copy is therefore a working case, not only rows the
scheduler can see: its read models match its state, and the engine can fire its timers or complete
its tasks (``bench.timer_burst`` fires 10,000 copies and checks every one). The one column not
copied is ``participant_key``, unique per open case: copies have none, like the templates.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, Integer, func, inspect, select, text

from bench.engine_per_task import Choices, form_data, pick
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.db import Database
from engine.persistence.models import CaseRow

UUID = re.compile(r"(?<![0-9a-f])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f])")


class Spliced:
    """A text with UUIDs in it, cut just after each UUID's first 8 hex digits, so that
    ``prefix.join(pieces)`` is the text with every UUID re-prefixed: one C-level join per copy."""

    __slots__ = ("pieces",)

    def __init__(self, value: str, starts: Sequence[int]) -> None:
        ends = [*starts[1:], len(value)]
        self.pieces = [value[: starts[0]]] + [value[start + 8: end] for start, end in zip(starts, ends, strict=True)]

    def with_prefix(self, prefix: str) -> str:
        return prefix.join(self.pieces)


@dataclass(frozen=True)
class CaseTable:
    """A table holding rows of cases, as the database has it now (others may be changing the schema)."""

    name: str
    owner: str  # SQL naming the case a row belongs to
    source: str  # the FROM clause that ``owner`` is written against (the table is ``t``)
    columns: tuple[str, ...]  # what a copy writes (an integer key of its own is left to the database)
    json_columns: frozenset[str]


def case_tables(db: Database) -> list[CaseTable]:
    """``cases`` and every table whose rows belong to a case — by a ``case_id`` column, or by a foreign
    key to such a table — parents first, found in the database's own catalogue."""
    inspector = inspect(db.engine)
    names = [n for n in inspector.get_table_names() if not n.startswith("bench_")]  # the benchmarks' own
    columns = {n: inspector.get_columns(n) for n in names}
    parents = {n: [fk for fk in inspector.get_foreign_keys(n) if fk["referred_table"] != n] for n in names}
    linked = {"cases"}
    grew = True
    while grew:
        before = len(linked)
        linked |= {n for n in names if any(c["name"] == "case_id" for c in columns[n])
                   or any(fk["referred_table"] in linked for fk in parents[n])}
        grew = len(linked) > before
    ordered: list[str] = []
    while len(ordered) < len(linked):
        ready = sorted(n for n in linked - set(ordered)
                       if all(fk["referred_table"] in ordered or fk["referred_table"] not in linked
                              for fk in parents[n]))
        if not ready:
            raise SystemExit(f"the case tables reference each other in a cycle: {sorted(linked - set(ordered))}")
        ordered += ready
    tables = []
    for name in ordered:
        own = {c["name"] for c in columns[name]}
        if name == "cases":
            owner, source = "t.id", "cases t"
        elif "case_id" in own:
            owner, source = "t.case_id", f"{name} t"
        else:
            fk = next(fk for fk in parents[name] if fk["referred_table"] in linked)
            parent = fk["referred_table"]
            if not any(c["name"] == "case_id" for c in columns[parent]):
                raise SystemExit(f"cannot tell which case a row of {name} belongs to")
            join = " AND ".join(f"p.{r} = t.{c}" for c, r in zip(fk["constrained_columns"], fk["referred_columns"],
                                                                   strict=True))
            owner, source = "p.case_id", f"{name} t JOIN {parent} p ON {join}"
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        generated = {key[0]} if len(key) == 1 and isinstance(
            next(c["type"] for c in columns[name] if c["name"] == key[0]), Integer) else set()
        tables.append(CaseTable(
            name, owner, source,
            tuple(c["name"] for c in columns[name] if c["name"] not in generated),
            frozenset(c["name"] for c in columns[name] if isinstance(c["type"], JSON)),
        ))
    return tables


@dataclass
class TableCopy:
    table: CaseTable
    by_case: dict[str, list[tuple[Any, ...]]]  # template case id -> its rows, values prepared


class Cloner:
    """Copies of the given template cases, written in batches of one transaction each."""

    def __init__(self, db: Database, template_ids: Sequence[str]) -> None:
        if not template_ids:
            raise ValueError("no template cases to copy")
        self.db = db
        self.templates = list(template_ids)
        self._taken: set[str] = set()  # the templates' UUID prefixes: no copy may use one
        self.tables = [self._read(table) for table in case_tables(db)]
        self._prefixes = self._prefix_source()
        self.copies = 0

    def _read(self, table: CaseTable) -> TableCopy:
        as_text = not self.db.is_sqlite  # JSON as the text stored, not as psycopg's parsed objects
        selected = [f"CAST(t.{c} AS TEXT)" if as_text and c in table.json_columns else f"t.{c}" for c in table.columns]
        ids = ", ".join(f"'{i}'" for i in self.templates)
        statement = f"SELECT {table.owner}, {', '.join(selected)} FROM {table.source} WHERE {table.owner} IN ({ids})"
        if table.name == "case_events":
            statement += " ORDER BY t.id"  # the history keeps its order in the copies
        raw = self.db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(statement)
            fetched = cursor.fetchall()
            cursor.close()
            raw.rollback()
        finally:
            raw.close()
        by_case: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for case_id, *values in fetched:
            prepared = [self._prepare(v) for v in values]
            if table.name == "cases":
                prepared[table.columns.index("participant_key")] = None
            by_case[case_id].append(tuple(prepared))
        return TableCopy(table, dict(by_case))

    def _prepare(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = list(UUID.finditer(value))
        if not found:
            return value
        self._taken.update(m.group()[:8] for m in found)
        return Spliced(value, [m.start() for m in found])

    def _prefix_source(self) -> Iterator[str]:
        n = 0
        while True:
            n += 1
            prefix = f"{n:08x}"
            if prefix not in self._taken:  # a copy's UUID must never be a template's
                yield prefix

    def clone(self, copies: int, batch: int = 500) -> float:
        """Write ``copies`` more copies, the templates taken in turn; returns the seconds taken."""
        t0 = time.perf_counter()
        done = 0
        while done < copies:
            count = min(batch, copies - done)
            work = [(next(self._prefixes), self.templates[(self.copies + done + k) % len(self.templates)])
                    for k in range(count)]
            self._write_batch(work)
            done += count
        self.copies += copies
        return time.perf_counter() - t0

    def _write_batch(self, work: list[tuple[str, str]]) -> None:
        raw = self.db.engine.raw_connection()
        try:
            if self.db.is_sqlite:
                raw.cursor().execute("BEGIN IMMEDIATE")
            for table in self.tables:
                rows = [
                    self.varied(table.table, prefix,
                                tuple(v.with_prefix(prefix) if isinstance(v, Spliced) else v for v in row))
                    for prefix, template in work
                    for row in table.by_case.get(template, ())
                ]
                if rows:
                    _insert(self.db, raw, table.table, rows)
            if self.db.is_sqlite:
                raw.cursor().execute("COMMIT")
            else:
                raw.commit()
        except BaseException:
            with suppress(Exception):
                raw.rollback()
            raise
        finally:
            raw.close()

    def varied(self, table: CaseTable, prefix: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """A copied row as written: as the template has it here. A subclass may vary what a copy
        holds (a participant of its own, other due dates …); ``prefix`` names the copy, and
        ``table.columns`` the row's values."""
        return row

    def grow_to(self, open_cases: int) -> tuple[int, float]:
        """Copy until ``open_cases`` cases are open; returns (copies added, seconds)."""
        missing = max(0, open_cases - count_open(self.db))
        return missing, self.clone(missing) if missing else 0.0


def _insert(db: Database, raw: Any, table: CaseTable, rows: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(table.columns)
    if db.is_sqlite:
        marks = ", ".join("?" for _ in table.columns)
        raw.cursor().executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)
        return
    connection = raw.driver_connection  # psycopg: COPY is the fastest way in
    with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def count_open(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.status == "open")) or 0)


def table_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {t.name: int(connection.execute(text(f"SELECT count(*) FROM {t.name}")).scalar() or 0)
                for t in case_tables(db)}


def settle(db: Database) -> None:
    """After a bulk load, let the database settle as it would have long before a day's work: on
    PostgreSQL statistics gathered and dead rows vacuumed (autovacuum would have), on SQLite the
    write-ahead log checkpointed. SQLite gets no ANALYZE: nothing in the engine runs one, so a
    real database has no statistics either."""
    if db.is_sqlite:
        raw = db.engine.raw_connection()  # the driver's autocommit mode, no BEGIN IMMEDIATE
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE")
        with suppress(Exception):  # needs a privileged role; without it there is a little more noise
            connection.exec_driver_sql("CHECKPOINT")


# --- the real cases the copies are made from ----------------------------------------------------


def start_templates(engine: WorkflowEngine, clock: SimulatedClock, process_key: str, choices: Choices,
                    stops: Sequence[int], spacing: timedelta = timedelta(0), actor: str = "bench") -> list[str]:
    """Start one real case per entry of ``stops`` and complete that many of its tasks (the first
    open one by element id, with ``engine_per_task``'s form data); the clock moves on by ``spacing``
    after each, so that their dates, and so their due times, are spread as real cases' are."""
    ids = []
    for stop in stops:
        case = engine.start_case(process_key, data=dict(choices.start_data), actor=actor)
        for _ in range(stop):
            current = engine.case(case.id)
            if current.status != "open" or not current.open_tasks:
                break
            task = pick(current.open_tasks)
            engine.complete_task(task.id, form_data(task.form, choices, clock.now().date()), task.assignee or actor)
        ids.append(case.id)
        if spacing:
            clock.advance(spacing)
    return ids
