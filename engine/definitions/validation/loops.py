"""Checks of the loop markers: multi-instance activities and standard loops (docs/modeling.md,
"Many of the same: multi-instance and loops"). What passes here runs as engine/spiff/multi_instance.py
reads it; every refusal names the marked element."""

from __future__ import annotations

from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, check_expression, local, one_line
from engine.language import expressions

LOOP_MARKERS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
#: What may carry a loop marker: a person's task, an embedded sub-process (which may hold
#: anything, so "a decision per authority" is a multi-instance sub-process around the decision),
#: and a call activity (a shared fragment run once per item).
MARKABLE = ("userTask", "subProcess", "callActivity")
#: The most instances one multi-instance activity may start (as many as a gateway may split into);
#: engine/spiff/multi_instance.py holds a running activity to it too.
MAX_INSTANCES = 200
#: The largest ``loopMaximum`` a model may write.
MAX_LOOP_MAXIMUM = 1000


def lint_loop(node: Any, marker: Any, add: Any) -> None:
    """A loop marker (``marker``) on ``node``: where it stands and what it says."""
    kind = local(node)
    if kind not in MARKABLE or node.get("triggeredByEvent") == "true":
        what = "event sub-processes" if kind == "subProcess" else f"<{kind}>"
        add(node, f"loop and multi-instance markers are supported on user tasks, embedded sub-processes and "
                  f"call activities only, not on {what} (put it in a sub-process and mark the sub-process)")
        return
    if local(marker) == "standardLoopCharacteristics":
        _lint_standard_loop(node, marker, add)
    else:
        _lint_multi_instance(node, marker, add)


def _text(marker: Any, tag: str) -> str | None:
    """The stripped text of a child element; "" if it is there but empty, None if it is not."""
    found = marker.find(f"{{{BPMN_NS}}}{tag}")
    return None if found is None else (found.text or "").strip()


def _name(text: str) -> str | None:
    """The case variable ``text`` names (``name``, ``${name}``, ``#{name}``), or None."""
    inner = expressions.normalize(text)
    return inner if inner.isidentifier() else None


def _lint_multi_instance(node: Any, loop: Any, add: Any) -> None:
    collection = (loop.get(f"{{{CAMUNDA_NS}}}collection") or "").strip() or _text(loop, "loopDataInputRef")
    cardinality = _text(loop, "loopCardinality")
    if not collection and cardinality is None:
        add(node, "a multi-instance task needs a loop cardinality or a camunda:collection")
    if collection and cardinality is not None:
        add(node, "a multi-instance activity has both a collection and a loop cardinality; keep one")
    if collection and not _name(collection):
        add(node, f"the collection '{one_line(collection)}' must name a case variable holding a list, e.g. "
                  "myndigheter or ${myndigheter} (compute another list with an output parameter of an "
                  "earlier task)")
    if cardinality == "":
        add(node, "the loop cardinality is empty")
    elif cardinality is not None and not collection:
        _lint_cardinality(node, cardinality, add)
    element = (loop.get(f"{{{CAMUNDA_NS}}}elementVariable") or "").strip()
    if element and not element.isidentifier():
        add(node, f"the element variable '{one_line(element)}' must be a name: letters, digits and _")
    output = _text(loop, "loopDataOutputRef")
    if output is not None and not _name(output):
        add(node, f"the output collection '{one_line(output)}' must be a name: letters, digits and _")
    names = {"collection": _name(collection or ""), "output collection": _name(output or "")}
    for what, name in names.items():
        if element and name == element:
            add(node, f"the element variable '{element}' has the name of the {what}; give it a name of its own")
    completion = _text(loop, "completionCondition")
    if completion == "":
        add(node, "the completion condition is empty")
    elif completion is not None:
        check_expression(node, completion, "completion condition", add)


def _lint_cardinality(node: Any, text: str, add: Any) -> None:
    if text.isdigit():
        if int(text) > MAX_INSTANCES:
            add(node, f"the loop cardinality {text} is above {MAX_INSTANCES}, the most instances one activity "
                      "may start")
        return
    check_expression(node, text, "loop cardinality", add)


def _lint_standard_loop(node: Any, loop: Any, add: Any) -> None:
    maximum = (loop.get("loopMaximum") or "").strip()
    condition = _text(loop, "loopCondition")
    if maximum and not (maximum.isdigit() and 0 < int(maximum) <= MAX_LOOP_MAXIMUM):
        add(node, f"loopMaximum '{one_line(maximum)}' is not a whole number from 1 to {MAX_LOOP_MAXIMUM}")
    if condition == "":
        add(node, "the loop condition is empty")
    elif condition is not None:
        check_expression(node, condition, "loop condition", add)
    elif not maximum:
        add(node, "a loop needs a loop condition (loopCondition) or a loopMaximum")
