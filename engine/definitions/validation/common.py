"""What every check shares: namespaces, how a problem names an element, expression checks."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from engine.errors import EngineError
from engine.language import expressions

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def local(node: Any) -> str:
    return etree.QName(node).localname if node is not None and isinstance(node.tag, str) else ""


def label(node: Any) -> str:
    """How a problem names an element: its id, and its name in quotes when it has one.

    Whitespace is collapsed because modelers wrap long names over several lines, and a problem is
    printed as one ``file: element: message`` line.
    """
    node_id = one_line(node.get("id") or "") or f"(unnamed {local(node)})"
    name = one_line(node.get("name") or "")
    return f"{node_id} \"{name}\"" if name else node_id


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) turned into one space, stripped."""
    return " ".join(text.split())


def check_expression(node: Any, text: str, what: str, add: Any) -> None:
    if text.lstrip().startswith("="):
        add(node, f"{what} '{short(text)}' is a FEEL expression (Camunda 8), which is not supported; "
                  "write an expression such as approved == True")
        return
    try:
        expressions.check(text)
    except EngineError as err:
        add(node, f"{what} '{short(text)}' is refused: {err.message}")
        return
    # Parts that read no data give the same result on every run: evaluated now, under the same
    # budget, one that needs too much work or builds too large a value is refused here rather than
    # stopping every case that reaches it.
    for problem in expressions.constant_problems(text):
        add(node, f"{what} '{short(text)}' is refused: {problem}")


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
