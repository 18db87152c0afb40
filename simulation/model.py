"""What the simulator reads from a deployed model: how many open tasks each user task may have at
once, which form fields name users (and of which roles), and which case data keys the model
computes itself (output parameters, decision outputs), read from the files the engine deployed.

The text read here was deployed, so the engine's safe XML reader has accepted it already (no
DOCTYPE, no entities); it is parsed again with the standard library's ElementTree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.views import SourceFile

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"

#: The extension property by which a model allows several open tasks of one element in one case.
CONCURRENCY_PROPERTY = "samtidiga_uppgifter"
#: The property by which a user task holds its case still while open (docs/modeling.md).
PAUSES_CASE = "pausar_arendet"
#: Its value for "any number".
UNBOUNDED = "obegränsat"
#: Open tasks an element may have in one case when its model says nothing.
DEFAULT_CONCURRENCY = 1
#: A form field holds a user name when it says so (its property ``anvandare``: the roles), when a
#: task is assigned to it (``camunda:assignee="${field}"``), or when a notice names it
#: (``anvandare:field``) (docs/modeling.md).
USER_FIELD = "anvandare"
_ASSIGNEE_FIELD = re.compile(r"^\$\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}$")


@dataclass(frozen=True)
class ProcessModel:
    """One deployed version of a process, as the simulator needs it."""

    key: str
    version: int
    #: element id → open tasks allowed at once (None: any number)
    concurrency: dict[str, int | None] = field(default_factory=dict)
    #: form field id → the roles a user named there must hold (empty: any staff)
    user_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: data keys the model sets itself, beside forms (output parameters, decision outputs)
    computed_keys: frozenset[str] = frozenset()
    #: message names the model catches
    messages: tuple[str, ...] = ()
    #: user tasks that hold their case still while open (``pausar_arendet``): the ones done in it
    pausing: frozenset[str] = frozenset()
    #: user tasks with one task per instance of a parallel multi-instance activity, all open at once
    in_instances: frozenset[str] = frozenset()

    def allowed_open(self, element: str) -> int | None:
        return self.concurrency.get(element, DEFAULT_CONCURRENCY)


def _in_parallel_instances(task: ET.Element, parents: dict[ET.Element, ET.Element]) -> bool:
    """Whether the task, or a sub-process around it, has a parallel multi-instance marker."""
    node: ET.Element | None = task
    while node is not None:
        marker = node.find(f"{BPMN}multiInstanceLoopCharacteristics")
        if marker is not None and marker.get("isSequential") != "true":
            return True
        node = parents.get(node)
    return False


def concurrency_of(value: str) -> int | None:
    """A ``samtidiga_uppgifter`` value: a positive whole number, or ``obegränsat`` (None)."""
    text = value.strip()
    if text.lower() == UNBOUNDED:
        return None
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ValueError(f"{CONCURRENCY_PROPERTY} must be a positive whole number or '{UNBOUNDED}', not {value!r}")


def read(key: str, version: int, process_xml: str, files: Sequence[SourceFile] = ()) -> ProcessModel:
    """The model of process ``key`` in its deployed BPMN text (and the DMN files deployed with it)."""
    root = ET.fromstring(process_xml)  # noqa: S314 - see the module's docstring
    concurrency: dict[str, int | None] = {}
    assigned_roles: dict[str, set[str]] = {}
    named_users: set[str] = set()
    declared: dict[str, tuple[str, ...]] = {}
    forms: list[list[str]] = []
    computed: set[str] = set()
    pausing: set[str] = set()
    in_instances: set[str] = set()
    messages = sorted({m.get("name") or "" for m in root.iter(f"{BPMN}message")} - {""})
    parents = {child: parent for parent in root.iter() for child in parent}
    for task in root.iter(f"{BPMN}userTask"):
        element = task.get("id") or ""
        if _in_parallel_instances(task, parents):
            concurrency[element] = None  # one task per instance, all open at once (docs/modeling.md)
            in_instances.add(element)
        for prop in task.iter(f"{CAMUNDA}property"):
            if prop.get("name") == CONCURRENCY_PROPERTY:
                concurrency[element] = concurrency_of(prop.get("value") or "")
            if prop.get("name") == PAUSES_CASE and (prop.get("value") or "").strip().lower() in ("ja", "true"):
                pausing.add(element)
        groups = {g.strip() for g in (task.get(f"{CAMUNDA}candidateGroups") or "").split(",") if g.strip()}
        if "${" in " ".join(groups):
            groups = set()
        match = _ASSIGNEE_FIELD.match(task.get(f"{CAMUNDA}assignee") or "")
        if match:
            assigned_roles.setdefault(match.group(1), set()).update(groups)
        fields = list(task.iter(f"{CAMUNDA}formField"))
        forms.append([f.get("id") or "" for f in fields])
        for spec in fields:
            for prop in spec.iter(f"{CAMUNDA}property"):
                if prop.get("id") == USER_FIELD:
                    declared[spec.get("id") or ""] = tuple(sorted(
                        r.strip() for r in (prop.get("value") or "").split(",") if r.strip()))
    for prop in root.iter(f"{CAMUNDA}property"):
        for recipient in (prop.get("value") or "").split(","):
            if recipient.strip().startswith("anvandare:"):
                named_users.add(recipient.strip().removeprefix("anvandare:"))
    for out in root.iter(f"{CAMUNDA}outputParameter"):
        computed.add(out.get("name") or "")
    for activity in root.iter():
        marker = activity.find(f"{BPMN}multiInstanceLoopCharacteristics")
        if marker is not None:  # the results of a multi-instance activity (engine/spiff/multi_instance.py)
            output = marker.find(f"{BPMN}loopDataOutputRef")
            computed.add((output.text or "").strip() if output is not None else f"{activity.get('id')}_resultat")
    for source in files:
        if source.name.endswith(".dmn"):
            dmn = ET.fromstring(source.text)  # noqa: S314 - see the module's docstring
            computed.update(o.get("name") or "" for o in dmn.iter() if o.tag.endswith("}output"))
    user_fields: dict[str, tuple[str, ...]] = {name: tuple(sorted(roles)) for name, roles in assigned_roles.items()}
    for form in forms:
        for name in form:
            if name in named_users and name not in user_fields:
                # a user field no task is assigned to: the roles of the user fields beside it
                roles = set().union(*(assigned_roles.get(other, set()) for other in form))
                user_fields[name] = tuple(sorted(roles))
    user_fields.update(declared)
    return ProcessModel(key, version, concurrency, user_fields, frozenset(computed - {""}), tuple(messages),
                        frozenset(pausing), frozenset(in_instances))
