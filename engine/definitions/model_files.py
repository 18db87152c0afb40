"""Reading one uploaded model file: safely parsed, its kind, the processes and decisions it holds,
and its text as it is stored (UTF-8, whatever encoding it came in)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from engine.definitions import validation, xml_safety
from engine.errors import InvalidProcess, Problem
from engine.views import ModelFile, SourceFile


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
    refs = frozenset(ref for _node, ref in validation.decision_refs(tree)) if kind == "bpmn" else frozenset()
    return ModelFile(name, text, kind, keys, decisions, refs)


def of_process(key: str, files: Sequence[SourceFile]) -> list[SourceFile]:
    """What one process of a deployment (a bundle of several BPMN and DMN files, as ``serve``
    deploys ``processes/``) needs of it: the BPMN file that holds the process and the DMN files
    whose decisions it takes. Files that cannot be read, or a bundle without the process, are
    given back as they are."""
    try:
        models = [read(f.content, f.name) for f in files]
    except InvalidProcess:
        return list(files)
    holder = next((m for m in models if key in m.process_keys), None)
    if holder is None:
        return list(files)
    return [f for f, m in zip(files, models, strict=True)
            if m is holder or (m.kind == "dmn" and m.decision_ids & holder.decision_refs)]


def folder(directory: Path | str) -> list[SourceFile]:
    """Every BPMN file of a folder, then every DMN file, as one deployment (``samverkan serve``
    deploys ``processes/`` so)."""
    path = Path(directory)
    return [SourceFile(p.name, p.read_bytes()) for p in sorted(path.glob("*.bpmn")) + sorted(path.glob("*.dmn"))]
