"""Workflow state in and out of JSON, without the process spec repeated in every case.

A case stores only its task tree and data; the spec belongs to the deployed version and is kept
once per version (:class:`SpecBundle`). After every load the safe script engine is set again,
because SpiffWorkflow does not serialize it and would fall back to plain ``eval``.
"""

from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter

from engine.notices import Notices, NoticeSpec
from engine.spiff.message_events import EngineMessage
from engine.spiff.outputs import Outputs
from engine.spiff.script_engine import SafeScriptEngine
from engine.spiff.timer_events import EngineCycle, EngineDuration, EngineTimeDate

SERIALIZER_VERSION = VERSION

_CONFIG = deepcopy(CAMUNDA_CONFIG)
_CONFIG[EngineTimeDate] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineDuration] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineCycle] = TimerConditionalEventDefinitionConverter
_CONFIG[EngineMessage] = MessageEventDefinitionConverter

_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))


def full_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's serializer configured for the engine's specs, writing the spec into every
    workflow as SpiffWorkflow does by itself (the benchmark's naive baseline uses it)."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(deepcopy(_CONFIG)))

_SPEC_KEYS = ("spec", "subprocess_specs")


@dataclass(frozen=True)
class SpecBundle:
    """A deployed version's parsed process spec, as the serializer's dict (built once per version)."""

    process_id: str
    spec: dict[str, Any]
    subprocess_specs: dict[str, Any]
    outputs: Outputs = field(default_factory=dict)
    notices: Notices = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A fresh copy of the spec dicts is needed for every workflow built (SpiffWorkflow mutates
        # them while restoring); parsing JSON text is several times faster than deepcopy.
        object.__setattr__(self, "_text", json.dumps([self.spec, self.subprocess_specs]))

    @classmethod
    def from_parsed(cls, process_id: str, spec: Any, subprocess_specs: dict[str, Any],
                    outputs: Outputs | None = None, notices: Notices | None = None) -> SpecBundle:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        full = _serializer.to_dict(workflow)
        return cls(process_id, full["spec"], full["subprocess_specs"], dict(outputs or {}), dict(notices or {}))

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

    def new_workflow(self, script_engine: SafeScriptEngine) -> BpmnWorkflow:
        spec_dict, sub_dicts = self.copies()
        spec = _serializer.from_dict(spec_dict)
        subprocess_specs = {name: _serializer.from_dict(s) for name, s in sub_dicts.items()}
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.engine_outputs = self.outputs
        workflow.engine_notices = self.notices
        return workflow


def dump(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON, without its spec."""
    _serializer.registry._encoder_mode = True
    try:
        dct = _serializer.to_dict(workflow)
    finally:
        _serializer.registry._encoder_mode = False
    for key in _SPEC_KEYS:
        dct.pop(key, None)
    return json.dumps(dct, separators=(",", ":"), cls=_serializer._encoder_cls)


def load(text: str, serializer_version: str, bundle: SpecBundle, script_engine: SafeScriptEngine) -> BpmnWorkflow:
    """Rebuild a workflow from its stored state and its version's spec; sets the safe script engine."""
    dct = json.loads(text)
    dct["spec"], dct["subprocess_specs"] = bundle.copies()
    dct[_serializer.VERSION_KEY] = serializer_version
    _serializer.migrate(dct)
    workflow: BpmnWorkflow = _serializer.from_dict(dct)
    workflow.script_engine = script_engine
    workflow.engine_outputs = bundle.outputs
    workflow.engine_notices = bundle.notices
    # Sub-processes read the script engine of their top workflow: nothing more to set.
    return workflow
