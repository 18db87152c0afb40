"""Joins that keep to their own activation: a correction to SpiffWorkflow 3.2's parallel and
inclusive gateways (and the end of every process, which joins the same way).

What SpiffWorkflow does, and why it cannot stay:

- In a loop (Samverkansteamet's action plan is revised month after month), its join counts every
  instance of the join ever created as a candidate arrival. The inclusive join walks the task tree
  but stops at the first instance it meets — the first round's — so from the second round on it
  sees none of the live branches and fires while a branch is still open; the parallel join counts a
  cancelled instance of an earlier round as an arrival. Each early firing leaves a live branch
  behind, whose tasks then stack up round after round.
- When it fires, it merges the data of every finished instance of every round and *deletes the
  subtrees* of the completed ones (``_drop_children(force=True)``): the live tasks of later rounds
  disappear, and the next instance in its list has lost its parent (``'NoneType' object has no
  attribute 'data'``, an incident in a live case).
- Every arrival scans every task of the workflow, twice, and after every completed task the whole
  tree is walked for waiting tasks: a split into N branches costs O(N²) (1,000 branches: 36 s).

What this module does instead (BPMN 2.0, section 13.3): a join's *activation* collects the tokens
that arrive at it until it fires. Each arriving instance takes over the activation of the instance
waiting before it (and cancels that one, as SpiffWorkflow does), so the activation — the arrived
instances and the inputs they came by — travels with the one waiting instance, in its
``internal_data`` (stored with the case). A parallel join fires when every input has arrived; an
inclusive join when no live token of the workflow can still reach an input that has not arrived
without also being able to reach one that has; on firing, the data of the activation's arrivals is
merged, and nothing is deleted. The workflow's waiting tasks are kept in a set maintained where
states change, so nothing walks the whole tree per step. A waiting join stored before this
correction (no activation of its own) recovers its arrivals once, from the instances of the join
cancelled since it last fired. Installed once, when :mod:`engine.spiff` is imported.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

_WAITING, _COMPLETED, _CANCELLED = TaskState.WAITING, TaskState.COMPLETED, TaskState.CANCELLED
#: A token: a task that is running or about to, whose path may still reach a join.
_TOKEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
#: Where an instance of a join keeps its activation: {"arrived": [task ids], "inputs": [spec names]}.
ACTIVATION = "engine_join"
#: How often each path was taken, for the tests: arrivals taken over, legacy recoveries, full scans.
STATS = {"taken_over": 0, "recovered": 0}


def _activation_of(spec: Any, task: Any) -> dict[str, list[str]]:
    """The activation ``task`` carries; for a waiting instance stored before this correction, the
    arrivals recovered from the instances cancelled since the join last fired."""
    found = task.internal_data.get(ACTIVATION)
    if found is not None:
        return found
    if task._state != _WAITING:
        return {"arrived": [], "inputs": []}
    STATS["recovered"] += 1
    instances = [t for t in task.workflow.tasks.values() if t.task_spec is spec and t is not task]
    fired = max((t.last_state_change for t in instances if t._state == _COMPLETED), default=float("-inf"))
    arrived = [t for t in instances if t._state == _CANCELLED and t.last_state_change >= fired
               and t.parent is not None and t.parent._state == _COMPLETED]
    came = [*arrived, task] if task.parent is not None and task.parent._state == _COMPLETED else arrived
    return {"arrived": [str(t.id) for t in arrived], "inputs": sorted({t.parent.task_spec.name for t in came})}


def _arrivals(task: Any) -> list[Any]:
    tasks = task.workflow.tasks
    found = (tasks.get(_task_id(task, i)) for i in task.internal_data.get(ACTIVATION, {}).get("arrived", ()))
    return [t for t in found if t is not None]


def forget_gone(workflow: Any) -> None:
    """Drop from the joins' activations the arrivals whose tasks are gone from ``workflow`` (a
    finished path pruned): they are skipped when the join fires anyway, and a join that is reached
    again and again (a process's end, by each sick leave's path) would otherwise carry every one."""
    for task in workflow.tasks.values():
        activation = task.internal_data.get(ACTIVATION)
        if activation and activation.get("arrived"):
            activation["arrived"] = [i for i in activation["arrived"] if _task_id(task, i) in workflow.tasks]


def _task_id(task: Any, text: str) -> Any:
    """The key of ``workflow.tasks`` for a stored id (the tree's ids are UUIDs)."""
    return type(task.id)(text)


def _join_update_hook(self: Any, my_task: Any) -> bool:
    """``UnstructuredJoin._update_hook``: take over the waiting instance's activation, add my own
    arrival, and fire or wait."""
    activation = _activation_of(self, my_task)
    waiting = _waiting_set(my_task.workflow)
    tasks = my_task.workflow.tasks
    for other in [t for t in waiting.values() if t.task_spec is self and t is not my_task]:
        if other._state != _WAITING or tasks.get(other.id) is not other:
            continue
        taken = _activation_of(self, other)
        other.internal_data.pop(ACTIVATION, None)
        taken["arrived"].append(str(other.id))
        taken["arrived"].extend(activation["arrived"])
        taken["inputs"] = sorted(set(taken["inputs"]) | set(activation["inputs"]))
        activation = taken
        STATS["taken_over"] += 1
        other.cancel()
    parent = my_task.parent
    if parent is not None and parent._state == _COMPLETED and parent.task_spec.name not in activation["inputs"]:
        activation["inputs"] = sorted({*activation["inputs"], parent.task_spec.name})
    my_task.internal_data[ACTIVATION] = activation
    may_fire = bool(self._check_threshold_unstructured(my_task))
    if may_fire:
        my_task._inherit_data()
    else:
        my_task._set_state(_WAITING)
    return may_fire


def _join_run_hook(self: Any, my_task: Any) -> bool:
    """``UnstructuredJoin._run_hook``: merge the data the activation's arrivals brought, oldest
    first; nothing is deleted."""
    for task in sorted(_arrivals(my_task), key=lambda t: t.last_state_change):
        if task.parent is not None:
            DeepMerge.merge(my_task.data, task.parent.data)
    my_task._inherit_data()
    return True


def _arrived_inputs(my_task: Any) -> set[str]:
    return set(my_task.internal_data.get(ACTIVATION, {}).get("inputs", ()))


def _parallel_threshold(self: Any, my_task: Any) -> bool:
    """A parallel join fires when a token has arrived by every input."""
    return {spec.name for spec in self.inputs} <= _arrived_inputs(my_task)


def _inclusive_threshold(self: Any, my_task: Any) -> bool:
    """An inclusive join fires when a token has arrived and no live token can reach an input
    without a token unless it can also reach one with a token (BPMN 2.0, table 13.3)."""
    arrived = _arrived_inputs(my_task)
    if not arrived:
        return False
    missing = {spec.name for spec in self.inputs} - arrived
    if not missing:
        return True
    for token in my_task.workflow.tasks.values():
        if token._state & _TOKEN and token.task_spec is not self:
            reach = _reachable(token.task_spec, self)
            if reach & missing and not reach & arrived:
                return False
    return True


def _reachable(start: Any, join: Any) -> frozenset[str]:
    """The names of the specs reachable from ``start`` (itself included) without passing ``join``;
    kept on the join per start spec (a version's specs never change)."""
    cache = join.__dict__.setdefault("_engine_reach", {})
    found = cache.get(start.name)
    if found is None:
        seen: set[str] = set()
        stack = [start]
        while stack:
            spec = stack.pop()
            if spec is join or spec.name in seen:
                continue
            seen.add(spec.name)
            stack.extend(spec.outputs)
        found = cache[start.name] = frozenset(seen)
    return found


# --- WAITING tasks, kept where states change -------------------------------------------------------


def _waiting_set(workflow: Any) -> dict[int, Any]:
    waiting = workflow.__dict__.get("_engine_waiting")
    if waiting is None:  # a loaded workflow (its tasks were built without __init__): one scan
        waiting = workflow.__dict__["_engine_waiting"] = {
            id(t): t for t in workflow.tasks.values() if t._state == _WAITING}
    return waiting


def _set_state(self: Any, value: int) -> None:
    before = self._state
    _ORIGINAL_SET_STATE(self, value)
    if value == _WAITING and before != _WAITING:
        waiting = self.workflow.__dict__.get("_engine_waiting")
        if waiting is not None:
            waiting[id(self)] = self


def _task_init(self: Any, workflow: Any, task_spec: Any, parent: Any = None, state: int = TaskState.MAYBE,
               id: Any = None) -> None:
    _ORIGINAL_TASK_INIT(self, workflow, task_spec, parent, state, id)
    if state == _WAITING:
        waiting = workflow.__dict__.get("_engine_waiting")
        if waiting is not None:
            waiting[builtins_id(self)] = self


def _remove_task(self: Any, task_id: Any) -> None:
    task = self.tasks[task_id]
    _ORIGINAL_REMOVE_TASK(self, task_id)
    waiting = self.__dict__.get("_engine_waiting")
    if waiting is not None:
        waiting.pop(id(task), None)


def _update_waiting_tasks(self: Any) -> None:
    """``Workflow.update_waiting_tasks`` over the workflow's WAITING set instead of a walk of the
    whole tree after every completed task. Tasks are taken in the order they started waiting."""
    waiting = _waiting_set(self)
    for key, task in list(waiting.items()):
        if task._state != _WAITING or task.workflow is not self or self.tasks.get(task.id) is not task:
            waiting.pop(key, None)
            continue
        task.task_spec._update(task)
        if task._state != _WAITING:
            waiting.pop(key, None)


builtins_id = id
_ORIGINAL_REMOVE_TASK = Workflow._remove_task
_ORIGINAL_SET_STATE = Task._set_state
_ORIGINAL_TASK_INIT = Task.__init__

#: What is replaced: (class, attribute, SpiffWorkflow's own, ours).
REPLACED: tuple[tuple[type, str, Any, Any], ...] = (
    (UnstructuredJoin, "_update_hook", UnstructuredJoin._update_hook, _join_update_hook),
    (UnstructuredJoin, "_run_hook", UnstructuredJoin._run_hook, _join_run_hook),
    (ParallelGateway, "_check_threshold_unstructured", ParallelGateway._check_threshold_unstructured,
     _parallel_threshold),
    (InclusiveGateway, "_check_threshold_unstructured", InclusiveGateway._check_threshold_unstructured,
     _inclusive_threshold),
    (Workflow, "update_waiting_tasks", Workflow.update_waiting_tasks, _update_waiting_tasks),
    (Workflow, "_remove_task", _ORIGINAL_REMOVE_TASK, _remove_task),
    (Task, "_set_state", _ORIGINAL_SET_STATE, _set_state),
    (Task, "__init__", _ORIGINAL_TASK_INIT, _task_init),
)


def install() -> None:
    for owner, name, _own, ours in REPLACED:
        setattr(owner, name, ours)
