"""A workflow's task tree in and out of SpiffWorkflow's stored format, at a fraction of the cost.

The format is exactly the one SpiffWorkflow's ``WorkflowConverter`` and ``TaskConverter`` write and
read (``tests/engine/test_stored_state.py`` compares both ways): every task's id, parent, children,
state, spec name, internal data, and its data as a delta against its parent's. What differs is the
work per task, which is most of the cost of loading and storing a case (docs/benchmarks.md):

* each id is parsed once per state (it is written three times: the task's own, its parent's list of
  children, its children's parent), without the checks ``UUID(text)`` makes for every form of UUID
  text — a stored id is always the canonical form ``str(uuid)`` wrote;
* a task is built by setting what ``Task.__init__`` sets, without its random id, clock read and
  parent notification, all of which loading overwrites or must not do;
* no registry walk over values that are plain JSON already, and no per-task copy of the dict;
* a task whose data equals its parent's (most of them) is compared once, in C, instead of key by key.
"""

from __future__ import annotations

from copy import copy
from typing import Any
from uuid import UUID, SafeUUID

from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_SCALARS = (str, int, float, bool, type(None))
_CONTAINERS = (dict, list, set)
_UUID_TEXT_LENGTH = 36
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown
_WAITING = TaskState.WAITING


def parse_id(text: str) -> UUID:
    """A task id from the canonical text ``str(uuid)`` wrote (raises ValueError on anything else)."""
    if len(text) != _UUID_TEXT_LENGTH or text[8] != "-" or text[13] != "-" or text[18] != "-" or text[23] != "-":
        raise ValueError(f"not a stored task id: {text!r}")
    value: UUID = _new(UUID)
    _set(value, "int", int(text.replace("-", ""), 16))
    _set(value, "is_safe", _UNKNOWN)
    return value


def read_tasks(workflow: Any, stored: dict[str, dict[str, Any]], restore: Any) -> None:
    """Build ``workflow.tasks`` from the stored task dicts (parents before their children, as
    stored). ``restore`` is the registry's ``restore``, for values that are not plain JSON."""
    ids: dict[str, UUID] = {}

    def task_id(text: str) -> UUID:
        found = ids.get(text)
        if found is None:
            found = ids[text] = parse_id(text)
        return found

    specs = workflow.spec.task_specs
    tasks: dict[UUID, Task] = {}
    workflow.tasks = tasks  # filled as it goes: a task's data is built from its parent's
    events = workflow.top_workflow.event_manager
    thread_id = Task.thread_id_pool
    for dct in stored.values():
        spec = specs.get(dct["task_spec"])
        own = task_id(dct["id"])
        parent_text = dct["parent"]
        parent_id = task_id(parent_text) if parent_text is not None else None
        internal = dct["internal_data"]
        delta: dict[str, Any] = dct.get("delta") or {}
        parent = tasks.get(parent_id) if delta and parent_id is not None else None
        if parent is not None:
            # DeepMerge.merge({}, parent.data): a copy whose dicts, lists and sets are copied too.
            data = {k: copy(v) if isinstance(v, _CONTAINERS) else v for k, v in parent.data.items()}
            updates = delta.get("updates")
            if updates:
                plain = all(isinstance(v, _SCALARS) for v in updates.values())
                data.update(updates if plain else restore(updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = restore(dct["data"])
        task: Task = _new(Task)
        task.__dict__.update({
            "id": own,
            "workflow": workflow,
            "_parent": parent_id,
            "_children": [task_id(child) for child in dct["children"]],
            "_state": dct["state"],
            "triggered": dct["triggered"],
            "task_spec": spec,
            "thread_id": thread_id,
            "data": data,
            "internal_data": restore(internal) if internal else {},
            "last_state_change": dct["last_state_change"],
        })
        tasks[own] = task
        if task._state & _WAITING and isinstance(spec, CatchingEvent):
            events.add_task(task)


def write_tasks(workflow: Any, convert: Any) -> dict[str, dict[str, Any]]:
    """The stored form of ``workflow.tasks``. ``convert`` is the registry's ``convert`` (in encoder
    mode), for internal data."""
    tasks = workflow.tasks
    texts = {task_id: str(task_id) for task_id in tasks}
    stored: dict[str, dict[str, Any]] = {}
    for task_id, task in tasks.items():
        parent = tasks.get(task._parent)
        data = task.data
        delta: dict[str, Any]
        if parent is None:
            own_data, delta = data, {}
        else:
            own_data = {}
            before = parent.data
            if data == before:
                delta = {"updates": {}, "deletions": []}
            else:
                delta = {"updates": {k: v for k, v in data.items() if k not in before or v != before[k]},
                         "deletions": [k for k in before if k not in data]}
        internal = task.internal_data
        text = texts[task_id]
        stored[text] = {
            "id": text,
            "parent": texts[task._parent] if parent is not None else None,
            "children": [texts.get(child) or str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": convert(internal) if internal else {},
            "data": own_data,
            "delta": delta,
            "typename": "Task",
        }
    return stored
