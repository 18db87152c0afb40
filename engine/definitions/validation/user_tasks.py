"""Checks of user tasks: their roles, dates and form fields."""

from __future__ import annotations

from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, IDENTIFIER, check_expression
from engine.errors import EngineError
from engine.language import timers
from engine.language.forms import FIELD_TYPES

ROLE_ATTRIBUTES = ("candidateGroups", "candidateUsers", "assignee")
#: The form field property that makes a field name a person (engine/spiff/specs.py reads it).
USER_FIELD = "anvandare"
#: The form field property of a registration field the personnummer answers, and what it may say
#: (the field type each answer needs).
FROM_PERSONNUMMER = "ur_personnummer"
PERSONNUMMER_ANSWERS = {"fodelsear": "long", "fodelsedatum": "date", "kon": "enum"}
#: The form field property that shares a field's value with the referrer who started the case
#: (``ja``; ``nej`` or none: not shared). web/authz.py shows the referrer only such values.
SHARED_WITH_REFERRER = "delas_med_remittent"
SHARED_ANSWERS = ("ja", "nej")
#: The process property that makes a process a participant journey (registered in the pages).
JOURNEY_PROPERTY = "deltagarresa"
CONSTRAINTS = {"required", "readonly", "min", "max", "minlength", "maxlength", "villkor", "villkor_text"}


def lint_user_task(task: Any, add: Any) -> None:
    roles = [task.get(f"{{{CAMUNDA_NS}}}{a}") for a in ROLE_ATTRIBUTES]
    if not any(r and r.strip() for r in roles):
        add(task, "the user task has no role: set candidate groups (camunda:candidateGroups) or an assignee")
    for attribute in ROLE_ATTRIBUTES:
        value = task.get(f"{{{CAMUNDA_NS}}}{attribute}")
        if value and ("${" in value or "#{" in value):
            check_expression(task, value, attribute, add)
    for attribute in ("dueDate", "followUpDate"):
        value = (task.get(f"{{{CAMUNDA_NS}}}{attribute}") or "").strip()
        if value and not (timers.looks_literal("date", value) or timers.looks_literal("duration", value)):
            check_expression(task, value, attribute, add)
    fields = task.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}formData/{{{CAMUNDA_NS}}}formField")
    if task.get(f"{{{CAMUNDA_NS}}}formKey"):
        if fields:
            add(task, "camunda:formKey is ignored; the task shows the fields declared in camunda:formData", "warning")
        else:
            add(task, "external forms (camunda:formKey) are not supported; declare the fields (camunda:formData)")
    elif not fields:
        add(task, "the user task has no form fields; it can only be marked done", "warning")
    seen: set[str] = set()
    for field in fields:
        _lint_form_field(task, field, seen, add)


def lint_start_form(event: Any, add: Any) -> None:
    """A start event's form is what registration asks: only a process's own none start event has
    one, and only its fields may be answered by the personnummer (``ur_personnummer``)."""
    fields = event.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}formData/{{{CAMUNDA_NS}}}formField")
    if not fields:
        return
    parent = event.getparent()
    definitions = [c for c in event if isinstance(c.tag, str) and c.tag.endswith("EventDefinition")]
    if parent is None or parent.tag != f"{{{BPMN_NS}}}process" or definitions:
        add(event, "a form on a start event is read only on the process's own plain start event (what "
                   "registration asks); ask in a user task instead")
        return
    seen: set[str] = set()
    for field in fields:
        _lint_form_field(event, field, seen, add, start_form=True)


def _lint_form_field(task: Any, field: Any, seen: set[str], add: Any, *, start_form: bool = False) -> None:
    field_id = field.get("id") or ""
    where = f"form field '{field_id}'"
    if not IDENTIFIER.match(field_id):
        add(task, f"{where}: the id must start with a letter and use only letters, digits and _")
        return
    if field_id in seen:
        add(task, f"{where} is declared twice")
    seen.add(field_id)
    field_type = field.get("type") or "string"
    if field_type not in FIELD_TYPES:
        add(task, f"{where} has type '{field_type}'; supported: {', '.join(FIELD_TYPES)}")
    if field_type == "enum" and not field.findall(f"{{{CAMUNDA_NS}}}value"):
        add(task, f"{where} is an enum without values (camunda:value)")
    names_a_person = any(p.get("id") == USER_FIELD
                         for p in field.iterfind(f"{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property"))
    if names_a_person and field_type != "string":
        add(task, f"{where} names a person (anvandare) but is not a string field")
    answer = next((p.get("value") or "" for p in field.iterfind(f"{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
                   if p.get("id") == FROM_PERSONNUMMER), None)
    if answer is not None:
        answer = answer.strip()
        if not start_form:
            add(task, f"{where}: ur_personnummer belongs on a field of the start event's form (registration)")
        elif answer not in PERSONNUMMER_ANSWERS:
            add(task, f"{where}: ur_personnummer is '{answer}'; write {', '.join(PERSONNUMMER_ANSWERS)}")
        elif field_type != PERSONNUMMER_ANSWERS[answer]:
            add(task, f"{where}: ur_personnummer {answer} needs a {PERSONNUMMER_ANSWERS[answer]} field")
        elif answer == "kon" and {v.get("id") for v in field.findall(f"{{{CAMUNDA_NS}}}value")} != {"kvinna", "man"}:
            add(task, f"{where}: ur_personnummer kon needs the values kvinna and man")
    shared = next((p.get("value") or "" for p in field.iterfind(f"{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
                   if p.get("id") == SHARED_WITH_REFERRER), None)
    if shared is not None and shared.strip() not in SHARED_ANSWERS:
        add(task, f"{where}: delas_med_remittent is '{shared.strip()}'; write {' or '.join(SHARED_ANSWERS)}")
    for constraint in field.iterfind(f"{{{CAMUNDA_NS}}}validation/{{{CAMUNDA_NS}}}constraint"):
        name = constraint.get("name") or ""
        config = constraint.get("config")
        if name not in CONSTRAINTS:
            add(task, f"{where}: validation '{name}' is not supported; supported: {', '.join(sorted(CONSTRAINTS))}")
            continue
        if name == "villkor" and config and config.strip():
            check_expression(task, config.strip(), f"{where}: the condition (villkor)", add)
            continue
        problem = _constraint_problem(field_type, name, config)
        if problem:
            add(task, f"{where}: {problem}")


def _constraint_problem(field_type: str, name: str, config: str | None) -> str | None:
    if name in ("required", "readonly"):
        return None
    if config is None or not config.strip():
        return f"validation '{name}' needs a value"
    if name == "villkor_text":
        return None
    if name in ("minlength", "maxlength"):
        return None if config.strip().isdigit() else f"validation '{name}' needs a whole number"
    if field_type == "date":
        if name in ("min", "max") and config.strip() == "idag":
            return None
        try:
            timers.parse_datetime(config.strip())
        except EngineError:
            return f"validation '{name}' needs an ISO date (YYYY-MM-DD) or idag on a date field"
        return None
    try:
        float(config)
    except ValueError:
        return f"validation '{name}' needs a number"
    return None
