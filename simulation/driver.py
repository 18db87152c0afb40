"""The step loop: N cases of each process driven over M simulated months, every step checked.

One seed gives exactly the same run: every random choice comes from ``random.Random`` streams
derived from it (one for the run, one per case), the clock is simulated, and nothing depends on the
engine's random ids (tasks are taken oldest first, by element).

Paces:

- ``human``: a task is done some 0–:data:`HUMAN_DELAY_DAYS` days after it appears; the clock moves
  a day at a time (timers firing as they fall due, through ``advance_clock``);
- ``burst``: every open task is done at once, round after round (:data:`BURST_ROUNDS` a day).

Besides tasks: the messages a case waits for, each reported on a given day with probability
:data:`MESSAGE_CHANCES` (by name); pauses (:data:`PAUSE_CHANCE` a day, for :data:`PAUSE_DAYS` days); and now and
then a cancellation (:data:`CANCEL_CHANCE` a day). ``restore`` builds a fresh ``WorkflowEngine``
on the same database before every step.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.errors import Conflict, InvalidFormData, InvalidInput, StepFailed
from engine.views import Case, SourceFile, Task
from engine.views.followup import Period
from simulation import invariants, model, people, stored
from simulation.choices import Chooser
from simulation.report import RunReport, Step, Violation

#: Where the simulated clock starts: a Monday morning in Stockholm.
START = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
#: Cases are started on random days within the first this many days (unless the settings say more).
START_SPREAD_DAYS = 30
#: Draws of a form whose condition across fields (villkor) the first answers did not meet.
RULE_ATTEMPTS = 50
HUMAN_DELAY_DAYS = 14
BURST_ROUNDS = 6
#: The chance a day that a message a case waits for is reported (by name; others MESSAGE_CHANCE):
#: consent is seldom revoked, a sick leave ends after some weeks.
MESSAGE_CHANCE = 1 / 120
MESSAGE_CHANCES = {"samtycke_aterkallat": 1 / 1500, "sjukskrivning_rapporterad": 1 / 200,
                   "sjukskrivning_avslutad": 1 / 20}
PAUSE_CHANCE = 1 / 500
PAUSE_DAYS = (3, 90)
CANCEL_CHANCE = 1 / 5000
PACES = ("human", "burst")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def read_files(paths: Sequence[str | Path]) -> list[SourceFile]:
    return [SourceFile(Path(p).name, Path(p).read_bytes()) for p in paths]


@dataclass
class Settings:
    database: str
    processes: list[str] = field(default_factory=list)  # empty: every deployed process
    cases: int = 30
    months: int = 24
    seed: int = 1
    pace: str = "human"
    restore: bool = False
    #: check the serializer (invariant 5) after every n-th change of a case (1: every one)
    serializer_every: int = 1
    #: the cases are started on random days within this many days (referrals arriving all along)
    spread_days: int = START_SPREAD_DAYS

    def as_json(self) -> dict[str, Any]:
        return {"processes": self.processes, "cases": self.cases, "months": self.months, "seed": self.seed,
                "pace": self.pace, "restore": self.restore, "serializer_every": self.serializer_every,
                "spread_days": self.spread_days}


class Stop(Exception):
    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.message)
        self.violation = violation


@dataclass
class _Live:
    """A simulated case: its watch, its random stream and chooser, and what is planned for it."""

    watch: invariants.CaseWatch
    rng: random.Random
    chooser: Chooser
    status: str = "open"
    planned: dict[str, datetime] = field(default_factory=dict)  # task id → when it will be done
    resume_at: datetime | None = None
    updated_at: datetime | None = None
    changes: int = 0
    case: Case | None = None  # as the last check saw it (every change to a case is checked)
    #: Element → how many instances its multi-instance task had open when its round began.
    rounds: dict[str, int] = field(default_factory=dict)


class Simulation:
    def __init__(self, settings: Settings, files: Sequence[SourceFile]) -> None:
        if settings.pace not in PACES:
            raise ValueError(f"pace must be one of {PACES}")
        self.settings = settings
        self.files = list(files)
        self.clock = SimulatedClock(START)
        self._engine = WorkflowEngine(settings.database, clock=self.clock, migrate=True)
        self.db = self._engine.db
        self.report = RunReport(settings.as_json())
        self.models: dict[str, model.ProcessModel] = {}
        self.live: list[_Live] = []
        #: The largest stored state any case of each process had in its first months (the growth bound).
        self._early_widest: dict[str, int] = {}
        self._replaying = False

    # --- the engine, straight or restored -----------------------------------------------------------

    @property
    def engine(self) -> WorkflowEngine:
        if self.settings.restore:
            self._engine = WorkflowEngine(self.db, clock=self.clock, migrate=False)
        return self._engine

    def close(self) -> None:
        self.db.dispose()

    # --- setting up ---------------------------------------------------------------------------------

    def deploy(self) -> None:
        if self._engine.cases(limit=1):
            raise Conflict("the simulator needs an empty database: this one holds cases already")
        self._engine.deploy(self.files, "simulator")
        keys = self.settings.processes or [p.key for p in self._engine.processes()]
        for key in keys:
            version = self._engine.versions(key)[0].version if self._engine.versions(key) else None
            if version is None:
                raise InvalidInput(f"process '{key}' is not among the files deployed")
            latest = max(v.version for v in self._engine.versions(key))
            self.models[key] = model.read(key, latest, self._engine.process_xml(key, latest),
                                          self._engine.version_files(key, latest))
        self.settings.processes = list(self.models)
        self.report.settings["processes"] = list(self.models)

    # --- running --------------------------------------------------------------------------------------

    def run(self) -> RunReport:
        return self._checked(self._loop)

    def _checked(self, drive: Callable[[], None]) -> RunReport:
        """Deploy, ``drive`` the cases, check the end; a violation stops it and is the report's."""
        began = time.perf_counter()
        try:
            self.deploy()
            drive()
            self._final_checks()
        except Stop as stop:
            self.report.violation = stop.violation
        finally:
            self._finish(began)
        return self.report

    def _finish(self, began: float) -> None:
        self.report.seconds = time.perf_counter() - began
        self.report.cases = len(self.live)
        for live in self.live:
            self.report.outcomes[live.status] = self.report.outcomes.get(live.status, 0) + 1

    def _loop(self) -> None:
        s = self.settings
        master = random.Random(s.seed)  # noqa: S311 - simulation, not secrets
        starts: list[tuple[int, str, int]] = []  # (day, process, seed of the case)
        for key in self.models:
            registration = self._engine.registration(key)
            if registration is not None and not registration.by_hand:
                continue  # the process opens its cases itself: they are adopted as they open
            for _ in range(s.cases):
                starts.append((master.randrange(min(s.spread_days, 30 * s.months) or 1), key,
                               master.getrandbits(64)))
        starts.sort(key=lambda item: item[0])
        end = self.clock.now() + timedelta(days=round(invariants.MONTH_DAYS * s.months))
        day = 0
        while self.clock.now() < end:
            for _start_day, key, case_seed in [st for st in starts if st[0] == day]:
                self._start(key, case_seed)
            if s.pace == "human":
                self._human_day()
            else:
                self._burst_day()
            self._advance(self.clock.now() + timedelta(days=1))
            day += 1
            if day >= s.spread_days and all(live.status in ("completed", "cancelled") for live in self.live) \
                    and not self._opens_more():
                break  # every case has ended, and no process opens more itself: nothing more to simulate

    # --- what a day brings -----------------------------------------------------------------------------

    def _human_day(self) -> None:
        now = self.clock.now()
        for live in self.live:
            if live.status in ("completed", "cancelled"):
                continue
            self._events_of_the_day(live)
            while live.status in ("open", "paused") and live.case is not None:
                case = live.case
                workable = _workable(live, case)
                for task in workable:
                    if task.id not in live.planned:
                        live.planned[task.id] = now + timedelta(days=live.rng.randint(0, HUMAN_DELAY_DAYS))
                due = [t for t in workable if live.planned[t.id] <= now]
                if not due:
                    break
                self._complete(live, case, due[0])

    def _burst_day(self) -> None:
        for live in self.live:
            if live.status == "open" or live.status == "paused":
                self._events_of_the_day(live)
        for _ in range(BURST_ROUNDS):
            worked = False
            for live in self.live:
                if live.status not in ("open", "paused"):
                    continue
                assert live.case is not None
                for task in _workable(live, live.case):
                    if live.status not in ("open", "paused"):
                        break
                    current = live.case
                    if any(t.id == task.id for t in current.open_tasks):
                        self._complete(live, current, task)
                        worked = True
            if not worked:
                break

    def _events_of_the_day(self, live: _Live) -> None:
        now, rng = self.clock.now(), live.rng
        if live.status == "paused" and live.resume_at is not None:  # paused by a person
            if live.resume_at <= now:
                self._do(live, Step("resume", now.isoformat(), live.watch.number, actor="tove.teamledare"))
            return
        draw_cancel, draw_pause = rng.random(), rng.random()
        if live.status == "paused":  # the model holds it still (sick leave): its messages may come
            self._messages_of_the_day(live)
            return
        if draw_cancel < CANCEL_CHANCE:
            self._do(live, Step("cancel", now.isoformat(), live.watch.number, actor="tove.teamledare",
                                name="Avbrutet i simuleringen"))
            return
        if draw_pause < PAUSE_CHANCE:
            days = rng.randint(*PAUSE_DAYS)
            live.resume_at = now + timedelta(days=days)
            self._do(live, Step("pause", now.isoformat(), live.watch.number, actor="tove.teamledare",
                                name=f"Sjukskrivning, {days} dagar"))
            return
        self._messages_of_the_day(live)

    def _messages_of_the_day(self, live: _Live) -> None:
        now, rng = self.clock.now(), live.rng
        for name in sorted(live.case.waiting_messages if live.case is not None else ()):
            if rng.random() >= MESSAGE_CHANCES.get(name, MESSAGE_CHANCE) or live.status not in ("open", "paused"):
                continue
            # Read afresh: an earlier message the same day, or a timer it let fire, may have ended the wait.
            if name in self._engine.case(live.watch.case_id).waiting_messages:
                data = live.chooser.message_data(name, self._today())
                self._do(live, Step("message", now.isoformat(), live.watch.number, name=name, data=data,
                                    actor=people.REFERRER))

    # --- steps ----------------------------------------------------------------------------------------

    def _start(self, key: str, case_seed: int) -> None:
        number = len(self.live)
        rng = random.Random(case_seed)  # noqa: S311
        participant = {"name": f"Deltagare {number}"}
        registration = self._registration(key, rng)
        self._do(None, Step("start", self.clock.now().isoformat(), number, process=key, data=participant,
                            actor=people.REFERRER, registration=registration), rng=rng)

    def _registration(self, key: str, rng: random.Random) -> dict[str, Any]:
        """Answers to the start event's form, as a referrer registers a participant (drawn until the
        form's conditions hold)."""
        start = self.engine.registration(key)
        if start is None or not start.form.fields:
            return {}
        chooser = Chooser(rng, self.models[key])
        answers = chooser.answers(start.form, self._today())
        for _ in range(RULE_ATTEMPTS):
            if not self.engine.start_problems(key, answers):
                break
            answers = chooser.answers(start.form, self._today())
        return answers

    def _complete(self, live: _Live, case: Case, task: Task) -> None:
        same = [t for t in _oldest_first(case.open_tasks) if t.name == task.name]
        occurrence = next(i for i, t in enumerate(same) if t.id == task.id)
        # The instances of one multi-instance task answered as a group (choices.GROUP_YES).
        instances = live.rounds.setdefault(task.name, len(same)) if task.name in live.chooser.model.in_instances else 1
        if len(same) == 1:
            live.rounds.pop(task.name, None)  # the round's last instance: the next round counts anew
        data = live.chooser.answers(task.form, self._today(), case.data, instances)
        if any(spec.rule for spec in task.form.fields):  # a condition across fields: draw until it holds
            for _ in range(RULE_ATTEMPTS):
                if not self.engine.form_problems(task.id, data):
                    break
                data = live.chooser.answers(task.form, self._today(), case.data, instances)
        if task.assignee:
            actor, claim = task.assignee, False
        else:
            users = people.users_with(list(task.candidate_groups) + list(task.candidate_users))
            actor = live.rng.choice(list(task.candidate_users) or users or sorted(people.STAFF))
            claim = live.rng.random() < 0.5
        live.planned.pop(task.id, None)
        self._do(live, Step("complete", self.clock.now().isoformat(), live.watch.number, element=task.name,
                            occurrence=occurrence, data=data, actor=actor, claim=claim))

    def _advance(self, to: datetime) -> None:
        step = Step("advance", self.clock.now().isoformat(), to=to.isoformat())
        self.report.steps.append(step)
        with contextlib.suppress(StepFailed):  # a case became an incident: the checks below report it
            self.engine.advance_clock(to=to)
        now = self.clock.now()
        for summary in self._adopted(self._engine.cases(limit=1_000_000)):
            live = self._by_id.get(summary.id)
            if live is None:
                continue
            due_late = summary.status == "open" and summary.incident is None and summary.next_due_at is not None \
                and summary.next_due_at <= now
            changed = live.case is None or summary.revision != live.case.revision
            if changed or due_late or summary.incident is not None:
                self._check(live, timers_due_by=now)

    def _adopted(self, cases: list[Case]) -> list[Case]:
        """``cases``, after taking on as simulated cases those the engine opened itself (a timer or
        a message from another case opened them), oldest first, each with a random stream of its own."""
        new = sorted((c for c in cases if c.id not in self._by_id and c.process_key in self.models),
                     key=lambda c: (c.created_at, c.process_key, c.id))
        for case in new:
            number = len(self.live)
            rng = random.Random(f"{self.settings.seed}:{number}")  # noqa: S311 - simulation, not secrets
            watch = invariants.CaseWatch(number, case.id, case.process_key, self.models[case.process_key],
                                         case.created_at)
            live = _Live(watch, rng, Chooser(rng, self.models[case.process_key]))
            self.live.append(live)
            self._by_id[case.id] = live
        return cases

    def _opens_more(self) -> bool:
        """Whether a simulated process opens more cases itself (a timer start event due again)."""
        return any(s.process_key in self.models and s.next_due_at is not None
                   for s in self._engine.automatic_starts())

    def _check_others(self, moved: _Live) -> None:
        """Check every other case that changed (or opened) since it was last checked."""
        for summary in self._adopted(self._engine.cases(limit=1_000_000)):
            live = self._by_id.get(summary.id)
            if live is not None and live is not moved and (live.case is None or summary.revision != live.case.revision):
                self._check(live)

    def _do(self, live: _Live | None, step: Step, rng: random.Random | None = None) -> None:
        """Take one step (start, complete, message, pause, resume, cancel), then check its case."""
        self.report.steps.append(step)
        engine = self.engine
        # The step's cost is the CPU time this process spent on it (its threads included): other work
        # on the machine does not make a step look dearer, as wall time did (a 1,000-case run on
        # PostgreSQL stopped at the cost bound while a test suite held both cores).
        began = time.process_time()
        try:
            if step.kind == "start":
                assert step.process is not None and step.case is not None
                registration = step.registration if step.registration is not None else \
                    self._registration(step.process, random.Random(step.case))  # noqa: S311 - a replay's own draws
                case = engine.start_case(step.process, participant=step.data, data=registration,
                                         participant_key=f"sim-{step.case}", actor=step.actor or people.REFERRER)
                case_rng = rng or random.Random(0)  # noqa: S311 - replay draws nothing
                watch = invariants.CaseWatch(step.case, case.id, step.process, self.models[step.process],
                                             self.clock.now())
                live = _Live(watch, case_rng, Chooser(case_rng, self.models[step.process]))
                self.live.append(live)
                self._by_id[case.id] = live
            else:
                assert live is not None
                self._act(engine, live, step)
        except StepFailed:
            pass  # an incident: reported by the check
        except (InvalidFormData, InvalidInput) as refused:
            raise Stop(Violation("refused", step.case, live.watch.case_id if live else None, step.process or (
                live.watch.process if live else None), f"the engine refused the simulator's {step.kind}: {refused}",
                str(getattr(refused, "fields", "")))) from refused
        assert live is not None
        cost = time.process_time() - began
        sent = any(e.event == "MessageSent" for e in self._engine.history(live.watch.case_id,
                                                                          after=live.watch.last_event))
        case = self._check(live)
        if sent:  # the step's messages and signals moved other cases on, or opened new ones
            self._check_others(live)
        self.report.step_cost_by_age.setdefault(live.watch.process, {}).setdefault(
            invariants.age_months(live.watch.started, self.clock.now()), []).append(cost)
        live.status = case.status

    def _act(self, engine: WorkflowEngine, live: _Live, step: Step) -> None:
        case_id = live.watch.case_id
        if step.kind == "complete":
            case = engine.case(case_id)
            same = [t for t in _oldest_first(case.open_tasks) if t.name == step.element]
            if step.occurrence >= len(same):
                raise Stop(Violation("replay", step.case, case_id, live.watch.process,
                                     f"no open task {step.element}#{step.occurrence} to complete"))
            task = same[step.occurrence]
            actor = step.actor or "simulator"
            if step.claim:
                engine.claim_task(task.id, actor)
            engine.complete_task(task.id, step.data, actor)
        elif step.kind == "message":
            assert step.name is not None
            engine.send_message(case_id, step.name, step.data, step.actor or "simulator")
        elif step.kind == "pause":
            engine.pause_case(case_id, step.name or "paus", step.actor or "simulator")
            live.status = "paused"
        elif step.kind == "resume":
            engine.resume_case(case_id, step.actor or "simulator")
            live.resume_at = None
        elif step.kind == "cancel":
            engine.cancel_case(case_id, step.name or "avbrutet", step.actor or "simulator")
        else:
            raise ValueError(f"unknown step {step.kind}")

    @property
    def _by_id(self) -> dict[str, _Live]:
        if not hasattr(self, "_index"):
            self._index: dict[str, _Live] = {}
        return self._index

    def _today(self) -> Any:
        return self.clock.now().astimezone(STOCKHOLM).date()

    # --- checks ----------------------------------------------------------------------------------------

    def _check(self, live: _Live, timers_due_by: datetime | None = None) -> Case:
        engine = self._engine
        watch = live.watch
        case = engine.case(watch.case_id)
        live.updated_at = case.updated_at
        live.status = case.status
        live.case = case

        def stop(invariant: str, message: str, detail: str = "") -> None:
            raise Stop(Violation(invariant, watch.number, watch.case_id, watch.process, message, detail))

        found = invariants.incident(case)
        if found:
            stop("incident", *found)
        problem = invariants.open_tasks(case, watch.model)
        if problem:
            stop("open_tasks", problem)
        problem = watch.read_history(engine.history(watch.case_id, after=watch.last_event))
        if problem:
            stop("timer", problem)
        if timers_due_by is not None:
            problem = invariants.overdue_timers(case, timers_due_by)
            if problem:
                stop("timer", problem)
        problem = invariants.lost_values(watch.expected, case.data, watch.model.computed_keys)
        if problem:
            stop("lost_value", problem)
        live.changes += 1
        if live.changes % max(self.settings.serializer_every, 1) == 0 or case.status in ("completed", "cancelled"):
            problem = stored.serializer_problem(engine, watch.case_id)
            if problem:
                stop("serializer", problem)
        watch.record_size(self.clock.now(), stored.size(engine, watch.case_id))
        age = invariants.age_months(watch.started, self.clock.now())
        if age < invariants.SIZE_BASELINE_MONTHS:
            early = self._early_widest
            early[watch.process] = max(early.get(watch.process, 0), watch.sizes_by_age.get(age, 0))
        problem = invariants.growth(watch.sizes_by_age, self._early_widest.get(watch.process, 0))
        if problem:
            stop("growth", problem)
        return case

    def _final_checks(self) -> None:
        self._follow_up_checks()
        for live in self.live:
            sizes = self.report.state_size_by_age.setdefault(live.watch.process, {})
            for month, size in live.watch.sizes_by_age.items():
                sizes[month] = max(sizes.get(month, 0), size)
        for process, costs in self.report.step_cost_by_age.items():
            problem = invariants.step_cost(costs)
            if problem:
                raise Stop(Violation("growth", None, None, process, problem))

    def _follow_up_checks(self) -> None:
        """Every case's row in the follow-up's read model says what the case holds."""
        period = Period(START.date(), self.clock.now().date())
        for key in self.models:
            indicators = self._engine.follow_up.indicators(key)
            rows = {r.case_id: r for r in self._engine.follow_up.rows(period, [key])}
            for live in (live for live in self.live if live.watch.process == key):
                problem = invariants.follow_up(self._engine.case(live.watch.case_id), rows.get(live.watch.case_id),
                                               indicators)
                if problem:
                    raise Stop(Violation("follow_up", live.watch.number, live.watch.case_id, key, problem))

    # --- replay ------------------------------------------------------------------------------------------

    def replay(self, steps: Sequence[Step]) -> RunReport:
        """Take the steps of a saved run again, checking as the run did, up to the first violation."""
        self._replaying = True

        def again() -> None:
            for step in steps:
                if step.kind == "advance":
                    assert step.to is not None
                    self._advance(datetime.fromisoformat(step.to))
                    continue
                if datetime.fromisoformat(step.at) > self.clock.now():
                    self.clock.set(datetime.fromisoformat(step.at))
                if step.kind == "start":
                    self._do(None, step)
                else:
                    assert step.case is not None
                    self._do(self.live[step.case], step)

        return self._checked(again)


def _oldest_first(tasks: Sequence[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.created_at, t.name))


def run(settings: Settings, files: Sequence[SourceFile]) -> RunReport:
    simulation = Simulation(settings, files)
    try:
        return simulation.run()
    finally:
        simulation.close()


def replay(settings: Settings, files: Sequence[SourceFile], steps: Sequence[Step]) -> RunReport:
    simulation = Simulation(settings, files)
    try:
        return simulation.replay(steps)
    finally:
        simulation.close()


def _workable(live: _Live, case: Case) -> list[Task]:
    """The open tasks staff can do now, oldest first: all of them, or in a case the model holds
    still, only the task that holds it (its end of sick leave)."""
    tasks = _oldest_first(case.open_tasks)
    if case.status == "paused":
        return [t for t in tasks if t.name in live.watch.model.pausing and live.resume_at is None]
    return tasks
