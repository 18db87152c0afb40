"""Notices the model sends: the ``meddela``/``meddelande`` and ``kalender`` properties.

A process designer makes an element tell people something by giving it Camunda properties::

    <camunda:property name="meddela" value="remittent" />
    <camunda:property name="meddelande" value="Remissen för {deltagare} är besvarad: {avslagsgrund}." />

sent when the element is done (a user task completed, an event passed); and marks a meeting task
with ``kalender`` (the case data holding the meeting's date, or ``forfallodatum`` for the task's due
date) so that the people it is for (``kalender_till``, default its assignee, else its candidate
groups) get a calendar invitation when the task appears.

Templates are filled from a whitelist, never evaluated: ``{name}`` is one of :data:`CONTEXT` or a
form field of the process whose type holds no free text (a date, a number, a yes/no, an enum —
shown by its label). Free-text fields are refused, because they may hold what a mail must not
carry (health, circumstances). ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

SEND, MESSAGE, CALENDAR, CALENDAR_TO = "meddela", "meddelande", "kalender", "kalender_till"
PROPERTIES = (SEND, MESSAGE, CALENDAR, CALENDAR_TO)
#: ``kalender`` value meaning the meeting task's own due date.
DUE_DATE = "forfallodatum"

#: Recipients without an argument, and what they stand for.
RECIPIENTS = {
    "remittent": "the referrer: the user who started the case",
    "kontaktpersoner": "the case's contact persons (the user names in kontaktperson and andra_kontaktperson)",
    "tilldelad": "the user who holds the task (user tasks only)",
    "kandidatgrupper": "the task's candidate groups, within the case's intervention (user tasks only)",
}
#: Recipients with an argument: ``roll:teamledare``, ``anvandare:handlaggare``.
PREFIXED = {
    "roll": "everyone with that role in the case's intervention",
    "anvandare": "the user whose user name the case data holds under that name",
}
TASK_ONLY = ("tilldelad", "kandidatgrupper")
CONTACT_FIELDS = ("kontaktperson", "andra_kontaktperson")
ROLE_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
DATA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")

#: What every template may use, besides the process's non-free-text form fields.
CONTEXT = {
    "deltagare": "the participant's name",
    "insats": "the intervention (process name)",
    "uppgift": "the element's name",
    "arende": "the case number",
    "datum": "the day the notice is sent (YYYY-MM-DD)",
}
#: Form field types a template may show.
SAFE_TYPES = ("date", "long", "boolean", "enum")
MAX_TEMPLATE = 2000

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class NoticeSpec:
    """What one element's properties ask for."""

    element: str
    title: str
    user_task: bool
    recipients: tuple[str, ...] = ()
    template: str = ""
    calendar: str | None = None
    calendar_recipients: tuple[str, ...] = ()
    #: Labels of the enum values the template shows: {field: {value id: label}}.
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def data_names(self) -> tuple[str, ...]:
        """The case data the notice needs from the moment it is sent."""
        names = [n for n in placeholders(self.template) if n not in CONTEXT]
        for recipient in (*self.recipients, *self.calendar_recipients):
            if recipient == "kontaktpersoner":
                names += CONTACT_FIELDS
            elif recipient.startswith("anvandare:"):
                names.append(recipient.split(":", 1)[1])
        if self.calendar and self.calendar != DUE_DATE:
            names.append(self.calendar)
        return tuple(dict.fromkeys(names))

    def to_json(self) -> dict[str, Any]:
        return {"element": self.element, "title": self.title, "user_task": self.user_task,
                "recipients": list(self.recipients), "template": self.template, "calendar": self.calendar,
                "calendar_recipients": list(self.calendar_recipients),
                "labels": {k: dict(v) for k, v in self.labels.items()}}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NoticeSpec:
        return cls(raw["element"], raw["title"], raw["user_task"], tuple(raw["recipients"]), raw["template"],
                   raw["calendar"], tuple(raw["calendar_recipients"]), raw.get("labels", {}))


Notices = dict[str, NoticeSpec]


def properties(node: Any) -> dict[str, str]:
    """An element's ``camunda:property`` values, by name."""
    path = f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property"
    return {p.get("name") or "": (p.get("value") or "").strip() for p in node.findall(path)}


def names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def form_fields(process: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """Every form field of a process: its type and, for enums, the labels of its values."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for form_field in process.iter(f"{{{CAMUNDA_NS}}}formField"):
        values = {v.get("id") or "": v.get("name") or v.get("id") or ""
                  for v in form_field.findall(f"{{{CAMUNDA_NS}}}value")}
        found.setdefault(form_field.get("id") or "", (form_field.get("type") or "string", values))
    return found


def collect(tree: etree._ElementTree) -> Notices:
    """Every element's notice properties, by element id (the file was validated before)."""
    found: Notices = {}
    for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
        fields = form_fields(process)
        for node in process.iter(f"{{{BPMN_NS}}}*"):
            props = properties(node)
            if not node.get("id") or not any(props.get(p) for p in PROPERTIES):
                continue
            template = props.get(MESSAGE, "")
            labels = {n: fields[n][1] for n in placeholders(template) if n in fields and fields[n][0] == "enum"}
            found[node.get("id")] = NoticeSpec(
                element=node.get("id"), title=" ".join((node.get("name") or node.get("id") or "").split()),
                user_task=etree.QName(node).localname == "userTask",
                recipients=names(props.get(SEND)), template=template,
                calendar=props.get(CALENDAR) or None, calendar_recipients=names(props.get(CALENDAR_TO)),
                labels=labels,
            )
    return found


# --- templates ---------------------------------------------------------------------------------------


class TemplateError(ValueError):
    pass


def placeholders(template: str) -> list[str]:
    """The names a template uses, in order; raises TemplateError for a brace that is not part of a
    placeholder or an escape."""
    used = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise TemplateError(f"a lone '{token}' (write {{{{ or }}}} for a brace)")
        if not DATA_NAME.match(name):
            raise TemplateError(f"'{{{name}}}' is not a placeholder (only {{name}}, no formats or attributes)")
        used.append(name)
    return used


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill in the placeholders; a value that is missing shows as a dash."""
    def fill(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]  # an escaped brace (the template was checked at deployment)
        return values.get(match.group(1), "–")

    return _TOKEN.sub(fill, template)


def shown(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A case-data value as a template shows it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if labels and str(value) in labels:
        return labels[str(value)]
    return str(value)


# --- recipients --------------------------------------------------------------------------------------


def recipient_problem(name: str, user_task: bool) -> str | None:
    """Why a recipient name cannot be used on this element, or None."""
    if name in RECIPIENTS:
        if name in TASK_ONLY and not user_task:
            return f"'{name}' is only known on a user task"
        return None
    prefix, _, argument = name.partition(":")
    if prefix == "roll" and ROLE_NAME.match(argument):
        return None
    if prefix == "anvandare" and DATA_NAME.match(argument):
        return None
    if prefix in PREFIXED:
        return f"'{name}' needs a {'role' if prefix == 'roll' else 'data'} name after the colon"
    known = ", ".join([*RECIPIENTS, "roll:<roll>", "anvandare:<datanamn>"])
    return f"unknown recipient '{name}' (known: {known})"


def resolve(wanted: Sequence[str], *, started_by: str, data: Mapping[str, Any], holder: str | None,
            candidate_groups: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(recipient_kind, recipient)`` pairs that recipient names stand for in one case."""
    found: list[tuple[str, str]] = []

    def user(value: Any) -> None:
        if isinstance(value, str) and value.strip():
            found.append(("user", value.strip()))

    for name in wanted:
        if name == "remittent":
            user(started_by)
        elif name == "kontaktpersoner":
            for data_name in CONTACT_FIELDS:
                user(data.get(data_name))
        elif name == "tilldelad":
            user(holder)
        elif name == "kandidatgrupper":
            found += [("group", g) for g in candidate_groups]
        elif name.startswith("roll:"):
            found.append(("group", name.split(":", 1)[1]))
        elif name.startswith("anvandare:"):
            user(data.get(name.split(":", 1)[1]))
    return list(dict.fromkeys(found))
