"""What a run reports: the steps it took (replayable), the first violation, and its figures.

A step names a case by its number in the run (the order cases were started in), never by its id,
and a task by its element and its place among that element's open tasks (oldest first), so that a
step list replays on a fresh database: ``samverkan simulate --replay FILE`` (``--case N``: that
case's steps alone).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Step:
    """One thing done to the engine. ``kind``: start, complete, message, pause, resume, cancel, advance."""

    kind: str
    at: str  # the simulated moment (ISO) it was done at
    case: int | None = None
    process: str | None = None
    element: str | None = None
    occurrence: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    name: str | None = None  # a message's name, a pause's reason
    to: str | None = None  # advance: the moment the clock moves to
    claim: bool = False  # complete: the actor claims the task first
    #: start: the answers to the start event's form (what registration records); None in a run
    #: recorded before registration asked them, whose replay answers them as the driver does
    registration: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {"case": None, "process": None, "element": None, "occurrence": 0, "data": {},
                                    "actor": None, "name": None, "to": None, "claim": False, "registration": None}
        return {k: v for k, v in asdict(self).items() if k not in defaults or v != defaults[k]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Step:
        return cls(**raw)

    def describe(self) -> str:
        where = f"case {self.case}" if self.case is not None else ""
        if self.kind == "advance":
            return f"{self.at} advance clock to {self.to}"
        if self.kind == "complete":
            claimed = " (claimed)" if self.claim else ""
            return f"{self.at} {where} complete {self.element}#{self.occurrence} as {self.actor}{claimed} {self.data}"
        if self.kind == "start":
            return f"{self.at} {where} start {self.process}"
        if self.kind == "message":
            return f"{self.at} {where} message {self.name} {self.data}"
        return f"{self.at} {where} {self.kind} {self.name or ''}".rstrip()


def one_case(steps: Sequence[Step], number: int) -> list[Step]:
    """The steps of case ``number`` alone, as case 0, with the clock's moves from its start on: cases
    do not touch each other, so a violation found among a thousand replays in seconds this way."""
    kept: list[Step] = []
    for step in steps:
        if step.kind == "advance":
            if kept:
                kept.append(step)
        elif step.case == number:
            kept.append(replace(step, case=0))
    return kept


@dataclass(frozen=True)
class Violation:
    """An invariant broken: which, in which case, and what was seen."""

    invariant: str  # incident | open_tasks | lost_value | timer | serializer | growth
    case: int | None
    case_id: str | None
    process: str | None
    message: str
    detail: str = ""  # e.g. the incident's traceback

    def describe(self) -> str:
        where = f"case {self.case} ({self.process}, {self.case_id})" if self.case is not None else "the run"
        text = f"[{self.invariant}] {where}: {self.message}"
        return f"{text}\n{self.detail}" if self.detail else text


@dataclass
class RunReport:
    """A run: how it was configured, what it did, how long it took, and what broke (if anything)."""

    settings: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    violation: Violation | None = None
    seconds: float = 0.0
    #: process → age in months → largest stored state seen at that age (bytes)
    state_size_by_age: dict[str, dict[int, int]] = field(default_factory=dict)
    #: process → age in months → the seconds of each step that touched a case of that age
    step_cost_by_age: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    cases: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.violation is None

    def save(self, path: Path | str) -> Path:
        """The settings, the violation and the step list, as JSON (what ``--replay`` reads)."""
        target = Path(path)
        target.write_text(json.dumps({
            "settings": self.settings,
            "violation": asdict(self.violation) if self.violation else None,
            "steps": [s.as_json() for s in self.steps],
        }, ensure_ascii=False, indent=1))
        return target

    @staticmethod
    def load(path: Path | str) -> tuple[dict[str, Any], list[Step]]:
        raw = json.loads(Path(path).read_text())
        return raw["settings"], [Step.from_json(s) for s in raw["steps"]]

    def summary(self, last_steps: int = 25) -> str:
        s = self.settings
        lines = [
            f"simulated {self.cases} case(s) of {', '.join(s.get('processes', []))} over {s.get('months')} month(s): "
            f"seed {s.get('seed')}, pace {s.get('pace')}, {'restored' if s.get('restore') else 'straight'}, "
            f"{len(self.steps)} steps in {self.seconds:.1f} s",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
        ]
        for process, sizes in sorted(self.state_size_by_age.items()):
            costs = self.step_cost_by_age.get(process, {})
            row = []
            for month in sorted(sizes):
                taken = costs.get(month, [])
                median = 1000 * statistics.median(taken) if taken else 0.0
                row.append(f"m{month}: {sizes[month] / 1000:.1f} kB, {median:.1f} ms/step")
            lines.append(f"{process} by case age (largest state JSON, median step): " + "; ".join(row))
        if self.violation is None:
            lines.append("no violation")
            return "\n".join(lines)
        lines.append("VIOLATION " + self.violation.describe())
        mine = [st for st in self.steps if st.case == self.violation.case or st.case is None]
        lines.append(f"the last {min(last_steps, len(mine))} of its {len(mine)} steps (with the clock's):")
        lines.extend("  " + st.describe() for st in mine[-last_steps:])
        return "\n".join(lines)
