"""Moving open cases to a newer version of their process, after a dry run that shows what happens.

Open cases keep the version they started on. When a designer publishes a new version, the cases
whose steps — passed and current — all still exist in it *can* move; a dry run lists, case by
case, what moving would do (open tasks and waiting timers before and after), and only then are
they moved, each in one transaction of its own under the case's lock, saved exactly the way every
other change is saved (:meth:`engine.cases.runner.CaseRunner.save`: state, open tasks, timers, due time,
history, optimistic revision check). The dry run runs the very same code and rolls back.

A moved case gets a ``CaseMigrated`` event in its history with the versions and the designer's
note. An open task whose definition changed (its form, roles, dates) is rebuilt from the new
version — keeping whoever had claimed it; one that did not change is left as it is, due date
and claim included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from engine import clock as clock_module
from engine import events
from engine.cases.catalog import Catalog
from engine.cases.runner import CaseRunner, Step
from engine.clock import Clock
from engine.errors import Conflict, EngineError, InvalidInput, NotFound
from engine.persistence import store, version_store
from engine.persistence.db import Database
from engine.persistence.mapping import case_view, task_view
from engine.persistence.models import CaseRow
from engine.spiff import migration, runtime, state
from engine.spiff.migration import CannotMove
from engine.spiff.state import SpecBundle
from engine.views import Blocker, Case, MigrationCandidate, MigrationOutcome, StepAt


class _Rollback(Exception):
    def __init__(self, outcome: MigrationOutcome) -> None:
        super().__init__(outcome.case_id)
        self.outcome = outcome


def steps_of(case: Case) -> tuple[StepAt, ...]:
    tasks = [StepAt(t.name, t.title, t.due_at, "task", t.assignee) for t in case.open_tasks]
    timers = [StepAt(t.element, t.title or t.element, t.due_at, "timer") for t in case.timers]
    return tuple(sorted(tasks, key=lambda s: s.element) + sorted(timers, key=lambda s: (s.due_at, s.element)))


def _participant(case: Case) -> str:
    return str(case.participant.get("name") or case.id)


class CaseMigration:
    """The designer's verbs for open cases and new versions, on one engine."""

    def __init__(self, db: Database, catalog: Catalog, runner: CaseRunner, clock: Clock) -> None:
        self.db = db
        self.catalog = catalog
        self.runner = runner
        self.clock = clock

    def candidates(self, key: str, version: int) -> list[MigrationCandidate]:
        """Every open case of ``key`` on an older version, with why it cannot move (if it cannot)."""
        found = []
        with self.db.reading() as session:
            target = version_store.version_row(session, key, version)
            if target is None:
                raise NotFound(f"process {key} has no version {version}")
            bundle = self.catalog.bundle(target.id, session)
            rows = [r for r in version_store.open_cases_not_on(session, key, version) if r.process_version < version]
            for row in rows:
                case = case_view(row, [task_view(t) for t in store.tasks_of_case(session, row.id)])
                old = self.catalog.bundle(row.process_version_id, session)
                found.append(MigrationCandidate(row.id, _participant(case), row.status, row.process_version,
                                                steps_of(case), self._blockers(row, old, bundle)))
        return found

    def _blockers(self, row: CaseRow, old: SpecBundle, new: SpecBundle) -> tuple[Blocker, ...]:
        def check() -> list[Blocker]:
            workflow = state.load(row.state, row.serializer_version, old, self.runner.script_engine)
            return migration.blockers(workflow, new)

        try:
            return tuple(runtime.guarded(row.id, check))
        except EngineError as err:
            return (Blocker("(process)", err.message, True, "unreadable"),)

    def dry_run(self, key: str, version: int, case_ids: Sequence[str]) -> list[MigrationOutcome]:
        """What moving each case would do; nothing is changed."""
        return [self._move(case_id, key, version, "dry-run", "", dry_run=True) for case_id in case_ids]

    def migrate(self, key: str, version: int, case_ids: Sequence[str], actor: str, note: str) -> list[MigrationOutcome]:
        """Move each case (each in its own transaction); a case that cannot move is left as it was."""
        if not note or not note.strip():
            raise InvalidInput("a note is needed to move cases", {"note": "required"})
        return [self._move(case_id, key, version, actor, note.strip(), dry_run=False) for case_id in case_ids]

    def _move(self, case_id: str, key: str, version: int, actor: str, note: str, *, dry_run: bool) -> MigrationOutcome:
        runner = self.runner
        try:
            with self.db.transaction() as session:
                target = version_store.version_row(session, key, version)
                row = store.lock_case(session, case_id)
                if target is None or row is None or row.process_key != key:
                    raise NotFound(f"case {case_id} of process {key} or its version {version} does not exist")
                if row.status not in version_store.OPEN:
                    raise Conflict(f"case {case_id} is {row.status}")
                if row.process_version >= version:
                    raise Conflict(f"case {case_id} is on version {row.process_version} already")
                before = case_view(row, [task_view(t) for t in store.tasks_of_case(session, row.id)])
                outcome = MigrationOutcome(case_id, _participant(before), row.process_version, version, False,
                                           steps_of(before))
                old = self.catalog.bundle(row.process_version_id, session)
                bundle = self.catalog.bundle(target.id, session)
                workflow = runtime.guarded(row.id, lambda: state.load(row.state, row.serializer_version, old,
                                                                      runner.script_engine))
                now = self.clock.now()
                try:
                    with clock_module.using(self.clock):
                        moved = runtime.guarded(row.id, lambda: migration.migrate(workflow, bundle, now))
                except CannotMove as refused:
                    raise _Rollback(replace(outcome, blockers=tuple(refused.blockers))) from None
                claims = {t.id: t.assignee for t in before.open_tasks if t.assignee and t.id in moved.changed_tasks}
                changed_titles = tuple(t.title for t in before.open_tasks if t.id in moved.changed_tasks)
                store.remove_tasks(session, moved.changed_tasks)  # rebuilt below from the new definition
                version_store.move_case(session, row.id, target)
                step = Step(actor)
                step.record(events.CaseMigrated(row.process_version, version, note, changed_titles,
                                                tuple(moved.recomputed_timers)))
                row.process_version_id, row.process_version = target.id, target.version
                with clock_module.using(self.clock):
                    saved = runner.save(session, row, workflow, step)
                for task in saved.open_tasks:
                    holder = claims.get(task.id)
                    if holder and task.assignee != holder:
                        store.set_assignee(session, task.id, holder, task.assignee)
                after = case_view(row, [task_view(t) for t in store.tasks_of_case(session, row.id)])
                # Never commit a state the new version could not load again.
                runtime.guarded(row.id, lambda: state.load(state.dump_json(workflow), state.SERIALIZER_VERSION, bundle,
                                                           runner.script_engine))
                outcome = replace(outcome, moved=True, after=steps_of(after), changed_tasks=changed_titles,
                                   recomputed_timers=moved.recomputed_timers)
                if dry_run:
                    raise _Rollback(outcome)
        except _Rollback as rolled_back:
            return rolled_back.outcome
        except EngineError as err:
            return MigrationOutcome(case_id, case_id, 0, version, False, error=err.message)
        runner.cache.take(case_id, -1)  # an old version's workflow must not be reused
        return outcome
