"""Our BPMN parser: SpiffWorkflow's Camunda parser, taught what the engine honours and refuses.

- User tasks keep ``camunda:assignee``, ``candidateGroups``, ``candidateUsers``, ``dueDate`` and
  ``followUpDate`` (SpiffWorkflow drops them) in the task spec's ``extensions``.
- Timers and messages become the engine's own event definitions (injected clock, calendar months,
  message payloads into the case data); errors and escalations are caught only around their
  thrower and never lost (:mod:`engine.spiff.error_events`); an event-based gateway's events are
  listed and fired as the engine's own (:mod:`engine.spiff.event_gateways`); a receive task waits
  for its message as a catch event does.
- Script and service tasks are refused unless an operator enabled scripts.
- Multi-instance and loop markers on user tasks and sub-processes become the engine's own specs
  (:mod:`engine.spiff.multi_instance`).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser, ReceiveTaskParser, SendTaskParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    CallActivity,
    EndEvent,
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    StartEvent,
)
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaEndEventParser,
    CamundaEventDefinitionParser,
    CamundaIntermediateCatchEventParser,
    CamundaIntermediateThrowEventParser,
    CamundaStartEventParser,
)
from SpiffWorkflow.camunda.parser.task_spec import ScriptTaskParser, SubWorkflowParser, UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

from engine.definitions.validation import JOURNEY_PROPERTY
from engine.language.follow_up import PREFIX
from engine.spiff.call_activities import EngineCallActivity, EngineCallActivityParser
from engine.spiff.case_messages import TO_PROCESS
from engine.spiff.error_events import ContainedError, ContainedEscalation
from engine.spiff.event_gateways import EngineEventChoice
from engine.spiff.message_events import EngineMessage, EngineSignal
from engine.spiff.multi_instance import LoopParsing
from engine.spiff.specs import FOLLOW_UP, JOURNEY, START_FORM, form_from
from engine.spiff.timer_events import EngineCycle, EngineDuration, EngineTimeDate

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: User-task attributes SpiffWorkflow ignores and the engine honours, kept under these keys.
TASK_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate", "followUpDate", "priority")


class EngineUserTaskParser(LoopParsing, UserTaskParser):
    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = super().parse_extensions(node)
        for name in TASK_ATTRIBUTES:
            value = self.attribute(name, "camunda")
            if value is not None and value.strip():
                extensions[f"camunda:{name}"] = value.strip()
        return extensions


class EngineSubProcessParser(LoopParsing, SubWorkflowParser):
    """An embedded sub-process, its loop markers read as the engine runs them (multi_instance.py)."""


class _EngineEventParsing:
    """Mixed into every event parser: our timer and message definitions."""

    node: Any
    get_event_description: Any
    raise_validation_exception: Any
    xpath: Any

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        """An event's ``camunda:property`` values, as a task's (e.g. a timer's ``under_paus``); a
        message sent along a message flow to an executable process goes to that process's cases."""
        properties = self.xpath(".//bpmn:extensionElements/camunda:properties/camunda:property")
        extensions = {p.get("name"): p.get("value") for p in properties}
        if not (extensions.get(TO_PROCESS) or "").strip():
            receiver = message_flow_receiver(self.node)
            if receiver:
                extensions[TO_PROCESS] = receiver
        return extensions

    def parse_timer_event(self, event: Any) -> Any:
        name = self.node.get("name", self.node.get("id"))
        description = self.get_event_description(event)
        for tag, cls in (("timeDate", EngineTimeDate), ("timeDuration", EngineDuration), ("timeCycle", EngineCycle)):
            element = first(event.xpath(f"./bpmn:{tag}", namespaces={"bpmn": BPMN_NS}))
            if element is not None:
                text = (element.text or "").strip()
                if not text:
                    self.raise_validation_exception(f"the timer's {tag} is empty")
                return cls(name, text, description=description)
        self.raise_validation_exception("the timer has no timeDate, timeDuration or timeCycle")

    def parse_error_event(self, error_event: Any) -> Any:
        parsed = super().parse_error_event(error_event)  # type: ignore[misc]
        return ContainedError(parsed.name, parsed.code, description=parsed.description)

    def parse_escalation_event(self, escalation_event: Any) -> Any:
        parsed = super().parse_escalation_event(escalation_event)  # type: ignore[misc]
        return ContainedEscalation(parsed.name, parsed.code, description=parsed.description)

    def parse_message_event(self, message_event: Any) -> Any:
        parsed = super().parse_message_event(message_event)  # type: ignore[misc]
        if not parsed.name:
            self.raise_validation_exception("the message event names no message")
        return EngineMessage(parsed.name, parsed.correlation_properties, parsed.expression, parsed.result_var)

    def parse_signal_event(self, signal_event: Any) -> Any:
        parsed = super().parse_signal_event(signal_event)  # type: ignore[misc]
        if not parsed.name:
            self.raise_validation_exception("the signal event names no signal")
        return EngineSignal(parsed.name, description=parsed.description)


class StartEventParser(_EngineEventParsing, CamundaStartEventParser):
    """A process's own start event keeps, for registration, whether the process is a participant
    journey (the process property ``deltagarresa``) and the fields its form asks
    (``camunda:formData``), and for the follow-up the process's ``uppfoljning.*`` properties, as
    JSON in the spec's extensions (they are stored with the spec)."""

    # A start event's form is read as a user task's is.
    get_form = UserTaskParser.get_form
    get_enum_field = UserTaskParser.get_enum_field

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions = super().parse_extensions(node)
        process = self.node.getparent()
        if process is None or etree.QName(process).localname != "process":
            return extensions
        properties = {p.get("name") or "": p.get("value") or "" for p in process.findall(
            f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")}
        if properties.get(JOURNEY_PROPERTY, "").strip().lower() in ("ja", "true"):
            extensions[JOURNEY] = True
        follow_up = {name[len(PREFIX):]: value for name, value in properties.items() if name.startswith(PREFIX)}
        if follow_up:
            extensions[FOLLOW_UP] = follow_up
        if self.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField"):
            extensions[START_FORM] = form_from(self.get_form()).as_json()
        return extensions


class EndEventParser(_EngineEventParsing, CamundaEndEventParser):
    pass


class CatchEventParser(_EngineEventParsing, CamundaIntermediateCatchEventParser):
    pass


class ThrowEventParser(_EngineEventParsing, CamundaIntermediateThrowEventParser):
    pass


class BoundaryEventParser(_EngineEventParsing, CamundaBoundaryEventParser):
    pass


class EngineSendTaskParser(_EngineEventParsing, CamundaEventDefinitionParser, SendTaskParser):
    def create_task(self) -> Any:
        return SendTaskParser.create_task(self)


def message_flow_receiver(node: Any) -> str | None:
    """The executable process a message flow from ``node`` leads to, if one does (the pool it ends
    in, or the process of the element it ends at)."""
    root = node.getroottree().getroot()
    node_id = node.get("id")
    for flow in root.iter(f"{{{BPMN_NS}}}messageFlow"):
        if flow.get("sourceRef") != node_id:
            continue
        target = flow.get("targetRef") or ""
        for participant in root.iter(f"{{{BPMN_NS}}}participant"):
            if participant.get("id") == target:
                target = participant.get("processRef") or ""
                break
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            if process.get("isExecutable") != "true":
                continue
            if process.get("id") == target or any(e.get("id") == target for e in process.iter()):
                return str(process.get("id"))
    return None


class EngineReceiveTaskParser(_EngineEventParsing, CamundaEventDefinitionParser, ReceiveTaskParser):
    """A receive task waits for its message as an intermediate message catch event does."""

    def create_task(self) -> Any:
        return ReceiveTaskParser.create_task(self)


class EngineEventBasedGatewayParser(EventBasedGatewayParser):
    """An event-based gateway whose events the engine lists and fires (:mod:`engine.spiff.event_gateways`)."""

    def create_task(self) -> Any:
        return self._create_task(EngineEventChoice())


class RefusedTaskParser(TaskParser):
    """Parses nothing: the construct is not allowed in this deployment."""

    reason = "this element is not supported"

    def parse_node(self) -> Any:
        self.raise_validation_exception(self.reason)


class RefusedScriptTaskParser(RefusedTaskParser):
    reason = (
        "script tasks are disabled: designers' code does not run on the server "
        "(an operator can enable them with SAMVERKAN_ALLOW_SCRIPTS=1)"
    )


class RefusedServiceTaskParser(RefusedTaskParser):
    reason = (
        "service tasks are not supported: the engine has no external workers "
        "(use a user task, a business rule task or a message)"
    )


class EngineParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {  # noqa: RUF012 - SpiffWorkflow's extension point is a class dict
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (EngineUserTaskParser, UserTask),
        full_tag("subProcess"): (EngineSubProcessParser, CallActivity),
        full_tag("startEvent"): (StartEventParser, StartEvent),
        full_tag("endEvent"): (EndEventParser, EndEvent),
        full_tag("intermediateCatchEvent"): (CatchEventParser, IntermediateCatchEvent),
        full_tag("intermediateThrowEvent"): (ThrowEventParser, IntermediateThrowEvent),
        full_tag("boundaryEvent"): (BoundaryEventParser, BoundaryEvent),
        full_tag("sendTask"): (EngineSendTaskParser, SendTask),
        full_tag("receiveTask"): (EngineReceiveTaskParser, ReceiveTask),
        full_tag("eventBasedGateway"): (EngineEventBasedGatewayParser, EventBasedGateway),
        full_tag("scriptTask"): (RefusedScriptTaskParser, ScriptTask),
        full_tag("serviceTask"): (RefusedServiceTaskParser, ServiceTask),
        full_tag("callActivity"): (EngineCallActivityParser, EngineCallActivity),
    }

    def __init__(self, allow_scripts: bool = False) -> None:
        super().__init__()
        if allow_scripts:
            self.OVERRIDE_PARSER_CLASSES = {
                **self.OVERRIDE_PARSER_CLASSES,
                full_tag("scriptTask"): (ScriptTaskParser, ScriptTask),
            }


GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}


def add_implicit_gateways(tree: etree._ElementTree | etree._Element) -> None:
    """Make a task's several outgoing flows explicit, as BPMN defines them.

    BPMN lets an activity or event split the flow by itself: unconditional outgoing flows all run
    (a parallel split), conditional ones run where their condition holds (an inclusive split).
    SpiffWorkflow refuses both, so the parsed copy gets the gateway the diagram implies. The
    designer's file is left as it was.
    """
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    ns = {"bpmn": BPMN_NS}
    for container in root.xpath(".//bpmn:process | .//bpmn:subProcess | .//bpmn:transaction", namespaces=ns):
        flows = container.xpath("./bpmn:sequenceFlow", namespaces=ns)
        by_source: dict[str, list[Any]] = {}
        for flow in flows:
            by_source.setdefault(flow.get("sourceRef", ""), []).append(flow)
        for node in list(container):
            if not isinstance(node.tag, str) or not node.tag.startswith("{" + BPMN_NS + "}"):
                continue
            local = etree.QName(node).localname
            node_id = node.get("id")
            outgoing = by_source.get(node_id or "", [])
            if local in GATEWAYS or local == "sequenceFlow" or len(outgoing) < 2:
                continue
            conditional = [f for f in outgoing if first(f.xpath("./bpmn:conditionExpression", namespaces=ns))
                           is not None]
            kind = "inclusiveGateway" if conditional else "parallelGateway"
            gateway_id = f"{node_id}__split"
            gateway = etree.SubElement(container, f"{{{BPMN_NS}}}{kind}", id=gateway_id, name="")
            default = node.attrib.pop("default", None)
            if default and kind == "inclusiveGateway":
                gateway.set("default", default)
            for flow in outgoing:
                flow.set("sourceRef", gateway_id)
                if kind == "inclusiveGateway" and flow not in conditional and flow.get("id") != default:
                    condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
                    condition.text = "True"
            etree.SubElement(container, f"{{{BPMN_NS}}}sequenceFlow", id=f"{gateway_id}__in",
                             sourceRef=node_id or "", targetRef=gateway_id)
