"""BPMN files nobody here wrote: the engine gives each a verdict, never a traceback.

The corpus at ``shared/conformance`` (beside the repository) holds the BPMN MIWG reference models,
their re-exports by bpmn.io and the Camunda Eclipse modeler, and Camunda-authored examples. Most are
refused — they use service tasks, FEEL, processes not marked executable … — and that is fine; what
is specified here is *how*: every refusal names an element and says why, and the CLI answers with
exit code 0 or 1 and one line per problem. ``docs/conformance.md`` lists the verdicts
(``python -m tests.engine.validation.make_conformance_report``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from engine.api import WorkflowEngine
from engine.clock import PinnedClock
from engine.definitions import validation
from engine.spiff.loading import load
from engine.views import SourceFile
from samverkan.cli import main
from tests.engine.validation.make_conformance_report import (
    CORPUS,
    corpus_files,
    load_files,
    relative,
    render,
    verdict,
)

if not CORPUS.is_dir():
    pytest.skip(f"the conformance corpus is not checked out at {CORPUS.resolve()}", allow_module_level=True)

BPMN_FILES = corpus_files("*.bpmn")
DMN_FILES = corpus_files("*.dmn")
#: What an element must never be called in a problem: these say the engine lost track of it.
PLACEHOLDERS = {"", "?", "None", "(unknown)", "(process)"}
DECISION_NOT_DEPLOYED = "is not among the DMN files deployed with it"


def test_the_corpus_is_there() -> None:
    assert len(BPMN_FILES) >= 60
    assert len(DMN_FILES) >= 2


@pytest.mark.parametrize("path", BPMN_FILES, ids=relative)
def test_every_file_gets_a_verdict_and_every_refusal_names_an_element(path: Path) -> None:
    result = load([SourceFile(path.name, path.read_bytes())])

    assert result.errors or result.processes, "neither refused nor runnable"
    for problem in result.problems:
        assert problem.file == path.name
        assert problem.element.strip() not in PLACEHOLDERS, problem
        assert "\n" not in problem.element, problem
        assert problem.message.strip(), problem
        assert "Traceback" not in problem.message and "\n" not in problem.message, problem
        assert problem.severity in ("error", "warning"), problem


@pytest.mark.parametrize("path", BPMN_FILES, ids=relative)
def test_the_cli_answers_every_file_with_exit_0_or_1_and_no_stack_trace(path: Path) -> None:
    outcome = CliRunner().invoke(main, ["validate", str(path)])

    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.output
    assert outcome.exit_code in (0, 1), outcome.output
    assert "Traceback" not in outcome.output
    assert 'File "' not in outcome.output  # a frame of a stack trace
    # Agrees with load(): 1 exactly when there is an error.
    assert outcome.exit_code == (1 if load_files(path).errors else 0)
    for line in outcome.output.splitlines():
        assert line.startswith(f"{path.name}: "), line
    if outcome.exit_code == 0:
        assert f"{path.name}: valid" in outcome.output or "warning: " in outcome.output


VALID_FILES = [p for p in BPMN_FILES if not load_files(p).errors]


@pytest.mark.parametrize("path", VALID_FILES, ids=relative)
def test_a_valid_file_deploys_and_its_cases_can_move_on(path: Path, tmp_path: Path) -> None:
    # "valid" must mean runnable: a case that starts and then waits for something nothing will ever
    # deliver (an event-based gateway did) is a refusal the validation missed.
    engine = WorkflowEngine("sqlite:///" + str(tmp_path / "db.sqlite3"),
                            clock=PinnedClock(datetime(2026, 2, 1, 9, 0, tzinfo=UTC)))
    versions = engine.deploy([SourceFile(path.name, path.read_bytes())], "tester")
    assert versions
    for version in versions:
        messages = engine.message_starts(version.key)
        case = engine.start_on_message(version.key, messages[0]) if messages else engine.start_case(version.key)
        assert case.incident is None, case.incident
        assert case.status == "completed" or case.open_tasks or case.timers or case.waiting_messages, \
            f"case of {version.key} waits for nothing the engine can deliver"


# --- DMN files, deployed with the BPMN that uses them -------------------------------------------------


def _decisions_of(dmn: Path) -> set[str]:
    return validation.decision_ids(etree.parse(str(dmn)))


def _users_of(decisions: set[str]) -> list[Path]:
    """The BPMN files of the corpus with a business rule task calling one of ``decisions``."""
    return [p for p in BPMN_FILES if {ref for _, ref in validation.decision_refs(etree.parse(str(p)))} & decisions]


@pytest.mark.parametrize("dmn", DMN_FILES, ids=relative)
def test_a_decision_table_is_resolved_when_deployed_with_the_bpmn_that_uses_it(dmn: Path) -> None:
    users = _users_of(_decisions_of(dmn))
    assert users, f"no BPMN file of the corpus uses {dmn.name}"
    for bpmn in users:
        alone, together = load_files(bpmn), load_files(bpmn, dmn)

        assert any(DECISION_NOT_DEPLOYED in p.message for p in alone.errors)
        assert not [p for p in together.problems if DECISION_NOT_DEPLOYED in p.message]
        assert not [p for p in together.problems if p.file == dmn.name], "the decision table itself is fine"
        # Whatever is still refused was refused alone too, for its own reason.
        assert set(together.errors) == {p for p in alone.errors if DECISION_NOT_DEPLOYED not in p.message}


def test_the_task_types_example_with_both_decision_tables_is_refused_only_for_other_reasons() -> None:
    camunda = CORPUS / "camunda"
    bpmn = camunda / "spiffexample-camunda_task_types.bpmn"
    dmns = [camunda / "spiffexample-camunda_product_prices.dmn", camunda / "spiffexample-camunda_shipping_costs.dmn"]

    together = load_files(bpmn, *dmns)
    assert {(p.element, p.message.split(":")[0]) for p in together.errors} == {
        ('Activity_0gnvuqr "Select Product and Quantity"', "the user task has no role"),
        ('Activity_1ulwq7u "Calculate Order Total"', "script tasks are disabled"),
    }
    outcome = CliRunner().invoke(main, ["validate", str(bpmn), *map(str, dmns)])
    assert outcome.exit_code == 1
    assert DECISION_NOT_DEPLOYED not in outcome.output
    assert "Traceback" not in outcome.output

    # With those two reasons out of the way (a role given, scripts allowed by the operator),
    # SpiffWorkflow parses the process and its decision table.
    content = bpmn.read_bytes().replace(b'<bpmn:userTask id="Activity_0gnvuqr"',
                                        b'<bpmn:userTask camunda:candidateGroups="lager" id="Activity_0gnvuqr"')
    fixed = load([SourceFile(bpmn.name, content), *(SourceFile(d.name, d.read_bytes()) for d in dmns)],
                 allow_scripts=True)
    assert not fixed.errors, fixed.errors
    assert [p.key for p in fixed.processes] == ["order_product"]


def test_a_decision_table_alone_is_no_deployment() -> None:
    for dmn in DMN_FILES:
        result = load_files(dmn)
        assert [(p.file, p.element, p.message) for p in result.errors] == [
            ("(deployment)", "(document)", "no BPMN file was given")]


# --- the report ---------------------------------------------------------------------------------------


def test_the_report_has_one_row_per_file_and_a_reason_for_every_refusal() -> None:
    verdicts = [verdict(p) for p in BPMN_FILES]
    text = render(verdicts)  # rendered, not written: docs/conformance.md is regenerated by hand

    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(BPMN_FILES)
    assert all(v.first_reason for v in verdicts if not v.valid)
    assert f"**{len(verdicts)} files: {sum(v.valid for v in verdicts)} valid" in text


def test_no_outside_file_is_refused_for_a_construct_the_engine_lacks() -> None:
    # Event-based gateways, multi-instance, loops, call activities, timer starts, messages between
    # cases, errors and escalations all run: what is still refused is a file with nothing to run,
    # code, a task for no one, or a construct drawn without what running it needs.
    lacking = [(v.file, v.first_reason) for v in (verdict(p) for p in BPMN_FILES)
               if not v.valid and v.refusal_class == "unsupported construct"]
    assert lacking == []


def test_a_file_is_classed_by_the_reason_that_stands_whatever_else_were_mended() -> None:
    # The Camunda 8 reference model lists a FEEL condition first, but its service tasks need code.
    c9 = verdict(CORPUS / "miwg" / "reference" / "C.9.0.bpmn")
    assert c9.reasons[0].startswith("SequenceFlow_Red")
    assert c9.refusal_class == "code"
    assert c9.first_reason.startswith("ServiceTask_CancelApplication")
    assert c9.other_classes == ["no role", "incomplete", "another expression language"]


def test_beyond_what_is_refused_by_design_only_drawings_missing_what_running_needs_are_refused() -> None:
    # Refused by design: nothing executable, code, a task for no one. The three files left are
    # refused because the engine cannot know what they mean, which validation must never guess:
    # a gateway with two ways out and no condition on either, a sub-process with nothing inside,
    # and a timer with no time (its name says "7 Days"; its definition says nothing).
    by_design = {"not executable", "code", "code (an external form)", "no role"}
    left = {v.file: v.first_reason for v in (verdict(p) for p in BPMN_FILES)
            if not v.valid and v.refusal_class not in by_design}
    assert sorted(left) == ["miwg/bpmn.io-18.6.1/A.2.1-export.bpmn", "miwg/bpmn.io-18.6.1/A.3.0-export.bpmn",
                            "miwg/bpmn.io-18.6.1/C.1.0-export.bpmn"]
    assert "has no condition and is not its default flow" in left["miwg/bpmn.io-18.6.1/A.2.1-export.bpmn"]
    assert "the sub-process has no start event" in left["miwg/bpmn.io-18.6.1/A.3.0-export.bpmn"]
    assert "the timer has no time date, duration or cycle" in left["miwg/bpmn.io-18.6.1/C.1.0-export.bpmn"]
