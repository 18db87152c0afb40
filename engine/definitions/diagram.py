"""What a case's diagram shows: the BPMN file of its version, where the case is now, and the path it
has taken (the elements its history names, and the sequence flows between them). A step inside a
process a call activity calls is drawn as that call activity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine import events
from engine.definitions import deployed, xml_safety
from engine.errors import NotFound
from engine.persistence.db import Database
from engine.views import Case, CaseDiagram, CaseEvent

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
#: History events whose element the case has passed through.
PASSED = (events.TaskCompleted.event, events.TimerFired.event, events.MessageReceived.event)


def process_xml(db: Database, key: str, version: int) -> str:
    """The BPMN file of one deployed version that holds the process ``key``."""
    return _bpmn_file(db, key, version)[0]


def _bpmn_file(db: Database, key: str, version: int) -> tuple[str, Any]:
    """The BPMN file holding the process ``key`` of that version, as text and as its parsed root."""
    for source in deployed.files(db, key, version):
        root = xml_safety.parse_xml(source.content, source.name).getroot()
        if root.find(f"{{{BPMN_NS}}}process[@id='{key}']") is not None:
            return source.text, root
    raise NotFound(f"process {key} version {version} has no BPMN file")


def case_diagram(db: Database, case: Case, history: Sequence[CaseEvent],
                 called: Mapping[str, tuple[str, str]] | None = None) -> CaseDiagram:
    """``called``: each element of a called process → (the call activity it runs inside, its name)."""
    xml, root = _bpmn_file(db, case.process_key, case.process_version)
    called = called or {}
    drawn = {e.get("id") for e in root.iter() if e.get("id")}

    def at(element: str) -> str:
        return called[element][0] if element not in drawn and element in called else element

    tasks = {at(t.name) for t in case.open_tasks}
    # A timer on the edge of a waiting task is part of that task's wait, not a place of its own.
    attached = {b.get("id"): b.get("attachedToRef") for b in root.iter(f"{{{BPMN_NS}}}boundaryEvent")}
    current = tasks | {at(t.element) for t in case.timers if attached.get(t.element) not in tasks}
    passed = {at(e.element) for e in history if e.event in PASSED and e.element}
    flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow")]
    starts = {s.get("id") for s in root.iter(f"{{{BPMN_NS}}}startEvent")}
    # Gateways and start events leave no history: one is passed when the case went on past it.
    # A few rounds mark chains of gateways.
    for _ in range(4):
        reached = passed | current
        into = {dst for _, src, dst in flows if src in passed}
        out_of = {src for _, src, dst in flows if dst in reached}
        more = {n for n in out_of - reached if n in into or n in starts}
        if not more:
            break
        passed |= more
    done = {fid for fid, src, dst in flows if fid and src in passed and (dst in passed or dst in current)}
    incident = (at(case.incident.element),) if case.incident is not None else ()
    names = {element: name for element, (_, name) in called.items()}
    names.update({e.get("id"): e.get("name") for e in root.iter() if e.get("id") and e.get("name")})
    labels = {f.get("id"): f.get("label") for f in root.iter(f"{{{CAMUNDA_NS}}}formField")
              if f.get("id") and f.get("label")}
    return CaseDiagram(xml, tuple(sorted(current)), tuple(sorted(passed | done)), incident,
                       {str(k): str(v) for k, v in names.items()}, {str(k): str(v) for k, v in labels.items()})
