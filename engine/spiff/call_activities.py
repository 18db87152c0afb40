"""Call activities: another process run inside the case, with data passed by declared mapping.

SpiffWorkflow's call activity copies all of the caller's data into the called process and all of
its data back out. The engine's call activity (:class:`EngineCallActivity`) passes what its
``camunda:in`` and ``camunda:out`` declare, as Camunda does, and nothing else:

- ``<camunda:in source="a" target="b"/>`` (or ``sourceExpression="${…}"``, in the safe expression
  language) gives the called process ``b``; ``<camunda:in variables="all"/>`` gives it all the
  caller's data;
- ``<camunda:out source="x" target="y"/>`` sets ``y`` in the case when the called process ends;
  ``<camunda:out variables="all"/>`` takes all its data out;
- with no mapping nothing crosses, either way.

The called process keeps its variables apart from the case's (:func:`variables.scope`): what its
tasks set stays in it until its end, and only the declared outputs come out. A source that is not
set gives ``null``. The mapping is parsed into the task spec's extensions, so it is stored with the
version's spec and read back with it.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.camunda.parser.task_spec import CallActivityParser

from engine.definitions.validation.call_activities import MAPPING, mapping
from engine.errors import EngineError
from engine.language import expressions
from engine.spiff.error_events import ended_by_error
from engine.spiff.multi_instance import LoopParsing, instance_of
from engine.spiff.outputs import plain
from engine.spiff.script_engine import ENGINE_FUNCTIONS
from engine.spiff.variables import publish


class EngineCallActivityParser(LoopParsing, CallActivityParser):
    """A call activity, its mapping parsed, its loop markers read as the engine runs them
    (multi_instance.py: the called process runs once per item)."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = super().parse_extensions(node)
        extensions[MAPPING] = mapping(self.node)
        return extensions


class EngineCallActivity(CallActivity):
    """A call activity whose called process has variables of its own, given and taken by mapping."""

    #: Read by :func:`engine.spiff.variables.scope`: the called process's variables are its own.
    own_variables = True

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        values = self._passed("in", my_task.data)
        subworkflow.data.update(deepcopy(values))
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        start.set_data(**deepcopy(values))

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        if ended_by_error(subworkflow):  # the error's boundary event goes on instead: nothing comes out
            return
        inner = {**subworkflow.last_task.data, **subworkflow.data}
        values = self._passed("out", inner)
        my_task.data.update(deepcopy(values))
        if instance_of(my_task) is None:  # an instance's outputs are its own: its entry in the results
            publish(my_task.workflow, deepcopy(values))

    def _passed(self, direction: str, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return passed(self.extensions.get(MAPPING, {}).get(direction, []), data)
        except EngineError as err:  # a failing sourceExpression: the call activity is named
            err.engine_element = self.bpmn_id  # type: ignore[attr-defined]
            raise


def passed(items: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    """What a mapping (``camunda:in`` or ``camunda:out`` items, in document order) passes of ``data``."""
    values: dict[str, Any] = {}
    for item in items:
        if item.get("all"):
            values.update(data)
        elif item.get("expression"):
            values[item["target"]] = plain(expressions.evaluate(item["expression"], data, ENGINE_FUNCTIONS))
        else:
            values[item["target"]] = data.get(item.get("source") or "")
    return values


def called_steps(spec: Any, subprocess_specs: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every element of the processes the call activities of ``spec`` (and of its embedded
    sub-processes) call, at any depth, by id → (the call activity it runs inside, its name)."""
    found: dict[str, tuple[str, str]] = {}

    def inside(name: str, call: str, seen: frozenset[str]) -> None:
        process = subprocess_specs.get(name)
        if process is None or name in seen:
            return
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "bpmn_id", None):
                found.setdefault(task_spec.bpmn_id, (call, task_spec.bpmn_name or task_spec.bpmn_id))
            if isinstance(task_spec, SubWorkflowTask):
                inside(task_spec.spec, call, seen | {name})

    def walk(process: Any, seen: frozenset[str]) -> None:
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, EngineCallActivity):
                inside(task_spec.spec, task_spec.bpmn_id, frozenset())
            elif isinstance(task_spec, SubWorkflowTask) and task_spec.spec in subprocess_specs \
                    and task_spec.spec not in seen:
                walk(subprocess_specs[task_spec.spec], seen | {task_spec.spec})

    walk(spec, frozenset())
    return found
