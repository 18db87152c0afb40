"""The case's variables: what a step sets is the case's, seen on every path from then on.

SpiffWorkflow keeps a copy of the data per token and hands it down from parent to child
(``Task._inherit_data``): what one branch sets, another sees only when they join, and a branch
started by a non-interrupting event (the monthly referrer contact, the weekly follow-up) never joins
at all — its values reached neither the case data nor a meeting invitation on the main path. Worse,
a task waiting on a branch (a timer) takes its parent's copy again when it fires, so a value set
elsewhere meanwhile is replaced by an older one, and at a join a branch's stale copy can overwrite a
newer value.

The journeys are drawn as Camunda models, where form values are process variables, visible to every
path. So the case keeps its variables — every value a step set, the newest of each — in the top
workflow's ``data`` (stored with the case), and:

- every value a task sets is recorded there as the task completes (:func:`record`): all a person
  submitted, and what an automatic task changed in its data as it ran (never the difference from its
  parent's copy: a task that waited months holds values given to it since, older than the newest);
- every task that takes its parent's data takes the case's variables on top (the patched
  ``Task._inherit_data``), so a newer value is never replaced by a branch's older copy;
- after a step, every live task is given the step's values (:func:`publish`), so a task waiting for
  a person shows, and is completed with, what the case now holds.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

#: A task on a live path: running, or waiting for a person, a time or a message.
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def scope(workflow: Any) -> Any:
    """The workflow whose ``data`` holds the variables ``workflow``'s tasks see: the top workflow,
    or the nearest process started by a call activity (its variables are its own, passed in and out
    by declared mapping: engine/spiff/call_activities.py). Embedded sub-processes share their
    parent's. Kept on the workflow once found (a workflow's place never changes)."""
    found = workflow.__dict__.get("engine_scope")
    if found is not None:
        return found
    top = getattr(workflow, "top_workflow", None) or workflow
    found = top
    if workflow is not top:
        parent = top.get_task_from_id(workflow.parent_task_id)
        found = workflow if getattr(parent.task_spec, "own_variables", False) else scope(parent.workflow)
    workflow.__dict__["engine_scope"] = found
    return found


def variables(workflow: Any) -> dict[str, Any]:
    """The variables ``workflow``'s tasks see: the case's (the top workflow's data), or a called
    process's own (:func:`scope`)."""
    return scope(workflow).data


def record(workflow: Any, values: dict[str, Any]) -> None:
    """Make ``values`` the case's (or the called process's): every task that starts from now on takes them."""
    if values:
        variables(workflow).update(own(values))


def own(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with a copy of each list and map: SpiffWorkflow merges a parent's list into a
    task's in place (``DeepMerge.merge_array``), so a list held by the case and a task together (a
    multi-instance activity's results, a collection) would take another task's older items."""
    return {name: deepcopy(value) if isinstance(value, list | dict) else value for name, value in values.items()}


def publish(workflow: Any, values: dict[str, Any]) -> None:
    """Record ``values`` and give them to every live task that shares ``workflow``'s variables (the
    main path, parallel branches, a boundary event's branch, embedded sub-processes; not a called
    process, nor the caller from within one)."""
    if not values:
        return
    record(workflow, values)
    top = getattr(workflow, "top_workflow", None) or workflow
    shared = scope(workflow)
    for flow in (top, *top.subprocesses.values()):
        if scope(flow) is not shared:
            continue
        for task in flow.tasks.values():
            if task._state & LIVE:
                task.data.update(own(values))


def _inherit_data(self: Any) -> None:
    """``Task._inherit_data``: the parent's copy, then the case's variables on top."""
    _ORIGINAL_INHERIT(self)
    workflow = getattr(self, "workflow", None)
    if workflow is not None:
        self.data.update(own(variables(workflow)))


_ORIGINAL_INHERIT = Task._inherit_data

#: What is replaced: (class, attribute, SpiffWorkflow's own, ours).
REPLACED: tuple[tuple[type, str, Any, Any], ...] = ((Task, "_inherit_data", _ORIGINAL_INHERIT, _inherit_data),)


def install() -> None:
    for owner, name, _own, ours in REPLACED:
        setattr(owner, name, ours)
