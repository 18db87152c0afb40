"""What changed between two versions of a model, element by element, as a designer reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.model_diff import diff_models, diff_sources
from engine.errors import InvalidProcess
from engine.views import Detail, SourceFile
from tests.bpmn import BPMN_DIR

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SAMVERKANSTEAMET = (PROCESSES / "samverkansteamet.bpmn").read_text(encoding="utf-8")
MOTESPLATS = (PROCESSES / "samverkansteamet_motesplats.dmn").read_text(encoding="utf-8")
REPLY = (BPMN_DIR / "referral_reply.bpmn").read_text(encoding="utf-8")

TEN_DAYS = (
    SAMVERKANSTEAMET
    .replace('camunda:dueDate="${date(remiss_inkom) + days(14)}" camunda:followUpDate',
             'camunda:dueDate="${date(remiss_inkom) + days(10)}" camunda:followUpDate')
    .replace('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">${iso(date(remiss_inkom) + days(14))}',
             '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">${iso(date(remiss_inkom) + days(10))}')
)


def test_the_shorter_reply_deadline_shows_on_the_task_and_on_its_escalation_timer() -> None:
    diff = diff_models(SAMVERKANSTEAMET, TEN_DAYS, "samverkansteamet.bpmn")

    assert [(c.id, c.kind) for c in diff.changes] == [("bedom_remiss", "changed"), ("eskalering_svarstid", "changed")]
    task, timer = diff.changes
    assert task.name == "Bedöma remissen på teammöte" and task.type == "userTask"
    assert task.details == (Detail("@camunda:dueDate", "${date(remiss_inkom) + days(14)}",
                                   "${date(remiss_inkom) + days(10)}"),)
    assert timer.type == "boundaryEvent"
    assert timer.details == (Detail("timerEventDefinition/timeDate", "${iso(date(remiss_inkom) + days(14))}",
                                    "${iso(date(remiss_inkom) + days(10))}"),)
    assert diff.ids("changed") == ["bedom_remiss", "eskalering_svarstid"] and not diff.added and not diff.removed


def test_an_unchanged_model_has_no_changes() -> None:
    diff = diff_models(SAMVERKANSTEAMET, SAMVERKANSTEAMET)
    assert diff.empty and diff.moved == ()


def test_added_and_removed_tasks_and_flows_are_listed_with_their_names() -> None:
    new = (REPLY
           .replace('<bpmn:endEvent id="accepted" name="Antagen"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>',
                    '<bpmn:userTask id="welcome" name="Välkomstsamtal" camunda:candidateGroups="arbetscoach">'
                    '<bpmn:incoming>f_yes</bpmn:incoming><bpmn:outgoing>f_welcomed</bpmn:outgoing></bpmn:userTask>'
                    '<bpmn:endEvent id="accepted" name="Antagen"><bpmn:incoming>f_welcomed</bpmn:incoming>'
                    '</bpmn:endEvent>')
           .replace('<bpmn:sequenceFlow id="f_yes" sourceRef="decision" targetRef="accepted">',
                    '<bpmn:sequenceFlow id="f_welcomed" sourceRef="welcome" targetRef="accepted" />'
                    '<bpmn:sequenceFlow id="f_yes" sourceRef="decision" targetRef="welcome">')
           .replace('name="Svarstiden har passerat" camunda:candidateGroups',
                    'name="Svarstiden har gått ut" camunda:candidateGroups'))

    diff = diff_models(REPLY, new, "referral_reply.bpmn")

    assert {(c.id, c.name) for c in diff.added} == {("welcome", "Välkomstsamtal"), ("f_welcomed", "")}
    changed = {c.id: c.details for c in diff.changed}
    assert changed["f_yes"] == (Detail("@targetRef", "accepted", "welcome"),)
    assert changed["escalate"] == (Detail("@name", "Svarstiden har passerat", "Svarstiden har gått ut"),)
    assert "accepted" not in changed, "incoming/outgoing repeat the flows and are not reported twice"

    back = diff_models(new, REPLY)
    assert {c.id for c in back.removed} == {"welcome", "f_welcomed"}


def test_a_form_field_change_is_reported_on_its_task_by_field_id() -> None:
    new = REPLY.replace('<camunda:formField id="antal" label="Antal" type="long">',
                        '<camunda:formField id="antal" label="Antal samtal" type="long">')
    (change,) = diff_models(REPLY, new).changes
    assert change.id == "assess"
    assert change.details == (Detail("extensionElements/camunda:formData/camunda:formField[antal]/@label",
                                     "Antal", "Antal samtal"),)


def test_moving_shapes_in_the_diagram_is_not_a_change_of_the_model() -> None:
    marker = 'bpmnElement="bedom_remiss"'
    start = SAMVERKANSTEAMET.index(marker)
    bounds = SAMVERKANSTEAMET.index('x="', start)
    end = SAMVERKANSTEAMET.index('"', bounds + 3)
    moved = SAMVERKANSTEAMET[:bounds] + 'x="9999' + SAMVERKANSTEAMET[end:]

    diff = diff_models(SAMVERKANSTEAMET, moved)

    assert diff.empty and diff.moved == ("bedom_remiss",)


def test_a_default_written_out_or_left_out_is_the_same_model() -> None:
    """bpmn-js leaves out ``cancelActivity="true"`` (the default) when it saves a model."""
    saved_by_bpmn_js = SAMVERKANSTEAMET.replace(' cancelActivity="true"', "")
    assert saved_by_bpmn_js != SAMVERKANSTEAMET
    assert diff_models(SAMVERKANSTEAMET, saved_by_bpmn_js).empty


def test_decision_rules_are_compared_cell_by_cell() -> None:
    new = MOTESPLATS.replace('"Arbetsförmedlingen i Nora"', '"Nora bibliotek"')
    (change,) = diff_models(MOTESPLATS, new, "samverkansteamet_motesplats.dmn").changes
    assert change.type == "rule" and change.kind == "changed"
    assert change.details == (Detail("outputEntry/text", '"Arbetsförmedlingen i Nora"', '"Nora bibliotek"'),)


def test_files_deployed_together_are_compared_file_by_file() -> None:
    old = [SourceFile("samverkansteamet.bpmn", SAMVERKANSTEAMET.encode())]
    new = [SourceFile("samverkansteamet.bpmn", TEN_DAYS.encode()),
           SourceFile("samverkansteamet_motesplats.dmn", MOTESPLATS.encode())]

    diffs = diff_sources(old, new)

    assert list(diffs) == ["samverkansteamet.bpmn", "samverkansteamet_motesplats.dmn"]
    assert all(c.kind == "added" for c in diffs["samverkansteamet_motesplats.dmn"].changes)
    assert diff_sources(new, new) == {}


def test_a_file_with_a_doctype_is_refused_not_read() -> None:
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + REPLY.split("?>", 1)[1]
    with pytest.raises(InvalidProcess):
        diff_models(REPLY, hostile)
