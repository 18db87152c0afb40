"""Workflow state in and out of JSON, without the process spec repeated in every case.

A case stores only its task tree and data; the spec belongs to the deployed version and is kept
once per version (:class:`SpecBundle`). What is stored is SpiffWorkflow's JSON of it, compressed
with zlib (:func:`dump`, a fifth to a seventh of the JSON: docs/benchmarks.md, "Stored state per
open case"); a state stored before compression, the JSON's UTF-8 bytes, still loads
(:func:`json_text` tells the two apart: JSON begins with ``{``, a zlib stream never does).

After every load the safe script engine is set again, because SpiffWorkflow does not serialize it
and would fall back to plain ``eval``.

The spec objects themselves are built once per version and shared by every workflow of it, unless
the version uses something SpiffWorkflow changes its spec for while running (an event
sub-process, an ad hoc sub-process): then each workflow gets a set of its own, built from the
stored dicts. Rebuilding about a hundred task specs for every loaded case was most of the cost
of loading one (docs/benchmarks.md, the timer burst).
"""

from __future__ import annotations

import json
import threading
import zlib
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    ErrorEscalationEventDefinitionConverter,
    MultipleEventDefinitionConverter,
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    MultiInstanceTaskConverter,
    StandardLoopTaskConverter,
    SubWorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers import EventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.task import Task

from engine.language.notice_templates import Notices, NoticeSpec
from engine.spiff import task_tree
from engine.spiff.call_activities import EngineCallActivity
from engine.spiff.error_events import ContainedError, ContainedEscalation
from engine.spiff.event_gateways import EngineEventChoice
from engine.spiff.message_events import EngineMessage, EngineSignal
from engine.spiff.multi_instance import (
    EngineParallelMultiInstanceTask,
    EngineSequentialMultiInstanceTask,
    EngineStandardLoopTask,
)
from engine.spiff.outputs import Outputs
from engine.spiff.script_engine import SafeScriptEngine
from engine.spiff.timer_events import EngineCycle, EngineDuration, EngineTimeDate

SERIALIZER_VERSION = VERSION

_CONFIG = deepcopy(CAMUNDA_CONFIG)
_CONFIG[EngineTimeDate] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineDuration] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineCycle] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineMessage] = MessageEventDefinitionConverter
_CONFIG[EngineSignal] = EventDefinitionConverter
_CONFIG[EngineCallActivity] = SubWorkflowConverter
_CONFIG[EngineEventChoice] = MultipleEventDefinitionConverter
_CONFIG[ContainedError] = ErrorEscalationEventDefinitionConverter
_CONFIG[ContainedEscalation] = ErrorEscalationEventDefinitionConverter
_CONFIG[EngineParallelMultiInstanceTask] = MultiInstanceTaskConverter
_CONFIG[EngineSequentialMultiInstanceTask] = MultiInstanceTaskConverter
_CONFIG[EngineStandardLoopTask] = StandardLoopTaskConverter


def _workflow_to_dict(registry: Any, workflow: Any) -> dict[str, Any]:
    """``WorkflowConverter.to_dict``, its tasks written by :func:`task_tree.write_tasks`."""
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": task_tree.write_tasks(workflow, registry.convert),
        "root": str(workflow.task_tree.id),
    }


class _StateConverter(BpmnWorkflowConverter):
    """A top workflow as the engine stores it: task tree, data and sub-workflows, no spec.

    SpiffWorkflow's own converter writes the whole spec into every workflow (which the engine then
    threw away) and rebuilds it on every restore. This one leaves it out, and restores onto spec
    objects handed in (``dct["spec"]`` already built); spec dicts, as a state migrated from an
    older format carries them, are still restored the usual way.
    """

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = _workflow_to_dict(self.registry, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        spec, subprocess_specs = dct.pop("spec"), dct.pop("subprocess_specs", {})
        if isinstance(spec, dict):
            spec, subprocess_specs = self.registry.restore(spec), self.mapping_from_dict(subprocess_specs)
        # The same steps as BpmnWorkflowConverter.from_dict after its specs are restored.
        workflow = self.target_class(spec, dict(subprocess_specs), deserializing=True)
        task_tree.read_tasks(workflow, dct["tasks"], self.registry.restore)
        workflow.task_tree = workflow.tasks.get(task_tree.parse_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _SubStateConverter(BpmnSubWorkflowConverter):
    """A sub-process's workflow (inside a stored state), its tasks read and written the same way."""

    def to_dict(self, workflow: BpmnSubWorkflow) -> dict[str, Any]:
        dct = _workflow_to_dict(self.registry, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct: dict[str, Any], task: Task, top_workflow: BpmnWorkflow) -> BpmnSubWorkflow:
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        task_tree.read_tasks(subprocess, dct["tasks"], self.registry.restore)
        subprocess.task_tree = subprocess.tasks.get(task_tree.parse_id(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
    {**_CONFIG, BpmnWorkflow: _StateConverter, BpmnSubWorkflow: _SubStateConverter}))


def full_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's serializer configured for the engine's specs, writing the spec into every
    workflow as SpiffWorkflow does by itself (the benchmark's naive baseline uses it)."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(deepcopy(_CONFIG)))


@dataclass(frozen=True)
class SpecBundle:
    """A deployed version's parsed process spec, as the serializer's dict (built once per version)."""

    process_id: str
    spec: dict[str, Any]
    subprocess_specs: dict[str, Any]
    outputs: Outputs = field(default_factory=dict)
    notices: Notices = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A fresh copy of the spec dicts is needed for every set of spec objects built (SpiffWorkflow
        # mutates them while restoring); parsing JSON text is several times faster than deepcopy.
        object.__setattr__(self, "_text", json.dumps([self.spec, self.subprocess_specs]))
        # The shared spec objects: None until first asked for, False if the version may not share.
        object.__setattr__(self, "_shared", None)
        object.__setattr__(self, "_shared_lock", threading.Lock())

    @classmethod
    def from_parsed(cls, process_id: str, spec: Any, subprocess_specs: dict[str, Any],
                    outputs: Outputs | None = None, notices: Notices | None = None) -> SpecBundle:
        registry = _serializer.registry
        subprocesses = {name: registry.convert(s) for name, s in subprocess_specs.items()}
        return cls(process_id, registry.convert(spec), subprocesses, dict(outputs or {}), dict(notices or {}))

    def to_json(self) -> dict[str, Any]:
        """What a deployed version stores, so that no later process has to parse the sources."""
        return {"process_id": self.process_id, "spec": self.spec, "subprocess_specs": self.subprocess_specs,
                "outputs": {k: [list(p) for p in v] for k, v in self.outputs.items()},
                "notices": {k: v.to_json() for k, v in self.notices.items()}}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> SpecBundle:
        outputs = {k: tuple((p[0], p[1]) for p in v) for k, v in stored.get("outputs", {}).items()}
        notices = {k: NoticeSpec.from_json(v) for k, v in stored.get("notices", {}).items()}
        return cls(stored["process_id"], stored["spec"], stored["subprocess_specs"], outputs, notices)

    def copies(self) -> tuple[dict[str, Any], dict[str, Any]]:
        spec, subprocess_specs = json.loads(self._text)  # type: ignore[attr-defined]
        return spec, subprocess_specs

    def build(self) -> tuple[Any, dict[str, Any]]:
        """A set of spec objects of this version of its own: the top process and its sub-processes."""
        spec_dict, sub_dicts = self.copies()
        return _serializer.from_dict(spec_dict), {name: _serializer.from_dict(s) for name, s in sub_dicts.items()}

    def specs(self) -> tuple[Any, dict[str, Any]]:
        """The spec objects a workflow of this version runs on: one set shared by all of them, or a
        set of its own where SpiffWorkflow would change the spec while the workflow runs."""
        shared = self._shared  # type: ignore[attr-defined]
        if shared is False:
            return self.build()
        if shared is not None:
            return shared
        with self._shared_lock:  # type: ignore[attr-defined]
            if self._shared is None:  # type: ignore[attr-defined]
                built = self.build()
                object.__setattr__(self, "_shared", built if _shareable(*built) else False)
        return self.specs()

    def new_workflow(self, script_engine: SafeScriptEngine) -> BpmnWorkflow:
        spec, subprocess_specs = self.specs()
        workflow = BpmnWorkflow(spec, dict(subprocess_specs), script_engine=script_engine)
        workflow.engine_outputs = self.outputs
        workflow.engine_notices = self.notices
        return workflow


def _shareable(spec: Any, subprocess_specs: dict[str, Any]) -> bool:
    """Whether workflows may share these spec objects: SpiffWorkflow changes a spec at run time
    only for event sub-processes (``BpmnStartTask.trigger_wf`` connects the start to the triggered
    sub-process, so later workflows would start it too), ad hoc sub-processes (``add_path``), and
    loops and multi-instance tasks (connecting the child's completion to ``merge_child``, the same
    for every workflow: done here, once, so that nothing changes later)."""
    for process in (spec, *subprocess_specs.values()):
        if isinstance(process, AdHocSubprocessSpec):
            return False
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, BpmnStartTask) and task_spec.trigger_specs:
                return False
            if isinstance(task_spec, LoopTask):
                child = process.task_specs[task_spec.task_spec]
                if not child.completed_event.is_connected(task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)
    return True


#: zlib's level for a stored state: the fastest. Level 6 stores about a tenth less (a fifth less of
#: Gemensamma taget) at 2–3 times the cost, 0.2–0.3 ms more per save (docs/benchmarks.md). Any level
#: is read back the same: changing it needs no migration.
COMPRESSION_LEVEL = 1


def dump_json(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON, without its spec (what :func:`dump` compresses)."""
    _serializer.registry._encoder_mode = True
    try:
        dct = _serializer.to_dict(workflow)
    finally:
        _serializer.registry._encoder_mode = False
    return json.dumps(dct, separators=(",", ":"), cls=_serializer._encoder_cls)


def dump(workflow: BpmnWorkflow) -> bytes:
    """The workflow's state as it is stored: its JSON (:func:`dump_json`), zlib-compressed."""
    return compress(dump_json(workflow))


def compress(text: str) -> bytes:
    return zlib.compress(text.encode(), COMPRESSION_LEVEL)


def json_text(stored: bytes | str) -> str:
    """The JSON of a stored state: decompressed, or as stored before states were compressed (its
    UTF-8 bytes, or text). Empty for a case without a state (not started, or purged)."""
    if isinstance(stored, str):
        return stored
    if not stored or stored[:1] == b"{":
        return stored.decode()
    return zlib.decompress(stored).decode()


def load(stored: bytes | str, serializer_version: str, bundle: SpecBundle,
         script_engine: SafeScriptEngine) -> BpmnWorkflow:
    """Rebuild a workflow from its stored state (compressed or not: :func:`json_text`) and its
    version's spec; sets the safe script engine."""
    dct = json.loads(json_text(stored))
    if serializer_version == SERIALIZER_VERSION:
        dct["spec"], dct["subprocess_specs"] = bundle.specs()
    else:  # an older format: migrated together with dicts of the spec, as SpiffWorkflow expects
        dct["spec"], dct["subprocess_specs"] = bundle.copies()
        dct[_serializer.VERSION_KEY] = serializer_version
        _serializer.migrate(dct)
    workflow: BpmnWorkflow = _serializer.from_dict(dct)
    workflow.script_engine = script_engine
    workflow.engine_outputs = bundle.outputs
    workflow.engine_notices = bundle.notices
    # Sub-processes read the script engine of their top workflow: nothing more to set.
    return workflow
