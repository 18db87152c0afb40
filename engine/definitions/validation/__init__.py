"""What the engine checks in a BPMN or DMN file before SpiffWorkflow sees it.

Each check produces a :class:`~engine.errors.Problem` naming the element (id and name) and what a
process designer should change. These checks read the XML only; structural checks SpiffWorkflow
makes while parsing are added by :mod:`engine.spiff.loading`.
"""

from engine.definitions.validation.bpmn import executable_processes, lint_bpmn, timer_problem
from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, label, one_line
from engine.definitions.validation.dmn import (
    DMN_NAMESPACES,
    decision_ids,
    decision_refs,
    describe_root,
    kind_of,
    lint_dmn,
)
from engine.definitions.validation.events import Escape, caught_at, escapes
from engine.definitions.validation.user_tasks import (
    FROM_PERSONNUMMER,
    JOURNEY_PROPERTY,
    SHARED_WITH_REFERRER,
    USER_FIELD,
)

__all__ = [
    "BPMN_NS", "CAMUNDA_NS", "DMN_NAMESPACES", "FROM_PERSONNUMMER", "JOURNEY_PROPERTY", "SHARED_WITH_REFERRER",
    "USER_FIELD", "Escape",
    "caught_at", "decision_ids", "decision_refs", "describe_root", "escapes",
    "executable_processes", "kind_of", "label", "lint_bpmn", "lint_dmn", "one_line", "timer_problem",
]
