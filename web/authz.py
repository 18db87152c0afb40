"""Who may see and do what: one rule per action and per field, in one table, called by the pages
and the API alike (a test walks every role through both doors and fails where they differ).

- ``case.read``: admins; staff of the case's intervention; the referrer who started it. While the
  participant's consent is withdrawn (lapsed or revoked): admins and the intervention's team leaders
  and coordinators only (:data:`CONSENT_WITHDRAWN_ROLES`).
- ``case.start``: admins; referrers; staff of the intervention.
- ``case.report`` (an event the case waits for: consent revoked, sick leave …), ``case.change``
  (pause, resume, close) and ``case.note``: admins; staff of the intervention.
- ``case.personnummer`` (the full number, on request, logged): admins; team leaders, coordinators
  and handläggare of the intervention. Not the referrer: she typed the number herself and has it in
  her own records; here she sees it masked.
- ``case.protect`` (protect the participant's identity or lift it, name who may know it): admins;
  team leaders and coordinators of the intervention.
- ``case.consent`` (record a renewed consent): admins; team leaders and coordinators of the
  intervention.
- ``task.work`` (claim, complete): staff of the intervention offered the task (a candidate group
  among the roles they hold in the task's intervention, or named), or holding it.
- ``task.comment``: admins; staff of the intervention.
- ``task.assign`` (to someone, or back to the group): admins; team leaders and coordinators of the
  intervention.
- ``process.deploy``: admins; process designers.
- ``followup.read`` (the follow-up page and its exports, ``/uppfoljning``; the subject is a process
  key): admins; the steering group, team leaders and coordinators of the intervention.

"Of the intervention" always means: holding the role in the intervention of the case or task —
:meth:`User.roles_in`, the roles held in all of one's interventions and those held in that one only.

Figures are aggregates, but small counts can point at a person. :func:`exact_figures` says who sees
counts from 1 to 4 as they are: admins, and team leaders and coordinators of every intervention
counted (they hand out its work and read its cases anyway). Everyone else — the steering group
above all, whose reports travel on in minutes and documents — sees them as "<5".

Every read of a case goes through :func:`visible_case`: a case one may not read is answered as if
it did not exist.

What each reader sees of a case they may read is the table :data:`SEES` (docs/access.md tells it in
prose): admins and the intervention's staff see all of it; the referrer who started the case sees
its status and dates, and of its data only what the model shares with her (form field property
``delas_med_remittent``: the reply, the contact persons, the dates, the outcome, what she registered)
— never the team's notes and comments, its open tasks, the process map or any other value.
:func:`case_as_seen` and :func:`history_as_seen` cut a case and its history to that, for the pages
and the API alike.

A participant with a protected identity (skyddade personuppgifter, ``participant.skyddad``) is known
by name and personnummer only to the users the case names (``participant.behoriga``: the one who
registered them, and whom a team leader, coordinator or admin names on the case page), and only where
one case is read — its page, its tasks, ``GET /api/v1/cases/<id>`` — each showing logged in the access
log (``identity.shown``). Everyone else, admins included, and every list (cases, inbox,
notifications, the log review) sees :func:`protected_name` and no number; a search by name or number
finds the case only for those it names. Admins reach the person's data through the register extract.
:func:`identity_as_seen` cuts a case to that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext

from engine.api import WorkflowEngine
from engine.directory import Scope
from engine.errors import NotFound
from engine.views import (
    PROTECTED,
    PROTECTED_NAME,
    Case,
    CaseEvent,
    CaseFilter,
    CasePage,
    Form,
    Notification,
    Task,
    consent,
    named_on,
)
from web import personnummer, purged_cases
from web.accounts.access_log import ZONE
from web.accounts.users import User
from web.errors import CasePurged, Forbidden


def protected_name() -> str:
    """What stands for a protected participant's name on the pages, in the reader's language
    (:data:`engine.views.PROTECTED_NAME` where no request is being answered)."""
    return gettext("Skyddad identitet") if has_request_context() else PROTECTED_NAME


#: Who hands out work: a team leader (Samverkansteamet) or a coordinator (Gemensamma taget).
LEADER_ROLES = frozenset({"teamledare", "koordinator"})
#: Who registers and coordinates participants, and so may see their full personnummer.
REGISTRAR_ROLES = frozenset({"teamledare", "koordinator", "handlaggare"})
#: Who still reads a case whose participant's consent is withdrawn (lapsed or revoked), and so works
#: on its tasks: those who hand out the intervention's work, to renew the consent or close the case
#: (and admins). The rest of the team and the referrer meet it as if it did not exist.
CONSENT_WITHDRAWN_ROLES = LEADER_ROLES
#: Who records a renewed consent (``case.consent``): the same.
CONSENT_ROLES = LEADER_ROLES
#: Who follows an intervention up: its steering group and those who hand out its work.
FOLLOW_UP_ROLES = frozenset({"styrgrupp"}) | LEADER_ROLES


class Action(StrEnum):
    READ_CASE = "case.read"
    START_CASE = "case.start"
    REPORT_EVENT = "case.report"
    CHANGE_CASE = "case.change"
    WRITE_NOTE = "case.note"
    SEE_PERSONNUMMER = "case.personnummer"
    WORK_ON_TASK = "task.work"
    COMMENT_ON_TASK = "task.comment"
    ASSIGN_TASK = "task.assign"
    DEPLOY = "process.deploy"
    READ_FOLLOW_UP = "followup.read"
    PROTECT_IDENTITY = "case.protect"
    RENEW_CONSENT = "case.consent"


def _of_intervention(user: User, process_key: str) -> bool:
    return user.staff_in(process_key)


def _today() -> date:
    """Stockholm's day by the clock of the engine the app runs (the simulated one in tests)."""
    if has_app_context() and "samverkan.engine" in current_app.extensions:
        engine: WorkflowEngine = current_app.extensions["samverkan.engine"]
        return engine.today()
    return datetime.now(ZONE).date()


def consent_withdrawn(case: Case) -> bool:
    """Whether the participant's consent is withdrawn today (lapsed or revoked, engine.views.consent)."""
    return consent.withdrawn(case.data, _today())


def _reads_without_consent(user: User, process_key: str) -> bool:
    return user.is_admin or (_of_intervention(user, process_key)
                             and bool(CONSENT_WITHDRAWN_ROLES & user.roles_in(process_key)))


def can_see(user: User, case: Case) -> bool:
    if consent_withdrawn(case):
        return _reads_without_consent(user, case.process_key)
    if user.is_admin or _of_intervention(user, case.process_key):
        return True
    return user.is_referrer and case.started_by == user.username


def may_read_listed(user: User, process_key: str, consent_is_withdrawn: bool) -> bool:
    """Whether a listed case (a list row already scoped to what ``user`` may list) may be opened and
    named: not one whose consent is withdrawn, unless ``user`` still reads such cases."""
    return not consent_is_withdrawn or _reads_without_consent(user, process_key)


def _may_start(user: User, process_key: str) -> bool:
    return user.is_admin or user.is_referrer or _of_intervention(user, process_key)


def _may_change(user: User, case: Case) -> bool:
    return user.is_admin or _of_intervention(user, case.process_key)


def _may_see_personnummer(user: User, case: Case) -> bool:
    if case.protected and not knows_identity(user, case):
        return False
    if user.is_admin:
        return True
    return bool(REGISTRAR_ROLES & user.roles_in(case.process_key))


def _may_renew_consent(user: User, case: Case) -> bool:
    return user.is_admin or bool(CONSENT_ROLES & user.roles_in(case.process_key))


def _may_protect(user: User, case: Case) -> bool:
    return user.is_admin or bool(LEADER_ROLES & user.roles_in(case.process_key))


def _may_work_on(user: User, task: Task) -> bool:
    if not _of_intervention(user, task.process_key):
        return False
    if task.assignee is not None:
        return task.assignee == user.username
    return bool(set(task.candidate_groups) & user.roles_in(task.process_key)) or user.username in task.candidate_users


def _may_comment(user: User, task: Task) -> bool:
    return user.is_admin or _of_intervention(user, task.process_key)


def _may_assign(user: User, task: Task) -> bool:
    return user.is_admin or bool(LEADER_ROLES & user.roles_in(task.process_key))


def _may_deploy(user: User, _subject: Any = None) -> bool:
    return user.is_admin or "processdesigner" in user.roles


def _may_follow_up(user: User, process_key: Any) -> bool:
    return user.is_admin or bool(FOLLOW_UP_ROLES & user.roles_in(process_key))


def follows_up(user: User) -> bool:
    """Whether the follow-up page is for ``user`` at all (which interventions: :func:`followed_up`)."""
    return user.is_admin or bool(FOLLOW_UP_ROLES & user.all_roles)


def followed_up(user: User, reported: list[str]) -> list[str]:
    """The interventions of ``reported`` (those that declare follow-up) whose figures ``user`` may read."""
    return [key for key in reported if _may_follow_up(user, key)]


def exact_figures(user: User, process_keys: Any) -> bool:
    """Whether ``user`` sees the counts of these interventions exactly, small ones included (see above)."""
    if user.is_admin:
        return True
    return bool(LEADER_ROLES & user.all_roles) and all(LEADER_ROLES & user.roles_in(key) for key in process_keys)


#: The one rule of each action: (user, what it is done to) → allowed.
RULES: dict[Action, Callable[[User, Any], bool]] = {
    Action.READ_CASE: can_see,
    Action.START_CASE: _may_start,
    Action.REPORT_EVENT: _may_change,
    Action.CHANGE_CASE: _may_change,
    Action.WRITE_NOTE: _may_change,
    Action.SEE_PERSONNUMMER: _may_see_personnummer,
    Action.WORK_ON_TASK: _may_work_on,
    Action.COMMENT_ON_TASK: _may_comment,
    Action.ASSIGN_TASK: _may_assign,
    Action.DEPLOY: _may_deploy,
    Action.READ_FOLLOW_UP: _may_follow_up,
    Action.PROTECT_IDENTITY: _may_protect,
    Action.RENEW_CONSENT: _may_renew_consent,
}


def allowed(user: User, action: Action, subject: Any = None) -> bool:
    """Whether ``user`` may do ``action`` to ``subject`` (a case, a task, a process key, or nothing)."""
    return RULES[action](user, subject)


def require(user: User, action: Action, subject: Any = None) -> None:
    """Raise Forbidden unless ``user`` may do ``action`` to ``subject``."""
    if not allowed(user, action, subject):
        what = getattr(subject, "id", subject)
        raise Forbidden(f"{user.username} may not {action.value} {what if what is not None else ''}".rstrip())


def knows_identity(user: User, case: Case) -> bool:
    """Whether ``user`` may know who the case's participant is where one case is read: always, unless
    the identity is protected; then only if the case names them (``behoriga``)."""
    return not case.protected or user.username in named_on(case.participant)


def reveals_identity(user: User, case: Case) -> bool:
    """Whether showing ``case`` to ``user`` shows a protected identity (the caller logs ``identity.shown``)."""
    return case.protected and knows_identity(user, case)


def _hidden(case: Case, start: Form | None) -> Case:
    """``case`` with its participant's name and personnummer (and what the personnummer answered on
    the start form: birth date, birth year, gender) taken out."""
    participant = {"name": protected_name(), "personnummer": "",
                   "municipality": case.participant.get("municipality"), PROTECTED: True}
    answered = {f.id for f in start.fields if f.from_personnummer} if start is not None else set()
    return replace(case, participant=participant, data={k: v for k, v in case.data.items() if k not in answered})


def identity_as_seen(user: User, case: Case, start: Form | None = None, *, listed: bool = False) -> Case:
    """``case`` as ``user`` may see who it is about: as it is, or — a protected identity, in a list
    (``listed``) or to someone the case does not name — with :func:`protected_name` for the name, no
    personnummer and none of what the number answered on the start form ``start``."""
    if not case.protected or (not listed and knows_identity(user, case)):
        return case
    return _hidden(case, start)


def withheld_name() -> str:
    """What stands in a list for the participant of a case whose consent is withdrawn, to those who
    no longer read it."""
    return gettext("Samtycket har upphört") if has_request_context() else "Samtycket har upphört"


def listed_case(user: User, case: Case) -> tuple[Case, bool]:
    """A case as a list shows it to ``user`` (already one they may list), and whether they may open
    it: a protected identity is never named in a list (:func:`identity_as_seen`); a case whose
    consent is withdrawn is named and opened only by those who still read it (:func:`can_see`)."""
    if consent_withdrawn(case) and not _reads_without_consent(user, case.process_key):
        return replace(case, participant={"name": withheld_name(), "personnummer": ""}, data={}), False
    return identity_as_seen(user, case, listed=True), True


def listed_name(case: Case) -> str:
    """The participant's name as a list or a confirmation names the case: the placeholder if protected."""
    return protected_name() if case.protected else str(case.participant.get("name") or "")


def shown_personnummer(user: User, case: Case, *, reveal: bool) -> str:
    """The case's personnummer as ``user`` sees it: masked, unless revealing was asked for, in which
    case it is given in full to those who may see it (the caller logs the showing) and refused to
    everyone else. A protected identity's number is no number at all to those the case does not name."""
    if not knows_identity(user, case):
        if reveal:
            require(user, Action.SEE_PERSONNUMMER, case)
        return ""
    number = str(case.participant.get("personnummer") or "")
    if not reveal:
        return personnummer.masked(number)
    require(user, Action.SEE_PERSONNUMMER, case)
    return number


def visible_case(engine: WorkflowEngine, user: User, case_id: str) -> Case:
    """The case if the user may see it; otherwise NotFound, exactly as if it did not exist. A purged
    case is :class:`web.errors.CasePurged` (410) for those :func:`web.purged_cases.may_know_of` lets
    know it was there, and NotFound for everyone else."""
    try:
        case = engine.case(case_id)
    except NotFound:
        raise NotFound(f"case {case_id} does not exist") from None
    purged = purged_cases.tombstone(case)
    if purged is not None and purged_cases.may_know_of(user, case):
        raise CasePurged(purged)
    if purged is not None or not can_see(user, case):
        raise NotFound(f"case {case_id} does not exist")
    return case


def visible_cases(engine: WorkflowEngine, user: User, *, process: str | None = None, status: str | None = None,
                  limit: int = 500, offset: int = 0) -> list[Case]:
    """The case summaries the user may see (newest first, ``limit`` from ``offset`` on): all for admins,
    their interventions' for staff, their own referrals for a referrer, none for anyone else."""
    if user.is_admin:
        return engine.cases(process, status, limit, offset=offset)
    if user.is_staff:
        teams = [t for t in user.staff_of if process in (None, t)]
        return engine.cases(status=status, process_keys=teams, limit=limit, offset=offset)
    if user.is_referrer:
        return engine.cases(process, status, limit, started_by=user.username, offset=offset)
    return []


def visible_case_page(engine: WorkflowEngine, user: User, search: CaseFilter, *, sort: str = "started",
                      descending: bool = True, limit: int = 50, offset: int = 0) -> CasePage:
    """A page of the case summaries the user may see, by the rule of :func:`visible_cases`, that
    ``search`` lets through, with how many there are in all: the search only ever narrows."""
    search = replace(search, searched_by=user.username)
    if user.is_admin:
        scoped = search
    elif user.is_staff:
        teams = tuple(t for t in user.staff_of if search.process_keys is None or t in search.process_keys)
        scoped = replace(search, process_keys=teams)
    elif user.is_referrer:
        scoped = replace(search, started_by=user.username)
    else:
        return CasePage((), 0, offset, limit)
    return engine.case_page(scoped, sort=sort, descending=descending, limit=limit, offset=offset)


def may_see_notification(user: User, notification: Notification) -> bool:
    """The case rule (``case.read``) applied to a notification's case: it names the participant and
    links to the case, so one addressed to someone who may no longer read the case (moved to another
    intervention, or the participant's consent withdrawn) is not shown to them."""
    if notification.consent_withdrawn:
        return _reads_without_consent(user, notification.process_key)
    if user.is_admin or _of_intervention(user, notification.process_key):
        return True
    return user.is_referrer and notification.case_started_by == user.username


def task_scopes(user: User) -> tuple[Scope, ...]:
    """Where ``user`` is offered work by role — the inbox's group tab, the task list, the
    notifications to a role: the roles they hold in each of their interventions
    (:meth:`User.roles_in`), interventions with the same roles together; an administrator's own
    roles in every intervention besides."""
    scopes = user.scopes()
    return ((tuple(user.roles), None), *scopes) if user.is_admin else scopes


def may_assign_somewhere(user: User) -> bool:
    """Whether ``user`` hands out work in any intervention (what ``task.assign`` asks, per task)."""
    return user.is_admin or any(LEADER_ROLES & user.roles_in(key) for key in user.teams)


def visible_notifications(engine: WorkflowEngine, user: User, limit: int = 200) -> list[Notification]:
    """Reminders and escalations addressed to the user, by name or through a role in one of their
    interventions, about cases they may read; every one for admins."""
    if user.is_admin:
        return engine.notifications(limit=limit)
    found = engine.notifications(user=user.username, scopes=task_scopes(user), limit=limit)
    return [n for n in found if may_see_notification(user, n)]


class Audience(StrEnum):
    """Who reads a case, as far as what they see of it goes."""

    ADMIN = "admin"
    #: Staff of the case's intervention (every role of it: what one may *do* is the rules above).
    STAFF = "staff"
    #: The referrer (role ``remittent``, another authority) who started the case.
    REFERRER = "referrer"


class Part(StrEnum):
    """A part of a case, as the case page, the finished-task page and the API show it."""

    #: Status, participant's name, masked personnummer, home municipality, intervention, dates
    #: (referred, last changed) and whether consent is revoked.
    STATUS = "status"
    #: The values of fields the model marks ``delas_med_remittent`` (on every form that records them):
    #: the reply, contact persons, dates of participation, outcome, what registration recorded.
    SHARED_DATA = "data.shared"
    #: Every other value of the case's data (assessments, notes typed into forms, worked-out values).
    ALL_DATA = "data.all"
    #: The history's events that recorded a shared value, and the case's start and end.
    SHARED_HISTORY = "history.shared"
    #: Every event: claims, assignments, reminders, escalations, pauses with their reasons …
    ALL_HISTORY = "history.all"
    #: The open tasks with their forms and people, deadlines and timers, the events the case awaits.
    OPEN_TASKS = "tasks.open"
    #: The team's notes on the case and comments on its tasks.
    NOTES = "notes"
    #: The process map with where the case is now (a step may tell what the data does not: sick leave).
    PROCESS_MAP = "process.map"
    #: Where the process stopped (an incident's message).
    INCIDENT = "incident"


_EVERYONE = frozenset(Audience)
_STAFF = frozenset({Audience.ADMIN, Audience.STAFF})

#: The matrix: which part of a case each audience sees. Change it here, and in docs/access.md.
SEES: dict[Part, frozenset[Audience]] = {
    Part.STATUS: _EVERYONE,
    Part.SHARED_DATA: _EVERYONE,
    Part.ALL_DATA: _STAFF,
    Part.SHARED_HISTORY: _EVERYONE,
    Part.ALL_HISTORY: _STAFF,
    Part.OPEN_TASKS: _STAFF,
    Part.NOTES: _STAFF,
    Part.PROCESS_MAP: _STAFF,
    Part.INCIDENT: _STAFF,
}


def audience(user: User, case: Case) -> Audience | None:
    """Who ``user`` is to ``case`` (None: they may not read it)."""
    if user.is_admin:
        return Audience.ADMIN
    if _of_intervention(user, case.process_key):
        return Audience.STAFF
    if user.is_referrer and case.started_by == user.username:
        return Audience.REFERRER
    return None


def sees(user: User, case: Case, part: Part) -> bool:
    """Whether ``user`` sees ``part`` of ``case`` (the table :data:`SEES`)."""
    who = audience(user, case)
    return who is not None and who in SEES[part]


def shared_keys(forms: Iterable[Form]) -> frozenset[str]:
    """The data shared with the referrer: the ids of fields marked ``delas_med_remittent`` on every
    form of ``forms`` that has them (a value recorded unshared anywhere stays unshared)."""
    marked: set[str] = set()
    unmarked: set[str] = set()
    for form in forms:
        for field in form.fields:
            (marked if field.shared_with_referrer else unmarked).add(field.id)
    return frozenset(marked - unmarked)


def _forms_of(forms: Mapping[str, Form], start: Form | None) -> list[Form]:
    return [*forms.values(), *([start] if start is not None else [])]


def case_as_seen(user: User, case: Case, forms: Mapping[str, Form], start: Form | None = None) -> Case:
    """``case`` cut to what ``user`` sees of it (:data:`SEES`, and :func:`identity_as_seen`);
    ``forms`` are the case's version's user tasks' forms (``engine.forms``), ``start`` its start event's."""
    case = identity_as_seen(user, case, start)
    if sees(user, case, Part.ALL_DATA) and sees(user, case, Part.OPEN_TASKS) and sees(user, case, Part.INCIDENT):
        return case
    shared = shared_keys(_forms_of(forms, start))
    return replace(
        case,
        data=case.data if sees(user, case, Part.ALL_DATA) else {k: v for k, v in case.data.items() if k in shared},
        open_tasks=case.open_tasks if sees(user, case, Part.OPEN_TASKS) else (),
        timers=case.timers if sees(user, case, Part.OPEN_TASKS) else (),
        waiting_messages=case.waiting_messages if sees(user, case, Part.OPEN_TASKS) else (),
        waiting_signals=case.waiting_signals if sees(user, case, Part.OPEN_TASKS) else (),
        next_due_at=case.next_due_at if sees(user, case, Part.OPEN_TASKS) else None,
        incident=case.incident if sees(user, case, Part.INCIDENT) else None,
    )


#: The events of a case's beginning and end, shown to whoever sees its shared history (no details:
#: a cancellation's reason is the team's words).
_SHARED_EVENTS = ("CaseStarted", "CaseCompleted", "CaseCancelled")


def history_as_seen(user: User, case: Case, history: Sequence[CaseEvent], forms: Mapping[str, Form],
                    start: Form | None = None) -> list[CaseEvent]:
    """The events of ``history`` that ``user`` sees (:data:`SEES`): every one, or the case's start
    and end and the completed tasks that recorded a shared value, with only those values."""
    if sees(user, case, Part.ALL_HISTORY):
        return list(history)
    if not sees(user, case, Part.SHARED_HISTORY):
        return []
    shared = shared_keys(_forms_of(forms, start))
    seen: list[CaseEvent] = []
    for e in history:
        if e.event in _SHARED_EVENTS:
            seen.append(replace(e, details={}))
        elif e.event == "TaskCompleted":
            data = {k: v for k, v in ((e.details or {}).get("data") or {}).items() if k in shared}
            if data:
                seen.append(replace(e, details={"task_id": e.details.get("task_id"), "data": data}))
    return seen
