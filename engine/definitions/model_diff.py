"""What changed between two versions of a model: elements added, removed and changed.

Compares two BPMN (or two DMN) files element by element, by id, the way a process designer thinks
of them: a task, a gateway, a sequence flow, a boundary event, a decision rule. A change inside an
element — an attribute such as ``camunda:dueDate``, a timer's text, a form field's label, a flow's
condition — is reported on the element that holds it, with the old and the new value, so the list
reads "bedom_remiss: camunda:dueDate ${… days(14)} → ${… days(10)}".

A call activity whose called version changes (a newer version of the fragment it calls by
``latest``) is changed though its XML is not: :func:`with_calls` adds the change
(``calledVersion``: avslut version 1 → avslut version 2).

Only the model is compared. Moving shapes in the diagram changes no behaviour and is listed apart
(``moved``), and whitespace around text is ignored. The files are parsed with the engine's safe
XML parser; nothing in them is evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.definitions import xml_safety
from engine.views import Detail, ElementChange, ModelDiff, SourceFile

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "https://www.omg.org/spec/DMN/20230324/DMNDI/",
}
PREFIXES = {
    "http://camunda.org/schema/1.0/bpmn": "camunda",
    "http://camunda.org/schema/1.0/dmn": "camunda",
    "http://www.w3.org/2001/XMLSchema-instance": "xsi",
}
#: Elements whose children are elements of their own (compared one by one, not as part of them).
CONTAINERS = {"definitions", "process", "subProcess", "transaction", "adHocSubProcess", "laneSet", "lane",
              "decision", "decisionTable", "collaboration"}
#: BPMN 2.0's default attribute values: modelers leave them out (bpmn-js drops them when it saves), so
#: ``cancelActivity="true"`` and no ``cancelActivity`` mean the same.
DEFAULTS = {
    ("cancelActivity", "true"), ("isInterrupting", "true"), ("parallelMultiple", "false"),
    ("isForCompensation", "false"), ("startQuantity", "1"), ("completionQuantity", "1"),
    ("gatewayDirection", "Unspecified"), ("isClosed", "false"), ("processType", "None"),
    ("triggeredByEvent", "false"), ("isSequential", "false"), ("behavior", "All"),
    ("waitForCompletion", "true"), ("instantiate", "false"), ("eventGatewayType", "Exclusive"),
    ("implementation", "##unspecified"), ("implementation", "##WebService"),
}
#: Inner parts whose id is chosen by the designer and names them (other inner ids are generated).
NAMED_BY_ID = {"formField", "value"}
#: Children that only repeat what the sequence flows say.
REDUNDANT = {"incoming", "outgoing", "flowNodeRef"}


@dataclass(frozen=True)
class _Item:
    id: str
    name: str
    type: str
    facts: dict[str, str]


def diff_models(old: bytes | str | None, new: bytes | str | None, filename: str = "model") -> ModelDiff:
    """The differences between two versions of one BPMN or DMN file (``None``: the file is new or gone)."""
    before = _items(old, filename) if old is not None else {}
    after = _items(new, filename) if new is not None else {}
    changes: list[ElementChange] = []
    for item_id, item in after.items():
        if item_id not in before:
            changes.append(ElementChange(item_id, item.name, item.type, "added"))
    for item_id, item in before.items():
        other = after.get(item_id)
        if other is None:
            changes.append(ElementChange(item_id, item.name, item.type, "removed"))
            continue
        details = _compare(item, other)
        if details:
            changes.append(ElementChange(item_id, other.name or item.name, other.type, "changed", details))
    order = {item_id: index for index, item_id in enumerate([*before, *after])}
    changes.sort(key=lambda c: (order.get(c.id, 0), c.kind))
    moved = _moved(old, new, filename, {c.id for c in changes}) if old is not None and new is not None else ()
    return ModelDiff(tuple(changes), moved)


def _compare(old: _Item, new: _Item) -> tuple[Detail, ...]:
    details = []
    if old.type != new.type:
        details.append(Detail("type", old.type, new.type))
    for key in sorted(set(old.facts) | set(new.facts)):
        before, after = old.facts.get(key), new.facts.get(key)
        if before != after:
            details.append(Detail(key, before, after))
    return tuple(details)


def _parse(content: bytes | str, filename: str) -> Any:
    return xml_safety.parse_xml(content, filename).getroot()


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _qualified(name: str) -> str:
    """An attribute's name as modelers write it: ``camunda:dueDate``, ``name``."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        prefix = PREFIXES.get(namespace)
        return f"{prefix}:{local}" if prefix else local
    return name


def _is_item(node: Any) -> bool:
    parent = node.getparent()
    return (parent is not None and bool(node.get("id")) and _local(parent) in CONTAINERS
            and etree.QName(node).namespace not in DI_NAMESPACES)


def _items(content: bytes | str, filename: str) -> dict[str, _Item]:
    root = _parse(content, filename)
    found: dict[str, _Item] = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or not _is_item(node):
            continue
        facts: dict[str, str] = {}
        _facts(node, "", facts, top=True)
        item_id = str(node.get("id"))
        found.setdefault(item_id, _Item(item_id, " ".join((node.get("name") or "").split()), _local(node), facts))
    return found


def _facts(node: Any, path: str, facts: dict[str, str], *, top: bool = False) -> None:
    """Flatten an element into ``path → value``: its attributes, its text, and its children's, except
    children that are elements of their own (and the ids of inner parts such as event definitions,
    which modelers generate and nobody reads)."""
    for name, value in sorted(node.attrib.items()):
        qualified = _qualified(name)
        text = " ".join(str(value).split())
        if qualified == "id" or (qualified, text) in DEFAULTS:
            continue
        facts[f"{path}@{qualified}"] = text
    text = " ".join((node.text or "").split())
    if text and not top:
        facts[path.rstrip("/")] = text
    seen: dict[str, int] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue
        local = _local(child)
        if local in REDUNDANT or etree.QName(child).namespace in DI_NAMESPACES:
            continue
        if _is_item(child):
            continue
        prefix = PREFIXES.get(etree.QName(child).namespace or "")
        label = f"{prefix}:{local}" if prefix else local
        # Repeated children are told apart by what names them (a form field's id, a property's name).
        key = child.get("name") or (child.get("id") if local in NAMED_BY_ID else None)
        if key is None:
            seen[label] = seen.get(label, 0) + 1
            step = label if seen[label] == 1 else f"{label}[{seen[label]}]"
        else:
            step = f"{label}[{' '.join(str(key).split())}]"
        _facts(child, f"{path}{step}/", facts)


def _moved(old: bytes | str, new: bytes | str, filename: str, changed: set[str]) -> tuple[str, ...]:
    before = dict(_layout(_parse(old, filename)))
    after = dict(_layout(_parse(new, filename)))
    return tuple(sorted(k for k in before.keys() & after.keys() if before[k] != after[k] and k not in changed))


def _layout(root: Any) -> Iterator[tuple[str, str]]:
    """Every diagram shape and edge as (the element it draws, its bounds or waypoints)."""
    for node in root.iter():
        if not isinstance(node.tag, str) or etree.QName(node).namespace not in DI_NAMESPACES:
            continue
        element = node.get("bpmnElement") or node.get("dmnElementRef")
        if not element:
            continue
        points = [" ".join(f"{k}={v}" for k, v in sorted(child.attrib.items()))
                  for child in node if isinstance(child.tag, str) and _local(child) in ("Bounds", "waypoint")]
        yield element, ";".join(points)


def diff_sources(old: Sequence[SourceFile], new: Sequence[SourceFile]) -> dict[str, ModelDiff]:
    """The differences file by file between two sets of files (BPMN and DMN files deployed
    together). Files with nothing changed are left out."""
    before = {s.name: s.content for s in old}
    after = {s.name: s.content for s in new}
    result = {}
    for name in [*before, *(n for n in after if n not in before)]:
        diff = diff_models(before.get(name), after.get(name), name)
        if not diff.empty or diff.moved:
            result[name] = diff
    return result


#: Where a call activity's change of called version is reported (a detail's ``where``).
CALLED_VERSION = "calledVersion"
#: A call activity's call: (element id, called process key, called version; None for the version
#: deployed together with the caller).
Call = tuple[str, str, "int | None"]


def with_calls(diffs: dict[str, ModelDiff], new: Sequence[SourceFile], key: str, old_calls: Sequence[Call],
               new_calls: Sequence[Call]) -> dict[str, ModelDiff]:
    """``diffs`` with a change on every call activity of ``key`` that calls another version than it
    did (one called together with its caller is not compared: its version is made as they deploy)."""
    before = {element: (called, version) for element, called, version in old_calls}
    moved_on = [(element, before[element], (called, version)) for element, called, version in new_calls
                if version is not None and element in before and before[element] != (called, version)]
    if not moved_on:
        return diffs
    holding = _file_of_process(new, key)
    if holding is None:
        return diffs
    name, root = holding
    diff = diffs.get(name, ModelDiff())
    changes = list(diff.changes)
    names = {node.get("id"): node.get("name") or "" for node in root.iter() if node.get("id")}
    for element, (old_key, old_version), (new_key, new_version) in moved_on:
        detail = Detail(CALLED_VERSION, f"{old_key} version {old_version}", f"{new_key} version {new_version}")
        at = next((i for i, c in enumerate(changes) if c.id == element), None)
        if at is None:
            changes.append(ElementChange(element, names.get(element, ""), "callActivity", "changed", (detail,)))
        elif changes[at].kind == "changed":
            changes[at] = ElementChange(element, changes[at].name, changes[at].type, "changed",
                                        (*changes[at].details, detail))
    return {**diffs, name: ModelDiff(tuple(changes), diff.moved)}


def _file_of_process(files: Sequence[SourceFile], key: str) -> tuple[str, Any] | None:
    """The name and parsed root of the BPMN file that holds the process ``key``."""
    for source in files:
        if source.name.lower().endswith(".dmn"):
            continue
        root = _parse(source.content, source.name)
        if root.find(f"{{{BPMN_NS}}}process[@id='{key}']") is not None:
            return source.name, root
    return None
