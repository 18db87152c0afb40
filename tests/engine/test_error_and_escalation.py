"""When something goes wrong inside a phase (tests/bpmn/phase_errors.bpmn): the mapping phase ends in
an error the boundary event on it catches by its code, or in one the catch-all boundary event
catches; or it escalates to the team leader, who takes over (interrupting) or is only told while the
phase goes on (non-interrupting). An error nothing catches is refused by validation, and a case of
a model that slipped through stops with an incident naming the end event, unchanged.

Every scenario runs straight and restored between every step, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine import events
from engine.api import validate
from engine.errors import StepFailed
from engine.views import SourceFile


@pytest.fixture
def mapping(journey):  # type: ignore[no-untyped-def]
    journey.deploy("phase_errors.bpmn")
    return journey.start("phase_errors", {})


def _done(journey, case) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.element for e in journey.history(case, events.TaskCompleted.event)]


def test_a_phase_that_goes_well_goes_on_to_the_plan(journey, mapping) -> None:  # type: ignore[no-untyped-def]
    case = journey.complete(mapping, "assess", {"utfall": "klar"})
    assert journey.open_task_names(case) == ["plan"]
    assert journey.complete(case, "plan").status == "completed"


def test_an_error_caught_by_its_code_ends_the_phase(journey, mapping) -> None:  # type: ignore[no-untyped-def]
    case = journey.complete(mapping, "assess", {"utfall": "avbrott"})

    # Only the boundary event naming AVBROTT takes it, not the catch-all one beside it.
    assert journey.open_task_names(case) == ["close_after_dropout"]
    assert case.data["utfall"] == "avbrott"  # what was gathered in the phase is carried out
    case = journey.complete(case, "close_after_dropout")
    assert case.status == "completed" and "plan" not in _done(journey, case)


def test_an_error_with_another_code_is_caught_by_the_catch_all(journey, mapping) -> None:  # type: ignore[no-untyped-def]
    case = journey.complete(mapping, "assess", {"utfall": "annat"})

    assert journey.open_task_names(case) == ["investigate"]
    assert journey.task(case, "investigate").candidate_groups == ("teamledare",)
    assert journey.complete(case, "investigate").status == "completed"


def test_an_interrupting_escalation_hands_the_case_to_the_team_leader(journey, mapping) -> None:  # type: ignore[no-untyped-def]
    case = journey.complete(mapping, "assess", {"utfall": "chef"})

    assert journey.open_task_names(case) == ["team_leader_decides"]
    assert journey.complete(case, "team_leader_decides").status == "completed"
    assert "plan" not in _done(journey, mapping)


def test_a_non_interrupting_escalation_tells_the_team_leader_while_the_phase_goes_on(journey, mapping) -> None:  # type: ignore[no-untyped-def]
    case = journey.complete(mapping, "assess", {"utfall": "info"})

    assert journey.open_task_names(case) == ["finish_mapping", "team_leader_reads"]
    case = journey.complete(case, "finish_mapping")  # the phase ends as usual
    assert journey.open_task_names(case) == ["plan", "team_leader_reads"]
    journey.complete(case, "team_leader_reads")
    assert journey.complete(case, "plan").status == "completed"


# --- an error nothing catches ---------------------------------------------------------------------------

UNCAUGHT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://samverkan.se/test">
  <bpmn:error id="err_avbrott" name="Deltagaren avbr\xc3\xb6t" errorCode="AVBROTT" />
  <bpmn:process id="uncaught" name="Ofangat fel" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:subProcess id="phase" name="Kartl\xc3\xa4ggning">
      <bpmn:startEvent id="phase_start" />
      <bpmn:userTask id="assess" name="Kartl\xc3\xa4gg" camunda:candidateGroups="arbetscoach" />
      <bpmn:endEvent id="dropped_out" name="Deltagaren avbr\xc3\xb6t">
        <bpmn:errorEventDefinition errorRef="err_avbrott" />
      </bpmn:endEvent>
      <bpmn:sequenceFlow id="p1" sourceRef="phase_start" targetRef="assess" />
      <bpmn:sequenceFlow id="p2" sourceRef="assess" targetRef="dropped_out" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="on_other" attachedToRef="phase">
      <bpmn:errorEventDefinition errorRef="err_annat" />
    </bpmn:boundaryEvent>
    <bpmn:userTask id="plan" name="Planera" camunda:candidateGroups="arbetscoach" />
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="end_other" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="phase" />
    <bpmn:sequenceFlow id="f2" sourceRef="phase" targetRef="plan" />
    <bpmn:sequenceFlow id="f3" sourceRef="plan" targetRef="end" />
    <bpmn:sequenceFlow id="f4" sourceRef="on_other" targetRef="end_other" />
  </bpmn:process>
  <bpmn:error id="err_annat" name="Annat" errorCode="ANNAT" />
</bpmn:definitions>"""


def test_validation_refuses_an_error_nothing_catches_naming_its_end_event() -> None:
    errors = [p for p in validate([SourceFile("uncaught.bpmn", UNCAUGHT)]) if p.severity == "error"]

    assert [(p.element, p.message) for p in errors] == [(
        'dropped_out "Deltagaren avbröt"',
        "the error 'AVBROTT' is caught by no error boundary event on a sub-process around it; "
        "the case would stop with an incident",
    )]


def test_an_error_nothing_catches_stops_the_case_with_an_incident(journey, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A version deployed before validation knew better: the engine does not let the error vanish.
    monkeypatch.setattr("engine.spiff.loading._check_escapes", lambda *arguments: None)
    journey.engine.deploy([SourceFile("uncaught.bpmn", UNCAUGHT)], "designer")
    case = journey.start("uncaught", {})

    with pytest.raises(StepFailed, match="the error 'AVBROTT' is caught by no boundary event"):
        journey.complete(case, "assess")

    after = journey.case(case)
    assert after.incident is not None and after.incident.element == "dropped_out"
    assert journey.open_task_names(after) == ["assess"]  # unchanged: the phase did not end as if nothing happened
    assert "plan" not in [t.name for t in after.open_tasks]


# --- an error is caught around its thrower only ----------------------------------------------------------

PARALLEL_PHASES = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://samverkan.se/test">
  <bpmn:error id="err_avbrott" name="Avbrott" errorCode="AVBROTT" />
  <bpmn:process id="parallel_phases" name="Två faser samtidigt" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="split" />
    {phases}
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
  </bpmn:process>
</bpmn:definitions>"""


def _phase(name: str) -> str:
    """A sub-process whose one task ends it normally or with the error AVBROTT, caught on it."""
    return f"""
    <bpmn:subProcess id="{name}">
      <bpmn:startEvent id="{name}_start" />
      <bpmn:userTask id="{name}_task" camunda:candidateGroups="arbetscoach">
        <bpmn:extensionElements><camunda:formData>
          <camunda:formField id="{name}_avbrott" type="boolean" />
        </camunda:formData></bpmn:extensionElements>
      </bpmn:userTask>
      <bpmn:exclusiveGateway id="{name}_how" default="{name}_ok" />
      <bpmn:endEvent id="{name}_done" />
      <bpmn:endEvent id="{name}_error"><bpmn:errorEventDefinition errorRef="err_avbrott" /></bpmn:endEvent>
      <bpmn:sequenceFlow id="{name}_1" sourceRef="{name}_start" targetRef="{name}_task" />
      <bpmn:sequenceFlow id="{name}_2" sourceRef="{name}_task" targetRef="{name}_how" />
      <bpmn:sequenceFlow id="{name}_ok" sourceRef="{name}_how" targetRef="{name}_done" />
      <bpmn:sequenceFlow id="{name}_err" sourceRef="{name}_how" targetRef="{name}_error">
        <bpmn:conditionExpression>{name}_avbrott == True</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="{name}_caught" attachedToRef="{name}">
      <bpmn:errorEventDefinition errorRef="err_avbrott" />
    </bpmn:boundaryEvent>
    <bpmn:userTask id="{name}_handle" camunda:candidateGroups="teamledare" />
    <bpmn:endEvent id="{name}_end" />
    <bpmn:endEvent id="{name}_handled" />
    <bpmn:sequenceFlow id="{name}_in" sourceRef="split" targetRef="{name}" />
    <bpmn:sequenceFlow id="{name}_out" sourceRef="{name}" targetRef="{name}_end" />
    <bpmn:sequenceFlow id="{name}_c" sourceRef="{name}_caught" targetRef="{name}_handle" />
    <bpmn:sequenceFlow id="{name}_h" sourceRef="{name}_handle" targetRef="{name}_handled" />"""


def test_an_error_in_one_phase_leaves_a_parallel_phase_with_the_same_catcher_alone(journey) -> None:  # type: ignore[no-untyped-def]
    content = PARALLEL_PHASES.format(phases=_phase("a") + _phase("b")).encode()
    journey.engine.deploy([SourceFile("parallel_phases.bpmn", content)], "designer")
    case = journey.start("parallel_phases", {})
    assert journey.open_task_names(case) == ["a_task", "b_task"]

    case = journey.complete(case, "a_task", {"a_avbrott": True})

    assert journey.open_task_names(case) == ["a_handle", "b_task"]  # phase b goes on
    case = journey.complete(case, "b_task", {"b_avbrott": False})
    assert journey.open_task_names(case) == ["a_handle"]
    assert journey.complete(case, "a_handle").status == "completed"
