"""What the engine hands out and takes in: frozen values, never ORM rows or SpiffWorkflow objects.

Callers import them from here (``from engine.views import Case``); the modules beside this one
group them by subject: ``cases`` (cases, tasks, forms, history, processes), ``inbox`` (tabs,
filters, pages), ``design`` (model files, changes between versions, diagrams, moving cases) and
``operations`` (mails, workers, the scheduler's health).
"""

from engine.views.cases import (
    CASE_SORTS,
    Case,
    CaseEvent,
    CaseFilter,
    CasePage,
    DueRun,
    FieldOption,
    Form,
    FormField,
    Incident,
    Notification,
    ProcessVersion,
    Registration,
    Task,
    Timer,
)
from engine.views.design import (
    Blocker,
    CaseDiagram,
    Detail,
    ElementChange,
    MigrationCandidate,
    MigrationOutcome,
    ModelDiff,
    ModelFile,
    SourceFile,
    StepAt,
)
from engine.views.inbox import COUNT_CAP, DUE_SOON, TABS, InboxPage, InboxRow, TaskFilter, TaskKind
from engine.views.operations import (
    AutomaticStart,
    Delivery,
    DeliveryRun,
    OperationsOverview,
    SchedulerHealth,
    Worker,
)

__all__ = [
    "CASE_SORTS",
    "COUNT_CAP",
    "DUE_SOON",
    "TABS",
    "AutomaticStart",
    "Blocker",
    "Case",
    "CaseDiagram",
    "CaseEvent",
    "CaseFilter",
    "CasePage",
    "Delivery",
    "DeliveryRun",
    "Detail",
    "DueRun",
    "ElementChange",
    "FieldOption",
    "Form",
    "FormField",
    "InboxPage",
    "InboxRow",
    "Incident",
    "MigrationCandidate",
    "MigrationOutcome",
    "ModelDiff",
    "ModelFile",
    "Notification",
    "OperationsOverview",
    "ProcessVersion",
    "Registration",
    "SchedulerHealth",
    "SourceFile",
    "StepAt",
    "Task",
    "TaskFilter",
    "TaskKind",
    "Timer",
    "Worker",
]
