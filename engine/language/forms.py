"""Checking submitted task data against the form the BPMN declares.

The Camunda form vocabulary: field types ``string``, ``long``, ``boolean``, ``date``, ``enum``;
constraints ``required``, ``readonly``, ``min``/``max`` (numbers, and dates as ISO dates),
``minlength``/``maxlength`` (text), and ``villkor`` — a condition on the whole form, with the
field's message in ``villkor_text``. A ``required`` boolean is a yes/no decision: it must be
answered, true or false (a blank one is refused, never taken for no). Dates are stored as ISO
``YYYY-MM-DD`` text so that case data stays plain JSON. Every problem is reported per field;
nothing is applied unless all fields pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from engine.directory import Person
from engine.errors import EngineError, InvalidFormData
from engine.language import expressions
from engine.views import Form, FormField

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
MAX_TEXT = 20_000
_TRUE = {"true", "1", "ja", "yes", "on"}
_FALSE = {"false", "0", "nej", "no", "off", ""}


def clean(form: Form, submitted: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """Return the submitted values converted to their field types, or raise :class:`InvalidFormData`.

    Values for ids the form does not declare are refused: a form is the whole of what a task may
    change in the case data. ``today`` is what a date field's bound ``idag`` means (no such bound
    is checked without it).
    """
    problems: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in submitted:
        if form.field(key) is None:
            problems[key] = "fältet finns inte i formuläret (unknown field)"
    for spec in form.fields:
        raw = submitted.get(spec.id)
        if spec.readonly:
            if raw is not None:
                problems[spec.id] = "fältet är skrivskyddat (read-only)"
            continue
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if spec.required and spec.type == "boolean":  # a yes/no decision: never taken by leaving it blank
                problems[spec.id] = "välj ja eller nej (required: yes or no)"
            elif spec.required:
                problems[spec.id] = "obligatoriskt fält (required)"
            elif spec.type == "boolean" and spec.id in submitted:
                cleaned[spec.id] = False
            continue
        try:
            cleaned[spec.id] = _convert(spec, raw, today)
        except ValueError as err:
            problems[spec.id] = str(err)
    if problems:
        raise InvalidFormData(problems)
    return cleaned


def check_rules(form: Form, cleaned: Mapping[str, Any], known: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidFormData` naming every field whose condition (``villkor``) the submitted
    form does not meet. A condition reads the form's fields as submitted (an empty one as null) over
    what the case already holds, so it can relate two fields ("ended on or after it began") or
    require one depending on another ("a description when the answer is ja")."""
    ruled = [spec for spec in form.fields if spec.rule]
    if not ruled:
        return
    names = {**known, **{spec.id: cleaned.get(spec.id) for spec in form.fields if not spec.readonly}}
    problems: dict[str, str] = {}
    for spec in ruled:
        try:
            met = expressions.evaluate(spec.rule or "", names)
        except EngineError as err:
            problems[spec.id] = f"villkoret kunde inte prövas: {err.message}"
            continue
        if not met:
            problems[spec.id] = spec.rule_text or f"uppfyller inte villkoret {spec.rule}"
    if problems:
        raise InvalidFormData(problems)


def people_for(spec: FormField, people: Iterable[Person], process_key: str) -> list[Person]:
    """Who a field that names a person may name: the intervention's staff with one of its roles."""
    roles = set(spec.user_roles or ())
    return [p for p in people if p.works_in(process_key) and (not roles or roles & p.roles_in(process_key))]


def check_people(form: Form, cleaned: Mapping[str, Any], people: Iterable[Person], process_key: str) -> None:
    """Raise :class:`InvalidFormData` naming every field that names a person who is not one of the
    intervention's active staff with the field's role (a typed display name, a former colleague)."""
    everyone = list(people)
    problems: dict[str, str] = {}
    for spec in form.fields:
        value = cleaned.get(spec.id)
        if spec.user_roles is None or value in (None, ""):
            continue
        if not any(p.username == value for p in people_for(spec, everyone, process_key)):
            roles = " eller ".join(spec.user_roles) or "medarbetare"
            problems[spec.id] = f"ingen {roles} i insatsen har användarnamnet {value} (no such colleague)"
    if problems:
        raise InvalidFormData(problems)


def _convert(spec: FormField, raw: Any, today: date | None = None) -> Any:
    if spec.type == "long":
        value = _to_int(raw)
        _check_range(spec, value)
        return value
    if spec.type == "boolean":
        return _to_bool(raw)
    if spec.type == "date":
        day = _to_date(raw)
        _check_range(spec, day, today)
        return day.isoformat()
    if spec.type == "enum":
        options = {o.id for o in spec.options}
        if str(raw) not in options:
            allowed = ", ".join(sorted(options))
            raise ValueError(f"ogiltigt val; tillåtna värden: {allowed} (not one of the options)")
        return str(raw)
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise ValueError("ska vara text (must be text)")
    text = str(raw)
    if len(text) > MAX_TEXT:
        raise ValueError(f"texten är för lång, högst {MAX_TEXT} tecken (too long)")
    if spec.minlength is not None and len(text) < spec.minlength:
        raise ValueError(f"minst {spec.minlength} tecken (too short)")
    if spec.maxlength is not None and len(text) > spec.maxlength:
        raise ValueError(f"högst {spec.maxlength} tecken (too long)")
    return text


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("ska vara ett heltal (must be a whole number)")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit() and len(raw.strip()) < 19:
        return int(raw.strip())
    raise ValueError("ska vara ett heltal (must be a whole number)")


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE:
        return False
    raise ValueError("ska vara ja eller nej (must be true or false)")


def _to_date(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError("ska vara ett datum ÅÅÅÅ-MM-DD (must be a date YYYY-MM-DD)")


#: A date field's bound that means the day it is submitted (``max`` idag: not in the future).
TODAY = "idag"


def _check_range(spec: FormField, value: int | date, today: date | None = None) -> None:
    """``min``/``max`` are kept as the BPMN's text: a number for ``long``, an ISO date or ``idag``
    (the day it is submitted) for ``date``."""
    def bound(text: str | None) -> Any:
        if text is None or (text == TODAY and today is None):
            return None
        if text == TODAY:
            return today
        return date.fromisoformat(text) if isinstance(value, date) else float(text)

    low, high = bound(spec.min), bound(spec.max)
    if low is not None and value < low:
        if spec.min == TODAY:
            raise ValueError("kan inte ligga före i dag (must not be in the past)")
        raise ValueError(f"minst {spec.min} (must be at least {spec.min})")
    if high is not None and value > high:
        if spec.max == TODAY:
            raise ValueError("kan inte ligga i framtiden (must not be in the future)")
        raise ValueError(f"högst {spec.max} (must be at most {spec.max})")


def json_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Data from outside a form (a case's start, a message, a correction): plain JSON values under
    identifier names only; anything else raises InvalidFormData naming the offending key."""
    problems = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            problems[str(key)] = "names must be identifiers that do not start with _"
        elif not _is_json_value(value):
            problems[key] = "only text, numbers, true/false, null, lists and objects are allowed"
    if problems:
        raise InvalidFormData(problems)
    return dict(data)


def _is_json_value(value: Any, depth: int = 0) -> bool:
    if depth > 10:
        return False
    if isinstance(value, float):
        return math.isfinite(value)  # NaN and Infinity are not JSON: stored, they break every read
    if value is None or isinstance(value, str | int | bool):
        return True
    if isinstance(value, list):
        return all(_is_json_value(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v, depth + 1) for k, v in value.items())
    return False
