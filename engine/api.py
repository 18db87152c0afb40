"""The one entry point into the engine: :class:`WorkflowEngine`.

Verbs change cases (``start_case``, ``claim_task``, ``complete_task``, ``send_message``,
``pause_case``, ``run_due_timers`` …); queries read them. Everything returned is a frozen view
from :mod:`engine.views`; everything raised is an :class:`~engine.errors.EngineError`. What the
inbox, the operations page and process designers need is reached through the engine's parts:
``engine.inbox``, ``engine.operations`` and ``engine.migration``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import events
from engine.cases import case_messages, deadlines, operations, timer_starts
from engine.cases.catalog import Catalog, version_view
from engine.cases.firing import fire_due
from engine.cases.follow_up import FollowUp
from engine.cases.history import history_row
from engine.cases.inbox import Inbox, on_hold
from engine.cases.operations import Operations
from engine.cases.runner import Alongside, CaseRunner, Step, new_case_id, pauses_case, resume
from engine.clock import Clock, SimulatedClock, SystemClock
from engine.definitions import deployed, diagram, model_diff, model_files
from engine.design.case_migration import CaseMigration
from engine.directory import Directory, Person
from engine.errors import CaseOnHold, Conflict, InvalidFormData, InvalidInput, NotFound, OpensCasesItself, Problem
from engine.language import forms, problems_sv, timers
from engine.notifications.delivery import DeliveryWorker
from engine.notifications.mail import SmtpMailer
from engine.persistence import store
from engine.persistence.db import Database, Session
from engine.persistence.mapping import case_view, task_view
from engine.persistence.models import CaseRow, participant_name, participant_sort_keys
from engine.persistence.retention import Retention
from engine.settings import DeliverySettings, SmtpSettings
from engine.spiff import loading, runtime
from engine.views import (
    CASE_SORTS,
    AutomaticStart,
    Case,
    CaseDiagram,
    CaseEvent,
    CaseFilter,
    CasePage,
    DueRun,
    Form,
    FormField,
    ModelDiff,
    ModelFile,
    Notification,
    ProcessVersion,
    Registration,
    SourceFile,
    Task,
    Timer,
    consent,
    participant_label,
)
from engine.views.cases import NAMED, PROTECTED, PROTECTED_NAME
from engine.views.consent import Consent, ConsentStatus, consent_of

#: The variable every case starts with: the person's ended cases in the intervention (docs/modeling.md).
EARLIER_CASES = "tidigare_arenden"

#: Cases whose due timers one scheduler transaction fires (and holds locked meanwhile).
TIMER_BATCH = 25


def validate(files: Sequence[SourceFile], *, allow_scripts: bool = False) -> list[Problem]:
    """Every problem in the files (``severity`` "error" or "warning"); none means deployable. Needs
    no database: what ``samverkan validate`` runs."""
    return loading.load(list(files), allow_scripts=allow_scripts).problems


def problem_message(problem: Problem, language: str) -> str:
    """A problem's message in ``language``: Swedish for "sv", the engine's English otherwise. The designer's
    pages show problems so; the command line and the JSON API keep the English (engine/language/problems_sv.py)."""
    return problems_sv.problem_text(problem, language)


def in_swedish(message: str) -> str:
    """One of the engine's English validation messages in Swedish (unchanged if the catalog does not know it)."""
    return problems_sv.in_swedish(message)


def folder_files(directory: Path | str) -> list[SourceFile]:
    """Every BPMN file of a folder, then every DMN file: one deployment, as ``serve`` deploys ``processes/``."""
    return model_files.folder(directory)


class WorkflowEngine:
    """Runs the journeys. Thread-safe; any number may share one database."""

    def __init__(self, database: Database | str | None = None, *, clock: Clock | None = None,
                 allow_scripts: bool | None = None, migrate: bool = True, directory: Directory | None = None) -> None:
        self.db = database if isinstance(database, Database) else Database(database)
        #: Who works where, with which roles: a field that names a person takes only a colleague in
        #: the intervention with the field's role (none given: such fields take any user name).
        self.directory = directory
        if migrate:
            self.db.migrate()
        self.clock: Clock = clock or SystemClock()
        if allow_scripts is None:
            allow_scripts = os.environ.get("SAMVERKAN_ALLOW_SCRIPTS") == "1"
        self.catalog = Catalog(self.db, allow_scripts=allow_scripts)
        self.runner = CaseRunner(self.db, self.catalog, self.clock, allow_scripts=allow_scripts)
        self.runner.after_sending = self.deliver_case_messages
        self._delivering = threading.local()
        #: The inbox read model: a tab's tasks with their participants, filtered, counted, paged.
        self.inbox = Inbox(self.db, self.clock)
        #: What the operations page shows, and the operator's verbs on the outbox.
        self.operations = Operations(self.db, self.clock)
        #: Moving open cases to a newer version of their process.
        self.migration = CaseMigration(self.db, self.catalog, self.runner, self.clock)
        #: The förbund's follow-up: indicators, the read model's rows and a period's figures.
        self.follow_up = FollowUp(self.db, self.catalog)
        #: Retention (gallring): the dry run and the purge of closed cases' personal data.
        self.retention = Retention(self.db, self.clock)

    # --- processes -----------------------------------------------------------------------------

    def validate(self, files: Sequence[SourceFile]) -> list[Problem]:
        """Every problem in the files (``severity`` "error" or "warning"); none means deployable."""
        return self.catalog.validate(files)

    def read_model(self, content: bytes | str, name: str) -> ModelFile:
        """One BPMN or DMN file as the engine reads it (safely; its kind, processes and decisions,
        its text as stored); InvalidProcess for anything else."""
        return model_files.read(content, name)

    def compare(self, old: Sequence[SourceFile], new: Sequence[SourceFile], *, key: str | None = None,
                old_version: int | None = None, new_version: int | None = None) -> dict[str, ModelDiff]:
        """What changed, file by file, between two sets of model files; unchanged files left out.
        With ``key`` and the deployed ``old_version`` the files are of, the call activities whose
        called version differs too: from ``new_version``'s, or (a draft) from what deploying
        ``new`` now would call."""
        diffs = model_diff.diff_sources(old, new)
        if key is None or old_version is None:
            return diffs
        new_calls = self.catalog.calls(key, new_version) if new_version is not None else \
            self.catalog.would_call(new, key)
        return model_diff.with_calls(diffs, new, key, self.catalog.calls(key, old_version), new_calls)

    def version_files(self, key: str, version: int) -> list[SourceFile]:
        """The process's own files in one deployed version: the BPMN file that holds it and the DMN
        files it takes decisions from (a version deployed as a bundle holds other journeys too)."""
        return deployed.files(self.db, key, version)

    def open_case_counts(self, key: str) -> dict[int, int]:
        """Version number → how many open (or paused) cases it has."""
        return deployed.open_case_counts(self.db, key)

    def process_xml(self, key: str, version: int) -> str:
        """The BPMN file of one deployed version that holds the process ``key``."""
        return diagram.process_xml(self.db, key, version)

    def case_diagram(self, case: Case, history: Sequence[CaseEvent]) -> CaseDiagram:
        """What the case's process map shows: its version's BPMN, where it is now, the path taken."""
        return diagram.case_diagram(self.db, case, history,
                                    self.catalog.called_steps(case.process_key, case.process_version))

    def mail_delivery(self, directory: Directory, smtp: SmtpSettings,
                      settings: DeliverySettings | None = None) -> DeliveryWorker:
        """The delivery worker that mails this engine's notifications through ``smtp`` to the people
        ``directory`` knows; the scheduler runs it on every tick (:mod:`engine.scheduler`)."""
        return DeliveryWorker(self.db, self.clock, directory, SmtpMailer(smtp), settings)

    @staticmethod
    def sample_answers(form: Form, day: date, choices: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Plausible answers to a form (demo data, benchmarks): see :meth:`Form.sample_answers`."""
        return form.sample_answers(day, choices)

    def deploy(self, files: Sequence[SourceFile], actor: str, *, keep_published: bool = False) -> list[ProcessVersion]:
        """Deploy the files as new versions of their process keys; raises InvalidProcess if invalid.
        A process whose own files are unchanged since its newest version (with ``keep_published``,
        since any of its versions: start-up leaves a version published in the designer newest)
        gets no new version."""
        return self.catalog.deploy(files, actor, self.clock.now(), keep_published=keep_published)

    def calls(self, key: str, version: int) -> list[tuple[str, str, int]]:
        """What the call activities of one deployed version call: (element id, process key, version),
        fixed when it was deployed (docs/modeling.md, "Reusing a fragment")."""
        return self.catalog.calls(key, version)

    def processes(self) -> list[ProcessVersion]:
        """The newest version of every process key."""
        with self.db.reading() as session:
            return [ProcessVersion(r.key, r.name, r.version, r.content_hash, r.deployed_at, r.deployed_by)
                    for r in store.latest_version_summaries(session)]

    def versions(self, key: str) -> list[ProcessVersion]:
        with self.db.reading() as session:
            return [version_view(r) for r in store.versions_of(session, key)]

    # --- cases ---------------------------------------------------------------------------------

    def start_case(self, process_key: str, *, participant: Mapping[str, Any] | None = None,
                   data: Mapping[str, Any] | None = None, participant_key: str | None = None,
                   actor: str = "system", alongside: Alongside | None = None) -> Case:
        """Start a case on the newest version of ``process_key`` with the given initial data.

        ``participant_key`` identifies the person (e.g. a normalised personnummer): a second open
        case for the same key in the same process raises DuplicateCase. Every case starts knowing
        how many earlier cases the person has had in the intervention that have ended
        (``tidigare_arenden``, 0 without a key), so a model can ask for re-enrollment rules.
        ``alongside`` writes what the caller records of it in the transaction that stores the case.
        """
        initial = forms.json_values(data or {})
        with self.db.reading() as session:
            version = store.latest_version(session, process_key)
            if version is None:
                raise NotFound(f"process '{process_key}' is not deployed")
            version_id, version_number = version.id, version.version
            earlier = store.closed_cases_for(session, process_key, participant_key) if participant_key else 0
        if not self.catalog.starts_plainly(version_id):
            timer, _by_hand = self.catalog.start_timer(version_id)
            on = f"on its timer start event '{timer.element}' ({timer.text})" if timer is not None else \
                f"on the message '{', '.join(sorted(self.catalog.message_starts(version_id)))}'"
            raise OpensCasesItself(f"process '{process_key}' opens its cases itself, {on}; it has no start "
                                   "event to open one by hand")
        _journey, start_form = self.catalog.start(version_id)
        initial = {EARLIER_CASES: earlier, **initial, **self._registered(start_form, initial, process_key)}
        now = self.clock.now()
        row = CaseRow(
            id=new_case_id(), process_key=process_key, process_version_id=version_id,
            process_version=version_number, status="open",
            participant_key=participant_key, participant=dict(participant or {}),
            participant_name=participant_name(dict(participant or {})),
            **participant_sort_keys(dict(participant or {}), participant_key), started_by=actor, data={},
            state=b"", serializer_version="", revision=1, created_at=now, updated_at=now,
        )
        return self.runner.create(row, initial, actor, alongside=alongside)

    def deliver_case_messages(self) -> int:
        """Deliver the messages and signals cases sent each other that are not delivered yet (the
        engine does this right after the step that sent them, and on every scheduler tick); how
        many were settled."""
        if getattr(self._delivering, "active", False):
            return 0  # a delivery's own messages are taken by the pass already running
        self._delivering.active = True
        try:
            return case_messages.deliver_pending(
                self.db, self.runner, self.clock,
                lambda key, name, data, message_id: self._open_on_message(key, name, data, message_id) is not None)
        finally:
            self._delivering.active = False

    def start_on_message(self, process_key: str, name: str, data: Mapping[str, Any] | None = None,
                         actor: str = "system") -> Case:
        """A message to a process that opens its cases on it (a message start event): a new case of
        its newest version, the message's data in the case. Conflict if the process does not."""
        case = self._open_on_message(process_key, name, forms.json_values(data or {}), None, actor)
        if case is None:
            raise Conflict(f"process '{process_key}' does not open a case on the message '{name}'")
        return case

    def message_starts(self, process_key: str) -> tuple[str, ...]:
        """The messages the newest version of a process opens a case on (sorted; none for most)."""
        with self.db.reading() as session:
            version = store.latest_version(session, process_key)
            if version is None:
                raise NotFound(f"process '{process_key}' is not deployed")
            version_id = version.id
        return tuple(sorted(self.catalog.message_starts(version_id)))

    def _open_on_message(self, process_key: str, name: str, data: dict[str, Any], message_id: int | None,
                         actor: str = "system") -> Case | None:
        """Open a case of the newest version of ``process_key`` on a message, if the process
        starts on that message (None if it does not)."""
        with self.db.reading() as session:
            version = store.latest_version(session, process_key)
            if version is None:
                return None
            version_id, version_number = version.id, version.version
        if name not in self.catalog.message_starts(version_id):
            return None
        now = self.clock.now()
        row = CaseRow(
            id=new_case_id(), process_key=process_key, process_version_id=version_id,
            process_version=version_number, status="open", participant_key=None, participant={},
            started_by=actor, data={}, state=b"", serializer_version="", revision=1, created_at=now, updated_at=now,
        )
        return self.runner.create(row, {EARLIER_CASES: 0}, actor, message=(message_id, name, data))

    def _registered(self, form: Form, data: Mapping[str, Any], process_key: str) -> dict[str, Any]:
        """The start data a start event's form declares, held to its rules as a task's form is
        (:class:`InvalidFormData` names each refused field): every field of the form is in the
        case from its start, None where nothing was given, so no condition meets an unknown name."""
        if not form.fields:
            return {}
        given = {key: value for key, value in data.items() if form.field(key) is not None}
        cleaned = forms.clean(form, given, self.clock.now().date())
        forms.check_rules(form, cleaned, {})
        if self.directory is not None and any(f.user_roles is not None for f in form.fields):
            forms.check_people(form, cleaned, self.directory.people(), process_key)
        return {**{f.id: None for f in form.fields if not f.readonly}, **cleaned}

    def participant_journeys(self) -> list[Registration]:
        """The interventions participants are registered in (process property ``deltagarresa``),
        newest version of each, with what registration asks."""
        found = [self.registration(version.key) for version in self.processes()]
        return [r for r in found if r is not None and r.journey and r.by_hand]

    def registration(self, process_key: str) -> Registration | None:
        """What starting a case of ``process_key`` asks (its newest version's start form, and
        whether it is a participant journey), or None if it is not deployed."""
        with self.db.reading() as session:
            version = store.latest_version(session, process_key)
            if version is None:
                return None
            version_id, name, number = version.id, version.name, version.version
        journey, form = self.catalog.start(version_id)
        return Registration(process_key, name, number, form, journey, self.catalog.starts_plainly(version_id))

    def _changed(self, case_id: str, saved: Case | None) -> Case:
        return saved if saved is not None else self.case(case_id)

    def case(self, case_id: str) -> Case:
        with self.db.reading() as session:
            row = store.get_case(session, case_id, with_state=False)
            if row is None:
                raise NotFound(f"case {case_id} does not exist")
            return case_view(row, [task_view(t) for t in store.tasks_of_case(session, case_id)])

    def cases(self, process_key: str | None = None, status: str | None = None, limit: int = 500, *,
              process_keys: Sequence[str] | None = None, started_by: str | None = None, offset: int = 0) -> list[Case]:
        """Case summaries, newest first, ``limit`` of them from ``offset`` on: of one process, of several
        (a user's teams), or started by someone."""
        keys = [process_key] if process_key else (list(process_keys) if process_keys is not None else None)
        with self.db.reading() as session:
            return [case_view(r) for r in store.list_cases(session, keys, status, limit, started_by, max(0, offset))]

    def case_page(self, f: CaseFilter, *, sort: str = "started", descending: bool = True, limit: int = 50,
                  offset: int = 0) -> CasePage:
        """A page of the case summaries ``f`` lets through, sorted by one of :data:`CASE_SORTS`
        (newest first among equals), with how many there are in all."""
        if sort not in CASE_SORTS:
            raise InvalidInput(f"cases cannot be sorted by '{sort}'", {"sort": "unknown"})
        limit, offset = max(1, min(limit, 500)), max(0, offset)
        with self.db.reading() as session:
            rows, total = store.search_cases(session, f, sort, descending, limit, offset)
            return CasePage(tuple(case_view(r) for r in rows), total, offset, limit)

    def forms(self, process_key: str, version: int) -> dict[str, Form]:
        """The form of every user task of a deployed version, by element id: what a finished
        task's fields and options were called, once its task is gone."""
        return self.catalog.forms(process_key, version)

    def start_form(self, process_key: str, version: int) -> Form:
        """The form of a deployed version's start event (what its registration asked; may be empty)."""
        return self.catalog.start_form(process_key, version)

    def history(self, case_id: str, after: int | None = None) -> list[CaseEvent]:
        """The case's history, oldest first; with ``after``, only the events written after the one of that id."""
        with self.db.reading() as session:
            return [
                CaseEvent(e.id, e.case_id, e.at, e.event, e.actor, e.element, dict(e.details))
                for e in store.events_of_case(session, case_id, after)
            ]

    def waiting_messages(self, case_id: str) -> list[str]:
        """The message names the case is waiting for right now."""
        return list(self.case(case_id).waiting_messages)

    def pause_case(self, case_id: str, reason: str, actor: str) -> Case:
        """Hold a case: no timer fires and no task can be completed until it is resumed."""
        def pause(workflow: Any, row: CaseRow, step: Step) -> None:
            step.status = "paused"
            step.record(events.CasePaused(reason))

        return self._changed(case_id, self.runner.change(case_id, actor, pause))

    def resume_case(self, case_id: str, actor: str) -> Case:
        """Resume a case a person paused (:func:`engine.cases.runner.resume`: its timers and
        deadlines move on by the days it was paused). A case the model pauses goes on when its
        pausing task ends, not by this verb."""
        with self.db.reading() as session:
            paused = store.last_event(session, case_id, events.CasePaused.event)

        def go_on(workflow: Any, row: CaseRow, step: Step) -> None:
            if paused is not None and paused.element:
                raise Conflict(f"case {case_id} rests until its task '{paused.details.get('reason')}' is done")
            resume(workflow, row, step, paused.at if paused is not None else self.clock.now())

        return self._changed(case_id, self.runner.change(case_id, actor, go_on, statuses=("paused",)))

    def cancel_case(self, case_id: str, reason: str, actor: str) -> Case:
        """End a case before its journey does, with the reason recorded."""
        if not reason or not reason.strip():
            raise InvalidInput("a reason is needed to cancel a case", {"reason": "required"})

        def cancel(workflow: Any, row: CaseRow, step: Step) -> None:
            runtime.guarded(row.id, lambda: runtime.cancel(workflow))
            step.status = "cancelled"
            step.record(events.CaseCancelled(reason.strip()))

        return self._changed(case_id, self.runner.change(case_id, actor, cancel, statuses=("open", "paused")))

    def retry_incident(self, case_id: str, actor: str) -> Case:
        """Clear a case's incident and run what is due again (after the cause was fixed)."""
        def retry(workflow: Any, row: CaseRow, step: Step) -> None:
            if row.incident is None:
                raise Conflict(f"case {case_id} has no incident")
            row.incident = None
            step.record(events.IncidentResolved())
            fire_due(workflow, row, step, self.clock.now())

        return self._changed(case_id, self.runner.change(case_id, actor, retry))

    def correct_case_data(self, case_id: str, data: Mapping[str, Any], reason: str, actor: str) -> Case:
        """Correct or complete a case's data (e.g. to clear the cause of an incident), with a reason."""
        if not reason or not reason.strip():
            raise InvalidInput("a reason is needed to correct case data", {"reason": "required"})
        values = forms.json_values(data)

        def correct(workflow: Any, row: CaseRow, step: Step) -> None:
            runtime.guarded(row.id, lambda: runtime.correct_data(workflow, values))
            step.record(events.DataCorrected(values, reason.strip()))

        return self._changed(case_id, self.runner.change(case_id, actor, correct, statuses=("open", "paused")))

    def today(self) -> date:
        """The day it is in Stockholm, by the engine's clock: the day the plans count in."""
        return self.clock.now().astimezone(timers.LOCAL_TZ).date()

    def consent(self, case: Case) -> Consent:
        """The participant's consent as ``case`` records it, today (:mod:`engine.views.consent`)."""
        return consent_of(case.data, self.today())

    def renew_consent(self, case_id: str, given: date, scope: str, valid_until: date | None, reason: str,
                      actor: str) -> Case:
        """Record the participant's renewed consent (the day it was given, its scope and its last day,
        None: until revoked) in the case's data, with a reason, in the case's history
        (:class:`events.ConsentRenewed`). An open or paused case whose consent was revoked is not
        renewed: a revocation ends the sharing, and a new consent is a new referral."""
        today = self.today()
        problems: dict[str, str] = {}
        if given > today:
            problems["given"] = "in_future"
        if valid_until is not None and (valid_until < today or valid_until < given):
            problems["valid_until"] = "past"
        text = (scope or "").strip()
        if not text:
            problems["scope"] = "required"
        elif len(text) > 1000:
            problems["scope"] = "too_long"
        if not reason or not reason.strip():
            problems["reason"] = "required"
        if problems:
            raise InvalidInput(f"the renewed consent cannot be recorded: {', '.join(sorted(problems))}", problems)
        values = {consent.GIVEN: given.isoformat(), consent.SCOPE: text,
                  consent.VALID_UNTIL: valid_until.isoformat() if valid_until is not None else None}

        def renew(workflow: Any, row: CaseRow, step: Step) -> None:
            if consent_of(row.data, today).status is ConsentStatus.REVOKED:
                raise Conflict(f"case {case_id}: the consent was revoked and cannot be renewed")
            runtime.guarded(row.id, lambda: runtime.correct_data(workflow, values))
            step.record(events.ConsentRenewed(given.isoformat(), text, values[consent.VALID_UNTIL] or "",
                                              reason.strip()))

        return self._changed(case_id, self.runner.change(case_id, actor, renew, statuses=("open", "paused")))

    def protect_identity(self, case_id: str, protected: bool, named: Sequence[str], reason: str, actor: str, *,
                         alongside: Alongside | None = None) -> Case:
        """Protect the participant's identity (skyddade personuppgifter: ``participant.skyddad``),
        naming the users allowed to know it (``participant.behoriga``), or lift the protection; with a
        reason, in the case's history (:class:`events.IdentityProtectionChanged`), whatever the case's
        status. From then on the engine writes the placeholder :data:`PROTECTED_NAME` wherever it
        would write the name, and the name is taken out of the case's notifications and mails
        already written. Conflict for a purged case (it has no participant left)."""
        if not reason or not reason.strip():
            raise InvalidInput("a reason is needed to protect an identity or lift the protection",
                               {"reason": "required"})
        people = tuple(dict.fromkeys(str(n) for n in named if str(n).strip())) if protected else ()
        with self.db.transaction() as session:
            row = store.lock_case(session, case_id)
            if row is None:
                raise NotFound(f"case {case_id} does not exist")
            if not row.participant:
                raise Conflict(f"case {case_id} has no participant")
            now = self.clock.now()
            participant = {k: v for k, v in row.participant.items() if k not in (PROTECTED, NAMED)}
            if protected:
                participant = {**participant, PROTECTED: True, NAMED: list(people)}
                name = str(participant.get("name") or "")
                if name:
                    store.scrub_case_messages_to_people(session, row.id, name, PROTECTED_NAME)
            store.set_participant(session, row, participant, now)
            changed = events.IdentityProtectionChanged(protected, people, reason.strip())
            store.add_events(session, [history_row(row.id, now, actor, changed)])
            if alongside is not None:
                alongside(session, row.id)
        return self.case(case_id)

    def send_message(self, case_id: str, name: str, data: Mapping[str, Any] | None, actor: str) -> Case:
        """Deliver a message (e.g. consent revoked) to a case that waits for it."""
        payload = forms.json_values(data or {})
        if name == consent.REVOKED_MESSAGE:  # the day it was revoked, unless the report says which
            payload.setdefault(consent.REVOKED_ON, self.today().isoformat())

        def deliver(workflow: Any, row: CaseRow, step: Step) -> None:
            waiting = runtime.waiting_messages(workflow)
            if name not in waiting:
                listed = ", ".join(waiting) or "no message"
                raise Conflict(f"case {case_id} is not waiting for the message '{name}' (it waits for {listed})")
            runtime.guarded(row.id, lambda: runtime.deliver_message(workflow, name, payload))
            row.incident = None
            step.record(events.MessageReceived(name, payload))

        return self._changed(case_id, self.runner.change(case_id, actor, deliver, statuses=("open", "paused")))

    # --- tasks ----------------------------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        with self.db.reading() as session:
            row = store.get_task(session, task_id)
            if row is None:
                raise NotFound(f"task {task_id} is not open")
            return task_view(row)

    def task_with_case(self, task_id: str) -> tuple[Task, Case]:
        """An open task and its case, read together."""
        with self.db.reading() as session:
            row = store.get_task(session, task_id)
            case = store.get_case(session, row.case_id, with_state=False) if row is not None else None
            if row is None or case is None:
                raise NotFound(f"task {task_id} is not open")
            return task_view(row), case_view(case, [task_view(t) for t in store.tasks_of_case(session, case.id)])

    def start_problems(self, process_key: str, data: Mapping[str, Any]) -> dict[str, str]:
        """What starting a case of ``process_key`` with ``data`` would refuse under its start
        event's form, field by field (empty: accepted), without starting anything."""
        start = self.registration(process_key)
        if start is None:
            raise NotFound(f"process '{process_key}' is not deployed")
        try:
            self._registered(start.form, forms.json_values(data), process_key)
        except InvalidFormData as refused:
            return dict(refused.fields)
        return {}

    def form_problems(self, task_id: str, data: Mapping[str, Any]) -> dict[str, str]:
        """What completing the task with ``data`` would refuse, field by field (empty: it would be
        accepted as far as its form goes), without changing anything: types, bounds and the form's
        conditions (``villkor``) against what the case holds now."""
        task = self.task(task_id)
        form = task.form
        try:
            cleaned = forms.clean(form, dict(data), self.clock.now().date())
            forms.check_rules(form, cleaned, self.case(task.case_id).data)
        except InvalidFormData as refused:
            return dict(refused.fields)
        return {}

    def tasks(self, *, case_id: str | None = None, process_keys: Sequence[str] | None = None,
              assignee: str | None = None, user: str | None = None, groups: Sequence[str] | None = None,
              scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]] | None = None,
              overdue: bool = False, limit: int = 500, offset: int = 0) -> list[Task]:
        """Open human tasks, earliest due first, ``limit`` of them from ``offset`` on. ``user``/``groups``:
        what that person may work on; ``scopes`` instead of ``groups``: (groups, process keys) pairs
        where each group is held (see ``engine.directory.role_scopes``)."""
        with self.db.reading() as session:
            rows = store.query_tasks(
                session, case_id=case_id, process_keys=process_keys, assignee=assignee, user=user,
                groups=groups, scopes=scopes, overdue_at=self.clock.now() if overdue else None, limit=limit,
                offset=max(0, offset),
            )
            return [task_view(r) for r in rows]

    def claim_task(self, task_id: str, user: str) -> Task:
        """Take a task; a task claimed by someone else raises Conflict, a task of a paused case
        CaseOnHold (it could not be completed either), unless it is the task that holds the case."""
        self._set_assignee(task_id, user, expected=None, event=events.TaskClaimed)
        return self.task(task_id)

    def unclaim_task(self, task_id: str, user: str) -> Task:
        self._set_assignee(task_id, None, expected=user, event=events.TaskUnclaimed)
        return self.task(task_id)

    def assign_task(self, task_id: str, assignee: str | None, actor: str) -> Task:
        """Give a task to someone, or back to its groups (a team leader's reassignment)."""
        self._set_assignee(task_id, assignee, expected=None, event=events.TaskAssigned, actor=actor, force=True)
        return self.task(task_id)

    def _set_assignee(self, task_id: str, assignee: str | None, expected: str | None,
                      event: type[events.TaskClaimed | events.TaskUnclaimed | events.TaskAssigned],
                      actor: str | None = None, force: bool = False) -> None:
        with self.db.transaction() as session:
            task = store.get_task(session, task_id)
            if task is None:
                raise NotFound(f"task {task_id} is not open")
            case = store.get_case(session, task.case_id, with_state=False)
            if case is None or case.status not in ("open", "paused"):
                raise Conflict(f"the case of task {task_id} is {case.status if case else 'gone'}")
            if event is events.TaskClaimed and on_hold(
                    case.status, store.pausing_elements(session, [case.id]).get(case.id), task.element):
                raise CaseOnHold(f"case {case.id} is paused: task {task_id} waits until it goes on")
            if task.assignee == assignee:
                return
            if not store.set_assignee(session, task_id, assignee, task.assignee if force else expected):
                raise Conflict(f"task {task_id} is claimed by {task.assignee or 'nobody'}")
            store.add_events(session, [history_row(
                task.case_id, self.clock.now(), actor or expected or assignee or "system",
                event(task.element, task_id, assignee, task.assignee),
            )])

    def complete_task(self, task_id: str, data: Mapping[str, Any] | None, actor: str, *,
                      alongside: Alongside | None = None, admit: Callable[[Task, Case], None] | None = None) -> Case:
        """Complete a task with form data checked against its form; bad data changes nothing.
        ``alongside`` writes what the caller records of it in the same transaction. ``admit`` is the
        caller's own check of the task and its case (its open tasks left out), made on the rows the
        step reads anyway, before anything else is looked at and again as the step is written: it
        raises to refuse, and nothing is changed."""
        submitted = dict(data or {})
        cleaned: dict[str, Any] = {}
        form: list[Form] = []
        people: list[list[Person]] = []

        def check(row: Any, case_row: Any) -> None:
            if admit is not None:
                admit(task_view(row), case_view(case_row))
            if row.assignee is not None and row.assignee != actor:
                raise Conflict(f"task {task_id} is claimed by {row.assignee}")
            form[:] = [Form.from_json(row.form)]
            cleaned.update(forms.clean(form[0], submitted, self.clock.now().date()))
            if self.directory is not None and any(f.user_roles is not None for f in form[0].fields):
                if not people:  # read once, on the first look (not inside the step's write transaction)
                    people.append(self.directory.people())
                forms.check_people(form[0], cleaned, people[0], row.process_key)

        def complete(workflow: Any, case: CaseRow, step: Step) -> None:
            task = runtime.find_ready_task(workflow, task_id)
            if task is None:
                raise Conflict(f"task {task_id} is no longer open")
            if case.status == "paused" and not pauses_case(task.task_spec):
                raise Conflict(f"case {case.id} is paused")
            forms.check_rules(form[0], cleaned, task.data)
            element = runtime.element_of(task.task_spec)
            runtime.guarded(case.id, lambda: runtime.complete(workflow, task, cleaned), element)
            case.incident = None
            step.record(events.TaskCompleted(element, task_id, cleaned))

        return self.runner.change_task(task_id, actor, check, complete, alongside=alongside)

    def people_for(self, task: Task, field_id: str) -> list[Person]:
        """Whom a field that names a person may name in this task: the intervention's active staff
        with one of the field's roles, by name (empty without a directory or for another field)."""
        spec = task.form.field(field_id)
        return self.people_for_field(task.process_key, spec) if spec is not None else []

    def people_for_field(self, process_key: str, spec: FormField) -> list[Person]:
        """Whom a form field of ``process_key`` that names a person may name, by name (empty
        without a directory or for a field that names nobody)."""
        if spec.user_roles is None or self.directory is None:
            return []
        return sorted(forms.people_for(spec, self.directory.people(), process_key),
                      key=lambda p: (p.display_name.lower(), p.username))

    # --- time -----------------------------------------------------------------------------------

    def run_due(self, until: datetime | None = None) -> DueRun:
        """Everything the scheduler does in one tick: fire the timers, then send the reminders and
        escalations of tasks whose follow-up or due date has passed, all due by ``until``."""
        until = until or self.clock.now()
        with self.db.reading() as session:  # the idle tick: this one statement and nothing more
            if not store.anything_due(session, until):
                return DueRun(0, 0, 0)
        self.deliver_case_messages()  # what a crash or a burst left undelivered
        timers = self.run_due_timers(until)
        self.deliver_case_messages()  # what the cases the timers moved or opened sent
        reminders = escalations = 0
        while True:
            with self.db.transaction() as session:
                handled = deadlines.handle_due(session, until, self.clock.now())
            reminders += handled.reminders
            escalations += handled.escalations
            if handled.reminders + handled.escalations == 0:
                return DueRun(timers, reminders, escalations)

    def notifications(self, *, user: str | None = None, groups: Sequence[str] | None = None,
                      process_keys: Sequence[str] | None = None, limit: int = 200,
                      scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]] | None = None,
                      ) -> list[Notification]:
        """Reminders and escalations addressed to a person (by name or through their roles in their
        interventions: ``groups`` in ``process_keys``, or ``scopes`` of (groups, process keys)),
        newest first; all of them when ``user`` is None. Each carries its case's participant's name
        and, for one about a task, whether that task is still open."""
        with self.db.reading() as session:
            rows = store.notifications_for(session, user=user, groups=groups, process_keys=process_keys, limit=limit,
                                           scopes=scopes)
            cases = store.cases_by_id(session, [r.case_id for r in rows])
            still_open = store.open_task_ids(session, [r.task_id for r in rows if r.task_id])
            today = self.today()
            found = []
            for r in rows:
                case = cases.get(r.case_id)
                found.append(Notification(
                    r.id, r.kind, r.case_id, r.task_id, r.process_key, r.recipient_kind, r.recipient,
                    r.subject, r.created_at, r.body,
                    participant_name=participant_label(case.participant if case else None),
                    case_started_by=case.started_by if case else "",
                    task_open=(r.task_id in still_open) if r.task_id else None,
                    consent_withdrawn=consent.withdrawn(case.data, today) if case else False))
            return found

    def run_due_timers(self, until: datetime | None = None, *, batch: int = TIMER_BATCH) -> int:
        """Fire every timer due by ``until`` (default: now), earliest first. Returns how many fired.

        First the start timers of processes that open their cases themselves: each occurrence due
        opens a case (:mod:`engine.cases.timer_starts`), counted here as a timer fired.

        A case that slept through several occurrences gets each of them, in order, each run at its
        own due time so that what follows is timed from when it should have happened. Cases are
        taken ``batch`` at a time, each batch one transaction; workers running side by side each
        take batches the others do not hold.
        """
        until = until or self.clock.now()
        # Processes that open their cases themselves first: what a case opened so does may be due too.
        fired = timer_starts.open_due(self.db, self.catalog, self.runner, until, {EARLIER_CASES: 0})
        passed_over: set[str] = set()
        while True:
            claimed, count = self._fire_next_due(until, batch, passed_over)
            fired += count
            if not claimed:
                return fired  # nothing due, or what is left is being handled by another worker

    def _fire_next_due(self, until: datetime, batch: int, passed_over: set[str]) -> tuple[int, int]:
        """Claim the next batch of due cases and fire their timers: (cases claimed, timers fired).
        A case whose step fails becomes an incident (out of the schedule); a case still due after
        its turn is passed over for the rest of this run rather than taken again and again."""
        claimed: list[str] = []
        fired: dict[str, int] = {}

        def claim(session: Session) -> Sequence[CaseRow]:
            rows = store.claim_due_cases(session, until, batch, passed_over)
            claimed.extend(row.id for row in rows)
            return rows

        def fire(workflow: Any, row: CaseRow, step: Step) -> None:
            fired[row.id] = fire_due(workflow, row, step, until)

        saved = self.runner.change_many(claim, "scheduler", fire)
        passed_over.update(case.id for case in saved if case.next_due_at is not None and case.next_due_at <= until)
        return len(claimed), sum(fired[case.id] for case in saved)

    def advance_clock(self, delta: timedelta | str | None = None, *, to: datetime | str | None = None) -> int:
        """Move a simulated clock forward, firing everything that falls due on the way, in order.
        ``delta`` may be ISO 8601 text (``P14D``), ``to`` an ISO date-time with offset."""
        if not isinstance(self.clock, SimulatedClock):
            raise Conflict("the clock can only be moved in simulated-clock mode")
        if (delta is None) == (to is None):
            raise InvalidInput("give either a duration or a moment to move the clock to")
        if isinstance(delta, str):  # a calendar duration: P1M from 31 January is the end of February
            to, delta = timers.parse_duration(delta).add_to(self.clock.now()), None
        elif isinstance(to, str):
            to = timers.parse_datetime(to)
        target = to if to is not None else self.clock.now() + (delta or timedelta())
        if target < self.clock.now():
            raise InvalidInput("the clock does not go backwards")
        fired = 0
        while True:
            with self.db.reading() as session:
                nxt = store.earliest_due(session)
            if nxt is None or nxt > target:
                break
            if nxt > self.clock.now():
                self.clock.set(nxt)
            fired += self.run_due(until=max(nxt, self.clock.now())).timers
        self.clock.set(target)
        return fired + self.run_due(until=target).timers

    def automatic_starts(self) -> list[AutomaticStart]:
        """The processes that open their cases themselves (timer start events), the next to open first."""
        with self.db.reading() as session:
            return list(operations.automatic_starts(session))

    def upcoming_timers(self, limit: int = 100) -> list[Timer]:
        with self.db.reading() as session:
            return [Timer(t.case_id, t.element, t.title, t.due_at) for t in store.upcoming_timers(session, limit)]
