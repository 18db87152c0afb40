"""Output parameters: how a model computes case data without scripts.

``camunda:inputOutput/camunda:outputParameter name="antal_samtal"`` with an expression as its text
(``${antal_samtal + 1}``) sets that variable when the element completes, evaluated by the safe
evaluator against the data at that moment. Parameters run in document order, each seeing the ones
before it. This is what lets a designer count conversations or stamp a date without Python.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.language import expressions
from engine.spiff.script_engine import ENGINE_FUNCTIONS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

Outputs = dict[str, tuple[tuple[str, str], ...]]


def collect(tree: etree._ElementTree) -> Outputs:
    """Every element's output parameters, by element id."""
    found: Outputs = {}
    path = f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}inputOutput/{{{CAMUNDA_NS}}}outputParameter"
    for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
        for node in process.iter():
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            params = tuple((p.get("name") or "", (p.text or "").strip()) for p in node.findall(path))
            if params:
                found[node.get("id")] = params
    return found


def apply(task: Any, outputs: Outputs) -> None:
    """Evaluate the completing task's output parameters into its data."""
    element = getattr(task.task_spec, "bpmn_id", None)
    for name, expression in outputs.get(element or "", ()):
        task.data[name] = plain(expressions.evaluate(expression, task.data, ENGINE_FUNCTIONS))


def plain(value: Any) -> Any:
    """Keep case data JSON: dates become ISO text, sets become lists."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return [plain(v) for v in value]
    return value
