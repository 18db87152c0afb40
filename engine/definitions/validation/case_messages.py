"""Checks of what a case sends other cases: message throw and end events, send tasks, signals."""

from __future__ import annotations

import re
from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, IDENTIFIER, check_expression, local, one_line

#: The properties of a sending element (engine/spiff/case_messages.py).
TO_PROCESS, TO_CASES, CARRIES = "till_process", "till_arende", "skicka"
SENDERS = ("intermediateThrowEvent", "endEvent", "sendTask")
PROCESS_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}\Z")
#: Camunda's ways of running code when a message is sent: there are no external workers here.
CODE = ("class", "expression", "delegateExpression", "type", "topic")


def lint_sending(node: Any, add: Any) -> None:
    """A message or signal an element sends: whom to, and what it carries."""
    kind = local(node)
    messages = node.findall(f"{{{BPMN_NS}}}messageEventDefinition")
    signals = node.findall(f"{{{BPMN_NS}}}signalEventDefinition")
    if kind == "startEvent" and signals:
        add(node, "signal start events are not supported (open the case on a message start event instead)")
        return
    sends = kind in SENDERS and (messages or signals or (kind == "sendTask"))
    properties = _properties(node)
    if not sends:
        for name in (TO_PROCESS, TO_CASES, CARRIES):
            if name in properties:
                add(node, f"{name} belongs on an element that sends a message or a signal")
        return
    for definition in (node, *messages):
        for attribute in CODE:
            if definition.get(f"{{{CAMUNDA_NS}}}{attribute}"):
                add(node, f"camunda:{attribute} runs code when the message is sent, which the engine does not do "
                          "(name the receiving process with the property till_process)")
                return
    if messages or kind == "sendTask":
        message_ref = node.get("messageRef") or next((m.get("messageRef") for m in messages if m.get("messageRef")),
                                                     None)
        if not message_ref and not (node.get("name") or "").strip():
            add(node, "the message has no name: give the event a message (messageRef) or a name")
    to_process = properties.get(TO_PROCESS, "").strip()
    if to_process and not PROCESS_KEY.match(to_process):
        add(node, f"till_process '{one_line(to_process)}' is not a process key")
    to_cases = properties.get(TO_CASES, "").strip()
    if to_cases:
        if signals:
            add(node, "till_arende belongs on a message: a signal goes to every case that waits for it")
        else:
            check_expression(node, to_cases, "till_arende", add)
    for name in (n.strip() for n in properties.get(CARRIES, "").split(",") if n.strip()):
        if not IDENTIFIER.match(name):
            add(node, f"skicka names '{one_line(name)}', which is not a field name")
    if (messages or kind == "sendTask") and not to_process and not _message_flow_to_executable(node):
        add(node, "the message goes to no case: the engine only records in the case's history that it was "
                  "sent (name the receiving process with the property till_process, or draw a message flow "
                  "to an executable process)", "warning")


def _properties(node: Any) -> dict[str, str]:
    found = node.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
    return {p.get("name") or "": p.get("value") or "" for p in found}


def _message_flow_to_executable(node: Any) -> bool:
    root = node.getroottree().getroot()
    executable = {p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"}
    members = {e.get("id"): p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") for e in p.iter() if e.get("id")}
    pools = {p.get("id"): p.get("processRef") for p in root.iter(f"{{{BPMN_NS}}}participant")}
    for flow in root.iter(f"{{{BPMN_NS}}}messageFlow"):
        if flow.get("sourceRef") == node.get("id"):
            target = flow.get("targetRef")
            if pools.get(target) in executable or members.get(target) in executable:
                return True
    return False
