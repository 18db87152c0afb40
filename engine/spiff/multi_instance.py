"""Many of the same: multi-instance activities and standard loops, as the engine runs them.

SpiffWorkflow's Camunda parser turns ``camunda:collection`` into an *output* reference and, when
the activity starts, rewrites its (shared) spec to read it back as the input: ``${myndigheter}``
became a variable of that very name, missing, and the case stopped with "'NoneType' object is not
iterable". Its instances' answers were either lost or merged into the case one over another, and a
sub-process could not be multi-instance at all. So the engine parses both markers itself
(:class:`LoopParsing`, mixed into the user-task and sub-process parsers) onto SpiffWorkflow's
plain BPMN specs, subclassed here:

- the collection is a case variable, written ``name``, ``${name}`` or ``#{name}`` (or a
  ``loopDataInputRef``); it must hold a list, of at most :data:`MAX_INSTANCES` items; an empty list
  means no instance, and the activity is done at once;
- each instance sees its own item under ``camunda:elementVariable`` (or ``inputDataItem``), and
  what an instance sets stays its own (:func:`instance_of`: the runtime neither records it as the
  case's nor gives it to the other instances);
- each completed instance adds an entry, in the collection's order, to a list in the case data:
  ``loopDataOutputRef`` names it, else ``<activity id>_resultat``; an entry is the value of the
  instance's ``outputDataItem`` if the model names one, else what the instance set (its answers and
  its element variable) as a map;
- the completion condition sees the instance's data, ``nrOfInstances``,
  ``nrOfCompletedInstances``, ``nrOfActiveInstances`` and the results so far;
- a standard loop goes round while its ``loopCondition`` holds, at most ``loopMaximum`` times, and
  without a maximum a case that reaches :data:`LOOP_BOUND` rounds stops with an incident.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    StandardLoopTask,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from engine.definitions.validation.loops import MAX_INSTANCES
from engine.language import expressions
from engine.spiff.specs import title_of
from engine.spiff.variables import publish

#: A standard loop without ``loopMaximum`` stops the case (an incident) at this many rounds.
LOOP_BOUND = 100
#: The name of the results list when the model names none: ``<activity id>`` and this.
RESULTS_SUFFIX = "_resultat"

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"


def variable_name(text: str | None) -> str | None:
    """The case variable a collection names: ``name``, ``${name}`` or ``#{name}``; None if it is not
    one (an expression, an attribute access, nothing)."""
    if text is None or not text.strip():
        return None
    inner = expressions.normalize(text)
    return inner if inner.isidentifier() else None


class _Collecting(MultiInstanceTask):
    """What the engine adds to both kinds of multi-instance activity."""

    def _update_hook(self, my_task: Any) -> Any:
        result = super()._update_hook(my_task)
        my_task.internal_data["results"] = {}
        self._check_count(my_task)
        return result

    def _check_count(self, my_task: Any) -> None:
        if self.data_input is not None:
            name = self.data_input.bpmn_id
            value = my_task.data.get(name)
            if value is None:
                raise WorkflowTaskException(f"the collection '{name}' is not in the case data", task=my_task)
            if not isinstance(value, list):
                raise WorkflowTaskException(
                    f"the collection '{name}' holds {type(value).__name__}, not a list", task=my_task)
            count = len(value)
        else:
            count = my_task.workflow.script_engine.evaluate(my_task, self.cardinality)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise WorkflowTaskException(f"the loop cardinality is {count!r}, not a whole number", task=my_task)
        if count > MAX_INSTANCES:
            raise WorkflowTaskException(f"{count} instances asked for; at most {MAX_INSTANCES} are allowed",
                                        task=my_task)
        my_task.internal_data["count"] = count

    # A new round (the activity reached again through a loop) starts a new list of results.
    def init_data_output_with_input_data(self, my_task: Any, input_data: Any) -> None:
        self._start_results(my_task)

    def init_data_output_with_cardinality(self, my_task: Any) -> None:
        self._start_results(my_task)

    def _start_results(self, my_task: Any) -> None:
        self.data_output.set(my_task, [])
        publish(my_task.workflow, {self.data_output.bpmn_id: []})

    def merge_child(self, workflow: Any, child: Any) -> None:
        my_task = child.parent
        position = child.internal_data.get("key_or_index")
        if position is None:
            position = child.internal_data.get("item")
        output = self.data_output.bpmn_id
        if self.output_item is not None:
            entry = deepcopy(child.data.get(self.output_item.bpmn_id))
        else:
            entry = {name: deepcopy(value) for name, value in child.data.items()
                     if name != output and (name not in my_task.data or my_task.data[name] != value)}
        results = my_task.internal_data.setdefault("results", {})
        results[str(position)] = entry
        collected = [results[key] for key in sorted(results, key=int)]
        my_task.data[output] = collected
        my_task.internal_data["merged"].append(str(child.id))
        publish(my_task.workflow, {output: deepcopy(collected)})

    def check_completion_condition(self, my_task: Any) -> Any:
        if self.condition is None:
            return False
        merged = my_task.internal_data.get("merged", [])
        last = next((c for c in my_task.children if str(c.id) == merged[-1]), my_task) if merged else my_task
        count = my_task.internal_data.get("count", 0)
        active = sum(1 for c in self._instances(my_task) if not c.has_state(TaskState.FINISHED_MASK))
        context = {"nrOfInstances": count, "nrOfCompletedInstances": len(merged), "nrOfActiveInstances": active,
                   self.data_output.bpmn_id: my_task.data.get(self.data_output.bpmn_id, [])}  # Camunda's names
        return bool(my_task.workflow.script_engine.evaluate(last, self.condition, context))


class EngineParallelMultiInstanceTask(ParallelMultiInstanceTask, _Collecting):
    """Every instance at once; done when all are, or when the completion condition holds (the
    instances still open are then cancelled: SpiffWorkflow's ``merge_child``)."""


class EngineSequentialMultiInstanceTask(SequentialMultiInstanceTask, _Collecting):
    """One instance after the other, in the collection's order."""


class EngineStandardLoopTask(StandardLoopTask):
    """A standard loop, bounded by the engine where the model sets no maximum."""

    def loop_complete(self, my_task: Any) -> bool:
        done = bool(super().loop_complete(my_task))
        rounds = len(my_task.internal_data.get("merged", []))
        if not done and self.maximum is None and rounds >= LOOP_BOUND:
            raise WorkflowTaskException(
                f"the loop has gone round {LOOP_BOUND} times and its condition still holds; give it a "
                "loopMaximum if more rounds are meant", task=my_task)
        return done


class LoopParsing:
    """Mixed into a task parser: both loop markers onto the engine's specs."""

    spec: Any
    task: Any
    bpmn_id: str
    node: Any
    raise_validation_exception: Any
    _copy_task_attrs: Any

    def _add_multiinstance_task(self, loop: Any) -> None:
        def text(tag: str) -> str | None:
            found = loop.find(f"{BPMN}{tag}")
            return (found.text or "").strip() or None if found is not None else None

        def item(tag: str) -> str | None:
            found = loop.find(f"{BPMN}{tag}")
            return (found.get("name") or found.get("id")) if found is not None else None

        collection = variable_name(loop.get(f"{CAMUNDA}collection") or text("loopDataInputRef"))
        cardinality = text("loopCardinality")
        if collection is None and cardinality is None:
            self.raise_validation_exception("a multi-instance activity needs a loop cardinality or a collection")
        element = (loop.get(f"{CAMUNDA}elementVariable") or "").strip() or item("inputDataItem")
        output = variable_name(text("loopDataOutputRef")) or f"{self.bpmn_id}{RESULTS_SUFFIX}"
        output_item = item("outputDataItem")
        original = self.spec.task_specs.pop(self.task.name)
        sequential = loop.get("isSequential") == "true"
        cls = EngineSequentialMultiInstanceTask if sequential else EngineParallelMultiInstanceTask
        self.task = cls(
            self.spec, original.name, task_spec="",
            cardinality=None if collection else cardinality,
            data_input=TaskDataReference(collection) if collection else None,
            data_output=TaskDataReference(output),
            input_item=TaskDataReference(element) if element else None,
            output_item=TaskDataReference(output_item) if output_item else None,
            condition=text("completionCondition"),
            description="Sequential MultiInstance" if sequential else "Parallel MultiInstance",
        )
        self._copy_task_attrs(original, loop)

    def _add_loop_task(self, loop: Any) -> None:
        maximum = (loop.get("loopMaximum") or "").strip()
        condition = loop.find(f"{BPMN}loopCondition")
        condition_text = (condition.text or "").strip() or None if condition is not None else None
        original = self.spec.task_specs.pop(self.task.name)
        self.task = EngineStandardLoopTask(
            self.spec, original.name, "", int(maximum) if maximum.isdigit() else None, condition_text,
            loop.get("testBefore", "false") == "true", description="Loop Task")
        self._copy_task_attrs(original, loop)


# --- what the rest of the engine asks -------------------------------------------------------------------


def has_instances(workflow: Any) -> bool:
    """Whether the case's process has a multi-instance activity at all (cached on its spec)."""
    top = getattr(workflow, "top_workflow", None) or workflow
    spec = top.spec
    found = spec.__dict__.get("_engine_has_instances")
    if found is None:
        found = any(isinstance(t, MultiInstanceTask)
                    for s in (spec, *top.subprocess_specs.values()) for t in s.task_specs.values())
        spec.__dict__["_engine_has_instances"] = found
    return bool(found)


def instance_of(task: Any) -> Any | None:
    """The instance of a multi-instance activity that ``task`` runs in: the task itself, or the
    instance of a sub-process (however deep) that holds it; None outside every instance."""
    if not has_instances(task.workflow):
        return None
    current = task
    while current is not None:
        parent = current.parent
        if parent is not None and isinstance(parent.task_spec, MultiInstanceTask) \
                and current.task_spec.name == parent.task_spec.task_spec:
            return current
        workflow = current.workflow
        parent_id = getattr(workflow, "parent_task_id", None)
        current = workflow.top_workflow.get_task_from_id(parent_id) if parent_id is not None else None
    return None


def instance_label(instance: Any) -> str:
    """What tells one instance from its siblings: its item (``FK``), or its number (``2 av 3``)."""
    loop = instance.parent
    spec = loop.task_spec
    if spec.input_item is not None:
        value = instance.data.get(spec.input_item.bpmn_id)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return " ".join(str(value).split())[:60]
        if isinstance(value, dict):
            shown = next((v for v in value.values() if isinstance(v, str) and v.strip()), None)
            if shown:
                return " ".join(shown.split())[:60]
    position = instance.internal_data.get("key_or_index")
    if position is None:
        position = instance.internal_data.get("item")
    count = loop.internal_data.get("count")
    number = position + 1 if isinstance(position, int) else 1
    return f"{number} av {count}" if count else str(number)


def task_title(task: Any) -> str:
    """A task's title, with its instance's label if it runs in one (``Inhämta samtycke — FK``)."""
    title = title_of(task.task_spec)
    instance = instance_of(task)
    return f"{title} — {instance_label(instance)}" if instance is not None else title
