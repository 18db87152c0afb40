"""Checks of a process's follow-up properties (``uppfoljning.*``): each names data, outcomes or a
task that the process has, so that a report never counts a field that does not exist."""

from __future__ import annotations

import re
from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, one_line
from engine.language.follow_up import (
    AGE_BANDS,
    FIELDS,
    GOAL,
    GROUP_OF,
    MONTHLY_CONTACT,
    NAMES,
    PREFIX,
    REPLY,
    age_bands,
    values,
)
from engine.views.followup import CATEGORIES

_LITERAL = re.compile(r'^\s*"([^"]*)"\s*$')
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}\Z")


def lint_follow_up(process: Any, add: Any) -> None:
    properties = {p.get("name") or "": (p.get("value") or "").strip() for p in process.findall(
        f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")}
    declared = {name[len(PREFIX):]: value for name, value in properties.items() if name.startswith(PREFIX)}
    if not declared:
        return
    data = _data_names(process)
    for name, value in sorted(declared.items()):
        if name not in NAMES:
            add(process, f"{PREFIX}{name} is not a follow-up property; use one of {', '.join(sorted(NAMES))}")
        elif name in FIELDS and value not in data:
            add(process, f"{PREFIX}{name} names '{one_line(value)}', which no form field or output parameter "
                         "of the process sets")
        elif name in (REPLY, MONTHLY_CONTACT) and \
                value not in {t.get("id") for t in process.iter(f"{{{BPMN_NS}}}userTask")}:
            add(process, f"{PREFIX}{name} names '{one_line(value)}', which is not a user task of the process")
        elif name.startswith(GOAL) and not (value.isdigit() and int(value) <= 100):
            add(process, f"{PREFIX}{name} is '{one_line(value)}'; write a whole percent from 0 to 100")
        elif name == AGE_BANDS and age_bands(value) is None:
            add(process, f"{PREFIX}{name} is '{one_line(value)}'; write rising age bands such as 18-30,31-64")
        elif name == GROUP_OF and not _KEY.match(value):
            add(process, f"{PREFIX}{name} is '{one_line(value)}'; write the process key of the journey")
    if declared.get(GROUP_OF) and not declared.get("gruppstart"):
        add(process, f"{PREFIX}{GROUP_OF} names a journey, but {PREFIX}gruppstart names no date of a group start")
    outcome = declared.get("utfall")
    named = [c for c in CATEGORIES if declared.get(c)]
    if named and not outcome:
        add(process, f"{PREFIX}{named[0]} sorts outcomes, but uppfoljning.utfall names no outcome field")
    elif outcome:
        possible = _outcomes(process, outcome)
        seen: dict[str, str] = {}
        for category in named:
            for value in values(declared[category]):
                if value not in possible:
                    add(process, f"{PREFIX}{category}: '{one_line(value)}' is not a value the outcome "
                                 f"'{outcome}' can have")
                elif value in seen:
                    add(process, f"{PREFIX}{category}: '{one_line(value)}' is counted as {seen[value]} already")
                seen.setdefault(value, category)


def _data_names(process: Any) -> set[str]:
    """The names the process writes into the case data: form fields and output parameters."""
    names = {f.get("id") for f in process.iter(f"{{{CAMUNDA_NS}}}formField")}
    names |= {p.get("name") for p in process.iter(f"{{{CAMUNDA_NS}}}outputParameter")}
    return {n for n in names if n}


def _outcomes(process: Any, field: str) -> set[str]:
    """The values ``field`` can take: its enum options, and the text literals output parameters give it."""
    found = {v.get("id") or "" for f in process.iter(f"{{{CAMUNDA_NS}}}formField") if f.get("id") == field
             for v in f.iter(f"{{{CAMUNDA_NS}}}value")}
    for parameter in process.iter(f"{{{CAMUNDA_NS}}}outputParameter"):
        match = _LITERAL.match(parameter.text or "") if parameter.get("name") == field else None
        if match:
            found.add(match.group(1))
    return found
