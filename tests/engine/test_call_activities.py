"""Reusing a fragment: a journey calls another deployed process ("avslut", the end of a
participation) through a call activity, data passing in and out only as declared.

The fragment (tests/bpmn/avslut_fragment.bpmn): the team leader closes the participation and records
its outcome, three months later a coach follows it up. Version 2 (avslut_fragment_v2.bpmn) is a
single closing conversation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InvalidProcess, StepFailed
from engine.persistence.models import CaseRow
from engine.sandbox import Sandboxes
from engine.spiff import state
from engine.spiff.script_engine import SafeScriptEngine
from engine.views import Case, SourceFile
from tests.bpmn import BPMN_DIR
from tests.engine.journey import Journey


def _refusals(journey: Journey, *names: str) -> list[str]:
    with pytest.raises(InvalidProcess) as refused:
        journey.deploy(*names)
    return [f"{p.element}: {p.message}" for p in refused.value.problems]


def _seen_by(journey: Journey, case: Case, element: str) -> dict[str, object]:
    """The data the open task ``element`` holds, as stored with the case."""
    with journey.engine.db.reading() as session:
        row = session.get(CaseRow, case.id)
        stored, version_id = row.state, row.process_version_id
    workflow = state.load(stored, state.SERIALIZER_VERSION, journey.engine.catalog.bundle(version_id),
                          SafeScriptEngine())
    return next(dict(t.data) for t in workflow.get_tasks() if t.task_spec.name == element and t.state == 16)


def test_a_journey_calls_a_fragment_deployed_before_it(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    case = journey.start("calls_avslut", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 4, "halsa": "känslig uppgift"})

    # The fragment's task is the case's task, in its inbox, for the fragment's role.
    task = journey.task(case, "avsluta_insatsen")
    assert task.candidate_groups == ("teamledare",)
    assert [t.name for t in journey.engine.tasks(case_id=case.id)] == ["avsluta_insatsen"]

    journey.complete(case, "avsluta_insatsen", {"utfall": "arbete", "intern_anteckning": "stannar i fragmentet"})
    # The timer inside the called process waits as the case's timer, and fires three months on.
    assert [t.element for t in journey.engine.upcoming_timers()] == ["tre_manader"]
    journey.advance("P2M")
    assert journey.open_task_names(case) == []
    journey.advance("P1M1D")
    assert journey.open_task_names(case) == ["folj_upp_avslutet"]
    journey.complete(case, "folj_upp_avslutet", {"kvar_i_arbete": True})

    # Only what camunda:out declares comes back: the outcome, as "resultat".
    data = journey.case(case).data
    assert data["resultat"] == "arbete"
    assert "utfall" not in data and "intern_anteckning" not in data and "kvar_i_arbete" not in data
    assert "deltagare" not in data and "samtal_med_avslut" not in data
    assert journey.open_task_names(case) == ["skriv_sammanfattning"]
    assert journey.engine.calls("calls_avslut", 1) == [("avsluta", "avslut", 1)]


def test_only_declared_data_goes_in(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    case = journey.start("calls_avslut", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 4, "halsa": "känslig uppgift"})

    # The fragment's task sees what camunda:in gives it (a name, an expression) and nothing else.
    inside = _seen_by(journey, case, "avsluta_insatsen")
    assert inside["deltagare"] == "Kim"
    assert inside["samtal_med_avslut"] == 5
    assert "halsa" not in inside and "namn" not in inside and "antal_samtal" not in inside


def test_a_pinned_version_is_called_after_a_newer_one_exists(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("avslut_fragment_v2.bpmn")
    journey.deploy("calls_avslut_v1.bpmn")  # calledElementBinding="version", calledElementVersion="1"
    journey.deploy("calls_avslut.bpmn")  # the newest: version 2
    pinned = journey.start("calls_avslut_v1", {})
    latest = journey.start("calls_avslut", {})
    for case in (pinned, latest):
        journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 1, "halsa": "-"})
    assert journey.open_task_names(pinned) == ["avsluta_insatsen"]
    assert journey.open_task_names(latest) == ["avslutningssamtal"]
    assert journey.engine.calls("calls_avslut_v1", 1) == [("avsluta", "avslut", 1)]
    assert journey.engine.calls("calls_avslut", 1) == [("avsluta", "avslut", 2)]

    # variables="all" both ways: everything goes in, everything comes out.
    journey.complete(pinned, "avsluta_insatsen", {"utfall": "studier", "intern_anteckning": "x"})
    journey.advance("P3M1D")
    journey.complete(pinned, "folj_upp_avslutet", {"kvar_i_arbete": False})
    data = journey.case(pinned).data
    assert (data["halsa"], data["utfall"], data["kvar_i_arbete"]) == ("-", "studier", False)


def test_a_fragment_redeployed_later_does_not_change_running_cases(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    running = journey.start("calls_avslut", {})
    journey.deploy("avslut_fragment_v2.bpmn")

    # The caller holds the fragment as it was when the caller was deployed: new cases too.
    later = journey.start("calls_avslut", {})
    for case in (running, later):
        journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 1, "halsa": "-"})
        assert journey.open_task_names(case) == ["avsluta_insatsen"]

    # Deploying the caller again (unchanged) takes the fragment's newest version as a new version.
    journey.deploy("calls_avslut.bpmn")
    assert [v.version for v in journey.engine.versions("calls_avslut")] == [1, 2]
    newest = journey.start("calls_avslut", {})
    journey.complete(newest, "kartlagg", {"namn": "Kim", "antal_samtal": 1, "halsa": "-"})
    assert journey.open_task_names(newest) == ["avslutningssamtal"]
    assert journey.open_task_names(running) == ["avsluta_insatsen"]


def test_a_journey_and_its_fragment_deployed_together(journey: Journey) -> None:
    journey.deploy("calls_avslut.bpmn", "avslut_fragment.bpmn")
    assert journey.engine.calls("calls_avslut", 1) == [("avsluta", "avslut", 1)]
    case = journey.start("calls_avslut", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 1, "halsa": "-"})
    assert journey.open_task_names(case) == ["avsluta_insatsen"]


def test_a_call_to_a_process_that_is_not_deployed_is_refused(journey: Journey) -> None:
    assert _refusals(journey, "calls_unknown.bpmn") == [
        'avsluta "Avsluta deltagandet": the called process \'finns_inte\' is neither among the files deployed '
        "with it nor deployed"]


def test_a_call_to_a_version_that_is_not_deployed_is_refused(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    assert _refusals(journey, "calls_missing_version.bpmn") == [
        'avsluta "Avsluta deltagandet": version 7 of the called process \'avslut\' is not deployed']


def test_a_process_that_calls_itself_is_refused(journey: Journey) -> None:
    assert _refusals(journey, "calls_in_a_ring.bpmn") == [
        'anropa_b "Anropa B": the process calls itself (ring_a → ring_b → ring_a): a called process may not '
        "call the process that calls it",
        'anropa_a "Anropa A": the process calls itself (ring_b → ring_a → ring_b): a called process may not '
        "call the process that calls it"]


def test_an_empty_sub_process_is_refused_in_plain_words(journey: Journey) -> None:
    assert _refusals(journey, "empty_subprocess.bpmn") == [
        'fas "Fas utan innehåll": the sub-process has no start event: draw what it does inside it (a collapsed '
        "sub-process still needs its start event, its steps and its end event), or use a call activity"]


def test_a_failing_source_expression_names_the_call_activity(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    case = journey.start("calls_avslut", {})
    with pytest.raises(StepFailed) as failed:
        journey.complete(case, "kartlagg", {"namn": "Kim"})  # no antal_samtal for ${antal_samtal + 1}
    assert failed.value.element == "avsluta"
    assert journey.open_task_names(case) == ["kartlagg"]


def test_a_ring_through_deployed_versions_is_refused(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    assert _refusals(journey, "avslut_calls_back.bpmn") == [
        'borja_om "Börja om resan": the process calls itself (avslut → calls_avslut → avslut): a called process '
        "may not call the process that calls it"]


def test_a_draft_in_the_sandbox_calls_the_deployed_fragment(journey: Journey, tmp_path: Path) -> None:
    journey.deploy("avslut_fragment.bpmn")
    draft = [SourceFile("calls_avslut.bpmn", (BPMN_DIR / "calls_avslut.bpmn").read_bytes())]
    assert [p for p in journey.engine.validate(draft) if p.severity == "error"] == []
    sandboxes = Sandboxes(tmp_path, journey.engine)
    try:
        box = sandboxes.get("draft-1", journey.clock.now())
        box.load(draft, "designer")
        case = box.engine.start_case("calls_avslut", data={})
        box.engine.complete_task(next(t.id for t in case.open_tasks), {"namn": "Kim", "antal_samtal": 0}, "designer")
        assert [t.name for t in box.engine.case(case.id).open_tasks] == ["avsluta_insatsen"]
    finally:
        sandboxes.close()


def test_a_message_inside_the_called_process_is_reported_to_the_case(journey: Journey) -> None:
    journey.deploy("intyg_fragment.bpmn")
    journey.deploy("calls_intyg.bpmn")
    case = journey.start("calls_intyg", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 1, "halsa": "-"})
    assert journey.engine.waiting_messages(case.id) == ["intyg_inkommet"]
    journey.engine.send_message(case.id, "intyg_inkommet", {"intygsdatum": "2026-01-20"}, "handläggare")
    assert journey.open_task_names(case) == ["skriv_sammanfattning"]
    assert journey.case(case).data["intygsdatum"] == "2026-01-20"


# --- an error the called process ends with ----------------------------------------------------------
# The fragment tests/bpmn/kontaktforsok_fragment.bpmn tries to reach the participant and ends with the
# error EJ_NADD when no one was reached; tests/bpmn/calls_kontaktforsok.bpmn catches it on its call
# activity and reports back to the referrer.


def test_an_error_the_called_process_ends_with_is_caught_on_the_call_activity(journey: Journey) -> None:
    journey.deploy("kontaktforsok_fragment.bpmn", "calls_kontaktforsok.bpmn")
    reached, not_reached = journey.start("calls_kontaktforsok", {}), journey.start("calls_kontaktforsok", {})

    journey.complete(reached, "forsok_na_deltagaren", {"nadd": True, "forsok": 2})
    assert journey.open_task_names(reached) == ["planera"]
    assert journey.case(reached).data["antal_forsok"] == 2

    journey.complete(not_reached, "forsok_na_deltagaren", {"nadd": False, "forsok": 5})
    after = journey.case(not_reached)
    assert after.incident is None
    assert journey.open_task_names(after) == ["aterrapportera"]
    # The call activity was interrupted: its outputs did not come out.
    assert "antal_forsok" not in after.data
    journey.complete(not_reached, "aterrapportera")
    assert journey.case(not_reached).status == "completed"


def test_the_fragment_alone_is_refused_for_the_error_nothing_would_catch(journey: Journey) -> None:
    assert _refusals(journey, "kontaktforsok_fragment.bpmn") == [
        "kf_ej_nadd \"Deltagaren nåddes inte\": the error 'EJ_NADD' is caught by no error boundary event on a "
        "sub-process around it; the case would stop with an incident"]
    # Deployed with a journey that catches it, it is deployed, with a word on starting it by itself.
    problems = journey.engine.validate([SourceFile(n, (BPMN_DIR / n).read_bytes())
                                        for n in ("kontaktforsok_fragment.bpmn", "calls_kontaktforsok.bpmn")])
    assert [(p.element, p.severity) for p in problems if "EJ_NADD" in p.message] == [
        ('kf_ej_nadd "Deltagaren nåddes inte"', "warning")]


#: The journey, catching another error than the fragment's (ANNAT) on its call activity.
NOT_CATCHING = (BPMN_DIR / "calls_kontaktforsok.bpmn").read_text(encoding="utf-8").replace(
    'id="calls_kontaktforsok"', 'id="calls_utan_fangst"').replace(
    'errorRef="fel_ej_nadd"', 'errorRef="fel_annat"').replace(
    '<bpmn:error id="fel_ej_nadd"',
    '<bpmn:error id="fel_annat" name="Annat" errorCode="ANNAT" />\n  <bpmn:error id="fel_ej_nadd"')


def test_a_journey_that_calls_the_fragment_without_catching_its_error_is_refused(journey: Journey) -> None:
    not_catching = SourceFile("calls_utan_fangst.bpmn", NOT_CATCHING.encode("utf-8"))
    fragment = SourceFile("kontaktforsok_fragment.bpmn", (BPMN_DIR / "kontaktforsok_fragment.bpmn").read_bytes())
    expected = ("kontakta \"Kontakta deltagaren\": the called process 'kontaktforsok' can end with the error "
                "'EJ_NADD' (kf_ej_nadd \"Deltagaren nåddes inte\"{version}), which no error boundary event on the "
                "call activity or on a sub-process around it catches; the case would stop with an incident")

    # Deployed together ...
    with pytest.raises(InvalidProcess) as together:
        journey.engine.deploy([fragment, not_catching], "designer")
    assert [f"{p.element}: {p.message}" for p in together.value.problems] == [expected.format(version="")]

    # ... and calling the version deployed before it, read from that version's own files.
    journey.deploy("kontaktforsok_fragment.bpmn", "calls_kontaktforsok.bpmn")
    with pytest.raises(InvalidProcess) as later:
        journey.engine.deploy([not_catching], "designer")
    assert [f"{p.element}: {p.message}" for p in later.value.problems] == [expected.format(version=", version 1")]


def test_a_journey_deployed_later_catches_the_fragments_error_by_a_catch_all(journey: Journey) -> None:
    journey.deploy("kontaktforsok_fragment.bpmn", "calls_kontaktforsok.bpmn")
    catch_all = NOT_CATCHING.replace('<bpmn:errorEventDefinition errorRef="fel_annat" />',
                                     "<bpmn:errorEventDefinition />")
    journey.engine.deploy([SourceFile("calls_utan_fangst.bpmn", catch_all.encode("utf-8"))], "designer")
    case = journey.start("calls_utan_fangst", {})

    journey.complete(case, "forsok_na_deltagaren", {"nadd": False})
    assert journey.open_task_names(case) == ["aterrapportera"]


def test_the_case_map_draws_a_step_inside_the_fragment_as_the_call_activity(journey: Journey) -> None:
    journey.deploy("avslut_fragment.bpmn")
    journey.deploy("calls_avslut.bpmn")
    case = journey.start("calls_avslut", {})
    journey.complete(case, "kartlagg", {"namn": "Kim", "antal_samtal": 4, "halsa": "-"})

    inside = journey.engine.case_diagram(journey.case(case), journey.history(case))
    assert inside.current == ("avsluta",)  # the journey's own diagram has no "avsluta_insatsen"
    assert inside.names["avsluta_insatsen"] == "Avsluta insatsen för {deltagare}"

    journey.complete(case, "avsluta_insatsen", {"utfall": "arbete"})
    waiting = journey.engine.case_diagram(journey.case(case), journey.history(case))
    assert waiting.current == ("avsluta",)  # the fragment's three months, drawn as the call activity
    assert "kartlagg" in waiting.done and "avsluta" in waiting.done


# --- a fragment run once per item: a multi-instance call activity -----------------------------------


def test_a_fragment_runs_once_per_authority_each_with_its_own_answer(journey: Journey) -> None:
    journey.deploy("samtycke_fragment.bpmn")
    journey.deploy("mi_calls_samtycke.bpmn")
    case = journey.start("mi_calls_samtycke", {"myndigheter": ["AF", "FK", "SOC"]})

    titles = sorted(t.title for t in journey.case(case).open_tasks)
    assert titles == ["Begär samtycke — AF", "Begär samtycke — FK", "Begär samtycke — SOC"]
    for title, answer in (("Begär samtycke — FK", False), ("Begär samtycke — SOC", True),
                          ("Begär samtycke — AF", True)):
        task = next(t for t in journey.case(case).open_tasks if t.title == title)
        journey.engine.complete_task(task.id, {"samtycke": answer, "handlaggarens_anteckning": "stannar"}, "kim")

    done = journey.case(case)
    assert journey.open_task_names(done) == ["sammanstall"]
    # One entry per authority, in the collection's order: only what the call activity takes out.
    assert done.data["samtycke_per_myndighet_resultat"] == [
        {"myndighet": "AF", "samtycke": True}, {"myndighet": "FK", "samtycke": False},
        {"myndighet": "SOC", "samtycke": True}]
    assert "handlaggarens_anteckning" not in done.data and "samtycke" not in done.data
