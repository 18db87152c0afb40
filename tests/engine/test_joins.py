"""Joins in a loop, the way Samverkansteamet's action plan is revised month after month: plan →
the chosen interventions in parallel → join → follow-up → plan again.

SpiffWorkflow 3.2 alone gets this wrong — its join fires early from the second round on and, a few
rounds later, deletes the live round while joining — so the engine corrects its joins
(engine/spiff/joins.py). The first tests show the library's own behaviour, so that an upgrade which
fixes it is noticed; the others show the engine's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.spiff import joins
from tests.bpmn import BPMN_DIR

PLAN = {"a": True, "b": True}


@pytest.fixture
def spiffworkflows_own_joins() -> Iterator[None]:
    for owner, name, own, _ours in joins.REPLACED:
        setattr(owner, name, own)
    yield
    joins.install()


def _workflow(model: str, process: str) -> BpmnWorkflow:
    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN_DIR / model))
    workflow = BpmnWorkflow(parser.get_spec(process))
    workflow.do_engine_steps()
    return workflow


def ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def do(workflow: BpmnWorkflow, name: str, **data: Any) -> list[str]:
    """Complete the oldest ready task of that name (the one waiting longest), then what follows."""
    task = min((t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == name),
               key=lambda t: t.last_state_change)
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()
    return ready(workflow)


def first_round(workflow: BpmnWorkflow) -> None:
    do(workflow, "revise", **PLAN)
    do(workflow, "work")
    assert do(workflow, "study") == ["follow_up"]
    do(workflow, "follow_up", again=True)


# --- SpiffWorkflow alone -----------------------------------------------------------------------------


@pytest.mark.usefixtures("spiffworkflows_own_joins")
def test_spiffworkflow_alone_joins_the_second_round_while_a_branch_is_still_open() -> None:
    workflow = _workflow("plan_loop.bpmn", "loop_inclusive")
    first_round(workflow)
    do(workflow, "revise", **PLAN)

    assert do(workflow, "work") == ["follow_up", "study"]  # the follow-up came while 'study' is open


@pytest.mark.usefixtures("spiffworkflows_own_joins")
def test_spiffworkflow_alone_loses_a_later_round_when_an_earlier_branch_arrives() -> None:
    workflow = _workflow("plan_loop.bpmn", "loop_inclusive")
    first_round(workflow)
    for _ in range(2):
        do(workflow, "revise", **PLAN)
        do(workflow, "work")
        do(workflow, "follow_up", again=True)

    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'data'"):
        do(workflow, "study")


# --- with the engine's joins ----------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "process"), [("plan_loop.bpmn", "loop_inclusive"),
                                                ("plan_loop_parallel.bpmn", "loop_parallel")])
def test_every_round_of_the_plan_waits_for_each_intervention_it_chose(model: str, process: str) -> None:
    workflow = _workflow(model, process)
    for round_ in range(1, 6):
        do(workflow, "revise", round=round_, **PLAN)
        first, second = ("work", "study") if round_ % 2 else ("study", "work")
        assert do(workflow, first, **{f"{first}_{round_}": True}) == [second]  # the join waits
        assert do(workflow, second, **{f"{second}_{round_}": True}) == ["follow_up"]
        do(workflow, "follow_up", again=round_ < 5)

    assert workflow.is_completed()
    assert {f"{kind}_{n}" for kind in ("work", "study") for n in range(1, 6)} <= set(workflow.data)
    assert not [t for t in workflow.get_tasks() if t.state == TaskState.WAITING]


def test_a_round_that_chose_one_intervention_joins_when_that_one_is_done() -> None:
    workflow = _workflow("plan_loop.bpmn", "loop_inclusive")
    first_round(workflow)
    do(workflow, "revise", a=True, b=False)

    assert do(workflow, "work") == ["follow_up"]


def test_a_join_stored_waiting_before_the_correction_remembers_what_arrived() -> None:
    """An open case saved by the engine before its joins kept their own activation: the instance
    waiting at the join carries none, and recovers it from the instances cancelled since."""
    workflow = _workflow("plan_loop_parallel.bpmn", "loop_parallel")
    first_round(workflow)
    do(workflow, "revise", **PLAN)
    do(workflow, "work")
    [waiting] = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.name == "join"]
    del waiting.internal_data[joins.ACTIVATION]
    before = joins.STATS["recovered"]

    assert do(workflow, "study") == ["follow_up"]
    assert joins.STATS["recovered"] == before + 1
