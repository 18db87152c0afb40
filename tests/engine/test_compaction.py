"""A case that loops does not carry its past rounds: the task tree keeps what can still matter,
the history keeps what was done (engine/spiff/compaction.py). Found by the journey simulator: a
selection reported again and again grew its stored state by 5 kB a month."""

from __future__ import annotations

import json

from sqlalchemy import select

from engine import events
from engine.persistence.models import CaseRow
from engine.spiff import state
from engine.spiff.loading import SourceFile
from simulation import stored
from tests.bpmn import BPMN_DIR


def _stored_size(journey, case_id: str) -> int:  # type: ignore[no-untyped-def]
    with journey.db.reading() as session:
        return len(state.json_text(session.scalar(select(CaseRow.state).where(CaseRow.id == case_id)) or b""))


def test_a_hundred_conversations_cost_no_more_to_keep_than_twenty(journey) -> None:  # type: ignore[no-untyped-def]
    endless = (BPMN_DIR / "conversations.bpmn").read_text().replace("antal_samtal &lt; 6", "antal_samtal &lt; 1000")
    journey.engine.deploy([SourceFile("conversations.bpmn", endless.encode())], "designer")
    case = journey.start("conversations")
    sizes = {}
    for n in range(1, 101):
        journey.complete(case, "conversation", {"samtal_datum": "2026-02-01", "fler_samtal": True})
        sizes[n] = _stored_size(journey, case.id)

    assert sizes[100] <= sizes[20] * 1.1
    assert journey.case(case).data["antal_samtal"] == 100  # what every round counted is kept
    done = [e for e in journey.history(case, events.TaskCompleted.event) if e.element == "conversation"]
    assert len(done) == 100  # and the history still tells every round
    assert stored.serializer_problem(journey.engine, case.id) is None  # SpiffWorkflow's own loader reads it


TRIALS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://samverkan.se/test">
  <bpmn:process id="trials" name="Praktikperioder" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="again"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_more</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:subProcess id="trial" name="Praktik">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:startEvent id="trial_start"><bpmn:outgoing>t1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="follow_up" name="Följ upp praktiken" camunda:candidateGroups="arbetscoach">
        <bpmn:extensionElements><camunda:formData>
          <camunda:formField id="plats" label="Plats" type="string" />
          <camunda:formField id="fortsatt" label="En period till?" type="boolean" />
        </camunda:formData></bpmn:extensionElements>
        <bpmn:incoming>t1</bpmn:incoming><bpmn:outgoing>t2</bpmn:outgoing>
      </bpmn:userTask>
      <bpmn:endEvent id="trial_end"><bpmn:incoming>t2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="t1" sourceRef="trial_start" targetRef="follow_up" />
      <bpmn:sequenceFlow id="t2" sourceRef="follow_up" targetRef="trial_end" />
    </bpmn:subProcess>
    <bpmn:exclusiveGateway id="more" default="f_done"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f_more</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="done"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again" />
    <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="trial" />
    <bpmn:sequenceFlow id="f3" sourceRef="trial" targetRef="more" />
    <bpmn:sequenceFlow id="f_more" sourceRef="more" targetRef="again">
      <bpmn:conditionExpression>fortsatt</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="more" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_work_trial_that_has_ended_leaves_its_data_and_not_its_workflow(journey) -> None:  # type: ignore[no-untyped-def]
    import json

    journey.engine.deploy([SourceFile("trials.bpmn", TRIALS.encode())], "designer")
    case = journey.start("trials")
    for n in range(1, 9):
        journey.complete(case, "follow_up", {"plats": f"Plats {n}", "fortsatt": True})
    with journey.db.reading() as session:
        held = json.loads(state.json_text(session.scalar(select(CaseRow.state).where(CaseRow.id == case.id))))
    assert len(held["subprocesses"]) == 1  # the trial under way; the eight that ended are gone
    assert journey.case(case).data["plats"] == "Plats 8"  # what they gathered went out with them
    assert stored.serializer_problem(journey.engine, case.id) is None

    journey.complete(case, "follow_up", {"plats": "Plats 9", "fortsatt": False})
    done = journey.case(case)
    assert done.status == "completed" and done.data["plats"] == "Plats 9"


def test_sixty_work_trials_cost_no_more_to_keep_than_fifteen(journey) -> None:  # type: ignore[no-untyped-def]
    # An ended trial's workflow goes; its task in the tree went on piling up (Gemensamma taget at
    # burst pace kept 49 finished work trials after 30 months: 77 kB of its 167 kB).
    journey.engine.deploy([SourceFile("trials.bpmn", TRIALS.encode())], "designer")
    case = journey.start("trials")
    sizes = {}
    for n in range(1, 61):
        journey.complete(case, "follow_up", {"plats": f"Plats {n}", "fortsatt": True})
        sizes[n] = _stored_size(journey, case.id)

    assert sizes[60] <= sizes[15] * 1.1
    done = [e for e in journey.history(case, events.TaskCompleted.event) if e.element == "follow_up"]
    assert len(done) == 60
    assert stored.serializer_problem(journey.engine, case.id) is None
    journey.complete(case, "follow_up", {"plats": "Sista platsen", "fortsatt": False})
    assert journey.case(case).status == "completed"


ROUNDS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://samverkan.se/test">
  <bpmn:process id="rounds" name="Urvalsmöten" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="again"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f_more</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="try_each" name="Pröva förslaget" camunda:candidateGroups="rekryteringsgrupp">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="utvald" label="Utvald" type="boolean" />
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics camunda:collection="foreslagna" camunda:elementVariable="deltagare" />
    </bpmn:userTask>
    <bpmn:userTask id="settle" name="Fastställ urvalet" camunda:candidateGroups="rekryteringsgrupp">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="prova_om" label="Pröva om?" type="boolean" />
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="more" default="f_done"><bpmn:incoming>f4</bpmn:incoming>
      <bpmn:outgoing>f_more</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again" />
    <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="try_each" />
    <bpmn:sequenceFlow id="f3" sourceRef="try_each" targetRef="settle" />
    <bpmn:sequenceFlow id="f4" sourceRef="settle" targetRef="more" />
    <bpmn:sequenceFlow id="f_more" sourceRef="more" targetRef="again">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">prova_om</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_done" sourceRef="more" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _instances_stored(journey, case_id: str) -> int:  # type: ignore[no-untyped-def]
    with journey.db.reading() as session:
        held = json.loads(state.json_text(session.scalar(select(CaseRow.state).where(CaseRow.id == case_id))))
    return sum(1 for t in held["tasks"].values() if t["task_spec"] == "try_each [child]")


def test_a_multi_instance_activity_tried_again_and_again_keeps_only_its_round_under_way(journey) -> None:  # type: ignore[no-untyped-def]
    journey.engine.deploy([SourceFile("rounds.bpmn", ROUNDS.encode())], "designer")
    proposed = [f"Deltagare {n}" for n in range(1, 5)]
    case = journey.start("rounds", {"foreslagna": proposed})
    sizes, instances = {}, {}
    for round_ in range(1, 31):
        for n, task in enumerate(t for t in journey.case(case).open_tasks if t.name == "try_each"):
            journey.engine.complete_task(task.id, {"utvald": n == round_ % 4}, "rekrytering")
        journey.complete(case, "settle", {"prova_om": round_ < 30})
        sizes[round_], instances[round_] = _stored_size(journey, case.id), _instances_stored(journey, case.id)
        assert stored.serializer_problem(journey.engine, case.id) is None
    # Finished rounds go once the tree holds more than COMPACT_ABOVE tasks: at most three rounds' worth.
    assert max(instances.values()) <= 12
    assert max(sizes[n] for n in range(10, 30)) <= max(sizes[n] for n in range(1, 10)) * 1.1
    done = journey.case(case)
    assert done.status == "completed"
    assert [r["utvald"] for r in done.data["try_each_resultat"]] == [False, False, True, False]  # the last round's
    tried = [e for e in journey.history(case, events.TaskCompleted.event) if e.element == "try_each"]
    assert len(tried) == 120  # and the history still tells every round
