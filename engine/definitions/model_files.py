"""Reading one uploaded model file: safely parsed, its kind, the processes and decisions it holds,
and its text as it is stored (UTF-8, whatever encoding it came in)."""

from __future__ import annotations

from lxml import etree

from engine.definitions import validation, xml_safety
from engine.errors import InvalidProcess, Problem
from engine.views import ModelFile


def read(content: bytes | str, name: str) -> ModelFile:
    """The file as the engine reads it; InvalidProcess for anything that is not BPMN 2.0 or DMN
    (or not safe XML: a DOCTYPE, entities, more than 5 MB)."""
    tree = xml_safety.parse_xml(content, name)
    kind = validation.kind_of(tree)
    if kind not in ("bpmn", "dmn"):
        raise InvalidProcess([Problem(name, "(document)", "not a BPMN 2.0 or DMN file: the root element is "
                                                          f"<{validation.describe_root(tree)}>")])
    text = etree.tostring(tree, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    keys = tuple(str(p.get("id")) for p in validation.executable_processes(tree)) if kind == "bpmn" else ()
    decisions = frozenset(validation.decision_ids(tree)) if kind == "dmn" else frozenset()
    return ModelFile(name, text, kind, keys, decisions)
