"""Reading what a parsed task spec declares: its form and the Camunda attributes the engine honours."""

from __future__ import annotations

from typing import Any

from engine.definitions.validation import FROM_PERSONNUMMER, SHARED_WITH_REFERRER, USER_FIELD
from engine.views import FieldOption, Form, FormField

_CONSTRAINTS = ("min", "max", "minlength", "maxlength")
#: Where a process's own start event keeps (in its spec's extensions) that the process is a
#: participant journey, and the form registration asks.
JOURNEY = "samverkan:deltagarresa"
START_FORM = "samverkan:startformular"
#: ... and the process's follow-up properties (``uppfoljning.*``, by their names without the prefix).
FOLLOW_UP = "samverkan:uppfoljning"


def form_of(task_spec: Any) -> Form:
    """The form a user task declares (``camunda:formData``), as the engine's view."""
    return form_from(getattr(task_spec, "form", None))


def start_form_of(start_event_spec: Any) -> Form | None:
    """The form a process's own start event declares (what registration asks), or None."""
    stored = (getattr(start_event_spec, "extensions", None) or {}).get(START_FORM)
    return Form.from_json(stored) if stored else None


def is_journey_start(start_event_spec: Any) -> bool:
    """Whether the start event is that of a participant journey (process property ``deltagarresa``)."""
    return bool((getattr(start_event_spec, "extensions", None) or {}).get(JOURNEY))


def start_of(process_spec: Any) -> tuple[bool, Form]:
    """Whether a process is a participant journey, and the form its own start event declares
    (empty if none): what its start events' specs keep (:class:`StartEventParser`)."""
    journey, form = False, Form()
    for task_spec in process_spec.task_specs.values():
        journey = journey or is_journey_start(task_spec)
        found = start_form_of(task_spec)
        if found is not None and not form.fields:
            form = found
    return journey, form


def follow_up_of(process_spec: Any) -> dict[str, str]:
    """The process's follow-up properties, as its start event's spec keeps them (empty if none)."""
    for task_spec in process_spec.task_specs.values():
        found = (getattr(task_spec, "extensions", None) or {}).get(FOLLOW_UP)
        if found:
            return dict(found)
    return {}


def form_from(form: Any) -> Form:
    """SpiffWorkflow's parsed Camunda form (or None), as the engine's view."""
    if form is None:
        return Form()
    fields = []
    for raw in form.fields:
        checks = {v.name: v.config for v in raw.validation}
        options = tuple(FieldOption(o.id, o.name or o.id) for o in getattr(raw, "options", []))
        numbers = {name: checks.get(name) for name in _CONSTRAINTS}
        fields.append(
            FormField(
                id=raw.id,
                label=raw.label or raw.id,
                type=raw.type or "string",
                required="required" in checks and str(checks["required"]).lower() != "false",
                options=options,
                default=raw.default_value or None,
                readonly="readonly" in checks and str(checks["readonly"]).lower() != "false",
                min=numbers["min"],
                max=numbers["max"],
                minlength=int(numbers["minlength"]) if numbers["minlength"] else None,
                maxlength=int(numbers["maxlength"]) if numbers["maxlength"] else None,
                rule=(checks.get("villkor") or "").strip() or None,
                rule_text=(checks.get("villkor_text") or "").strip() or None,
                user_roles=user_roles(raw),
                from_personnummer=_property(raw, FROM_PERSONNUMMER),
                shared_with_referrer=(_property(raw, SHARED_WITH_REFERRER) or "").lower() == "ja",
            )
        )
    return Form(tuple(fields))


def _property(raw: Any, name: str) -> str | None:
    """A form field's ``camunda:property`` (by its id), stripped, or None."""
    value = next((p.value for p in getattr(raw, "properties", []) if p.id == name), None)
    return str(value).strip() if value is not None else None


def user_roles(raw: Any) -> tuple[str, ...] | None:
    """The roles a form field's person must hold (``anvandare``; empty: any staff), or None."""
    value = _property(raw, USER_FIELD)
    if value is None:
        return None
    return tuple(role.strip() for role in str(value).split(",") if role.strip())


def camunda_attribute(task_spec: Any, name: str) -> str | None:
    """A user-task attribute kept by the parser (``assignee``, ``candidateGroups``, ``dueDate`` …)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    value = extensions.get(f"camunda:{name}")
    return value if isinstance(value, str) else None


def title_of(task_spec: Any) -> str:
    return getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None) or task_spec.name


def task_property(task_spec: Any, name: str) -> str | None:
    """A ``camunda:property`` of the task (``<camunda:properties><camunda:property name= value=>``)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    value = extensions.get(name)
    return value if isinstance(value, str) else None


def task_flag(task_spec: Any, name: str) -> bool:
    """Whether a yes/no ``camunda:property`` of the task says yes (``ja`` or ``true``)."""
    return (task_property(task_spec, name) or "").strip().lower() in ("ja", "true")
