"""A case that loops keeps only the finished steps that can still matter.

SpiffWorkflow keeps every task a case ever ran: a loop drawn with gateways (another mapping
conversation, the action plan revised again, the selection reported again) adds its finished
tasks to the tree round after round, and every step loads, walks and stores them all — a case's
state and step cost grew with its rounds (found by the journey simulator). The history of what
was done is the case's event history, not the tree.

A sub-process that has ended keeps its whole workflow in SpiffWorkflow, though its data went out
to its task when it ended: its workflow is dropped (a work trial held six times kept six), and its
task is then a link like a user task's (Gemensamma taget at burst pace kept 49 ended work trials'
tasks after 30 months).

A finished task whose only child is finished too is a link in a chain of history: it is spliced
out, its child taking its place under its parent. What is never spliced: a task with a
sub-process still held, an event (a boundary event's or a repeating one's children are its record), a join
or a split and any task a join looks back to (``split_task``), and every task beside a live one
(a finished task with an unfinished child keeps giving it its data). Only user tasks, exclusive
and event-based gateways (with the events behind the latter, which only pass: the gateway waited
for them), decisions, throw events, ended sub-processes and call activities, and finished rounds
qualify, and only once a workflow holds
more than :data:`COMPACT_ABOVE` tasks.

A finished round of a multi-instance activity or a standard loop — its instances all finished,
the step after it finished too — goes with its instances: what they answered went out with the
round (``<activity>_resultat``). A selection meeting tried again and again kept every round, its
instances and their answers (found by the journey simulator).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    EventBasedGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
)
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

#: Tasks a workflow holds before its finished chains are compacted.
COMPACT_ABOVE = 30

_LINKS = (UserTask, ExclusiveGateway, BusinessRuleTaskMixin, IntermediateThrowEvent, EventBasedGateway,
          SubWorkflowTask)
#: A round is a link once its instances are gone (:func:`_drop_instances`).
_LINKS_AND_ROUNDS = (*_LINKS, LoopTask)
#: The events behind an event-based gateway: the gateway waited for them, they only pass.
_PASSING = (IntermediateCatchEvent, ReceiveTask)


def compact(workflow: Any) -> int:
    """Drop the finished sub-processes of a case and splice the finished links out of every long
    workflow of it; returns how many tasks went."""
    top = getattr(workflow, "top_workflow", None) or workflow
    removed = _drop_finished_subprocesses(top)
    flows = [flow for flow in (top, *top.subprocesses.values()) if len(flow.tasks) > COMPACT_ABOVE]
    if not flows:
        return removed
    looked_back_to = _looked_back_to(top)
    for flow in flows:
        for task in list(flow.tasks.values()):
            if task.id not in flow.tasks:
                continue  # an instance of a round dropped before it
            instances = _finished_round(task, looked_back_to, top.subprocesses)
            if instances is not None:
                removed += _drop_instances(flow, task, instances)
            if _a_link(task, looked_back_to, top.subprocesses):
                _splice(flow, task)
                removed += 1
    return removed


def _drop_finished_subprocesses(top: Any) -> int:
    """A sub-process that has ended (done: its data copied out to its task; or interrupted: what it
    gathered carried out by the interrupting event) keeps its whole workflow in SpiffWorkflow;
    nothing reads it again. Dropped with the sub-processes inside it."""
    if not top.subprocesses:
        return 0
    # Each sub-process's parent workflow, read while every task can still be found.
    parents = {task_id: sub.parent_workflow for task_id, sub in top.subprocesses.items()}
    ended = [task_id for task_id, parent in parents.items()
             if parent is not None and (owner := parent.tasks.get(task_id)) is not None
             and owner._state in (TaskState.COMPLETED, TaskState.CANCELLED)]
    return sum(_drop(top, task_id, parents) for task_id in ended if task_id in top.subprocesses)


def _drop(top: Any, task_id: Any, parents: dict[Any, Any]) -> int:
    sub = top.subprocesses.pop(task_id)
    removed = len(sub.tasks)
    for inner_id, parent in parents.items():
        if parent is sub and inner_id in top.subprocesses:
            removed += _drop(top, inner_id, parents)
    return removed


def _looked_back_to(top: Any) -> set[str]:
    """The names of the task specs some join finds among its ancestors (``split_task``)."""
    names: set[str] = set()
    for spec in (top.spec, *top.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            split = getattr(task_spec, "split_task", None)
            if split:
                names.add(split)
    return names


def _a_link(task: Any, looked_back_to: set[str], subprocesses: dict[Any, Any]) -> bool:
    if task._state != TaskState.COMPLETED or task._parent is None or len(task._children) != 1:
        return False
    spec = task.task_spec
    passing = isinstance(spec, _PASSING) and isinstance(spec.event_definition, NoneEventDefinition)
    if not (isinstance(spec, _LINKS_AND_ROUNDS) or passing) or spec.name in looked_back_to or task.id in subprocesses:
        return False
    child = task.workflow.tasks.get(task._children[0])
    return child is not None and child._state == TaskState.COMPLETED


def _finished_round(task: Any, looked_back_to: set[str], subprocesses: dict[Any, Any]) -> list[Any] | None:
    """The instances of a finished multi-instance or loop round, if it may go (else None): every
    instance finished, without children or a sub-process of its own, and the one step after the
    round finished too."""
    spec = task.task_spec
    if task._state != TaskState.COMPLETED or task._parent is None or not isinstance(spec, LoopTask) \
            or spec.name in looked_back_to or task.id in subprocesses:
        return None
    children = [task.workflow.tasks.get(child) for child in task._children]
    if any(child is None for child in children):
        return None
    instances = [child for child in children if child.task_spec.name == spec.task_spec]
    after = [child for child in children if child.task_spec.name != spec.task_spec]
    if len(after) != 1 or after[0]._state != TaskState.COMPLETED:
        return None
    if any(not i.has_state(TaskState.FINISHED_MASK) or i._children or i.id in subprocesses for i in instances):
        return None
    return instances


def _drop_instances(flow: Any, task: Any, instances: list[Any]) -> int:
    """Drop a finished round's instances: the round is then a link like any other."""
    gone = {instance.id for instance in instances}
    task._children = [child for child in task._children if child not in gone]
    for instance_id in gone:
        del flow.tasks[instance_id]
    if flow.last_task is not None and flow.last_task.id in gone:
        flow.last_task = task
    return len(gone)


def _splice(flow: Any, task: Any) -> None:
    parent = flow.tasks[task._parent]
    child = flow.tasks[task._children[0]]
    parent._children[parent._children.index(task.id)] = child.id
    child._parent = parent.id
    del flow.tasks[task.id]
    if flow.last_task is task:
        flow.last_task = child
