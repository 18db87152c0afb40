"""Cases, their tasks, forms, timers and history; processes and their versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class FieldOption:
    id: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One field of a user task's form, as the BPMN declares it (``camunda:formField``)."""

    id: str
    label: str
    type: str  # string | long | boolean | date | enum
    required: bool = False
    options: tuple[FieldOption, ...] = ()
    default: str | None = None
    readonly: bool = False
    min: str | None = None  # a number for long, an ISO date for date
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    #: A condition the submitted form must meet (``villkor``), and what the field says when it does not.
    rule: str | None = None
    rule_text: str | None = None
    #: A field that names a person (property ``anvandare``): the roles they must hold (empty: any of
    #: the intervention's staff); None for any other field.
    user_roles: tuple[str, ...] | None = None
    #: A registration field the participant's personnummer answers (property ``ur_personnummer``:
    #: ``fodelsear``, ``fodelsedatum`` or ``kon``): registration fills it, nobody types it.
    from_personnummer: str | None = None
    #: Whether the referrer who started the case may read the field's value (property
    #: ``delas_med_remittent``: ``ja``); web/authz.py shows her nothing else of the case's data.
    shared_with_referrer: bool = False


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = ()

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Form:
        """A form as stored with its task (the inverse of :meth:`as_json`)."""
        return cls(tuple(
            FormField(
                id=f["id"], label=f["label"], type=f["type"], required=f["required"],
                options=tuple(FieldOption(o["id"], o["label"]) for o in f.get("options", [])),
                default=f.get("default"), readonly=f.get("readonly", False), min=f.get("min"), max=f.get("max"),
                minlength=f.get("minlength"), maxlength=f.get("maxlength"),
                rule=f.get("rule"), rule_text=f.get("rule_text"),
                user_roles=tuple(f["user_roles"]) if f.get("user_roles") is not None else None,
                from_personnummer=f.get("from_personnummer"),
                shared_with_referrer=bool(f.get("shared_with_referrer", False)),
            )
            for f in raw.get("fields", [])
        ))

    def sample_answers(self, day: date, choices: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Plausible answers to a form, for demo data and benchmarks: the value ``choices`` gives a
        spec (an enum's only if it is one of its options), else the first option, false, the minimum
        (or 1), ``day`` kept within the spec's bounds, or example text of the required length."""
        chosen = choices or {}
        answers: dict[str, Any] = {}
        for spec in self.fields:
            if spec.readonly:
                continue
            if spec.id in chosen and (spec.type != "enum" or any(o.id == chosen[spec.id] for o in spec.options)):
                answers[spec.id] = chosen[spec.id]
            elif spec.type == "enum":
                if spec.options:
                    answers[spec.id] = spec.options[0].id
            elif spec.type == "boolean":
                answers[spec.id] = False
            elif spec.type == "long":
                value = int(float(spec.min)) if spec.min is not None else 1
                answers[spec.id] = min(value, int(float(spec.max))) if spec.max is not None else value
            elif spec.type == "date":
                when = day
                if spec.min is not None and spec.min != "idag":
                    when = max(when, date.fromisoformat(spec.min))
                if spec.max is not None and spec.max != "idag":
                    when = min(when, date.fromisoformat(spec.max))
                answers[spec.id] = when.isoformat()
            else:
                answers[spec.id] = ("Exempeltext. " * ((spec.minlength or 0) // 12 + 1)).strip()
        return answers

    def as_json(self) -> dict[str, Any]:
        """The form as stored with its task and as the API shows it."""
        return {"fields": [
            {
                "id": f.id, "label": f.label, "type": f.type, "required": f.required,
                "options": [{"id": o.id, "label": o.label} for o in f.options],
                "default": f.default, "readonly": f.readonly, "min": f.min, "max": f.max,
                "minlength": f.minlength, "maxlength": f.maxlength,
                **({"rule": f.rule, "rule_text": f.rule_text} if f.rule else {}),
                **({"user_roles": list(f.user_roles)} if f.user_roles is not None else {}),
                **({"from_personnummer": f.from_personnummer} if f.from_personnummer else {}),
                **({"shared_with_referrer": True} if f.shared_with_referrer else {}),
            }
            for f in self.fields
        ]}


@dataclass(frozen=True)
class ProcessVersion:
    key: str
    name: str
    version: int
    content_hash: str
    deployed_at: datetime
    deployed_by: str


#: How the case row lists a signal it waits for, beside the messages it waits for.
WAITING_SIGNAL = "signal:"


@dataclass(frozen=True)
class Registration:
    """What starting a case of a process asks, as its newest version declares it: for a participant
    journey (process property ``deltagarresa``) the participant's name and personnummer, and for
    any process the fields of its start event's form."""

    process_key: str
    name: str
    version: int
    form: Form
    journey: bool
    #: False for a process that opens its cases itself (on a message or a timer): nobody starts one.
    by_hand: bool = True


@dataclass(frozen=True)
class Task:
    """An open human task: the inbox read model."""

    id: str
    case_id: str
    process_key: str
    name: str  # the BPMN element id
    title: str
    candidate_groups: tuple[str, ...]
    candidate_users: tuple[str, ...]
    assignee: str | None
    due_at: datetime | None
    follow_up_at: datetime | None
    created_at: datetime
    form: Form
    lane: str | None = None


@dataclass(frozen=True)
class Timer:
    """A waiting timer of a case and when it falls due."""

    case_id: str
    element: str
    title: str
    due_at: datetime


@dataclass(frozen=True)
class CaseEvent:
    """One line of a case's append-only history."""

    id: int
    case_id: str
    at: datetime
    event: str  # past tense: CaseStarted, TaskCompleted, TimerFired, …
    actor: str
    element: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Incident:
    element: str
    message: str
    at: datetime
    #: Where in the code it stopped (Python's traceback): for administrators, never case officers.
    traceback: str | None = None


#: The participant's keys of a protected identity (skyddade personuppgifter): ``skyddad`` true, and
#: ``behoriga`` the user names of the people named on the case as allowed to know who it is.
PROTECTED = "skyddad"
NAMED = "behoriga"
#: What stands for a protected participant's name wherever the engine writes one (mails, notices,
#: inbox rows, notifications, what a model reads of other cases, the designer's migration).
PROTECTED_NAME = "Skyddad identitet"


def is_protected(participant: Mapping[str, Any] | None) -> bool:
    """Whether the participant's identity is protected (``skyddad`` true)."""
    return bool(participant) and participant.get(PROTECTED) is True  # type: ignore[union-attr]


def named_on(participant: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The user names a protected participant's case names as allowed to know who it is."""
    named = (participant or {}).get(NAMED)
    return tuple(str(n) for n in named) if isinstance(named, list) else ()


def participant_label(participant: Mapping[str, Any] | None, missing: str = "") -> str:
    """The participant's name as the engine writes it anywhere: the placeholder for a protected one."""
    if is_protected(participant):
        return PROTECTED_NAME
    return str((participant or {}).get("name") or missing)


@dataclass(frozen=True)
class Case:
    id: str
    process_key: str
    process_version: int
    status: str  # open | paused | completed | cancelled
    participant: dict[str, Any]
    started_by: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    next_due_at: datetime | None
    incident: Incident | None
    open_tasks: tuple[Task, ...] = field(default=())
    timers: tuple[Timer, ...] = field(default=())
    waiting_messages: tuple[str, ...] = field(default=())
    #: Signals the case waits for: other cases send them, nobody reports them.
    waiting_signals: tuple[str, ...] = field(default=())
    #: How many times the case has been changed: a change always raises it (updated_at may not move
    #: between two changes at the same moment).
    revision: int = 0
    #: When the case was completed or cancelled (None while it is open or paused).
    closed_at: datetime | None = None

    @property
    def protected(self) -> bool:
        """Whether the participant's identity is protected (:func:`is_protected`)."""
        return is_protected(self.participant)


#: What a list of cases can be sorted by (:class:`CaseFilter`, ``WorkflowEngine.case_page``).
CASE_SORTS = ("started", "name", "participant_key", "process", "status")


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows: every field given narrows it (None: no condition).

    ``participant_key`` is matched against the whole key, digit by digit, ``_`` standing for any one
    character: the caller decides what a search means (the web turns "the last four digits of a
    personnummer" into ``________1234``). ``name`` is part of the participant's name, in any case.
    """

    process_keys: tuple[str, ...] | None = None
    started_by: str | None = None
    status: str | None = None
    name: str | None = None
    participant_key: str | None = None
    #: Who searches: a protected participant's case is found by name or number only by the users it
    #: names (``behoriga``). None: a search of the system's own (the register extract) finds every case.
    searched_by: str | None = None


@dataclass(frozen=True)
class CasePage:
    """One page of a filtered, sorted list of case summaries, and how many the whole list holds."""

    cases: tuple[Case, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Notification:
    """A reminder, an escalation, a model's notice or a meeting invitation, to a user or to a role of
    an intervention. This is the in-app message; mails of it are :class:`Delivery` rows."""

    id: str
    kind: str  # reminder | escalation | notice | invitation
    case_id: str
    task_id: str | None
    process_key: str
    recipient_kind: str  # user | group
    recipient: str
    subject: str
    created_at: datetime
    body: str = ""
    #: The case's participant, by name (what the notification is about, for a person to recognise).
    participant_name: str = ""
    #: Who started the case (a referrer sees their own referrals' notices).
    case_started_by: str = ""
    #: For a notification about a task (a reminder, an escalation): whether the task is still open;
    #: None for one about no task. A completed or withdrawn task's reminders have been dealt with.
    task_open: bool | None = None
    #: The participant's consent is withdrawn (lapsed or revoked, engine.views.consent): shown only to
    #: those who still read the case.
    consent_withdrawn: bool = False


@dataclass(frozen=True)
class DueRun:
    """What one scheduler run did."""

    timers: int
    reminders: int
    escalations: int
