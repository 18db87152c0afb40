"""From uploaded files to runnable process specs, or to the list of what is wrong with them.

Order of checks: safe XML parsing → is it BPMN or DMN at all → the engine's own checks
(:mod:`engine.definitions.validation`) → SpiffWorkflow's parse. Nothing later runs when an earlier stage found
errors, and nothing here lets an exception escape: every failure becomes a Problem.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.definitions import validation, xml_safety
from engine.definitions.validation import call_activities
from engine.errors import InvalidProcess, Problem
from engine.language import notice_templates
from engine.spiff import deep, outputs
from engine.spiff.call_activities import EngineCallActivity
from engine.spiff.parser import EngineParser, add_implicit_gateways
from engine.spiff.state import SpecBundle
from engine.views import SourceFile


@dataclass(frozen=True)
class CalledVersion:
    """A deployed version a call activity calls, as the catalog gives it."""

    key: str
    version: int
    bundle: SpecBundle
    #: The version's own files: what its process throws to its callers is read from them.
    files: tuple[SourceFile, ...] = ()


#: The catalog's deployed version of a key (the given version number, or with None its newest);
#: None if there is no such version.
Resolver = Callable[[str, "int | None"], "CalledVersion | None"]


@dataclass(frozen=True)
class CallUse:
    """A call activity of a parsed process and the version it calls (None: the one deployed with it)."""

    element: str
    key: str
    version: int | None


@dataclass(frozen=True)
class ParsedProcess:
    key: str
    name: str
    file: str
    bundle: SpecBundle
    #: Its own call activities, and every deployed version (by key) its spec holds.
    calls: tuple[CallUse, ...] = ()
    called_versions: dict[str, int] = field(default_factory=dict)


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


def load(files: list[SourceFile], *, allow_scripts: bool = False, resolver: Resolver | None = None) -> LoadResult:
    """Check and parse a set of files deployed together (BPMN files and the DMN files they use).

    A call activity calls a process of these files, or else (with ``resolver``, the catalog) a
    deployed version, whose spec becomes part of the caller's. Without a resolver (checking files
    without a database) a call to a process not among the files is a warning."""
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
    external = _resolve_calls(bpmn, resolver, result)
    _check_escapes(bpmn, external, result)
    if result.errors:
        return result
    try:
        deep.call(lambda: _parse(bpmn, dmn, allow_scripts, result, external))
    except RecursionError:
        result.problems.append(Problem("(deployment)", "(document)", "the process is nested too deeply to parse"))
    return result


def _parse(bpmn: list[tuple[SourceFile, Any]], dmn: list[tuple[SourceFile, Any]], allow_scripts: bool,
           result: LoadResult, external: dict[str, CalledVersion]) -> None:
    parser = EngineParser(allow_scripts=allow_scripts)
    wanted: list[tuple[SourceFile, Any]] = []
    tree_of: dict[str, Any] = {}
    file_of: dict[str, str] = {}
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
        file_of.update({p.get("id"): source.name for p in tree.getroot().iterfind(f"{{{validation.BPMN_NS}}}process")})
    for source, process in wanted:
        key = process.get("id")
        name = (process.get("name") or key or "").strip()
        bundle: list[tuple[SpecBundle, list[str]]] = []

        def build(k: str = key, out: list[tuple[SpecBundle, list[str]]] = bundle,
                  tree: Any = tree_of[source.name]) -> None:
            spec = parser.get_spec(k)
            local, called = _subprocess_specs(parser, k, external)
            # A process of another file of this deployment brings that file's output parameters and notices.
            trees = [tree, *(tree_of[n] for n in dict.fromkeys(file_of.get(name, "") for name in local)
                             if n and tree_of[n] is not tree)]
            found_outputs: dict[str, Any] = {}
            found_notices: dict[str, Any] = {}
            for each in reversed(trees):
                found_outputs.update(outputs.collect(each))
                found_notices.update(notice_templates.collect(each))
            out.append((SpecBundle.from_parsed(k, spec, local, found_outputs, found_notices), called))

        if _guard(result, source.name, validation.label(process), build):
            parsed, called = bundle[0]
            merged = _with_called(parsed, [external[k] for k in called], source.name, process, result)
            if merged is not None:
                uses = tuple(CallUse(c.node.get("id") or "", c.key, external[c.key].version if c.key in external
                                     else None) for c in call_activities.calls(tree_of[source.name])
                             if c.process == key)
                result.processes.append(ParsedProcess(key, name or key, source.name, merged, uses,
                                                      {k: external[k].version for k in called}))


def _resolve_calls(bpmn: list[tuple[SourceFile, Any]], resolver: Resolver | None,
                   result: LoadResult) -> dict[str, CalledVersion]:
    """Which deployed version each call activity that does not call a process of these files calls
    (by key: one process calls one version of another); problems naming the call activity for a
    process that is not there, a version that is not deployed, and a process that calls itself."""
    here = {p.get("id") for _, tree in bpmn for p in tree.getroot().iterfind(f"{{{validation.BPMN_NS}}}process")}
    external: dict[str, CalledVersion] = {}
    found: list[tuple[str, call_activities.Call]] = []
    for source, tree in bpmn:
        for call in call_activities.calls(tree):
            found.append((source.name, call))

            def add(message: str, severity: str = "error", c: Any = call, file: str = source.name) -> None:
                result.problems.append(Problem(file, validation.label(c.node), message, severity))

            if call.binding == "deployment" or (call.binding == "latest" and call.key in here):
                if call.key not in here:
                    add(f"the called process '{call.key}' is not among the files deployed with it "
                        '(camunda:calledElementBinding="deployment")')
                elif call.key in external:
                    add(f"the process calls '{call.key}' both as deployed with it and as version "
                        f"{external[call.key].version}: one process may call only one version of another")
                continue
            if call.binding not in call_activities.BINDINGS or (call.binding == "version" and call.version is None):
                continue  # refused by the file's checks already
            if resolver is None:
                add(f"the called process '{call.key}' is not among these files: deploying checks that it is "
                    "deployed", "warning")
                continue
            called = resolver(call.key, call.version)
            if called is None:
                add(f"version {call.version} of the called process '{call.key}' is not deployed"
                    if call.version is not None else
                    f"the called process '{call.key}' is neither among the files deployed with it nor deployed")
                continue
            earlier = external.setdefault(call.key, called)
            if earlier.version != called.version or any(
                    c.key == call.key and c.binding != "version" and c.key in here for _, c in found):
                add(f"the process calls '{call.key}' in two versions ({earlier.version} and {called.version}): "
                    "one process may call only one version of another")
    edges: dict[str, set[str]] = {}
    for _, call in found:
        edges.setdefault(call.process, set()).add(call.key)
    for key, called in external.items():
        edges.setdefault(key, set()).update(called.bundle.subprocess_specs)
    for file, call in found:
        for looping, path in call_activities.cycles(edges, [call]):
            result.problems.append(Problem(file, validation.label(looping.node), call_activities.cycle_message(path)))
    return external


def _check_escapes(bpmn: list[tuple[SourceFile, Any]], external: dict[str, CalledVersion],
                   result: LoadResult) -> None:
    """An error or escalation that leaves its process (nothing inside it catches it) is caught by
    the call activities that call the process: those of these files, and a deployed version's
    escapes by the call activities here that call it. One that no call activity here calls stays
    refused: nothing would catch it."""
    calls = [(source.name, call) for source, tree in bpmn for call in call_activities.calls(tree)]

    def refuse(file: str, call: call_activities.Call, escape: validation.Escape, thrower: str) -> None:
        result.problems.append(Problem(file, validation.label(call.node), escape.not_caught_at(call.key, thrower)))

    for source, tree in bpmn:
        for escape in validation.escapes(validation.executable_processes(tree)):
            callers = [(f, c) for f, c in calls if c.key == escape.process and c.key not in external]
            if not callers:
                result.problems.append(Problem(source.name, validation.label(escape.node), escape.uncaught()))
                continue
            caught = True
            for file, call in callers:
                if not validation.caught_at(call.node, escape):
                    refuse(file, call, escape, validation.label(escape.node))
                    caught = False
            if caught:
                result.problems.append(Problem(source.name, validation.label(escape.node),
                                               escape.caught_by_callers(), "warning"))
    thrown: dict[str, list[validation.Escape]] = {}  # a deployed version's escapes, read once
    for file, call in calls:
        called = external.get(call.key)
        if called is None:
            continue
        if call.key not in thrown:
            trees = [xml_safety.parse_xml(their.content, their.name) for their in called.files]
            thrown[call.key] = validation.escapes(p for tree in trees if validation.kind_of(tree) == "bpmn"
                                                  for p in validation.executable_processes(tree)
                                                  if p.get("id") == call.key)
        for escape in thrown[call.key]:
            if not validation.caught_at(call.node, escape):
                refuse(file, call, escape, f"{validation.label(escape.node)}, version {called.version}")


def _subprocess_specs(parser: EngineParser, key: str, external: dict[str, CalledVersion]) -> tuple[
        dict[str, Any], list[str]]:
    """The specs of the sub-processes and called processes of these files that ``key`` runs, and the
    keys of the deployed versions it calls (from any of them). A called process that is nowhere
    (checked without a database: a warning) is left out."""
    local: dict[str, Any] = {}
    called: list[str] = []
    stack = [parser.get_spec(key)]
    while stack:
        for task_spec in stack.pop().task_specs.values():
            if not isinstance(task_spec, SubWorkflowTask) or task_spec.spec in local or task_spec.spec in called:
                continue
            if isinstance(task_spec, EngineCallActivity) and task_spec.spec in external:
                called.append(task_spec.spec)
                continue
            spec = parser.get_spec(task_spec.spec, required=False)
            if spec is not None:
                local[task_spec.spec] = spec
                stack.append(spec)
    return local, called


def _with_called(bundle: SpecBundle, called: list[CalledVersion], file: str, process: Any,
                 result: LoadResult) -> SpecBundle | None:
    """``bundle`` holding the deployed versions it calls: their specs among its sub-processes, their
    output parameters and notices with its own. None (and a problem) where a name is both's."""
    if not called:
        return bundle
    specs, outputs_, notices = dict(bundle.subprocess_specs), dict(bundle.outputs), dict(bundle.notices)
    for version in called:
        theirs = {version.key: version.bundle.spec, **version.bundle.subprocess_specs}
        pairs: list[tuple[bool, dict[str, Any], dict[str, Any]]] = [
            (True, specs, theirs), (False, outputs_, dict(version.bundle.outputs)),
            (False, notices, dict(version.bundle.notices))]
        for is_process, mine, other in pairs:
            clash = next((n for n, v in other.items() if n in mine and mine[n] != v), None)
            if clash is not None:
                result.problems.append(Problem(file, validation.label(process), (
                    f"the sub-process or called process id '{clash}' is used both here and in the called process "
                    f"'{version.key}' (version {version.version}): rename one of them" if is_process else
                    f"the element id '{clash}' is used both here and in the called process '{version.key}' "
                    f"(version {version.version}): rename one of them")))
                return None
            mine.update(other)
    return SpecBundle(bundle.process_id, bundle.spec, specs, outputs_, notices)


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
