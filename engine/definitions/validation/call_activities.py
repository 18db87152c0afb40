"""Call activities and sub-processes, as the XML draws them: which process a call activity calls
(``calledElement``, ``camunda:calledElementBinding``, ``camunda:calledElementVersion``), the data
it passes in and takes out (``camunda:in``, ``camunda:out``), and the checks of both.

Where a called process comes from (this deployment or the catalog) is decided when the files are
deployed (:mod:`engine.spiff.loading`); what is checked here needs the XML only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, IDENTIFIER, check_expression, label, local

BINDINGS = ("latest", "deployment", "version")
#: The call activity's extension where the parsed mapping is kept (stored with the spec).
MAPPING = "samverkan:mapping"


@dataclass(frozen=True)
class Call:
    """One call activity: the process it calls and how that process's version is chosen."""

    node: Any
    process: str  # the id of the process the call activity stands in
    key: str
    binding: str  # latest (default), deployment or version
    version: int | None  # with binding "version"


def calls(tree: etree._ElementTree) -> list[Call]:
    """Every call activity of the file's processes that names a process (the file was linted)."""
    found = []
    for process in tree.getroot().iterfind(f"{{{BPMN_NS}}}process"):
        for node in process.iter(f"{{{BPMN_NS}}}callActivity"):
            key = (node.get("calledElement") or "").strip()
            if not key:
                continue
            binding = (node.get(f"{{{CAMUNDA_NS}}}calledElementBinding") or "latest").strip()
            version = (node.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or "").strip()
            found.append(Call(node, process.get("id") or "", key, binding,
                              int(version) if binding == "version" and version.isdigit() else None))
    return found


def mapping(node: Any) -> dict[str, Any]:
    """The data a call activity passes in and takes out: ``{"in": [...], "out": [...]}``, each a
    list of ``{"all": True}`` or ``{"source": name, "expression": text, "target": name}``."""
    result: dict[str, Any] = {"in": [], "out": []}
    for direction in ("in", "out"):
        for item in node.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}{direction}"):
            if item.get("businessKey") is not None:
                continue
            if (item.get("variables") or "").strip() == "all":
                result[direction].append({"all": True})
            else:
                result[direction].append({"source": (item.get("source") or "").strip() or None,
                                          "expression": (item.get("sourceExpression") or "").strip() or None,
                                          "target": (item.get("target") or "").strip()})
    return result


def lint_call_activity(node: Any, add: Any) -> None:
    """The call activity's binding and its mapping of data in and out."""
    binding = (node.get(f"{{{CAMUNDA_NS}}}calledElementBinding") or "latest").strip()
    version = (node.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or "").strip()
    if binding not in BINDINGS:
        add(node, f"the call activity's binding '{binding}' is not supported "
                  "(camunda:calledElementBinding: latest, deployment or version)")
    elif binding == "version" and not (version.isdigit() and int(version) >= 1):
        add(node, "the call activity is bound to a version but names no version number "
                  "(camunda:calledElementVersion, e.g. 1)")
    elif binding != "version" and version:
        add(node, 'the call activity names a version but is not bound to it (camunda:calledElementBinding="version")')
    for attribute in ("variableMappingClass", "variableMappingDelegateExpression"):
        if node.get(f"{{{CAMUNDA_NS}}}{attribute}") is not None:
            add(node, f"camunda:{attribute} is not supported: no code runs on the server "
                      "(declare camunda:in and camunda:out)")
    for direction in ("in", "out"):
        for item in node.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}{direction}"):
            _lint_mapping(node, direction, item, add)


def _lint_mapping(node: Any, direction: str, item: Any, add: Any) -> None:
    if item.get("businessKey") is not None:
        add(node, f"camunda:{direction} businessKey is not supported: a called process runs inside the calling "
                  "case, which has its own case number", "warning")
        return
    if item.get("variables") is not None:
        if (item.get("variables") or "").strip() != "all":
            add(node, f"camunda:{direction} variables='{item.get('variables')}' is not supported (only \"all\")")
        return
    source, expression = item.get("source"), item.get("sourceExpression")
    target = (item.get("target") or "").strip()
    if (source is None) == (expression is None):
        add(node, f"camunda:{direction} needs a source or a sourceExpression (one of them)")
    elif source is not None and not IDENTIFIER.match(source.strip()):
        add(node, f"camunda:{direction} source '{source}' is not a variable name")
    elif expression is not None:
        check_expression(node, expression, f"camunda:{direction} '{target}'", add)
    if not IDENTIFIER.match(target):
        add(node, f"camunda:{direction} target '{target}' is not a variable name")


def lint_sub_process(node: Any, add: Any) -> None:
    """A sub-process runs what it holds, from its start event: an empty one (a collapsed shape
    drawn without content) has nothing to run."""
    starts = [c for c in node if local(c) == "startEvent"]
    if not starts:
        add(node, "the sub-process has no start event: draw what it does inside it (a collapsed sub-process "
                  "still needs its start event, its steps and its end event), or use a call activity")


def cycles(edges: dict[str, set[str]], calls_found: list[Call]) -> list[tuple[Call, list[str]]]:
    """The call activities through which a process calls itself, each with the path back to it
    (``edges``: which processes each process calls)."""
    found = []
    for call in calls_found:
        path = _path(edges, call.key, call.process)
        if path is not None:
            found.append((call, [call.process, *path]))
    return found


def _path(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        key, path = stack.pop()
        if key == goal:
            return path
        if key in seen:
            continue
        seen.add(key)
        stack.extend((k, [*path, k]) for k in sorted(edges.get(key, ())))
    return None


def cycle_message(path: list[str]) -> str:
    return (f"the process calls itself ({' → '.join(path)}): a called process may not call the process that "
            "calls it")


__all__ = ["BINDINGS", "MAPPING", "Call", "calls", "cycle_message", "cycles", "label", "lint_call_activity",
           "lint_sub_process", "mapping"]
