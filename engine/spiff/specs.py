"""Reading what a parsed task spec declares: its form and the Camunda attributes the engine honours."""

from __future__ import annotations

from typing import Any

from engine.definitions.validation import USER_FIELD
from engine.views import FieldOption, Form, FormField

_CONSTRAINTS = ("min", "max", "minlength", "maxlength")


def form_of(task_spec: Any) -> Form:
    """The form a user task declares (``camunda:formData``), as the engine's view."""
    form = getattr(task_spec, "form", None)
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
            )
        )
    return Form(tuple(fields))


def user_roles(raw: Any) -> tuple[str, ...] | None:
    """The roles a form field's person must hold (``anvandare``; empty: any staff), or None."""
    value = next((p.value for p in getattr(raw, "properties", []) if p.id == USER_FIELD), None)
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
