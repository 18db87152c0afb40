"""Checks of a BPMN file's processes: supported elements, flows, gateways, timers, expressions."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from engine.definitions.validation.call_activities import lint_call_activity, lint_sub_process
from engine.definitions.validation.case_messages import lint_sending
from engine.definitions.validation.common import (
    BPMN_NS,
    CAMUNDA_NS,
    IDENTIFIER,
    check_expression,
    label,
    local,
    one_line,
    short,
)
from engine.definitions.validation.events import lint_events
from engine.definitions.validation.followup import lint_follow_up
from engine.definitions.validation.loops import LOOP_MARKERS, lint_loop
from engine.definitions.validation.notice_properties import lint_notices, lint_sharing
from engine.definitions.validation.start_events import lint_start_events
from engine.definitions.validation.user_tasks import JOURNEY_PROPERTY, lint_start_form, lint_user_task
from engine.errors import EngineError, Problem
from engine.language import expressions, timers

FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "userTask", "manualTask", "task", "businessRuleTask", "subProcess", "callActivity", "sendTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "receiveTask",
}
#: Elements that may stand in a process but carry no behaviour the engine needs to run.
PASSIVE = {
    "sequenceFlow", "laneSet", "textAnnotation", "association", "dataObject", "dataObjectReference",
    "dataStoreReference", "extensionElements", "documentation", "group", "ioSpecification", "property",
    "incoming", "outgoing", "dataInputAssociation", "dataOutputAssociation", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "timerEventDefinition", "messageEventDefinition", "errorEventDefinition",
    "signalEventDefinition", "escalationEventDefinition", "terminateEventDefinition", "cancelEventDefinition",
    "compensateEventDefinition", "linkEventDefinition", "conditionalEventDefinition",
}
REFUSED = {
    "serviceTask": "service tasks are not supported: the engine has no external workers "
    "(use a user task, a business rule task or a message)",
    "complexGateway": "complex gateways are not supported (use exclusive, inclusive or parallel gateways)",
    "adHocSubProcess": "ad-hoc sub-processes are not supported (model the order with gateways)",
    "transaction": "transaction sub-processes are not supported (use an embedded sub-process)",
    "scriptTask": "script tasks are disabled: designers' code does not run on the server "
    "(an operator can enable them with SAMVERKAN_ALLOW_SCRIPTS=1)",
}
REFUSED_EVENTS = {
    "compensateEventDefinition": "compensation events are not supported",
    "linkEventDefinition": "link events are not supported (draw the sequence flow instead)",
    "conditionalEventDefinition": "conditional events are not supported (use a gateway or a message)",
}
#: Elements a boundary event can be attached to.
ACTIVITIES = {
    "task", "userTask", "manualTask", "businessRuleTask", "subProcess", "callActivity", "receiveTask",
    "sendTask", "scriptTask", "serviceTask", "transaction", "adHocSubProcess",
}
#: Elements whose children form a flow of their own (sequence flows stay inside one of these).
CONTAINERS = ("subProcess", "transaction", "adHocSubProcess")
#: The most sequence flows one element may split into or join. A split of N
#: branches costs the engine O(N) with the join fix, but every branch is a row, a read-model entry
#: and part of the state written on every later step of the case; no journey needs more.
MAX_BRANCHES = 200
#: Gateways that wait for their incoming flows: two flows from one element into one of them make
#: SpiffWorkflow fire it once per flow.
JOINS = ("parallelGateway", "inclusiveGateway", "complexGateway")


def executable_processes(tree: etree._ElementTree) -> list[Any]:
    return [p for p in tree.getroot().iterfind(f"{{{BPMN_NS}}}process") if p.get("isExecutable") == "true"]


#: A process key names its cases, its versions, its pages (``/design/processes/<key>``) and its
#: downloads, so it is kept to what is safe in all of them (docs/operations.md, "Limits of a model").
PROCESS_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def lint_bpmn(tree: etree._ElementTree, filename: str, *, allow_scripts: bool = False) -> list[Problem]:
    """Every problem the engine can see in a BPMN file's XML."""
    problems: list[Problem] = []

    def add(node: Any, message: str, severity: str = "error") -> None:
        problems.append(Problem(filename, label(node) if node is not None else "(document)", message, severity))

    processes = list(tree.getroot().iterfind(f"{{{BPMN_NS}}}process"))
    executable = executable_processes(tree)
    if not processes:
        add(None, "the file contains no BPMN process")
        return problems
    if not executable:
        for process in processes:
            add(process, 'the process is not marked executable (isExecutable="true"); nothing could run')
        return problems

    for process in executable:
        if not PROCESS_KEY.fullmatch(process.get("id") or ""):
            add(process, f"the process id '{one_line(process.get('id') or '')}' cannot be a process key: it must "
                         "start with a letter or _ and use only letters, digits, _, - and . (at most 64 characters)")
            continue
        _lint_ids(process, add)
        _lint_engine_properties(process, "process", add)
        lint_follow_up(process, add)
        for container in (process, *(n for n in _walk(process) if local(n) in CONTAINERS)):
            _lint_references(container, add)
        for node in _walk(process):
            _lint_node(node, add, allow_scripts)
        lint_notices(process, add)
        lint_sharing(process, add)
        lint_events(process, add)
        lint_start_events(process, add)
    return problems


def _lint_ids(process: Any, add: Any) -> None:
    # SpiffWorkflow keys task specs by id: a second element with the same id silently replaces the
    # first, so the diagram and what runs would differ. Only BPMN elements count: Camunda form fields
    # and enum values repeat ids across tasks on purpose (they are data names).
    seen: set[str] = set()
    for node in process.iter(f"{{{BPMN_NS}}}*"):
        node_id = node.get("id")
        if not node_id:
            continue
        if node_id in seen:
            add(node, f"the id '{one_line(node_id)}' is used by more than one element; ids must be unique")
        seen.add(node_id)
    # SpiffWorkflow also finds elements by id anywhere in the file: a form field or an enum value
    # with an element's id makes it parse the wrong node ("no support for this task type").
    for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}startEvent"):
        for item in task.iter(f"{{{CAMUNDA_NS}}}formField", f"{{{CAMUNDA_NS}}}value"):
            if item.get("id") in seen:
                what = "form field" if local(item) == "formField" else "enum value"
                add(task, f"the {what} '{item.get('id')}' has the same id as an element of the process; "
                          "rename one of them")


def _lint_references(container: Any, add: Any) -> None:
    """Sequence flows, boundary events and default flows must point at elements of the same level.

    SpiffWorkflow either ignores such a dangling reference (a boundary event that never fires) or
    fails with a message about something else, so the designer is told here what is wrong.
    """
    children = [c for c in container if isinstance(c.tag, str) and etree.QName(c).namespace == BPMN_NS]
    nodes = {c.get("id"): c for c in children if c.get("id") and local(c) not in PASSIVE}
    flows = [c for c in children if local(c) == "sequenceFlow"]
    outgoing: dict[str, set[str]] = {}
    for flow in flows:
        for end, attribute in (("source", "sourceRef"), ("target", "targetRef")):
            ref = flow.get(attribute) or ""
            if not ref.strip():
                add(flow, f"the sequence flow has no {end} ({attribute})")
            elif ref not in nodes:
                add(flow, f"the sequence flow's {end} '{one_line(ref)}' is not an element of the same process "
                          "or sub-process")
        outgoing.setdefault(flow.get("sourceRef") or "", set()).add(flow.get("id") or "")
    incoming: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    for flow in flows:
        pair = (flow.get("sourceRef") or "", flow.get("targetRef") or "")
        incoming[pair[1]] = incoming.get(pair[1], 0) + 1
        if pair in pairs and all(pair) and local(nodes.get(pair[1])) in JOINS:
            # SpiffWorkflow lets each token through such a join on its own (it fires N times).
            add(flow, f"a second sequence flow from '{one_line(pair[0])}' into the join '{one_line(pair[1])}'; "
                      "draw one flow between two elements")
        pairs.add(pair)
    for node_id, node in nodes.items():
        count = max(len(outgoing.get(node_id or "", ())), incoming.get(node_id or "", 0))
        if count > MAX_BRANCHES:
            add(node, f"{count} sequence flows leave or enter this element; at most {MAX_BRANCHES} are allowed "
                      "(use a multi-instance activity for many similar branches)")
    for node in children:
        attached = node.get("attachedToRef")
        if local(node) == "boundaryEvent" and (attached is None or local(nodes.get(attached)) not in ACTIVITIES):
            target = f"'{one_line(attached)}', which is not an activity of the same process or sub-process" \
                if attached else "no activity (attachedToRef)"
            add(node, f"the boundary event is attached to {target}")
        default = node.get("default")
        if default is not None and local(node) != "sequenceFlow" and \
                default not in outgoing.get(node.get("id") or "", set()):
            add(node, f"the default flow '{one_line(default)}' is not one of the element's outgoing sequence flows")


#: The engine's own properties of an element (docs/modeling.md): where each may stand, what it may say.
ENGINE_PROPERTIES = {
    "pausar_arendet": (("userTask",), ("ja", "nej", "true", "false")),
    "stangs_med_aktiviteten": (("userTask",), ("ja", "nej", "true", "false")),
    "under_paus": (("boundaryEvent", "intermediateCatchEvent"), ("löper", "loper")),
    JOURNEY_PROPERTY: (("process",), ("ja", "nej", "true", "false")),
}


def _lint_engine_properties(node: Any, kind: str, add: Any) -> None:
    properties = node.findall(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
    for prop in properties:
        name, value = prop.get("name") or "", (prop.get("value") or "").strip()
        if name == "samtidiga_uppgifter":
            if kind != "userTask":
                add(node, "samtidiga_uppgifter belongs on a user task")
            elif not (value.lower() == "obegränsat" or (value.isdigit() and int(value) > 0)):
                add(node, f"samtidiga_uppgifter is '{one_line(value)}'; write a whole number above 0 or obegränsat")
        elif name in ENGINE_PROPERTIES:
            kinds, allowed = ENGINE_PROPERTIES[name]
            if kind not in kinds:
                add(node, f"{name} belongs on {' or '.join(kinds)}, not on <{kind}>")
            elif value.lower() not in allowed:
                add(node, f"{name} is '{one_line(value)}'; write {' or '.join(allowed[:2])}")


def _walk(container: Any) -> Iterator[Any]:
    for node in container:
        if not isinstance(node.tag, str):
            continue
        yield node
        if local(node) in CONTAINERS:
            yield from _walk(node)


def _lint_node(node: Any, add: Any, allow_scripts: bool) -> None:
    kind = local(node)
    if etree.QName(node).namespace != BPMN_NS:
        return
    if kind in REFUSED and not (kind == "scriptTask" and allow_scripts):
        add(node, REFUSED[kind])
        return
    if kind not in FLOW_NODES and kind not in PASSIVE and kind != "scriptTask":
        add(node, f"the element <{kind}> is not supported by the engine")
        return
    _lint_parameters(node, add)
    _lint_engine_properties(node, kind, add)
    for child in node:
        child_kind = local(child)
        if child_kind in REFUSED_EVENTS:
            add(node, REFUSED_EVENTS[child_kind])
        if child_kind in LOOP_MARKERS:
            lint_loop(node, child, add)
    lint_sending(node, add)
    if kind == "sequenceFlow":
        _lint_condition(node, add)
    elif kind == "userTask":
        lint_user_task(node, add)
    elif kind == "startEvent":
        lint_start_form(node, add)
    elif kind == "businessRuleTask":
        if not node.get(f"{{{CAMUNDA_NS}}}decisionRef"):
            add(node, "the business rule task names no decision (camunda:decisionRef)")
    elif kind == "callActivity":
        if not node.get("calledElement"):
            add(node, "the call activity names no process to call (calledElement)")
        lint_call_activity(node, add)
    elif kind == "subProcess":
        lint_sub_process(node, add)
    elif kind == "exclusiveGateway" or kind == "inclusiveGateway":
        _lint_gateway(node, add)
    timer_definitions = node.findall(f"{{{BPMN_NS}}}timerEventDefinition")
    if timer_definitions:
        others = [c for c in node if local(c).endswith("EventDefinition") and local(c) != "timerEventDefinition"]
        if others or len(timer_definitions) > 1:
            add(node, "an event with a timer and other definitions is not supported "
                      "(put a timer and a message boundary event on a user task instead)")
        for definition in timer_definitions:
            _lint_timer(node, definition, add)


def _lint_parameters(node: Any, add: Any) -> None:
    """Output parameters compute case data: a variable name and an allowed expression each."""
    io = node.find(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}inputOutput")
    if io is None:
        return
    if io.find(f"{{{CAMUNDA_NS}}}inputParameter") is not None:
        add(node, "input parameters are not supported; the task sees the case data (use output parameters to "
                  "compute new values)")
    for parameter in io.iterfind(f"{{{CAMUNDA_NS}}}outputParameter"):
        name = parameter.get("name") or ""
        where = f"output parameter '{name}'"
        if not IDENTIFIER.match(name):
            add(node, f"{where}: the name must start with a letter and use only letters, digits and _")
            continue
        if len(parameter):
            add(node, f"{where}: only an expression is supported (no script, list or map)")
            continue
        text = (parameter.text or "").strip()
        if not text:
            add(node, f"{where} has no expression")
            continue
        check_expression(node, text, where, add)


def _lint_condition(flow: Any, add: Any) -> None:
    condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    if condition is None:
        return
    language = (condition.get("language") or "").strip().lower()
    if language and language not in ("python", "juel", "javascript-free", "expression"):
        add(flow, f"condition language '{condition.get('language')}' is not supported; write an expression")
        return
    if condition.get(f"{{{CAMUNDA_NS}}}resource"):
        add(flow, "conditions loaded from external resources are not supported")
        return
    text = (condition.text or "").strip()
    if not text:
        add(flow, "the condition is empty")
        return
    check_expression(flow, text, "condition", add)


def _lint_gateway(gateway: Any, add: Any) -> None:
    root = gateway.getparent()
    outgoing = [f for f in root.iterfind(f"{{{BPMN_NS}}}sequenceFlow") if f.get("sourceRef") == gateway.get("id")]
    if len(outgoing) < 2:
        return
    default = gateway.get("default")
    for flow in outgoing:
        has_condition = flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None
        if not has_condition and flow.get("id") != default:
            add(flow, f"the flow out of gateway {label(gateway)} has no condition and is not its default flow")


def _lint_timer(node: Any, definition: Any, add: Any) -> None:
    parts = [(k, definition.find(f"{{{BPMN_NS}}}{tag}")) for k, tag in
             (("date", "timeDate"), ("duration", "timeDuration"), ("cycle", "timeCycle"))]
    present = [(k, el) for k, el in parts if el is not None]
    if not present:
        add(node, "the timer has no time date, duration or cycle")
        return
    kind, element = present[0]
    text = (element.text or "").strip()
    if not text:
        add(node, f"the timer's {kind} is empty")
        return
    problem = timer_problem(kind, text)
    if problem:
        add(node, problem)


def timer_problem(kind: str, text: str) -> str | None:
    """Why a timer text cannot work, or None: an ISO 8601 literal, or an allowed expression."""
    candidate = text
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        candidate = text[1:-1]
    if timers.looks_literal(kind, candidate):
        limit = timers.limits_problem(kind, candidate)
        return f"timer {kind} '{short(text)}' is refused: {limit}" if limit else None
    examples = {"date": "2026-03-01T08:00:00+01:00", "duration": "P14D", "cycle": "R/P1M"}[kind]
    if timers.ISO_SHAPED.fullmatch(candidate):  # meant as ISO 8601: say what is wrong with it
        return f"timer {kind} '{short(text)}' is not a usable ISO 8601 {kind}: {_literal_error(kind, candidate)}"
    try:
        expressions.check(text)
    except EngineError as err:
        if _written_as_expression(text):
            # e.g. ${__import__('os')}: the whitelist's reason, not "not ISO 8601", is what to fix.
            return f"timer {kind} '{short(text)}' is refused: {err.message}"
        literal_error = _literal_error(kind, candidate)
        return (f"timer {kind} '{short(text)}' is neither ISO 8601 (e.g. {examples}) nor an expression "
                f"({literal_error or err.message})")
    if not expressions.names_used(text) and not _calls_function(text):
        return f"timer {kind} '{short(text)}' is not ISO 8601 (e.g. {examples})"
    return None


def _written_as_expression(text: str) -> bool:
    """True if the text is Python-shaped (it parses), so it was meant as an expression, not ISO 8601.

    Only the syntax is looked at (nothing is evaluated); text longer than an expression may be is
    not parsed at all.
    """
    normalized = expressions.normalize(text)
    if len(normalized) > expressions.MAX_LENGTH:
        return False
    try:
        ast.parse(normalized, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _literal_error(kind: str, text: str) -> str | None:
    parse = {"date": timers.parse_datetime, "duration": timers.parse_duration, "cycle": timers.parse_cycle}[kind]
    try:
        parse(text)
    except EngineError as err:
        return err.message
    return None


def _calls_function(text: str) -> bool:
    return "(" in text
