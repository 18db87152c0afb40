"""The engine's one exception hierarchy.

Messages are built from ids and values so that a caller (CLI, web, worker) can show them as
they are; the engine knows nothing of HTTP status codes — ``web/errors.py`` maps these classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from traceback import format_exception


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(EngineError):
    """A process, version, case or task that does not exist (or is not visible)."""

    code = "not_found"


class Conflict(EngineError):
    """The thing exists but its state does not allow the action (already completed, claimed …)."""

    code = "conflict"


class ConcurrentModification(Conflict):
    """Someone else changed the case between our read and our write; nothing was applied."""

    code = "concurrent_modification"


class CaseOnHold(Conflict):
    """The task's case is paused (by a person, or by another task the model marks ``pausar_arendet``):
    its task cannot be taken until the case goes on."""

    code = "case_paused"


class OpensCasesItself(Conflict):
    """The process opens its cases itself, on its timer start event: none can be opened by hand."""

    code = "opens_cases_itself"


class DuplicateCase(Conflict):
    """The participant already has an open case in that intervention."""

    code = "duplicate_case"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a process file, in words a process designer can act on."""

    file: str
    element: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.element}: {self.message}"


class InvalidProcess(EngineError):
    """A BPMN/DMN file that validation refused. ``problems`` lists every finding."""

    code = "invalid_process"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else None
        summary = str(first) if first else "invalid process"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(summary + more)


class InvalidFormData(EngineError):
    """Submitted task data that does not fit the task's form. ``fields`` maps field id → message."""

    code = "invalid_form_data"

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        listed = "; ".join(f"{k}: {v}" for k, v in self.fields.items())
        super().__init__(f"invalid form data — {listed}")


class InvalidInput(EngineError):
    """A request argument that is wrong in itself (unknown message name, bad duration …)."""

    code = "invalid_input"

    def __init__(self, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.details = dict(details or {})


class ExpressionRejected(EngineError):
    """An expression uses something the safe evaluator does not allow (imports, dunders, …)."""

    code = "expression_rejected"


class ExpressionFailed(EngineError):
    """An allowed expression that failed at run time (unknown name, wrong type, …)."""

    code = "expression_failed"


class StepFailed(EngineError):
    """A step of a case could not run; the case is left unchanged and marked as an incident."""

    code = "incident"

    def __init__(self, case_id: str, element: str, message: str) -> None:
        self.case_id = case_id
        self.element = element
        self.reason = message
        super().__init__(f"case {case_id}: {element}: {message}")

    def traceback(self) -> str:
        """Where it stopped, down to the line in SpiffWorkflow or the engine (the cause's traceback):
        what an administrator needs to find the reason, kept with the incident."""
        cause = self.__cause__ or self
        return "".join(format_exception(type(cause), cause, cause.__traceback__))[-20_000:]


class CaseNotStarted(EngineError):
    """A new case's first steps failed (a timer that cannot run, an expression stopped on the data
    it was started with): no case exists, nothing was stored."""

    code = "not_started"

    def __init__(self, element: str, reason: str) -> None:
        self.element = element
        self.reason = reason
        super().__init__(f"the case could not be started: {element}: {reason}")
