"""Checks of what a case waits for or throws within itself: event-based gateways, receive tasks,
error and escalation events (docs/modeling.md, "Whichever comes first" and "When something goes
wrong inside a phase").

- An event-based gateway's flows lead, without conditions, to the events it waits for: message or
  timer catch events (one timer at most: the gateway keeps one due time) or receive tasks with a
  message, each reached only from the gateway (SpiffWorkflow moves the event onto the gateway, so
  a second way in would pass it without waiting).
- A receive task names its message.
- An error is thrown by an end event, an escalation by an end or intermediate throw event, inside
  an embedded sub-process that a boundary event of the same kind catches it on (by its code, or a
  catch-all one without a code): an error nothing catches would stop the case with an incident.
  One that nothing inside its process catches leaves the process (:func:`escapes`): it is caught,
  if at all, by a boundary event on the call activity that called the process, which is checked
  with the files deployed together (:mod:`engine.spiff.loading`).
  Error and escalation boundary events sit on sub-processes (or call activities), where something
  can throw them; an error boundary event always interrupts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.definitions.validation.common import BPMN_NS, label, local, one_line

#: What may stand behind an event-based gateway, and what it may wait for.
_WAITERS = ("intermediateCatchEvent", "receiveTask")
_CATCHABLE = ("messageEventDefinition", "timerEventDefinition")
#: Activities whose boundary events an error or escalation can reach.
_THROWN_FROM = ("subProcess", "transaction", "adHocSubProcess", "callActivity")
#: (definition, its reference attribute, the root element it refers to, that element's code attribute).
_KINDS = {
    "errorEventDefinition": ("errorRef", "error", "errorCode"),
    "escalationEventDefinition": ("escalationRef", "escalation", "escalationCode"),
}


def lint_events(process: Any, add: Any) -> None:
    """Every problem of the process's event-based gateways, receive tasks, errors and escalations."""
    for node in process.iter(f"{{{BPMN_NS}}}*"):
        kind = local(node)
        if kind == "eventBasedGateway":
            _lint_event_gateway(node, add)
        elif kind == "receiveTask":
            _lint_receive_task(node, add)
        for definition in node:
            if local(definition) in _KINDS:
                _lint_error_or_escalation(node, definition, add)


def _flows(container: Any) -> list[Any]:
    return list(container.iterfind(f"{{{BPMN_NS}}}sequenceFlow"))


def _definitions(node: Any) -> list[str]:
    return [local(c) for c in node if local(c).endswith("EventDefinition")]


def _lint_event_gateway(gateway: Any, add: Any) -> None:
    container = gateway.getparent()
    flows = _flows(container)
    nodes = {n.get("id"): n for n in container if isinstance(n.tag, str)}
    outgoing = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
    if len(outgoing) < 2:
        add(gateway, "an event-based gateway needs at least two outgoing sequence flows, each to an event it waits for")
    timers = 0
    messages: list[str] = []
    for flow in outgoing:
        if flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None:
            add(flow, f"the flow out of event-based gateway {label(gateway)} has a condition; the event that "
                      "comes first chooses the branch, so draw it without one")
        target = nodes.get(flow.get("targetRef"))
        if target is None:
            continue  # a dangling flow is named by the reference checks
        if local(target) not in _WAITERS:
            add(flow, f"the flow out of event-based gateway {label(gateway)} leads to {label(target)}, which is "
                      "neither an intermediate catch event nor a receive task")
            continue
        if sum(1 for f in flows if f.get("targetRef") == target.get("id")) > 1:
            add(target, "the event after an event-based gateway has another incoming sequence flow; it may be "
                        "reached only from the gateway")
        kinds = _definitions(target)
        if local(target) == "receiveTask":
            messages.extend(_message_names(target))
            continue
        if len(kinds) != 1 or kinds[0] not in _CATCHABLE:
            add(target, "after an event-based gateway an event can wait only for a message or a timer")
        elif kinds[0] == "timerEventDefinition":
            timers += 1
        else:
            messages.extend(_message_names(target))
    if timers > 1:
        add(gateway, f"an event-based gateway can wait for one timer; {timers} are drawn (keep the one that "
                     "should end the wait)")
    for name in sorted({m for m in messages if messages.count(m) > 1}):
        add(gateway, f"the message '{one_line(name)}' is awaited by more than one branch of the gateway")


def _message_names(node: Any) -> list[str]:
    """The names of the messages an event or a receive task waits for (its own name if it names none)."""
    refs = [node.get("messageRef")] if node.get("messageRef") else []
    refs += [d.get("messageRef") for d in node.iterfind(f"{{{BPMN_NS}}}messageEventDefinition")]
    root = node.getroottree().getroot()
    names = []
    for ref in refs:
        message = root.find(f"{{{BPMN_NS}}}message[@id='{ref}']") if ref and "'" not in ref else None
        names.append((message.get("name") if message is not None else None) or ref or "")
    return names


def _lint_receive_task(task: Any, add: Any) -> None:
    if not task.get("messageRef") and task.find(f"{{{BPMN_NS}}}messageEventDefinition") is None:
        add(task, "the receive task names no message (messageRef)")


def _code(node: Any, definition: Any) -> tuple[bool, str | None]:
    """(whether the reference resolves, the code it names: None for none, which catches every code)."""
    ref_attribute, element, code_attribute = _KINDS[local(definition)]
    ref = definition.get(ref_attribute)
    if not ref:
        return True, None
    root = node.getroottree().getroot()
    found = next((e for e in root.iterfind(f"{{{BPMN_NS}}}{element}") if e.get("id") == ref), None)
    if found is None:
        return False, None
    return True, (found.get(code_attribute) or "").strip() or None


def _lint_error_or_escalation(node: Any, definition: Any, add: Any) -> None:
    kind, what = local(node), local(definition)
    error = what == "errorEventDefinition"
    resolves, _ = _code(node, definition)
    if not resolves:
        ref_attribute, element, _ = _KINDS[what]
        add(node, f"the event refers to '{one_line(definition.get(ref_attribute) or '')}', which is no "
                  f"<bpmn:{element}> of the file")
        return
    if kind == "intermediateCatchEvent":
        add(node, "an intermediate catch event cannot wait for an error or an escalation (attach a boundary event "
                  "to the sub-process that throws it)")
    elif kind == "intermediateThrowEvent" and error:
        add(node, "an error is thrown only by an end event (throw an escalation to go on after it)")
    elif kind == "boundaryEvent":
        _lint_catcher(node, error, add)
    # A thrower nothing in its process catches is an escape: checked with its callers (escapes()).


@dataclass(frozen=True)
class Escape:
    """An error or escalation that nothing inside its process catches: it leaves the process, for a
    boundary event on the call activity that called it to catch."""

    process: str
    node: Any
    error: bool
    code: str | None

    def uncaught(self) -> str:
        """Why the thrower is refused when no call activity of the files deployed with it calls its process."""
        if self.error:
            return (f"the error '{one_line(self.code)}' is caught by no error boundary event on a sub-process "
                    "around it; the case would stop with an incident" if self.code else
                    "the error without a code is caught by no catch-all error boundary event on a sub-process "
                    "around it; the case would stop with an incident")
        return (f"the escalation '{one_line(self.code)}' is caught by no escalation boundary event on a "
                "sub-process around it, so it would have no effect" if self.code else
                "the escalation without a code is caught by no catch-all escalation boundary event on a "
                "sub-process around it, so it would have no effect")

    def caught_by_callers(self) -> str:
        """The warning on a thrower its callers catch."""
        if self.error:
            return (f"the error '{one_line(self.code)}' leaves the process and is caught by the call activity that "
                    "calls it; a case of this process started by itself would stop with an incident" if self.code else
                    "the error without a code leaves the process and is caught by the call activity that calls it; "
                    "a case of this process started by itself would stop with an incident")
        return (f"the escalation '{one_line(self.code)}' leaves the process and is caught by the call activity "
                "that calls it; in a case of this process started by itself it would have no effect" if self.code else
                "the escalation without a code leaves the process and is caught by the call activity that calls "
                "it; in a case of this process started by itself it would have no effect")

    def not_caught_at(self, key: str, thrower: str) -> str:
        """Why a call activity that calls the thrower's process without catching it is refused."""
        if self.error:
            return (f"the called process '{key}' can end with the error '{one_line(self.code)}' ({thrower}), which "
                    "no error boundary event on the call activity or on a sub-process around it catches; the case "
                    "would stop with an incident" if self.code else
                    f"the called process '{key}' can end with an error without a code ({thrower}), which no "
                    "catch-all error boundary event on the call activity or on a sub-process around it catches; "
                    "the case would stop with an incident")
        return (f"the called process '{key}' can end with the escalation '{one_line(self.code)}' ({thrower}), "
                "which no escalation boundary event on the call activity or on a sub-process around it catches, "
                "so it would have no effect" if self.code else
                f"the called process '{key}' can end with an escalation without a code ({thrower}), which no "
                "catch-all escalation boundary event on the call activity or on a sub-process around it catches, "
                "so it would have no effect")


def escapes(processes: Iterable[Any]) -> list[Escape]:
    """The errors and escalations of these processes that nothing inside their process catches."""
    found = []
    for process in processes:
        for node in process.iter(f"{{{BPMN_NS}}}endEvent", f"{{{BPMN_NS}}}intermediateThrowEvent"):
            for definition in node:
                what = local(definition)
                if what not in _KINDS or (what == "errorEventDefinition" and local(node) != "endEvent"):
                    continue
                resolves, code = _code(node, definition)
                if resolves and not _caught(node.getparent(), what, code):
                    found.append(Escape(process.get("id") or "", node, what == "errorEventDefinition", code))
    return found


def caught_at(call: Any, escape: Escape) -> bool:
    """Whether a boundary event of the escape's kind on the call activity ``call`` (or on a
    sub-process around it) catches what the called process throws, by its code or as a catch-all."""
    what = "errorEventDefinition" if escape.error else "escalationEventDefinition"
    return _caught(call, what, escape.code)


def _lint_catcher(boundary: Any, error: bool, add: Any) -> None:
    container = boundary.getparent()
    activity = next((n for n in container if isinstance(n.tag, str) and n.get("id") == boundary.get("attachedToRef")),
                    None)
    if activity is not None and local(activity) not in _THROWN_FROM:
        add(boundary, f"an error or escalation boundary event catches what a sub-process throws; attached to "
                      f"{label(activity)}, it would never fire")
    if error and (boundary.get("cancelActivity") or "true").strip().lower() == "false":
        add(boundary, 'an error boundary event always interrupts its activity (remove cancelActivity="false")')


def _caught(inner: Any, what: str, code: str | None) -> bool:
    """Whether a boundary event of the kind ``what`` on the activity ``inner`` (a sub-process around
    a thrower, or a call activity) or on a sub-process around it catches ``code``."""
    while inner is not None and local(inner) in _THROWN_FROM:
        outer = inner.getparent()
        for boundary in outer.iterfind(f"{{{BPMN_NS}}}boundaryEvent"):
            if boundary.get("attachedToRef") != inner.get("id"):
                continue
            for definition in boundary.iterfind(f"{{{BPMN_NS}}}{what}"):
                resolves, caught = _code(boundary, definition)
                if resolves and caught in (None, code):
                    return True
        inner = outer
    return False
