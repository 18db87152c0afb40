"""A case's stored state, and the check that it loads with SpiffWorkflow's own serializer.

The engine stores a case's workflow as SpiffWorkflow's JSON without the spec, compressed
(engine/spiff/state.py), and puts the spec back from the deployed version when it loads one. The
check here does what SpiffWorkflow would do by itself: the stored bytes decompressed, the spec's
dicts put back into the JSON, then
``BpmnWorkflowSerializer.deserialize_json`` (configured for the engine's timer and message event
definitions: :func:`engine.spiff.state.full_serializer`), and the engine's own ``load`` as well;
both workflows written out again must give back the stored state.

This is the one module of the simulator beyond the engine's public surface: it reads the stored
row (``engine.persistence.store``) and the serializer (``engine.spiff.state``), as ignored imports
of the ``simulation-public-surface`` contract in pyproject.toml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.api import WorkflowEngine
from engine.persistence import store
from engine.spiff import state


@dataclass(frozen=True)
class StoredState:
    stored: bytes  # as the row holds it (compressed)
    serializer_version: str
    version_id: int

    @property
    def text(self) -> str:
        """The state's JSON, as SpiffWorkflow reads it."""
        return state.json_text(self.stored)

    @property
    def size(self) -> int:
        """Bytes of the state's JSON (UTF-8): how much the workflow holds, whatever its compression."""
        return len(self.text.encode())


def read(engine: WorkflowEngine, case_id: str) -> StoredState:
    with engine.db.reading() as session:
        row = store.get_case(session, case_id)
        if row is None:
            raise LookupError(f"case {case_id} does not exist")
        return StoredState(row.state, row.serializer_version, row.process_version_id)


def size(engine: WorkflowEngine, case_id: str) -> int:
    return read(engine, case_id).size


def _canonical(text: str) -> Any:
    """The state as JSON, with each task's data delta's ``deletions`` in order: SpiffWorkflow writes
    them from a set, so their order says nothing."""
    def sort_deletions(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sorted(v, key=str) if k == "deletions" and isinstance(v, list) else sort_deletions(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [sort_deletions(v) for v in value]
        return value

    return sort_deletions(json.loads(text))


def serializer_problem(engine: WorkflowEngine, case_id: str) -> str | None:
    """Why the stored state does not load with SpiffWorkflow's serializer and the engine's alike
    (None if it does, and both give the stored state back when written out again)."""
    stored = read(engine, case_id)
    text = stored.text
    if not text:
        return None
    bundle = engine.catalog.bundle(stored.version_id)
    serializer = state.full_serializer()
    dct = json.loads(text)
    dct["spec"], dct["subprocess_specs"] = bundle.copies()
    dct[serializer.VERSION_KEY] = stored.serializer_version
    try:
        own = serializer.deserialize_json(json.dumps(dct))
    except Exception as error:
        return f"SpiffWorkflow's BpmnWorkflowSerializer cannot load the stored state: {error!r}"
    try:
        ours = state.load(stored.stored, stored.serializer_version, bundle, None)  # type: ignore[arg-type]
    except Exception as error:
        return f"the engine's state.load cannot load the stored state: {error!r}"
    expected = _canonical(text)
    for who, workflow in (("SpiffWorkflow's serializer", own), ("the engine's load", ours)):
        again = _canonical(state.dump_json(workflow))
        if again != expected:
            differing = sorted(k for k in set(again) | set(expected) if again.get(k) != expected.get(k))
            return f"the state loaded by {who} and written out again differs from the stored one in {differing}"
    try:
        serializer.serialize_json(own)
    except Exception as error:
        return f"SpiffWorkflow's serializer cannot write the loaded state again: {error!r}"
    return None
