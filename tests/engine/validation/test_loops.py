"""Loop and multi-instance markers: what runs is accepted as Camunda Modeler writes it, what cannot run
is refused naming the marked element (load() and ``samverkan validate`` alike)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.validation.test_refusals import assert_accepted, assert_refused, through, user_task


def marked(marker: str, kind: str = "userTask") -> bytes:
    """start → "Inhämta samtycke" (a user task, or ``kind``) carrying ``marker`` → end."""
    if kind == "userTask":
        element = user_task("samtycke", "Inhämta samtycke").replace("</bpmn:userTask>", f"{marker}</bpmn:userTask>")
    elif kind == "subProcess":
        element = f"""<bpmn:subProcess id="samtycke" name="Inhämta samtycke">{marker}
          <bpmn:startEvent id="s_start" />{user_task("fraga", "Fråga")}<bpmn:endEvent id="s_end" />
          <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="fraga" />
          <bpmn:sequenceFlow id="s2" sourceRef="fraga" targetRef="s_end" /></bpmn:subProcess>"""
    else:
        element = f'<bpmn:{kind} id="samtycke" name="Inhämta samtycke">{marker}</bpmn:{kind}>'
    return through(element, "samtycke")


def collection(text: str, extra: str = "", inner: str = "") -> str:
    return f'<bpmn:multiInstanceLoopCharacteristics camunda:collection="{text}" {extra}>{inner}' \
           "</bpmn:multiInstanceLoopCharacteristics>"


@pytest.mark.parametrize("marker", [
    collection("${myndigheter}", 'camunda:elementVariable="myndighet"'),
    collection("#{myndigheter}", 'isSequential="true" camunda:elementVariable="myndighet"'),
    collection("myndigheter", inner="<bpmn:loopDataOutputRef>svar</bpmn:loopDataOutputRef>"
                                    "<bpmn:completionCondition>${nrOfCompletedInstances &gt;= 2}"
                                    "</bpmn:completionCondition>"),
    "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopDataInputRef>myndigheter</bpmn:loopDataInputRef>"
    '<bpmn:inputDataItem id="myndighet" /></bpmn:multiInstanceLoopCharacteristics>',
    "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>"
    "</bpmn:multiInstanceLoopCharacteristics>",
    "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>len(myndigheter)</bpmn:loopCardinality>"
    "</bpmn:multiInstanceLoopCharacteristics>",
    '<bpmn:standardLoopCharacteristics loopMaximum="5" />',
    '<bpmn:standardLoopCharacteristics testBefore="true"><bpmn:loopCondition>${!klar}</bpmn:loopCondition>'
    "</bpmn:standardLoopCharacteristics>",
])
@pytest.mark.parametrize("kind", ["userTask", "subProcess"])
def test_markers_that_run_are_accepted(tmp_path: Path, marker: str, kind: str) -> None:
    assert_accepted(tmp_path, "samtycke.bpmn", marked(marker, kind))


@pytest.mark.parametrize(("marker", "says"), [
    (collection("${myndigheter[0]}"), "the collection '${myndigheter[0]}' must name a case variable"),
    (collection("${a} + ${b}"), "must name a case variable holding a list"),
    ("<bpmn:multiInstanceLoopCharacteristics />", "needs a loop cardinality or a camunda:collection"),
    ("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality> </bpmn:loopCardinality>"
     "</bpmn:multiInstanceLoopCharacteristics>", "the loop cardinality is empty"),
    ("<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>201</bpmn:loopCardinality>"
     "</bpmn:multiInstanceLoopCharacteristics>", "above 200"),
    (collection("a", inner="<bpmn:loopCardinality>2</bpmn:loopCardinality>"), "both a collection"),
    (collection("a", 'camunda:elementVariable="a"'), "has the name of the collection"),
    (collection("a", inner="<bpmn:completionCondition>__import__('os')</bpmn:completionCondition>"),
     "completion condition '__import__('os')' is refused"),
    ("<bpmn:standardLoopCharacteristics />", "a loop needs a loop condition"),
    ('<bpmn:standardLoopCharacteristics loopMaximum="0" />', "loopMaximum '0' is not a whole number"),
    ('<bpmn:standardLoopCharacteristics loopMaximum="100000" />', "from 1 to 1000"),
])
def test_markers_that_cannot_run_are_refused_naming_the_element(tmp_path: Path, marker: str, says: str) -> None:
    assert_refused(tmp_path, "samtycke.bpmn", marked(marker), 'samtycke "Inhämta samtycke"', says)


@pytest.mark.parametrize("kind", ["task", "manualTask", "businessRuleTask"])
def test_markers_stand_only_on_user_tasks_sub_processes_and_call_activities(tmp_path: Path, kind: str) -> None:
    assert_refused(tmp_path, "samtycke.bpmn", marked(collection("myndigheter"), kind),
                   'samtycke "Inhämta samtycke"', f"not on <{kind}>", "mark the sub-process")
