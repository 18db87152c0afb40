"""A case's record in people's language: what each finished task recorded, with the labels of its
form's fields and options, and the case's data grouped by the step that recorded it.

The engine keeps a finished task only in the history (``TaskCompleted``: who, when, the data
submitted); the form it was completed on is the task's form in the case's process version
(``engine.forms``), so labels are those the person saw when they filled it in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import events
from engine.views import CaseEvent, Form, FormField
from web.ui import labels

#: Events whose details carry data they wrote into the case.
RECORDING = (events.TaskCompleted.event, events.DataCorrected.event, events.MessageReceived.event)

#: The data a case is started with by the engine (``tidigare_arenden``), and by registration before
#: the start event's form declared it: recorded by no form, so named here.
STARTING_DATA = {
    "remitterande_myndighet": _l("Remitterande myndighet"),
    "remitterande_handlaggare": _l("Remitterande handläggare"),
    "samtycke_datum": _l("Samtycke givet"),
    "samtycke_omfattning": _l("Samtyckets omfattning"),
    "samtycke_giltigt_till": _l("Samtycket gäller till och med"),
    "samtycke_aterkallat_datum": _l("Samtycket återkallat"),
    "tidigare_arenden": _l("Tidigare avslutade ärenden i insatsen"),
}

#: Who did something when nobody did: the engine's own actors.
SYSTEM_ACTORS = {
    "system": _l("Systemet"),
    "scheduler": _l("Systemet (tidsgräns)"),
}


@dataclass(frozen=True)
class Entry:
    """One value, as a person reads it."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class FinishedTask:
    """A completed task as its history tells it."""

    task_id: str
    element: str
    title: str
    created_at: datetime | None
    completed_at: datetime
    completed_by: str
    entries: tuple[Entry, ...]
    #: The task's other events (claimed, assigned, reminded …), oldest first.
    events: tuple[CaseEvent, ...]


@dataclass(frozen=True)
class Group:
    """Part of the case's data: what one step recorded (``task_id`` set for a finished task)."""

    title: str
    at: datetime | None
    actor: str | None
    task_id: str | None
    entries: tuple[Entry, ...]


def actor_name(username: str | None, names: Mapping[str, str]) -> str:
    if not username:
        return "–"
    if username in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[username])
    return names.get(username, username)


def shown(value: Any, spec: FormField | None, names: Mapping[str, str]) -> str:
    """A value as a person reads it: an option's label, a person's name, Ja/Nej, "–" for nothing."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, list | tuple):
        return ", ".join(shown(v, spec, names) for v in value)
    if isinstance(value, dict):  # an item a model computed (a proposal, an instance's answers): its first text
        return _first_text(value) or "–"
    if spec is not None:
        option = next((o for o in spec.options if o.id == str(value)), None)
        if option is not None:
            return option.label
        if spec.user_roles is not None:
            return names.get(str(value), str(value))
    return str(value)


def _first_text(value: Any) -> str | None:
    """The first non-empty text in a map, looking into the maps it holds (an instance's item)."""
    for item in value.values():
        found = _first_text(item) if isinstance(item, dict) else item
        if isinstance(found, str) and found.strip():
            return found
    return None


def field_of(forms: Mapping[str, Form], key: str) -> FormField | None:
    """The first form field of the version that records ``key`` (for its labels)."""
    return next((f for form in forms.values() if (f := form.field(key)) is not None), None)


def field_label(key: str, spec: FormField | None, labels_in_model: Mapping[str, str]) -> str:
    if spec is not None and spec.label and spec.label != key:
        return spec.label
    if key in STARTING_DATA:
        return str(STARTING_DATA[key])
    return labels_in_model.get(key) or key.replace("_", " ").capitalize()


def _entries(data: Mapping[str, Any], form: Form | None, labels_in_model: Mapping[str, str],
             names: Mapping[str, str]) -> tuple[Entry, ...]:
    """The values in the form's order, then any others (by key)."""
    order = [f.id for f in form.fields] if form is not None else []
    keys = [k for k in order if k in data] + sorted(k for k in data if k not in order)
    return tuple(
        Entry(k, field_label(k, form.field(k) if form else None, labels_in_model),
              shown(data[k], form.field(k) if form else None, names))
        for k in keys
    )


def people_named(history: Sequence[CaseEvent], forms: Mapping[str, Form]) -> set[str]:
    """Every user name the record may show: actors, and the values of fields that name a person."""
    found = {e.actor for e in history}
    for e in history:
        form = forms.get(e.element or "")
        if e.event == events.TaskCompleted.event and form is not None:
            data = (e.details or {}).get("data") or {}
            found |= {str(data[f.id]) for f in form.fields if f.user_roles is not None and data.get(f.id)}
        for key in ("assignee", "previous"):
            if (e.details or {}).get(key):
                found.add(str(e.details[key]))
    return found


def finished_task(history: Sequence[CaseEvent], task_id: str, forms: Mapping[str, Form],
                  step_names: Mapping[str, str], names: Mapping[str, str], *,
                  whole_form: bool = True) -> FinishedTask | None:
    """The task ``task_id`` of this history if it was completed; None otherwise. With
    ``whole_form`` every field of its form is shown, answered or not; without, only what the
    history holds (a history cut to what the reader may see, ``authz.history_as_seen``)."""
    own = [e for e in history if (e.details or {}).get("task_id") == task_id]
    done = next((e for e in own if e.event == events.TaskCompleted.event), None)
    if done is None or done.element is None:
        return None
    created = next((e for e in own if e.event == events.TaskCreated.event), None)
    title = step_names.get(done.element) or (created.details.get("title") if created else None) or done.element
    data = (done.details or {}).get("data") or {}
    form = forms.get(done.element)
    # The whole form, answered or not: a field left empty is part of what was submitted.
    answers = {**{f.id: None for f in (form.fields if form and whole_form else ())}, **data}
    return FinishedTask(
        task_id, done.element, str(title), created.at if created else None, done.at,
        actor_name(done.actor, names), _entries(answers, form, {}, names),
        tuple(e for e in own if e not in (created, done)),
    )


def case_groups(data: Mapping[str, Any], history: Sequence[CaseEvent], forms: Mapping[str, Form],
                step_names: Mapping[str, str], labels_in_model: Mapping[str, str],
                names: Mapping[str, str], start: Form | None = None, asked: Set[str] = frozenset()) -> list[Group]:
    """The case's data, each value under the step that last recorded it, steps in the order they
    happened; first what registration started the case with (the fields of the ``start`` event's
    form), last what the process worked out — leaving out what an open task still ``asked``: a
    model's start value for it (a check box not yet ticked) is no answer anyone gave."""
    last: dict[str, CaseEvent] = {}
    for e in history:
        if e.event in RECORDING:
            for key in (e.details or {}).get("data") or {}:
                if key in data:
                    last[key] = e
    groups: list[Group] = []
    for e in history:
        keys = [k for k, by in last.items() if by is e]
        if not keys:
            continue
        form = forms.get(e.element or "") if e.event == events.TaskCompleted.event else None
        if e.event == events.TaskCompleted.event:
            title = step_names.get(e.element or "") or str(e.element)
        elif e.event == events.MessageReceived.event:
            message = labels.label(labels.MESSAGES, str(e.details.get("name")))
            title = f"{labels.label(labels.EVENTS, e.event)}: {message}"
        else:
            title = labels.label(labels.EVENTS, e.event)
        groups.append(Group(title, e.at, actor_name(e.actor, names),
                            e.details.get("task_id") if e.event == events.TaskCompleted.event else None,
                            _entries({k: data[k] for k in keys}, form, labels_in_model, names)))
    rest = {k: v for k, v in data.items() if k not in last}
    start = start or Form()
    starting = {k: v for k, v in rest.items() if k in STARTING_DATA or start.field(k) is not None}
    worked_out = {k: v for k, v in rest.items() if k not in starting and k not in asked}
    if starting:
        groups.insert(0, Group(_("Vid registreringen"), None, None, None,
                               _entries(starting, start, labels_in_model, names)))
    if worked_out:
        groups.append(Group(_("Framräknat av processen"), None, None, None,
                            _entries(worked_out, None, labels_in_model, names)))
    return groups
