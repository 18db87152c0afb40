"""Task forms in HTML: the BPMN's form fields as inputs, and the posted form back to task data.

Types map to inputs the way people expect: ``long`` → number, ``date`` → date picker, ``boolean`` →
checkbox, a required ``boolean`` (a decision) → two radio buttons, yes and no, neither chosen,
``enum`` → select, ``string`` → text (a text area when it may be long), a field that names a person
(``anvandare``) → a list of the intervention's staff with its roles, by name. A decision is never
preselected: a required choice shows no default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.directory import Person
from engine.views import Form, FormField

LONG_TEXT = 200  # a string field allowed more than this gets a text area


@dataclass(frozen=True)
class Input:
    field: FormField
    widget: str  # text | textarea | number | date | checkbox | yesno | select | person
    value: str
    checked: bool
    error: str | None
    #: person: (user name, display name) of whom the field may name
    people: tuple[tuple[str, str], ...] = ()


def widget_of(field: FormField) -> str:
    if field.type == "long":
        return "number"
    if field.type == "date":
        return "date"
    if field.type == "boolean":
        return "yesno" if field.required else "checkbox"
    if field.type == "enum":
        return "select"
    if field.maxlength is None or field.maxlength > LONG_TEXT:
        return "textarea"
    return "text"


def inputs(form: Form, values: Mapping[str, Any], errors: Mapping[str, str],
           case_data: Mapping[str, Any] | None = None,
           people: Mapping[str, Sequence[Person]] | None = None) -> list[Input]:
    """The fields to draw. A read-only field shows what the case holds under its name (what staff
    decide on, such as the meeting place the decision table chose); a writable one what was posted
    (after an error), else its default — never an earlier answer, so that a decision is made anew,
    and no default for a required choice (a decision is made on purpose). ``people``: for a field
    that names a person, whom it may name (without them it is a text field)."""
    drawn = []
    case_data = case_data or {}
    for field in form.fields:
        chosen = field.required and field.type in ("boolean", "enum")
        default = None if chosen else field.default
        raw = (case_data if field.readonly else values).get(field.id, default)
        value = "" if raw is None else str(raw)
        checked = field.type == "boolean" and value.lower() in ("true", "on", "1", "ja")
        named = tuple((p.username, p.display_name) for p in (people or {}).get(field.id, ()))
        widget = "person" if field.user_roles is not None and named else widget_of(field)
        drawn.append(Input(field, widget, value, checked, errors.get(field.id), named))
    return drawn


def submitted(form: Form, posted: MultiDict[str, str]) -> dict[str, Any]:
    """The task data from a posted form: only the form's own, writable fields; an unticked
    checkbox is false; a yes/no decision left unanswered is not sent (the engine refuses it)."""
    data: dict[str, Any] = {}
    for field in form.fields:
        if field.readonly:
            continue
        if field.type == "boolean" and field.required:  # yes or no, or nothing chosen
            if posted.get(field.id) in ("true", "false"):
                data[field.id] = posted[field.id]
        elif field.type == "boolean":
            data[field.id] = "true" if posted.get(field.id) else "false"
        elif field.id in posted:
            data[field.id] = posted.get(field.id, "")
    return data


def message_in(text: str, locale: str) -> str:
    """The engine's field messages are "svensk text (English text)": the half in the reader's language."""
    head, sep, tail = text.rpartition(" (")
    if not sep or not tail.endswith(")"):
        return text
    return tail[:-1] if locale == "en" else head
