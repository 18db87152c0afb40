"""Checks of DMN decision tables, and how BPMN files refer to them."""

from __future__ import annotations

from typing import Any

from lxml import etree

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, label, local, short
from engine.errors import EngineError, Problem
from engine.language import expressions

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "https://www.omg.org/spec/DMN/20211108/MODEL/",
)


def kind_of(tree: etree._ElementTree) -> str | None:
    """'bpmn', 'dmn' or None for any other XML."""
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace == BPMN_NS and qname.localname == "definitions":
        return "bpmn"
    if qname.namespace in DMN_NAMESPACES and qname.localname == "definitions":
        return "dmn"
    return None


def describe_root(tree: etree._ElementTree) -> str:
    qname = etree.QName(tree.getroot())
    return f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname


def lint_dmn(tree: etree._ElementTree, filename: str) -> list[Problem]:
    """Every input expression and cell of every decision table must be an allowed expression."""
    problems: list[Problem] = []
    root = tree.getroot()
    ns = etree.QName(root).namespace
    decisions = list(root.iterfind(f"{{{ns}}}decision"))
    if not decisions:
        problems.append(Problem(filename, "(document)", "the DMN file contains no decision"))
    for decision in decisions:
        table = decision.find(f"{{{ns}}}decisionTable")
        if table is None:
            problems.append(Problem(filename, label(decision), "only decision tables are supported"))
            continue
        for expression in table.iterfind(f"{{{ns}}}input/{{{ns}}}inputExpression/{{{ns}}}text"):
            text = (expression.text or "").strip()
            if text:
                _dmn_check(problems, filename, decision, text, "input expression", cell=False)
        for rule in table.iterfind(f"{{{ns}}}rule"):
            for entry in list(rule.iterfind(f"{{{ns}}}inputEntry")) + list(rule.iterfind(f"{{{ns}}}outputEntry")):
                text = (entry.findtext(f"{{{ns}}}text") or "").strip()
                if text and text != "-":
                    _dmn_check(problems, filename, decision, text, f"cell of rule {rule.get('id')}",
                               cell=local(entry) == "inputEntry")
    return problems


def _dmn_check(problems: list[Problem], filename: str, decision: Any, text: str, what: str, cell: bool) -> None:
    # A cell may be a value ("Nora"), or a comparison with the input left out ("< 5", "? > 3").
    candidates = [text.replace("?", "dmninputexpr")]
    if cell:
        candidates.append("dmninputexpr " + text)
    errors = []
    for candidate in candidates:
        try:
            expressions.check(candidate)
            return
        except EngineError as err:
            errors.append(err.message)
    problems.append(Problem(filename, label(decision), f"{what} '{short(text)}' is refused: {errors[0]}"))


def decision_ids(tree: etree._ElementTree) -> set[str]:
    root = tree.getroot()
    ns = etree.QName(root).namespace
    return {d.get("id") for d in root.iterfind(f"{{{ns}}}decision") if d.get("id")}


def decision_refs(tree: etree._ElementTree) -> list[tuple[Any, str]]:
    return [(n, n.get(f"{{{CAMUNDA_NS}}}decisionRef")) for n in tree.getroot().iter(f"{{{BPMN_NS}}}businessRuleTask")
            if n.get(f"{{{CAMUNDA_NS}}}decisionRef")]
