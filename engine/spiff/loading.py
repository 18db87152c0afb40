"""From uploaded files to runnable process specs, or to the list of what is wrong with them.

Order of checks: safe XML parsing → is it BPMN or DMN at all → the engine's own checks
(:mod:`engine.definitions.validation`) → SpiffWorkflow's parse. Nothing later runs when an earlier stage found
errors, and nothing here lets an exception escape: every failure becomes a Problem.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.definitions import validation, xml_safety
from engine.errors import InvalidProcess, Problem
from engine.language import notice_templates
from engine.spiff import deep, outputs
from engine.spiff.parser import EngineParser, add_implicit_gateways
from engine.spiff.state import SpecBundle
from engine.views import SourceFile


@dataclass(frozen=True)
class ParsedProcess:
    key: str
    name: str
    file: str
    bundle: SpecBundle


@dataclass
class LoadResult:
    processes: list[ParsedProcess] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


def load(files: list[SourceFile], *, allow_scripts: bool = False) -> LoadResult:
    """Check and parse a set of files deployed together (BPMN files and the DMN files they use)."""
    result = LoadResult()
    bpmn: list[tuple[SourceFile, Any]] = []
    dmn: list[tuple[SourceFile, Any]] = []
    for source in files:
        try:
            tree = xml_safety.parse_xml(source.content, source.name)
        except InvalidProcess as refused:
            result.problems.extend(refused.problems)
            continue
        kind = validation.kind_of(tree)
        if kind == "bpmn":
            result.problems.extend(validation.lint_bpmn(tree, source.name, allow_scripts=allow_scripts))
            bpmn.append((source, tree))
        elif kind == "dmn":
            result.problems.extend(validation.lint_dmn(tree, source.name))
            dmn.append((source, tree))
        else:
            result.problems.append(Problem(
                source.name, "(document)",
                f"not a BPMN 2.0 or DMN file: the root element is <{validation.describe_root(tree)}>",
            ))
    if not bpmn and not result.problems:
        result.problems.append(Problem("(deployment)", "(document)", "no BPMN file was given"))
    decisions = set().union(*(validation.decision_ids(tree) for _, tree in dmn)) if dmn else set()
    for source, tree in bpmn:
        for node, ref in validation.decision_refs(tree):
            if ref not in decisions:
                result.problems.append(Problem(
                    source.name, validation.label(node),
                    f"the decision '{ref}' is not among the DMN files deployed with it",
                ))
    if result.errors:
        return result
    try:
        deep.call(lambda: _parse(bpmn, dmn, allow_scripts, result))
    except RecursionError:
        result.problems.append(Problem("(deployment)", "(document)", "the process is nested too deeply to parse"))
    return result


def _parse(bpmn: list[tuple[SourceFile, Any]], dmn: list[tuple[SourceFile, Any]], allow_scripts: bool,
           result: LoadResult) -> None:
    parser = EngineParser(allow_scripts=allow_scripts)
    wanted: list[tuple[SourceFile, Any]] = []
    tree_of: dict[str, Any] = {}
    for source, tree in dmn:
        if not _guard(result, source.name, "(document)", lambda t=tree, s=source: parser.add_dmn_xml(
                t.getroot(), filename=s.name)):
            return
    for source, tree in bpmn:
        working = copy.deepcopy(tree)
        add_implicit_gateways(working)
        if not _guard(result, source.name, "(document)", lambda w=working, s=source: parser.add_bpmn_xml(
                w, filename=s.name)):
            return
        wanted.extend((source, p) for p in validation.executable_processes(tree))
        tree_of[source.name] = tree
    for source, process in wanted:
        key = process.get("id")
        name = (process.get("name") or key or "").strip()
        bundle: list[SpecBundle] = []

        def build(k: str = key, out: list[SpecBundle] = bundle, tree: Any = tree_of[source.name]) -> None:
            spec = parser.get_spec(k)
            out.append(SpecBundle.from_parsed(k, spec, parser.get_subprocess_specs(k), outputs.collect(tree),
                                              notice_templates.collect(tree)))

        if _guard(result, source.name, validation.label(process), build):
            result.processes.append(ParsedProcess(key, name or key, source.name, bundle[0]))


def _guard(result: LoadResult, filename: str, element: str, action: Any) -> bool:
    try:
        action()
        return True
    except ValidationException as err:
        # Ids and names come from the file: kept on one line, like validation.label() does.
        where = validation.one_line(str(getattr(err, "id", "") or "")) or element
        name = validation.one_line(str(getattr(err, "name", "") or ""))
        if name:
            where = f'{where} "{name}"'
        result.problems.append(Problem(filename, where, _clean(str(err))))
    except SpiffWorkflowException as err:
        spec = getattr(err, "task_spec", None)
        where = validation.one_line(str(getattr(spec, "bpmn_id", None) or "")) or element
        result.problems.append(Problem(filename, where, _clean(str(err))))
    except RecursionError:
        result.problems.append(Problem(filename, element, "the process is sequenced or nested too deeply"))
    except Exception as err:  # a file nobody here wrote must never surface as a traceback
        result.problems.append(Problem(filename, element, f"the file could not be read: {type(err).__name__}: {err}"))
    return False


def _clean(message: str) -> str:
    text = " ".join(message.split()).strip()
    while text.endswith("."):
        text = text[:-1].rstrip()
    return text
