"""The engine's validation messages in Swedish (engine/language/problems_sv.py).

Three ways of making sure no English is left on a Swedish designer page:

* every file the repository and the conformance corpus hold, and a small invalid model for every
  place in the source that writes a message, is validated and each message it gives must come out
  Swedish (``test_every_message_of_…``);
* a few translations are checked word for word;
* the source of the modules that write messages is read with :mod:`ast`, and every piece of English
  text in it must be found in the catalog (``test_every_message_written_in_the_source_…``): a new
  message, or a reworded one, fails here until it has a Swedish template.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.api import in_swedish, problem_message, validate
from engine.errors import Problem
from engine.language import problems_sv
from engine.views import SourceFile

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "conformance"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"

#: Words that give an English message away once quoted values are taken out of it.
ENGLISH = (" is ", " the ", "not supported", "refused", " not ", " must ", " cannot ", "allowed", " has no ",
           " needs ", " would ")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def untranslated(message: str) -> str | None:
    """Why ``message`` did not come out Swedish, or None if it did."""
    swedish = in_swedish(message)
    if swedish == message:
        return "no template matches it"
    bare = f" {_QUOTED.sub('', swedish)} "
    left = [word for word in ENGLISH if word in bare]
    return f"English left: {left} in {swedish!r}" if left else None


def assert_swedish(problems: list[Problem]) -> None:
    failures = [f"{p.message!r}: {why}" for p in problems if (why := untranslated(p.message))]
    assert not failures, "\n".join(failures)


# --- building small models -------------------------------------------------------------------------------


def bpmn(body: str, *, process: str = 'id="resa" isExecutable="true"', outside: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}" id="d" targetNamespace="http://t">
  {outside}
  <bpmn:process {process}>{body}</bpmn:process>
</bpmn:definitions>""".encode()


def task(task_id: str = "t", attributes: str = 'camunda:candidateGroups="coach"',
         fields: str = '<camunda:formField id="notering" type="string" />', extra: str = "") -> str:
    return f"""<bpmn:userTask id="{task_id}" name="Uppgift" {attributes}><bpmn:extensionElements>{extra}
      <camunda:formData>{fields}</camunda:formData></bpmn:extensionElements></bpmn:userTask>"""


def through(element: str, element_id: str = "t") -> bytes:
    """start → ``element`` → end."""
    return bpmn(f"""<bpmn:startEvent id="start" />{element}<bpmn:endEvent id="end" />
      <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{element_id}" />
      <bpmn:sequenceFlow id="f2" sourceRef="{element_id}" targetRef="end" />""")


def props(**values: str) -> str:
    found = "".join(f'<camunda:property name="{k}" value="{v}" />' for k, v in values.items())
    return f"<camunda:properties>{found}</camunda:properties>"


def with_props(kind: str, element_id: str = "x", **values: str) -> str:
    return f'<bpmn:{kind} id="{element_id}"><bpmn:extensionElements>{props(**values)}</bpmn:extensionElements>' \
           f"</bpmn:{kind}>"


def field(constraint: str, field_type: str = "long") -> str:
    return f"""<camunda:formField id="f" type="{field_type}"><camunda:validation>{constraint}</camunda:validation>
      </camunda:formField>"""


def called(attributes: str = "", mapping: str = "") -> bytes:
    """start → a call activity of the process ``del`` → end."""
    return through(f'<bpmn:callActivity id="t" calledElement="del" {attributes}><bpmn:extensionElements>{mapping}'
                   "</bpmn:extensionElements></bpmn:callActivity>")


def gated(condition: str, language: str = "") -> bytes:
    """start → exclusive gateway → (``condition``) end | (default) end."""
    return bpmn(f"""<bpmn:startEvent id="start" /><bpmn:exclusiveGateway id="gw" default="f_nej" />
      <bpmn:endEvent id="ja" /><bpmn:endEvent id="nej" />
      <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
      <bpmn:sequenceFlow id="f_ja" sourceRef="gw" targetRef="ja">
        <bpmn:conditionExpression {language}>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="f_nej" sourceRef="gw" targetRef="nej" />""")


def timer(definition: str, event: str = "intermediateCatchEvent", extra: str = "") -> bytes:
    return through(f'<bpmn:{event} id="t"><bpmn:timerEventDefinition>{definition}</bpmn:timerEventDefinition>'
                   f"{extra}</bpmn:{event}>")


def time_date(text: str) -> bytes:
    return timer(f"<bpmn:timeDate>{text}</bpmn:timeDate>")


def multi(loop: str) -> bytes:
    return through(task(extra="").replace("</bpmn:userTask>", f"{loop}</bpmn:userTask>"))


def output(parameter: str) -> bytes:
    return through(task(extra=f"<camunda:inputOutput>{parameter}</camunda:inputOutput>"))


def dmn(table: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN_NS}" id="d" name="D" namespace="http://t">{table}</definitions>""".encode()


def decision(input_text: str = "alder", cell: str = "&lt; 18") -> bytes:
    return dmn(f"""<decision id="beslut" name="Beslut"><decisionTable id="tabell">
      <input id="in"><inputExpression id="ie"><text>{input_text}</text></inputExpression></input>
      <output id="out" name="grupp" />
      <rule id="r1"><inputEntry id="c1"><text>{cell}</text></inputEntry>
        <outputEntry id="o1"><text>"ung"</text></outputEntry></rule>
    </decisionTable></decision>""")


NOTICE_FIELDS = '<camunda:formField id="d" type="date" /><camunda:formField id="fritext" type="string" />'


def notice(kind: str = "userTask", *, due: str = "", **values: str) -> bytes:
    if kind == "userTask":
        return through(task(attributes=f'camunda:candidateGroups="coach" {due}', fields=NOTICE_FIELDS,
                            extra=props(**values)))
    return through(task("a", fields=NOTICE_FIELDS) + with_props(kind, "t", **values)).replace(
        b'targetRef="t" />', b'targetRef="a" /><bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="t" />', 1)


MESSAGE = '<bpmn:messageEventDefinition messageRef="msg" />'
TWO_WEEKS = "<bpmn:timerEventDefinition><bpmn:timeDuration>P14D</bpmn:timeDuration></bpmn:timerEventDefinition>"


def waits(*branches: str, flow: str = "", extra: str = "") -> bytes:
    """start → event-based gateway → each branch (an element with id b0, b1 …); the message "svar"."""
    flows = "".join(f'<bpmn:sequenceFlow id="g{i}" sourceRef="gw" targetRef="b{i}">{flow}</bpmn:sequenceFlow>'
                    for i in range(len(branches)))
    return bpmn('<bpmn:startEvent id="start" /><bpmn:eventBasedGateway id="gw" />' + "".join(branches) + flows
                + '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />' + extra,
                outside='<bpmn:message id="msg" name="svar" />')


def catch(index: int, definition: str) -> str:
    return f'<bpmn:intermediateCatchEvent id="b{index}">{definition}</bpmn:intermediateCatchEvent>'


def in_phase(thrower: str, boundary: str = "", outside: str = "") -> bytes:
    """start → sub-process "fas" (start → ``thrower`` with id "x") → end, with ``boundary`` beside it."""
    return bpmn(f"""<bpmn:startEvent id="start" /><bpmn:subProcess id="fas"><bpmn:startEvent id="in" />{thrower}
      <bpmn:sequenceFlow id="p1" sourceRef="in" targetRef="x" /></bpmn:subProcess>{boundary}<bpmn:endEvent id="end" />
      <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fas" />
      <bpmn:sequenceFlow id="f2" sourceRef="fas" targetRef="end" />""", outside=outside)


ERROR_END = '<bpmn:endEvent id="x"><bpmn:errorEventDefinition errorRef="fel" /></bpmn:endEvent>'
ESCALATION_END = '<bpmn:endEvent id="x"><bpmn:escalationEventDefinition escalationRef="esk" /></bpmn:endEvent>'
CODES = '<bpmn:error id="fel" errorCode="AVBROTT" /><bpmn:escalation id="esk" escalationCode="CHEF" />'


MANY_BRANCHES = bpmn('<bpmn:startEvent id="start" /><bpmn:parallelGateway id="gw" /><bpmn:endEvent id="end" />'
                     '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />'
                     + "".join(f'<bpmn:sequenceFlow id="b{i}" sourceRef="gw" targetRef="end" />' for i in range(201)))

def _timer_start(change: tuple[str, str]) -> str:
    """The selection meeting that opens its cases every six weeks (tests/bpmn/urval_rhythm.bpmn), changed."""
    return (ROOT / "tests/bpmn/urval_rhythm.bpmn").read_text().replace(*change, 1)


#: (what the model is, its files, a piece of the English message it must give). One per message site.
CASES: list[tuple[str, list[tuple[str, bytes | str]], str]] = [
    # xml_safety.py
    ("doctype", [("a.bpmn", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>')],
     "declares a DOCTYPE"),
    ("unknown encoding", [("a.bpmn", '<?xml version="1.0" encoding="x-nope"?><a/>')], "unknown encoding"),
    ("unrepresentable", [("a.bpmn", '<?xml version="1.0" encoding="latin-1"?><a>€</a>')], "cannot represent"),
    ("too large", [("a.bpmn", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")], "larger than 5 MB"),
    ("empty", [("a.bpmn", b"  ")], "the file is empty"),
    ("unsupported encoding", [("a.bpmn", b'<?xml version="1.0" encoding="x-nope"?><a/>')],
     "encoding that is not supported"),
    ("not utf-8", [("a.bpmn", b"<a>\xff\xfe</a>")], "the file declares no encoding"),
    ("not the declared", [("a.bpmn", b'<?xml version="1.0" encoding="UTF-8"?><a>\xff\xfe</a>')],
     "the encoding the file declares"),
    ("not well-formed", [("a.bpmn", b"<a><b></a>")], "not well-formed XML"),
    ("control character", [("a.bpmn", b"<a>\x01</a>")], "contains the character U+0001"),
    ("character reference", [("a.bpmn", b"<a>&#1;</a>")], "refers to the character U+0001"),
    # model_files.py, loading.py
    ("foreign root", [("a.bpmn", b"<html />")], "not a BPMN 2.0 or DMN file"),
    ("only dmn", [("a.dmn", decision())], "no BPMN file was given"),
    ("decision missing", [("a.bpmn", through(
        '<bpmn:businessRuleTask id="t" camunda:decisionRef="saknas" />'))], "is not among the DMN files"),
    ("no start event", [("a.bpmn", bpmn(task() + '<bpmn:endEvent id="end" />'
                                        '<bpmn:sequenceFlow id="f" sourceRef="t" targetRef="end" />'))],
     "No start event found"),
    ("sub-process without start", [("a.bpmn", through(
        f'<bpmn:subProcess id="t">{task("inne")}</bpmn:subProcess>'))], "the sub-process has no start event"),
    ("two starts in a sub-process", [("a.bpmn", through(
        '<bpmn:subProcess id="t"><bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" /></bpmn:subProcess>'))],
     "Exactly one start event"),
    # validation/bpmn.py
    ("no process", [("a.bpmn", bpmn("").replace(b'<bpmn:process id="resa" isExecutable="true"></bpmn:process>',
                                               b""))], "contains no BPMN process"),
    ("not executable", [("a.bpmn", bpmn("", process='id="resa"'))], "not marked executable"),
    ("bad key", [("a.bpmn", bpmn("", process='id="1 resa" isExecutable="true"'))], "cannot be a process key"),
    ("duplicate id", [("a.bpmn", through(task() + '<bpmn:task id="t" />'))], "used by more than one element"),
    ("field with an element's id", [("a.bpmn", through(task(fields='<camunda:formField id="start" />')))],
     "the form field 'start' has the same id"),
    ("enum value with an element's id", [("a.bpmn", through(task(
        fields='<camunda:formField id="v" type="enum"><camunda:value id="end" name="Slut" /></camunda:formField>')))],
     "the enum value 'end' has the same id"),
    ("flow without ends", [("a.bpmn", through(task() + '<bpmn:sequenceFlow id="lost" />'))],
     "has no source (sourceRef)"),
    ("flow to nowhere", [("a.bpmn", through(task() + '<bpmn:sequenceFlow id="x" sourceRef="ut" targetRef="in" />'))],
     "sequence flow's source 'ut'"),
    ("second flow into a join", [("a.bpmn", bpmn(
        '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="j" /><bpmn:endEvent id="end" />'
        '<bpmn:sequenceFlow id="a" sourceRef="start" targetRef="j" />'
        '<bpmn:sequenceFlow id="b" sourceRef="start" targetRef="j" />'
        '<bpmn:sequenceFlow id="c" sourceRef="j" targetRef="end" />'))], "a second sequence flow"),
    ("too many branches", [("a.bpmn", MANY_BRANCHES)], "sequence flows leave or enter this element"),
    ("boundary on an event", [("a.bpmn", through(task() + '<bpmn:boundaryEvent id="b" attachedToRef="start">'
                                                 "<bpmn:messageEventDefinition /></bpmn:boundaryEvent>"))],
     "which is not an activity"),
    ("boundary on nothing", [("a.bpmn", through(task() + '<bpmn:boundaryEvent id="b">'
                                                "<bpmn:messageEventDefinition /></bpmn:boundaryEvent>"))],
     "attached to no activity"),
    ("default flow elsewhere", [("a.bpmn", through(task(attributes='camunda:candidateGroups="c" default="f1"')))],
     "the default flow 'f1'"),
    ("concurrent tasks off a user task", [("a.bpmn", through(with_props("task", "t", samtidiga_uppgifter="2")))],
     "samtidiga_uppgifter belongs"),
    ("concurrent tasks zero", [("a.bpmn", through(task(extra=props(samtidiga_uppgifter="0"))))],
     "samtidiga_uppgifter is '0'"),
    ("pause off a user task", [("a.bpmn", through(with_props("task", "t", pausar_arendet="ja")))],
     "pausar_arendet belongs on userTask, not on <task>"),
    ("pause maybe", [("a.bpmn", through(task(extra=props(pausar_arendet="kanske"))))],
     "pausar_arendet is 'kanske'; write ja or nej"),
    *[(kind, [("a.bpmn", through(f'<bpmn:{kind} id="t" />'))], "not supported" if kind != "scriptTask" else "disabled")
      for kind in ("serviceTask", "complexGateway", "adHocSubProcess", "transaction", "scriptTask")],
    *[(definition, [("a.bpmn", through(f'<bpmn:intermediateCatchEvent id="t"><bpmn:{definition} />'
                                        "</bpmn:intermediateCatchEvent>"))], "events are not supported")
      for definition in ("compensateEventDefinition", "linkEventDefinition", "conditionalEventDefinition")],
    ("unknown element", [("a.bpmn", through(task() + '<bpmn:callConversation id="c" />'))],
     "the element <callConversation> is not supported"),
    ("message without a name", [("a.bpmn", through('<bpmn:intermediateThrowEvent id="t"><bpmn:messageEventDefinition />'
                                                   "</bpmn:intermediateThrowEvent>"))], "the message has no name"),
    ("message to nobody", [("a.bpmn", through('<bpmn:sendTask id="t" name="Skicka" />'))], "goes to no case"),
    ("signal start", [("a.bpmn", through(task()).replace(
        b'<bpmn:startEvent id="start" />',
        b'<bpmn:startEvent id="start"><bpmn:signalEventDefinition /></bpmn:startEvent>'))],
     "signal start events"),
    ("sending property elsewhere", [("a.bpmn", through(task(extra=props(till_process="x"))))],
     "till_process belongs on an element that sends"),
    ("message sent by code", [("a.bpmn", through('<bpmn:sendTask id="t" name="S" camunda:class="a.B" />'))],
     "camunda:class runs code"),
    *[(f"sending: {what}", [("a.bpmn", through(with_props("sendTask", "t", **{name: value})))], expected)
      for what, name, value, expected in (
          ("key", "till_process", "a b", "till_process 'a b' is not a process key"),
          ("fields", "skicka", "ok, 1x", "skicka names '1x'"),
          ("cases", "till_arende", "__import__('os')", "till_arende '__import__('os')' is refused"))],
    ("signal to cases", [("a.bpmn", through('<bpmn:intermediateThrowEvent id="t"><bpmn:extensionElements>'
                                            '<camunda:properties><camunda:property name="till_arende" value="x" />'
                                            '</camunda:properties></bpmn:extensionElements>'
                                            '<bpmn:signalEventDefinition /></bpmn:intermediateThrowEvent>'))],
     "till_arende belongs on a message"),
    # validation/events.py
    ("gateway with one branch", [("a.bpmn", waits(catch(0, MESSAGE)))], "needs at least two outgoing"),
    ("gateway flow with a condition", [("a.bpmn", waits(catch(0, MESSAGE), catch(1, TWO_WEEKS),
                                                        flow="<bpmn:conditionExpression>a</bpmn:conditionExpression>"))],
     "has a condition; the event that comes first"),
    ("gateway to a task", [("a.bpmn", waits(catch(0, MESSAGE), task("b1")))], "which is neither an intermediate"),
    ("gateway branch reached twice", [("a.bpmn", waits(catch(0, MESSAGE), catch(1, TWO_WEEKS), extra=(
        '<bpmn:sequenceFlow id="again" sourceRef="start" targetRef="b1" />')))], "another incoming sequence flow"),
    ("gateway branch waiting for nothing", [("a.bpmn", waits(catch(0, MESSAGE), catch(1, "")))],
     "can wait only for a message or a timer"),
    ("gateway with two timers", [("a.bpmn", waits(catch(0, MESSAGE), catch(1, TWO_WEEKS), catch(2, TWO_WEEKS)))],
     "can wait for one timer; 2 are drawn"),
    ("gateway with one message twice", [("a.bpmn", waits(catch(0, MESSAGE), catch(1, MESSAGE)))],
     "the message 'svar' is awaited by more than one branch"),
    ("receive task without message", [("a.bpmn", through('<bpmn:receiveTask id="t" />'))], "names no message"),
    ("error not declared", [("a.bpmn", in_phase(ERROR_END))], "which is no <bpmn:error> of the file"),
    ("error caught in flight", [("a.bpmn", through('<bpmn:intermediateCatchEvent id="t">'
                                                   '<bpmn:errorEventDefinition /></bpmn:intermediateCatchEvent>'))],
     "cannot wait for an error or an escalation"),
    ("error thrown in flight", [("a.bpmn", through('<bpmn:intermediateThrowEvent id="t">'
                                                   '<bpmn:errorEventDefinition /></bpmn:intermediateThrowEvent>'))],
     "an error is thrown only by an end event"),
    ("error uncaught", [("a.bpmn", in_phase(ERROR_END, outside=CODES))], "the error 'AVBROTT' is caught by no"),
    ("error without code uncaught", [("a.bpmn", in_phase('<bpmn:endEvent id="x"><bpmn:errorEventDefinition />'
                                                         "</bpmn:endEvent>"))], "the error without a code"),
    ("escalation uncaught", [("a.bpmn", in_phase(ESCALATION_END, outside=CODES))], "the escalation 'CHEF'"),
    ("escalation without code uncaught", [("a.bpmn", in_phase(
        '<bpmn:endEvent id="x"><bpmn:escalationEventDefinition /></bpmn:endEvent>'))], "the escalation without a"),
    ("error boundary on a task", [("a.bpmn", through(task() + '<bpmn:boundaryEvent id="b" attachedToRef="t">'
                                                     "<bpmn:errorEventDefinition /></bpmn:boundaryEvent>"))],
     "it would never fire"),
    ("error boundary not interrupting", [("a.bpmn", in_phase(ERROR_END, outside=CODES, boundary=(
        '<bpmn:boundaryEvent id="b" attachedToRef="fas" cancelActivity="false">'
        '<bpmn:errorEventDefinition /></bpmn:boundaryEvent>')))], "always interrupts"),
    ("loop without condition", [("a.bpmn", multi("<bpmn:standardLoopCharacteristics />"))],
     "a loop needs a loop condition"),
    ("loop maximum", [("a.bpmn", multi('<bpmn:standardLoopCharacteristics loopMaximum="x">'
                                       "<bpmn:loopCondition>a</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"))],
     "loopMaximum 'x' is not"),
    ("loop condition empty", [("a.bpmn", multi("<bpmn:standardLoopCharacteristics><bpmn:loopCondition> "
                                               "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"))],
     "the loop condition is empty"),
    ("loop condition refused", [("a.bpmn", multi("<bpmn:standardLoopCharacteristics><bpmn:loopCondition>a **"
                                                 "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"))],
     "loop condition 'a **' is refused"),
    ("loop on a task", [("a.bpmn", through('<bpmn:task id="t"><bpmn:standardLoopCharacteristics loopMaximum="2" />'
                                           "</bpmn:task>"))], "not on <task>"),
    ("loop on an event sub-process", [("a.bpmn", through(
        '<bpmn:subProcess id="t" triggeredByEvent="true"><bpmn:multiInstanceLoopCharacteristics '
        'camunda:collection="a" /></bpmn:subProcess>'))], "not on event sub-processes"),
    ("collection and cardinality", [("a.bpmn", multi(
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="a"><bpmn:loopCardinality>2'
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"))], "both a collection"),
    ("cardinality empty", [("a.bpmn", multi("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>"
                                            "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"))],
     "the loop cardinality is empty"),
    ("cardinality too large", [("a.bpmn", multi("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>"
                                                "5000</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"))],
     "the loop cardinality 5000 is above 200"),
    ("element variable", [("a.bpmn", multi('<bpmn:multiInstanceLoopCharacteristics camunda:collection="a" '
                                           'camunda:elementVariable="a b" />'))], "the element variable 'a b'"),
    ("element variable is the collection", [("a.bpmn", multi(
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${a}" camunda:elementVariable="a" />'))],
     "has the name of the collection"),
    ("element variable is the output", [("a.bpmn", multi(
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="b" camunda:elementVariable="a">'
        "<bpmn:loopDataOutputRef>a</bpmn:loopDataOutputRef></bpmn:multiInstanceLoopCharacteristics>"))],
     "has the name of the output collection"),
    ("output collection", [("a.bpmn", multi(
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="b">'
        "<bpmn:loopDataOutputRef>a.b</bpmn:loopDataOutputRef></bpmn:multiInstanceLoopCharacteristics>"))],
     "the output collection 'a.b'"),
    ("completion empty", [("a.bpmn", multi(
        '<bpmn:multiInstanceLoopCharacteristics camunda:collection="b">'
        "<bpmn:completionCondition></bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>"))],
     "the completion condition is empty"),
    ("multi-instance without count", [("a.bpmn", multi("<bpmn:multiInstanceLoopCharacteristics />"))],
     "needs a loop cardinality"),
    ("cardinality", [("a.bpmn", multi("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3 +"
                                      "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"))],
     "loop cardinality '3 +' is refused"),
    ("collection", [("a.bpmn", multi('<bpmn:multiInstanceLoopCharacteristics camunda:collection="a b" />'))],
     "the collection 'a b' must name a case variable"),
    ("completion", [("a.bpmn", multi('<bpmn:multiInstanceLoopCharacteristics camunda:collection="a">'
                                     "<bpmn:completionCondition>_x</bpmn:completionCondition>"
                                     "</bpmn:multiInstanceLoopCharacteristics>"))],
     "completion condition '_x' is refused"),
    ("input parameter", [("a.bpmn", output('<camunda:inputParameter name="x">1</camunda:inputParameter>'))],
     "input parameters are not supported"),
    ("output name", [("a.bpmn", output('<camunda:outputParameter name="1x">1</camunda:outputParameter>'))],
     "output parameter '1x': the name must start"),
    ("output script", [("a.bpmn", output(
        '<camunda:outputParameter name="x"><camunda:list /></camunda:outputParameter>'))],
     "only an expression is supported"),
    ("output empty", [("a.bpmn", output('<camunda:outputParameter name="x"> </camunda:outputParameter>'))],
     "output parameter 'x' has no expression"),
    ("output refused", [("a.bpmn", output('<camunda:outputParameter name="x">len(1)</camunda:outputParameter>'))],
     "output parameter 'x' 'len(1)' is refused: 'len(1)' fails on every run"),
    ("output feel", [("a.bpmn", output('<camunda:outputParameter name="x">= a</camunda:outputParameter>'))],
     "is a FEEL expression"),
    ("condition language", [("a.bpmn", gated("a", 'language="feel"'))], "condition language 'feel'"),
    ("condition resource", [("a.bpmn", gated("", 'camunda:resource="x.js"'))], "external resources"),
    ("condition empty", [("a.bpmn", gated(" "))], "the condition is empty"),
    ("condition refused", [("a.bpmn", gated("a ** 2"))], "condition 'a ** 2' is refused: operator '**'"),
    ("condition fails", [("a.bpmn", gated("1 / 0 == a"))], "fails on every run: division by zero"),
    ("gateway without condition", [("a.bpmn", gated("a").replace(b'default="f_nej"', b""))],
     "the flow out of gateway gw"),
    ("business rule task", [("a.bpmn", through('<bpmn:businessRuleTask id="t" />'))], "names no decision"),
    ("call activity", [("a.bpmn", through('<bpmn:callActivity id="t" />'))], "names no process to call"),
    # validation/call_activities.py, spiff/loading.py (the catalog's refusals: tests/engine/test_call_activities.py)
    ("binding", [("a.bpmn", called('camunda:calledElementBinding="versionTag"'))], "binding 'versionTag'"),
    ("no version", [("a.bpmn", called('camunda:calledElementBinding="version"'))], "names no version number"),
    ("version unbound", [("a.bpmn", called('camunda:calledElementVersion="2"'))], "not bound to it"),
    ("business key", [("a.bpmn", called("", '<camunda:in businessKey="${x}" />'))], "businessKey"),
    ("variables", [("a.bpmn", called("", '<camunda:out variables="some" />'))], "variables='some'"),
    ("no source", [("a.bpmn", called("", '<camunda:in target="x" />'))], "needs a source"),
    ("bad source", [("a.bpmn", called("", '<camunda:in source="a b" target="x" />'))], "source 'a b'"),
    ("bad target", [("a.bpmn", called("", '<camunda:out source="a" target="1x" />'))], "target '1x'"),
    ("source expression", [("a.bpmn", called("", '<camunda:in sourceExpression="${x +}" target="y" />'))],
     "camunda:in 'y'"),
    ("mapping class", [("a.bpmn", called('camunda:variableMappingClass="se.x.Mapping"'))],
     "variableMappingClass is not supported"),
    ("not in the files", [("a.bpmn", called())], "not among these files"),
    ("not deployed with it", [("a.bpmn", called('camunda:calledElementBinding="deployment"'))],
     "not among the files deployed with it"),
    ("calls itself", [("a.bpmn", through('<bpmn:callActivity id="t" calledElement="resa" />'))], "calls itself"),
    ("timer and message", [("a.bpmn", timer("<bpmn:timeDuration>P1D</bpmn:timeDuration>",
                                            extra="<bpmn:messageEventDefinition />"))],
     "a timer and other definitions"),
    ("timer without time", [("a.bpmn", timer(""))], "the timer has no time date"),
    ("timer empty", [("a.bpmn", timer("<bpmn:timeDuration> </bpmn:timeDuration>"))], "the timer's duration is empty"),
    ("timer too long", [("a.bpmn", timer("<bpmn:timeDuration>P999Y</bpmn:timeDuration>"))], "longest wait allowed"),
    ("timer too often", [("a.bpmn", timer("<bpmn:timeCycle>R/PT1M</bpmn:timeCycle>"))], "fires too often"),
    ("timer long ago", [("a.bpmn", time_date("1900-01-01"))], "is outside 1970–2199"),
    ("cycle long ago", [("a.bpmn", timer("<bpmn:timeCycle>R/1900-01-01T00:00:00/P1D</bpmn:timeCycle>"))],
     "the cycle starts outside"),
    ("timer not usable", [("a.bpmn", timer("<bpmn:timeDuration>P1.5D</bpmn:timeDuration>"))],
     "is not a usable ISO 8601 duration: not an ISO 8601 duration: 'P1.5D' (only seconds"),
    ("timer day", [("a.bpmn", time_date("2026-02-30"))], "(day is out of range for month)"),
    ("timer cycle end", [("a.bpmn", timer("<bpmn:timeCycle>R/P1D/2026-01-01</bpmn:timeCycle>"))],
     "cycles ending at a date"),
    ("timer expression refused", [("a.bpmn", time_date("${__import__('os')}"))], "function '__import__'"),
    ("timer neither", [("a.bpmn", time_date("om två veckor"))], "is neither ISO 8601"),
    ("timer cron", [("a.bpmn", timer("<bpmn:timeCycle>0 0 8 * * ?</bpmn:timeCycle>"))], "cron expressions"),
    ("timer constant", [("a.bpmn", time_date("1 + 1"))], "is not ISO 8601 (e.g. 2026-03-01T08:00:00+01:00)"),
    # validation/user_tasks.py
    ("no role", [("a.bpmn", through(task(attributes="")))], "the user task has no role"),
    *[(attribute, [("a.bpmn", through(task(attributes=f'camunda:{attribute}="${{a b}}"')))],
       f"{attribute} '${{a b}}' is refused") for attribute in ("candidateGroups", "candidateUsers", "assignee")],
    *[(attribute, [("a.bpmn", through(task(attributes=f'camunda:candidateGroups="c" camunda:{attribute}="a +"')))],
       f"{attribute} 'a +' is refused") for attribute in ("dueDate", "followUpDate")],
    ("form key and fields", [("a.bpmn", through(task(attributes='camunda:candidateGroups="c" camunda:formKey="k"')))],
     "camunda:formKey is ignored"),
    ("form key", [("a.bpmn", through(task(attributes='camunda:candidateGroups="c" camunda:formKey="k"', fields="")))],
     "external forms"),
    ("no fields", [("a.bpmn", through(task(fields="")))], "has no form fields"),
    ("field id", [("a.bpmn", through(task(fields='<camunda:formField id="1x" />')))], "the id must start"),
    ("field twice", [("a.bpmn", through(task(fields='<camunda:formField id="a" /><camunda:formField id="a" />')))],
     "is declared twice"),
    ("field type", [("a.bpmn", through(task(fields='<camunda:formField id="a" type="textarea" />')))],
     "has type 'textarea'"),
    ("enum without values", [("a.bpmn", through(task(fields='<camunda:formField id="a" type="enum" />')))],
     "an enum without values"),
    ("unknown validation", [("a.bpmn", through(task(
        fields=field('<camunda:constraint name="pattern" config="x" />'))))],
     "validation 'pattern' is not supported"),
    ("villkor", [("a.bpmn", through(task(fields=field('<camunda:constraint name="villkor" config="f >" />'))))],
     "form field 'f': the condition (villkor) 'f >' is refused"),
    ("constraint without value", [("a.bpmn", through(task(fields=field('<camunda:constraint name="min" />'))))],
     "validation 'min' needs a value"),
    ("minlength", [("a.bpmn", through(task(fields=field('<camunda:constraint name="minlength" config="x" />',
                                                          "string"))))], "needs a whole number"),
    ("date min", [("a.bpmn", through(task(fields=field('<camunda:constraint name="min" config="x" />', "date"))))],
     "needs an ISO date"),
    ("number max", [("a.bpmn", through(task(fields=field('<camunda:constraint name="max" config="x" />'))))],
     "validation 'max' needs a number"),
    # validation/start_events.py (tests/engine/test_timer_starts.py has the whole messages)
    *[(name, [("a.bpmn", _timer_start(change))], expected) for name, change, expected in (
        ("timer start of a journey", ('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements>'
                                      '<camunda:properties><camunda:property name="deltagarresa" value="ja" />'
                                      '</camunda:properties></bpmn:extensionElements>'),
         "cannot open its cases on a timer"),
        ("timer start by an expression", ("R/P6W", "${rytm}"), "must be ISO 8601 text"),
        ("two timer starts", ("</bpmn:process>", '<bpmn:startEvent id="s2"><bpmn:timerEventDefinition><bpmn:timeCycle>'
                                                 'R/P1M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>'
                                                 "</bpmn:process>"), "on one timer start event only"),
        ("timer start inside a sub-process", ("</bpmn:process>", '<bpmn:subProcess id="sp"><bpmn:startEvent id="s2">'
                                              "<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
                                              "</bpmn:timerEventDefinition></bpmn:startEvent></bpmn:subProcess>"
                                              "</bpmn:process>"), "inside an embedded sub-process never fires"),
    )],
    ("required start field beside a timer start", [("a.bpmn", (ROOT / "tests/bpmn/urval_rhythm_or_by_hand.bpmn")
                                                     .read_text().replace('type="string" />', 'type="string">'
                                                     '<camunda:validation><camunda:constraint name="required" />'
                                                     "</camunda:validation></camunda:formField>"))],
     "nobody answers it in the cases the timer start event"),
    # validation/notice_properties.py
    ("notice on a gateway", [("a.bpmn", notice("exclusiveGateway", meddela="remittent", meddelande="Hej"))],
     "a <exclusiveGateway> cannot send a notice"),
    ("notice without text", [("a.bpmn", notice(meddela="remittent"))], "there is no meddelande"),
    ("text without recipients", [("a.bpmn", notice(meddelande="Hej"))], "meddela names nobody"),
    ("unknown recipient", [("a.bpmn", notice(meddela="chefen", meddelande="Hej"))], "unknown recipient 'chefen'"),
    ("task-only recipient", [("a.bpmn", notice("task", meddela="tilldelad", meddelande="Hej"))],
     "'tilldelad' is only known on a user task"),
    ("role without name", [("a.bpmn", notice(meddela="roll:", meddelande="Hej"))], "needs a role name"),
    ("user without name", [("a.bpmn", notice(meddela="anvandare:", meddelande="Hej"))], "needs a data name"),
    ("calendar off a user task", [("a.bpmn", notice("task", kalender="d"))], "kalender marks a meeting task"),
    ("calendar guests without date", [("a.bpmn", notice(kalender_till="tilldelad"))], "kalender names no date"),
    ("calendar not a date", [("a.bpmn", notice(kalender="fritext"))], "kalender 'fritext' is neither"),
    ("calendar due date", [("a.bpmn", notice(kalender="forfallodatum"))], "the task has no due date"),
    ("calendar guest unknown", [("a.bpmn", notice(kalender="d", kalender_till="chefen"))],
     "kalender_till: unknown recipient"),
    ("text too long", [("a.bpmn", notice(meddela="remittent", meddelande="x" * 5000))], "meddelande is longer than"),
    ("lone brace", [("a.bpmn", notice(meddela="remittent", meddelande="a { b"))], "a lone '{'"),
    ("no placeholder", [("a.bpmn", notice(meddela="remittent", meddelande="{a.b}"))], "is not a placeholder"),
    ("unknown placeholder", [("a.bpmn", notice(meddela="remittent", meddelande="{okand}"))], "unknown placeholder"),
    ("free text mailed", [("a.bpmn", notice(meddela="remittent", meddelande="{fritext}"))], "is a free-text field"),
    # validation/dmn.py
    ("no decision", [("a.bpmn", through(task())), ("a.dmn", dmn(""))], "the DMN file contains no decision"),
    ("no table", [("a.bpmn", through(task())), ("a.dmn", dmn('<decision id="b"><literalExpression /></decision>'))],
     "only decision tables"),
    ("input expression", [("a.bpmn", through(task())), ("a.dmn", decision(input_text="alder +"))],
     "input expression 'alder +' is refused"),
    ("cell", [("a.bpmn", through(task())), ("a.dmn", decision(cell="&lt;&lt; 18"))],
     "cell of rule r1 '&lt;&lt; 18' is refused".replace("&lt;", "<")),
]


def problems_of(files: list[tuple[str, bytes | str]]) -> list[Problem]:
    return validate([SourceFile(name, content) for name, content in files])  # type: ignore[arg-type]


@pytest.mark.parametrize(("files", "expected"), [(f, e) for _, f, e in CASES], ids=[c[0] for c in CASES])
def test_every_message_site_gives_a_message_that_comes_out_swedish(
        files: list[tuple[str, bytes | str]], expected: str) -> None:
    problems = problems_of(files)
    assert any(expected in p.message for p in problems), [p.message for p in problems]
    assert_swedish(problems)


def model_files() -> Iterator[Path]:
    for pattern in ("tests/**/*.bpmn", "tests/**/*.dmn", "processes/*.bpmn", "processes/*.dmn"):
        yield from sorted(ROOT.glob(pattern))
    if CORPUS.is_dir():
        yield from sorted(CORPUS.rglob("*.bpmn"))
        yield from sorted(CORPUS.rglob("*.dmn"))


MODEL_FILES = list(model_files())


def test_the_model_files_are_there() -> None:
    assert len(MODEL_FILES) >= 20
    assert any(p.parent.name == "hostile" for p in MODEL_FILES)


@pytest.mark.parametrize("path", MODEL_FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_message_of_the_repositorys_and_the_corpuss_models_comes_out_swedish(path: Path) -> None:
    assert_swedish(validate([SourceFile(path.name, path.read_bytes())]))


# --- word for word ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("english", "swedish"), [
    ("condition 'x ==' is refused: syntax error at column 9: invalid syntax",
     "villkoret 'x ==' godtas inte: syntaxfel vid tecken 9: ogiltig syntax"),
    ("assignee '#{service.findEditor(id)}' is refused: attribute 'findEditor' is not allowed",
     "den tilldelade (camunda:assignee) '#{service.findEditor(id)}' godtas inte: "
     "attributet 'findEditor' är inte tillåtet"),
    ("output parameter 'summa' '1 / 0' is refused: '1 / 0' fails on every run: division by zero",
     "utdataparametern 'summa' '1 / 0' godtas inte: '1 / 0' misslyckas varje gång: division med noll"),
    ("timer duration 'P1.5D' is not a usable ISO 8601 duration: not an ISO 8601 duration: 'P1.5D' "
     "(only seconds may have a fraction); write e.g. P14D, P1M or PT2H30M",
     "timerns varaktighet 'P1.5D' är inte en användbar ISO 8601-varaktighet: inte en ISO 8601-varaktighet: "
     "'P1.5D' (bara sekunder får ha decimaler); skriv t.ex. P14D, P1M eller PT2H30M"),
    ("the user task has no role: set candidate groups (camunda:candidateGroups) or an assignee",
     "användaruppgiften har ingen roll: ange roller (camunda:candidateGroups) eller en tilldelad "
     "(camunda:assignee)"),
    ("form field 'is the': validation 'min' needs a number",
     "formulärfältet 'is the': valideringen 'min' behöver ett tal"),
    ("pausar_arendet belongs on userTask, not on <task>", "pausar_arendet hör hemma på userTask, inte på <task>"),
    ("under_paus is 'x'; write löper or loper", "under_paus är 'x'; skriv löper eller loper"),
])
def test_translations_word_for_word(english: str, swedish: str) -> None:
    assert in_swedish(english) == swedish


def test_values_from_the_model_are_never_translated() -> None:
    # An id that reads like a message stays as it is: only the engine's own words are translated.
    assert in_swedish("the id 'the condition is empty' is used by more than one element; ids must be unique") == \
        "id:t 'the condition is empty' används av mer än ett element; varje id måste vara unikt"
    assert in_swedish("condition 'division by zero' is refused: expression is empty") == \
        "villkoret 'division by zero' godtas inte: uttrycket är tomt"


def test_unknown_or_swedish_text_is_left_as_it_is() -> None:
    assert in_swedish("something nobody wrote a template for") == "something nobody wrote a template for"
    assert in_swedish("processen måste ha id resa") == "processen måste ha id resa"


def test_the_language_chooses_the_text() -> None:
    problem = Problem("a.bpmn", "gw", "the condition is empty")
    assert problem_message(problem, "sv") == problem_message(problem, "sv_SE") == "villkoret är tomt"
    assert problem_message(problem, "en") == problem_message(problem, "de") == "the condition is empty"


# --- the catalog against the source ----------------------------------------------------------------------

#: The modules that write the messages a Problem can carry (directly or as the reason of another).
SOURCES = [
    "engine/definitions/validation/*.py", "engine/definitions/xml_safety.py", "engine/definitions/model_files.py",
    "engine/spiff/loading.py", "engine/language/expressions/*.py", "engine/language/timers.py",
    "engine/language/notice_templates.py",
]
#: Names assigned English text that is not a message (descriptions for the documentation).
NOT_MESSAGES = {"RECIPIENTS", "PREFIXED", "CONTEXT"}
#: Text with two words in a row: what a message is made of (ids, tags and paths have none).
_WORDS = re.compile(r"[A-Za-z]{2,} [a-z]{2,}")
HOLE = "\x00"


def _skeleton(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else HOLE for part in node.values)


def english_in_source(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every string and f-string of a module that reads like English, f-string parts that
    are filled in at run time given as HOLE; docstrings, and text nested inside an f-string's
    ``{…}``, left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in NOT_MESSAGES for t in targets) and node.value is not None:
                skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = _skeleton(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _WORDS.search(text.replace(HOLE, " | ")):
            yield node.lineno, text


def _catalog_texts() -> list[str]:
    pairs = [*problems_sv.MESSAGES, *problems_sv.WHATS, *problems_sv.THINGS, *problems_sv.EXAMPLES]
    return [problems_sv.literal(english, HOLE) for english, _ in pairs]


def _covered(text: str, catalog: list[str]) -> bool:
    """True if the text's own words stand, in order, in one of the catalog's English templates (a part
    the source fills in may stand for a part or for words of the template)."""
    pattern = re.compile(".*?".join(re.escape(piece) for piece in text.split(HOLE)), re.DOTALL)
    return any(pattern.search(entry) for entry in catalog)


SOURCE_FILES = sorted({p for pattern in SOURCES for p in ROOT.glob(pattern)})


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_written_in_the_source_has_a_swedish_template(path: Path) -> None:
    catalog = _catalog_texts()
    missing = [f"{path.relative_to(ROOT)}:{line}: {text.replace(HOLE, '{…}')!r}"
               for line, text in english_in_source(path) if not _covered(text, catalog)]
    assert not missing, "no Swedish template in engine/language/problems_sv.py for:\n" + "\n".join(missing)


def test_the_source_scan_finds_messages() -> None:
    found = {text for path in SOURCE_FILES for _, text in english_in_source(path)}
    assert "the condition is empty" in found
    assert f"{HOLE} '{HOLE}' is refused: {HOLE}" in found
    assert len(found) > 150


def _sample(template: str) -> str:
    values = {"what": "condition", "kind": "date", "examples": "P14D, P1M or PT2H30M", "thing": "list",
              "func": "days", "prop": "under_paus", "code": "0001", "choices": "ja or nej"}
    numbers = {"n", "line", "max", "count", "first", "last"}

    def value(name: str) -> str:
        if name.startswith("reason"):
            return "division by zero"
        return values.get(name, "3" if name in numbers else f"x{name}")

    return "".join(value(name) if name is not None else text for text, name in problems_sv._parts(template))


@pytest.mark.parametrize(("english", "swedish"), problems_sv.MESSAGES, ids=[e[:50] for e, _ in problems_sv.MESSAGES])
def test_every_template_is_reached_and_gives_swedish(english: str, swedish: str) -> None:
    sample = _sample(english)
    first = next(entry for entry in problems_sv._MESSAGES if entry.pattern.fullmatch(sample))
    assert first.english == english, f"{sample!r} is taken by the earlier template {first.english!r}"
    assert not untranslated(sample) or swedish == english
