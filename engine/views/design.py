"""What process designers work with: model files, what changed between versions, a case's
diagram, and moving open cases to a new version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SourceFile:
    """One uploaded BPMN or DMN file, as bytes (so that its declared encoding is honoured)."""

    name: str
    content: bytes

    @property
    def text(self) -> str:
        """The content as text (files the engine stores are UTF-8)."""
        return self.content.decode("utf-8")


@dataclass(frozen=True)
class Detail:
    """One difference inside an element: where (e.g. ``@camunda:dueDate``, ``timeDate``), before, after."""

    where: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ElementChange:
    id: str
    name: str
    type: str  # the element's tag: userTask, sequenceFlow, rule …
    kind: str  # added | removed | changed
    details: tuple[Detail, ...] = ()


@dataclass(frozen=True)
class ModelDiff:
    changes: tuple[ElementChange, ...] = ()
    moved: tuple[str, ...] = field(default=())  # ids whose shape or path moved in the diagram only

    @property
    def added(self) -> tuple[ElementChange, ...]:
        return tuple(c for c in self.changes if c.kind == "added")

    @property
    def removed(self) -> tuple[ElementChange, ...]:
        return tuple(c for c in self.changes if c.kind == "removed")

    @property
    def changed(self) -> tuple[ElementChange, ...]:
        return tuple(c for c in self.changes if c.kind == "changed")

    @property
    def empty(self) -> bool:
        return not self.changes

    def ids(self, kind: str) -> list[str]:
        return [c.id for c in self.changes if c.kind == kind]


@dataclass(frozen=True)
class CaseDiagram:
    xml: str
    current: tuple[str, ...]  # open tasks, waiting timers and messages
    done: tuple[str, ...]  # elements and sequence flows passed
    incident: tuple[str, ...]
    names: dict[str, str]  # element id → its name in the model
    labels: dict[str, str] = field(default_factory=dict)  # form field id → its label in the model


@dataclass(frozen=True)
class Blocker:
    """Why a case cannot move: a step it has passed or stands at is missing or different."""

    element: str
    title: str
    current: bool  # the case stands at it now (else it passed it)
    reason: str  # removed | changed_kind | subprocess_removed


@dataclass(frozen=True)
class StepAt:
    """An open task or a waiting timer of a case, and when it falls due."""

    element: str
    title: str
    due_at: datetime | None
    kind: str  # task | timer
    assignee: str | None = None


@dataclass(frozen=True)
class MigrationCandidate:
    """An open case on another version, and whether it could move to the target version."""

    case_id: str
    participant: str
    status: str
    version: int
    steps: tuple[StepAt, ...]
    blockers: tuple[Blocker, ...]

    @property
    def movable(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class MigrationOutcome:
    """What moving one case did (or, in a dry run, would do)."""

    case_id: str
    participant: str
    from_version: int
    to_version: int
    moved: bool
    before: tuple[StepAt, ...] = ()
    after: tuple[StepAt, ...] = ()
    changed_tasks: tuple[str, ...] = ()  # titles of open tasks rebuilt from the new definition
    recomputed_timers: tuple[str, ...] = ()  # elements whose due time was computed again
    blockers: tuple[Blocker, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ModelFile:
    """A BPMN or DMN file as the engine read it: its text as stored (UTF-8, declaration rewritten)
    and what it holds."""

    name: str
    text: str
    kind: str  # bpmn | dmn
    process_keys: tuple[str, ...]  # the ids of its executable processes (BPMN)
    decision_ids: frozenset[str]  # the ids of its decisions (DMN)
    decision_refs: frozenset[str] = frozenset()  # the decisions its business rule tasks take (BPMN)

    @property
    def source(self) -> SourceFile:
        return SourceFile(self.name, self.text.encode("utf-8"))
