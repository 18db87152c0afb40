"""A wide parallel join in time linear in its branches: a correction to SpiffWorkflow 3.2.

SpiffWorkflow decides whether a parallel join may fire by walking the whole task tree for the
join's instances and testing each with a recursive ``is_descendant_of`` -- on every arrival of a
branch, and again for the waiting instance after every completed task (``update_waiting_tasks``
walks the whole tree too). With N branches that is O(N^2) tree steps (1,000 branches: ~36 s at
case start). Here the join's instances come from an index of tasks by spec, the arrivals already
counted are remembered per join (``_JoinMemo``) so each arrival examines only what is new, and the
workflow's WAITING tasks are kept in a set maintained where states change. The decisions are
SpiffWorkflow's own: tests/engine/test_hostile_models.py runs models both ways and compares.
Installed once, when :mod:`engine.spiff` is imported.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

_WAITING, _COMPLETED, _FINISHED = TaskState.WAITING, TaskState.COMPLETED, TaskState.FINISHED_MASK
STATS = {"index_rebuilds": 0, "join_fresh_scans": 0, "join_incremental": 0, "join_original": 0}


class _SpecIndex:
    """A workflow's tasks by spec name, in creation order, kept up to date without a full scan.

    ``workflow.tasks`` is a dict in creation order and SpiffWorkflow only ever adds a task at its
    end, so the index catches up by reading the dict backwards until it meets a task it has seen
    (amortized O(1) a new task). ``Workflow._remove_task`` marks what it removes; any other removal
    (the count no longer adds up) makes the index rebuild. The index holds the task objects, so an
    ``id()`` in ``seen`` is never reused. Not serialized: a loaded workflow builds it on first use.
    """

    __slots__ = ("by_name", "dirty", "live", "seen")

    def __init__(self, tasks: dict[Any, Any]) -> None:
        self.by_name: dict[str, list[Any]] = {}
        self.seen: set[int] = set()
        self.dirty: set[str] = set()
        self.live = 0
        self._add(list(tasks.values()))

    def _add(self, new: list[Any]) -> None:
        for task in new:
            self.seen.add(id(task))
            self.by_name.setdefault(task.task_spec.name, []).append(task)
        self.live += len(new)

    def removed(self, task: Any) -> None:
        task.__dict__["_engine_removed"] = True
        self.dirty.add(task.task_spec.name)
        self.live -= 1

    @classmethod
    def of(cls, workflow: Any) -> _SpecIndex:
        tasks = workflow.tasks
        index = workflow.__dict__.get("_engine_spec_index")
        if index is not None:
            new = []
            for task in reversed(tasks.values()):
                if id(task) in index.seen:
                    break
                new.append(task)
            if index.live + len(new) == len(tasks):
                new.reverse()
                index._add(new)
                return index
        STATS["index_rebuilds"] += 1
        index = workflow.__dict__["_engine_spec_index"] = cls(tasks)
        workflow.__dict__.pop("_engine_join_memos", None)
        return index

    def tasks_named(self, name: str) -> tuple[list[Any], bool]:
        """The list (not a copy) of the tasks of spec ``name``, and whether some were just pruned."""
        found = self.by_name.get(name, [])
        if name not in self.dirty:
            return found, False
        self.dirty.discard(name)
        gone = [t for t in found if "_engine_removed" in t.__dict__]
        found[:] = [t for t in found if "_engine_removed" not in t.__dict__]
        self.seen.difference_update(id(t) for t in gone)
        return found, True


def _remove_task(self: Any, task_id: Any) -> None:
    task = self.tasks[task_id]
    _ORIGINAL_REMOVE_TASK(self, task_id)
    index = self.__dict__.get("_engine_spec_index")
    if index is not None and id(task) in index.seen and "_engine_removed" not in task.__dict__:
        index.removed(task)
    task.__dict__["_engine_removed"] = True


def _parent_of(task: Any, tasks: dict[Any, Any]) -> Any:
    """``task.parent`` without hashing a UUID (a Python-level ``__hash__``) when it can be helped."""
    known = task.__dict__.get("_engine_parent")
    if known is not None and known.id is task._parent and "_engine_removed" not in known.__dict__:
        return known
    parent = tasks.get(task._parent) if task._parent is not None else None
    task.__dict__["_engine_parent"] = parent
    return parent


def _ancestors(task: Any) -> set[int]:
    tasks, found = task.workflow.tasks, set()
    parent = _parent_of(task, tasks)
    while parent is not None:
        found.add(id(parent))
        parent = _parent_of(parent, tasks)
    return found


def _has_descendant_instance(task: Any, spec: Any) -> bool:
    """Whether an instance of ``spec`` lies below ``task`` (a loop: SpiffWorkflow predicts the next
    iteration's tasks under the current one)."""
    tasks = task.workflow.tasks
    stack = list(task._children)
    while stack:
        child = tasks.get(stack.pop())
        if child is not None:
            if child.task_spec == spec:
                return True
            stack.extend(child._children)
    return False


def _input_names(spec: Any) -> frozenset[str]:
    cached = spec.__dict__.get("_engine_input_names")
    if cached is None or cached[0] is not spec._inputs or cached[1] != len(spec._inputs):
        cached = spec.__dict__["_engine_input_names"] = (spec._inputs, len(spec._inputs), frozenset(spec._inputs))
    return cached[2]


class _JoinMemo:
    """What one parallel join's arrivals have settled so far, so the next arrival examines only
    the instances created since (and itself).

    ``settled``: instances counted as an arrival (a parent COMPLETED on an input), never counted
    twice; ``satisfied``: their inputs; ``excluded``: instances that were ancestors of the task
    decided for (a loop's earlier iteration), which SpiffWorkflow ignores. The memo is valid for a
    task whose ancestors include every excluded instance and which is neither a descendant nor
    an ancestor of a settled one; otherwise it is rebuilt from all instances, as SpiffWorkflow does.
    """

    __slots__ = ("excluded", "position", "satisfied", "settled", "waiting")

    def __init__(self) -> None:
        self.position = 0
        self.satisfied: set[str] = set()
        self.settled: set[int] = set()
        self.excluded: set[int] = set()
        self.waiting: list[Any] = []


def _parallel_threshold(self: Any, my_task: Any, memo: _JoinMemo | None) -> tuple[bool, _JoinMemo]:
    """``ParallelGateway._check_threshold_unstructured`` for a task with no instance of the join
    below it: the same decision, in O(new instances + depth) per arrival instead of O(whole tree +
    instances x depth). (With instances below -- a loop -- SpiffWorkflow's own check runs: its walk
    up from those instances depends on the order of the tree, and a loop's joins are narrow.)

    Without instances below, SpiffWorkflow's decision is: every input of the join has a COMPLETED
    task that is the parent of an instance which is not an ancestor of ``my_task``. That is a union
    over instances, so arrivals counted once stay counted while the memo is valid.
    """
    workflow = my_task.workflow
    found, pruned = _SpecIndex.of(workflow).tasks_named(self.name)
    ancestors = _ancestors(my_task)
    if memo is None or pruned or not memo.excluded <= ancestors or not memo.settled.isdisjoint(ancestors):
        old_waiting = memo.waiting if memo is not None else []
        memo = _JoinMemo()
        memo.waiting = [t for t in found if t._state == _WAITING] or old_waiting
        STATS["join_fresh_scans"] += 1
    else:
        STATS["join_incremental"] += 1
    needed = _input_names(self)
    tasks = workflow.tasks
    examine = found[memo.position:] if memo.position < len(found) else []
    for task in [*examine, my_task]:
        if task.task_spec != self or "_engine_removed" in task.__dict__:
            continue
        key = id(task)
        if key in memo.settled:
            continue
        if key in ancestors:  # loop: a previous iteration
            memo.excluded.add(key)
            continue
        parent = _parent_of(task, tasks)
        if parent is not None and parent._state == _COMPLETED and parent.task_spec.name in needed:
            memo.settled.add(key)
            memo.satisfied.add(parent.task_spec.name)
    memo.position = len(found)
    return len(memo.satisfied) == len(needed), memo


def _join_update_hook(self: Any, my_task: Any) -> bool:
    """``UnstructuredJoin._update_hook``. For a parallel join without a loop below the task: the
    memo's decision and the memo's list of waiting instances, instead of two scans of every task."""
    memos = my_task.workflow.__dict__.setdefault("_engine_join_memos", {})
    if (type(self)._check_threshold_unstructured is not _ORIGINAL_PARALLEL_CHECK
            or (my_task._children and _has_descendant_instance(my_task, self))):
        memos.pop(self.name, None)
        STATS["join_original"] += 1
        return bool(_ORIGINAL_UPDATE_HOOK(self, my_task))
    may_fire, memo = _parallel_threshold(self, my_task, memos.get(self.name))
    memos[self.name] = memo
    for task in memo.waiting:
        if task is not my_task and task._state == _WAITING:
            task.cancel()
    if not may_fire:
        my_task._set_state(_WAITING)
        memo.waiting = [my_task]
    else:
        memo.waiting = []
        my_task._inherit_data()
    return bool(may_fire)


def _join_run_hook(self: Any, my_task: Any) -> bool:
    """``UnstructuredJoin._run_hook`` (once per firing): the other instances from the index and the
    ancestor test a set lookup instead of a recursion per task of the workflow."""
    workflow = my_task.workflow
    ancestors = _ancestors(my_task)
    found, _ = _SpecIndex.of(workflow).tasks_named(self.name)
    others = [t for t in found if t.task_spec == self and t._state & _FINISHED and id(t) not in ancestors
              and "_engine_removed" not in t.__dict__]
    for task in sorted(others, key=lambda t: t.last_state_change):
        DeepMerge.merge(my_task.data, _parent_of(task, workflow.tasks).data)
        if task._state == _COMPLETED:
            task._drop_children(force=True)
    my_task._inherit_data()
    # A join that fired starts a new activation: arrivals counted so far belong to this one.
    workflow.__dict__.get("_engine_join_memos", {}).pop(self.name, None)
    return True


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


def _update_waiting_tasks(self: Any) -> None:
    """``Workflow.update_waiting_tasks`` over the workflow's WAITING set instead of a walk of the
    whole tree after every completed task. Tasks are taken in the order they started waiting."""
    waiting = _waiting_set(self)
    for key, task in list(waiting.items()):
        if task._state != _WAITING or "_engine_removed" in task.__dict__ or task.workflow is not self:
            waiting.pop(key, None)
            continue
        task.task_spec._update(task)
        if task._state != _WAITING:
            waiting.pop(key, None)


builtins_id = id
_ORIGINAL_PARALLEL_CHECK = ParallelGateway._check_threshold_unstructured
_ORIGINAL_UPDATE_HOOK = UnstructuredJoin._update_hook
_ORIGINAL_REMOVE_TASK = Workflow._remove_task
_ORIGINAL_SET_STATE = Task._set_state
_ORIGINAL_TASK_INIT = Task.__init__

#: What is replaced: (class, attribute, SpiffWorkflow's own, ours).
REPLACED: tuple[tuple[type, str, Any, Any], ...] = (
    (UnstructuredJoin, "_update_hook", _ORIGINAL_UPDATE_HOOK, _join_update_hook),
    (UnstructuredJoin, "_run_hook", UnstructuredJoin._run_hook, _join_run_hook),
    (Workflow, "update_waiting_tasks", Workflow.update_waiting_tasks, _update_waiting_tasks),
    (Workflow, "_remove_task", _ORIGINAL_REMOVE_TASK, _remove_task),
    (Task, "_set_state", _ORIGINAL_SET_STATE, _set_state),
    (Task, "__init__", _ORIGINAL_TASK_INIT, _task_init),
)


def linear_parallel_join() -> None:
    for owner, name, _own, ours in REPLACED:
        setattr(owner, name, ours)
