"""What the engine refuses to deploy, what it accepts, and how it says so.

Every refusal is checked twice: through :func:`engine.spiff.loading.load` (a Problem naming the
element, or "(document)" for the file as a whole) and through ``samverkan validate`` (one line
``file: element: message``, exit code 1, never a traceback). Every acceptance is checked the same
two ways, and the ones that matter at run time are also deployed and started.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.api import WorkflowEngine
from engine.clock import PinnedClock
from engine.errors import Problem
from engine.spiff.loading import LoadResult, load
from engine.views import Case, SourceFile
from samverkan.cli import main
from tests.bpmn import BPMN_DIR

HOSTILE = BPMN_DIR / "hostile"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


# --- building journeys --------------------------------------------------------------------------------


def definitions(body: str, *, key: str = "resa", name: str = "Resa", encoding: str = "UTF-8") -> str:
    """A BPMN file with one executable process whose content is ``body``."""
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}" id="Definitions_{key}"
    targetNamespace="http://samverkan.se/test">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def user_task(task_id: str, name: str, *, roles: str = 'camunda:candidateGroups="arbetscoach"',
              fields: str = '<camunda:formField id="notering" label="Notering" type="string" />') -> str:
    return f"""<bpmn:userTask id="{task_id}" name="{name}" {roles}>
      <bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>"""


def flow(flow_id: str, source: str, target: str, condition: str | None = None, name: str = "") -> str:
    named = f' name="{name}"' if name else ""
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}"{named} sourceRef="{source}" targetRef="{target}" />'
    return (f'<bpmn:sequenceFlow id="{flow_id}"{named} sourceRef="{source}" targetRef="{target}">'
            f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>")


def through(element: str, element_id: str, **process: str) -> bytes:
    """start → ``element`` → end: a journey whose only interesting part is that element."""
    return definitions(f"""
    <bpmn:startEvent id="start" />
    {element}
    <bpmn:endEvent id="end" />
    {flow("f_in", "start", element_id)}
    {flow("f_out", element_id, "end")}""", **process).encode()


def decided(condition: str, *, default: str | None = 'default="f_nej"') -> bytes:
    """start → assessment → exclusive gateway "Beslut?" → (f_ja: ``condition``) "Insats" | (f_nej) end."""
    return definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("bedomning", "Bedömning", fields='<camunda:formField id="beslut" label="Beslut" type="string" />')}
    <bpmn:exclusiveGateway id="beslut_gw" name="Beslut?" {default or ""} />
    {user_task("insats", "Insats")}
    <bpmn:endEvent id="klar" />
    <bpmn:endEvent id="avslutad" />
    {flow("f1", "start", "bedomning")}
    {flow("f2", "bedomning", "beslut_gw")}
    {flow("f_ja", "beslut_gw", "insats", condition, name="Ja")}
    {flow("f_nej", "beslut_gw", "avslutad", name="Nej")}
    {flow("f3", "insats", "klar")}""").encode()


def waiting(kind: str, text: str) -> bytes:
    """start → a timer "Vänta" (``kind`` = timeDate, timeDuration or timeCycle) → "Uppföljning" → end."""
    return definitions(f"""
    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="vanta" name="Vänta">
      <bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    {user_task("uppfoljning", "Uppföljning")}
    <bpmn:endEvent id="end" />
    {flow("f1", "start", "vanta")}
    {flow("f2", "vanta", "uppfoljning")}
    {flow("f3", "uppfoljning", "end")}""").encode()


# --- how refusals and acceptances are checked ---------------------------------------------------------


def validate_cli(tmp_path: Path, file_name: str, content: bytes) -> tuple[int, str]:
    path = tmp_path / file_name
    path.write_bytes(content)
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert "Traceback" not in outcome.output
    # sys.exit(1) is how the command says "refused"; any other exception escaped it.
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.output
    return outcome.exit_code, outcome.output


def assert_refused(tmp_path: Path, file_name: str, content: bytes, element: str, *says: str,
                   result: LoadResult | None = None) -> Problem:
    """load() and ``samverkan validate`` both refuse the file, naming ``element`` and saying ``says``."""
    result = result or load([SourceFile(file_name, content)])
    matching = [p for p in result.errors if p.element == element and all(s in p.message for s in says)]
    assert matching, f"expected an error on {element!r} saying {says}; got {result.problems}"
    assert not result.processes
    for problem in result.errors:
        assert problem.element.strip() and "\n" not in problem.element
        assert "Traceback" not in problem.message

    exit_code, output = validate_cli(tmp_path, file_name, content)
    assert exit_code == 1, output
    lines = [line for line in output.splitlines() if line.startswith(f"{file_name}: {element}: ")]
    assert any(all(s in line for s in says) for line in lines), output
    return matching[0]


def assert_accepted(tmp_path: Path, file_name: str, content: bytes, *, allow_scripts: bool = False) -> LoadResult:
    """load() gives a runnable process without errors and ``samverkan validate`` exits 0."""
    result = load([SourceFile(file_name, content)], allow_scripts=allow_scripts)
    assert not result.errors, result.errors
    assert result.processes
    if not allow_scripts:  # the CLI validates as the server does by default: scripts off
        exit_code, output = validate_cli(tmp_path, file_name, content)
        assert exit_code == 0, output
    return result


@pytest.fixture
def engine(tmp_path: Path) -> WorkflowEngine:
    # Pinned before every date used below, so that timers wait instead of firing at once.
    return WorkflowEngine("sqlite:///" + str(tmp_path / "db.sqlite3"),
                          clock=PinnedClock(datetime(2026, 2, 1, 9, 0, tzinfo=UTC)))


def open_task_names(case: Case) -> set[str]:
    return {task.name for task in case.open_tasks}


# --- the file itself ----------------------------------------------------------------------------------


def test_an_xml_external_entity_is_refused_before_anything_reads_it(tmp_path: Path) -> None:
    content = (HOSTILE / "xxe.bpmn").read_bytes()
    problem = assert_refused(tmp_path, "xxe.bpmn", content, "(document)", "DOCTYPE", "external entity")
    assert "root:" not in problem.message


def test_a_billion_laughs_entity_bomb_is_refused_without_expanding(tmp_path: Path) -> None:
    content = (HOSTILE / "billion_laughs.bpmn").read_bytes()
    started = time.monotonic()
    assert_refused(tmp_path, "billion_laughs.bpmn", content, "(document)", "DOCTYPE", "entity expansion")
    assert time.monotonic() - started < 10  # expanded, it would take gigabytes and much longer


def test_malformed_xml_is_refused_with_the_line_where_it_breaks(tmp_path: Path) -> None:
    content = (HOSTILE / "truncated.bpmn").read_bytes()
    assert_refused(tmp_path, "truncated.bpmn", content, "(document)", "not well-formed XML", "(line ")


def test_a_saved_web_page_is_not_taken_for_bpmn(tmp_path: Path) -> None:
    content = (HOSTILE / "saved_web_page.bpmn").read_bytes()
    assert_refused(tmp_path, "saved_web_page.bpmn", content, "(document)",
                   "not a BPMN 2.0 or DMN file", "{http://www.w3.org/1999/xhtml}html")


@pytest.mark.parametrize(("content", "root"), [
    pytest.param(b'<?xml version="1.0"?><project xmlns="http://maven.apache.org/POM/4.0.0">'
                 b"<artifactId>remiss</artifactId></project>", "{http://maven.apache.org/POM/4.0.0}project",
                 id="maven-pom"),
    pytest.param(f'<bpmn:process xmlns:bpmn="{BPMN_NS}" id="resa" isExecutable="true">'
                 '<bpmn:startEvent id="start" /></bpmn:process>'.encode(), f"{{{BPMN_NS}}}process",
                 id="bpmn-process-without-definitions"),
])
def test_well_formed_xml_with_another_root_is_not_taken_for_bpmn(tmp_path: Path, content: bytes, root: str) -> None:
    assert_refused(tmp_path, "other.bpmn", content, "(document)", f"the root element is <{root}>")


# --- expressions --------------------------------------------------------------------------------------


def test_a_condition_that_imports_a_module_is_refused(tmp_path: Path) -> None:
    content = decided("__import__('os').system('id')")
    assert_refused(tmp_path, "import.bpmn", content, 'f_ja "Ja"', "function '__import__' is not allowed")


def test_a_condition_that_walks_dunder_attributes_is_refused(tmp_path: Path) -> None:
    content = decided("().__class__.__base__.__subclasses__()")
    assert_refused(tmp_path, "dunder.bpmn", content, 'f_ja "Ja"', "attribute '__class__' is not allowed")


def test_a_feel_condition_is_refused_as_camunda_8(tmp_path: Path) -> None:
    assert_refused(tmp_path, "feel.bpmn", decided("= approved"), 'f_ja "Ja"', "FEEL expression", "'= approved'")


def test_a_juel_condition_is_accepted_and_decides(tmp_path: Path, engine: WorkflowEngine) -> None:
    content = decided("${beslut == 'ja'}")
    assert_accepted(tmp_path, "juel.bpmn", content)
    engine.deploy([SourceFile("juel.bpmn", content)], "tester")

    yes = engine.start_case("resa")
    yes = engine.complete_task(yes.open_tasks[0].id, {"beslut": "ja"}, "tester")
    assert open_task_names(yes) == {"insats"}
    no = engine.start_case("resa")
    no = engine.complete_task(no.open_tasks[0].id, {"beslut": "nej"}, "tester")
    assert no.status == "completed"


def test_an_exclusive_gateway_flow_without_condition_that_is_not_the_default_is_refused(tmp_path: Path) -> None:
    content = decided("${beslut == 'ja'}", default=None)
    problem = assert_refused(tmp_path, "no-default.bpmn", content, 'f_nej "Nej"', "no condition",
                             "not its default flow")
    assert 'beslut_gw "Beslut?"' in problem.message


# --- timers -------------------------------------------------------------------------------------------


def test_a_timer_in_words_is_refused(tmp_path: Path) -> None:
    assert_refused(tmp_path, "words.bpmn", waiting("timeDuration", "every two weeks"), 'vanta "Vänta"',
                   "'every two weeks'", "not an ISO 8601 duration", "P14D")


def test_a_quartz_cron_timer_is_refused(tmp_path: Path) -> None:
    assert_refused(tmp_path, "cron.bpmn", waiting("timeCycle", "0 0/5 * * * ?"), 'vanta "Vänta"',
                   "cron expressions are not supported", "R/P1M")


def test_a_timer_expression_that_imports_is_refused_for_the_import(tmp_path: Path) -> None:
    content = waiting("timeDuration", "${__import__('os').system('id')}")
    problem = assert_refused(tmp_path, "timer-import.bpmn", content, 'vanta "Vänta"',
                             "function '__import__' is not allowed")
    assert "ISO 8601" not in problem.message  # the reason is the import, not the date format


@pytest.mark.parametrize(("kind", "text"), [
    pytest.param("timeDuration", "P14D", id="duration-P14D"),
    pytest.param("timeCycle", "R/P1M", id="cycle-R/P1M"),
    pytest.param("timeDate", "2026-03-01T08:00:00+01:00", id="date-with-offset"),
    pytest.param("timeDuration", '"P14D"', id="quoted-duration"),
    pytest.param("timeDate", "${iso(date(remiss_inkom) + days(14))}", id="expression"),
])
def test_timers_as_modelers_write_them_are_accepted_and_wait(tmp_path: Path, engine: WorkflowEngine,
                                                             kind: str, text: str) -> None:
    content = waiting(kind, text)
    assert_accepted(tmp_path, "timer.bpmn", content)
    engine.deploy([SourceFile("timer.bpmn", content)], "tester")
    case = engine.start_case("resa", data={"remiss_inkom": "2026-02-15"})
    assert case.incident is None
    assert [timer.element for timer in case.timers] == ["vanta"]
    assert all(timer.due_at > datetime(2026, 2, 1, 9, 0, tzinfo=UTC) for timer in case.timers)


# --- tasks --------------------------------------------------------------------------------------------


def test_a_script_task_is_refused_unless_scripts_are_allowed(tmp_path: Path) -> None:
    content = through('<bpmn:scriptTask id="rakna" name="Räkna poäng" scriptFormat="python">'
                      "<bpmn:script>poang = 3</bpmn:script></bpmn:scriptTask>", "rakna")
    assert_refused(tmp_path, "script.bpmn", content, 'rakna "Räkna poäng"', "script tasks are disabled",
                   "SAMVERKAN_ALLOW_SCRIPTS=1")
    allowed = assert_accepted(tmp_path, "script.bpmn", content, allow_scripts=True)
    assert [p.key for p in allowed.processes] == ["resa"]


def test_a_service_task_is_refused(tmp_path: Path) -> None:
    content = through('<bpmn:serviceTask id="skicka" name="Skicka brev" camunda:type="external" '
                      'camunda:topic="brev" />', "skicka")
    assert_refused(tmp_path, "service.bpmn", content, 'skicka "Skicka brev"', "service tasks are not supported")


def test_a_user_task_without_candidate_groups_or_assignee_is_refused(tmp_path: Path) -> None:
    content = through(user_task("bedomning", "Bedömning", roles=""), "bedomning")
    assert_refused(tmp_path, "no-role.bpmn", content, 'bedomning "Bedömning"', "the user task has no role",
                   "camunda:candidateGroups")


def test_a_form_field_of_unsupported_type_is_refused(tmp_path: Path) -> None:
    field = '<camunda:formField id="anteckning" label="Anteckning" type="textarea" />'
    content = through(user_task("bedomning", "Bedömning", fields=field), "bedomning")
    assert_refused(tmp_path, "field.bpmn", content, 'bedomning "Bedömning"',
                   "form field 'anteckning' has type 'textarea'", "supported: string, long, boolean, date, enum")


def test_a_form_condition_that_imports_is_refused(tmp_path: Path) -> None:
    field = ('<camunda:formField id="slut" label="Slut" type="date"><camunda:validation>'
             '<camunda:constraint name="villkor" config="__import__(\'os\')" />'
             '</camunda:validation></camunda:formField>')
    content = through(user_task("bedomning", "Bedömning", fields=field), "bedomning")
    assert_refused(tmp_path, "rule.bpmn", content, 'bedomning "Bedömning"',
                   "form field 'slut': the condition (villkor)", "is refused")


def test_a_form_condition_is_accepted_and_keeps_the_form(tmp_path: Path, engine: WorkflowEngine) -> None:
    from engine.errors import InvalidFormData

    fields = ('<camunda:formField id="svar" label="Svar" type="enum"><camunda:value id="ja" name="Ja" />'
              '<camunda:value id="nej" name="Nej" /></camunda:formField>'
              '<camunda:formField id="beskrivning" label="Beskrivning" type="string"><camunda:validation>'
              '<camunda:constraint name="villkor" config="svar != &quot;ja&quot; or beskrivning != null" />'
              '<camunda:constraint name="villkor_text" config="Beskriv förändringen när svaret är ja" />'
              '</camunda:validation></camunda:formField>')
    content = through(user_task("bedomning", "Bedömning", fields=fields), "bedomning")
    assert_accepted(tmp_path, "rule.bpmn", content)
    engine.deploy([SourceFile("rule.bpmn", content)], "designer")
    case = engine.start_case("resa", actor="handläggare")
    [task] = case.open_tasks
    with pytest.raises(InvalidFormData) as refused:
        engine.complete_task(task.id, {"svar": "ja"}, "handläggare")
    assert refused.value.fields == {"beskrivning": "Beskriv förändringen när svaret är ja"}
    assert engine.complete_task(task.id, {"svar": "nej"}, "handläggare").status == "completed"


@pytest.mark.parametrize(("prop", "value", "says"), [
    ("samtidiga_uppgifter", "många", "write a whole number above 0 or obegränsat"),
    ("pausar_arendet", "kanske", "pausar_arendet is 'kanske'; write ja or nej"),
    ("under_paus", "löper", "under_paus belongs on boundaryEvent or intermediateCatchEvent"),
])
def test_an_engine_property_with_a_value_it_cannot_mean_is_refused(tmp_path: Path, prop: str, value: str,
                                                                   says: str) -> None:
    task = user_task("bedomning", "Bedömning").replace(
        "<bpmn:extensionElements>",
        f'<bpmn:extensionElements><camunda:properties><camunda:property name="{prop}" value="{value}" />'
        "</camunda:properties>")
    content = through(task, "bedomning")
    assert_refused(tmp_path, "property.bpmn", content, 'bedomning "Bedömning"', says)


def test_a_business_rule_task_whose_decision_is_not_deployed_is_refused(tmp_path: Path) -> None:
    content = through('<bpmn:businessRuleTask id="poang" name="Beräkna poäng" camunda:decisionRef="poangtabell" />',
                      "poang")
    assert_refused(tmp_path, "rule.bpmn", content, 'poang "Beräkna poäng"',
                   "the decision 'poangtabell' is not among the DMN files deployed with it")


# --- waits nothing would end ------------------------------------------------------------------------
# These parse, but the engine would never wake a case waiting in them (or cannot save one that throws
# a message), so they are refused up front rather than leave a journey stuck.


def messaging(body: str) -> bytes:
    """A journey with the message "brev" and the signal "larm" declared next to the process."""
    text = definitions(body)
    return text.replace("  <bpmn:process ", '  <bpmn:message id="Message_brev" name="brev" />\n'
                        '  <bpmn:signal id="Signal_larm" name="larm" />\n  <bpmn:process ', 1).encode()


MESSAGE_CATCH = ('<bpmn:intermediateCatchEvent id="svar" name="Svar inkommet">'
                 '<bpmn:messageEventDefinition messageRef="Message_brev" /></bpmn:intermediateCatchEvent>')


def test_an_event_based_gateway_whose_branch_waits_for_nothing_is_refused(tmp_path: Path) -> None:
    # A branch that leads to a task would pass at once: the gateway can only wait for events.
    content = messaging(f"""
    <bpmn:startEvent id="start" />
    <bpmn:eventBasedGateway id="vantar" name="Svar eller påminnelse?" />
    {MESSAGE_CATCH}
    {user_task("paminn", "Påminn")}
    <bpmn:endEvent id="end_svar" />
    <bpmn:endEvent id="end_paminnelse" />
    {flow("f1", "start", "vantar")}
    {flow("f2", "vantar", "svar")}
    {flow("f3", "vantar", "paminn")}
    {flow("f4", "svar", "end_svar")}
    {flow("f5", "paminn", "end_paminnelse")}""")
    assert_refused(tmp_path, "event-gateway.bpmn", content, "f3",
                   'leads to paminn "Påminn", which is neither an intermediate catch event nor a receive task')


@pytest.mark.parametrize(("element", "element_id", "label", "says"), [
    pytest.param('<bpmn:receiveTask id="vanta_svar" name="Vänta på svar" />',
                 "vanta_svar", 'vanta_svar "Vänta på svar"', "the receive task names no message",
                 id="receive-task-without-message"),
])
def test_a_step_the_engine_could_never_finish_is_refused(tmp_path: Path, element: str, element_id: str,
                                                         label: str, says: str) -> None:
    content = messaging(f"""
    <bpmn:startEvent id="start" />
    {element}
    <bpmn:endEvent id="end" />
    {flow("f_in", "start", element_id)}
    {flow("f_out", element_id, "end")}""")
    assert_refused(tmp_path, "never.bpmn", content, label, says)


def test_a_message_catch_event_is_accepted_and_waits_for_its_message(tmp_path: Path,
                                                                     engine: WorkflowEngine) -> None:
    content = messaging(f"""
    <bpmn:startEvent id="start" />
    {MESSAGE_CATCH}
    {user_task("las_svar", "Läs svaret")}
    <bpmn:endEvent id="end" />
    {flow("f1", "start", "svar")}
    {flow("f2", "svar", "las_svar")}
    {flow("f3", "las_svar", "end")}""")
    assert_accepted(tmp_path, "message.bpmn", content)
    engine.deploy([SourceFile("message.bpmn", content)], "tester")
    case = engine.start_case("resa")
    assert case.waiting_messages == ("brev",)
    case = engine.send_message(case.id, "brev", {"svar": "ja"}, "tester")
    assert open_task_names(case) == {"las_svar"}
    assert case.data["svar"] == "ja"


# --- structure ----------------------------------------------------------------------------------------


def test_a_sequence_flow_to_a_missing_element_is_refused(tmp_path: Path) -> None:
    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("bedomning", "Bedömning")}
    {flow("f1", "start", "bedomning")}
    {flow("f2", "bedomning", "borttagen")}""").encode()
    assert_refused(tmp_path, "dangling.bpmn", content, "f2", "target 'borttagen'",
                   "not an element of the same process")


def test_two_elements_with_one_id_are_refused(tmp_path: Path) -> None:
    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("bedomning", "Bedömning")}
    {user_task("bedomning", "Uppföljning")}
    <bpmn:endEvent id="end" />
    {flow("f1", "start", "bedomning")}
    {flow("f2", "bedomning", "end")}""").encode()
    assert_refused(tmp_path, "twice.bpmn", content, 'bedomning "Uppföljning"', "the id 'bedomning'",
                   "more than one element")


def test_a_boundary_event_attached_to_nothing_is_refused(tmp_path: Path) -> None:
    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("bedomning", "Bedömning")}
    <bpmn:boundaryEvent id="for_sent" name="För sent" attachedToRef="bedomning_gammal">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P14D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="end_sent" />
    {flow("f1", "start", "bedomning")}
    {flow("f2", "bedomning", "end")}
    {flow("f3", "for_sent", "end_sent")}""").encode()
    assert_refused(tmp_path, "unattached.bpmn", content, 'for_sent "För sent"', "attached to 'bedomning_gammal'",
                   "not an activity")


def test_a_default_flow_that_is_not_outgoing_is_refused(tmp_path: Path) -> None:
    content = decided("${beslut == 'ja'}", default='default="f_saknas"')
    assert_refused(tmp_path, "default.bpmn", content, 'beslut_gw "Beslut?"', "default flow 'f_saknas'",
                   "not one of the element's outgoing sequence flows")


def test_a_name_written_over_several_lines_is_reported_on_one_line(tmp_path: Path) -> None:
    content = through(user_task("bedomning", "Bedömning&#10;av   ansökan", roles=""), "bedomning")
    assert_refused(tmp_path, "wrapped.bpmn", content, 'bedomning "Bedömning av ansökan"', "no role")


# --- what the engine accepts and runs -----------------------------------------------------------------


def test_a_task_with_two_unconditional_flows_splits_in_parallel(tmp_path: Path, engine: WorkflowEngine) -> None:
    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("kartlaggning", "Kartläggning")}
    {user_task("halsa", "Hälsosamtal")}
    {user_task("arbete", "Arbetsträning")}
    <bpmn:endEvent id="end_halsa" />
    <bpmn:endEvent id="end_arbete" />
    {flow("f1", "start", "kartlaggning")}
    {flow("f2", "kartlaggning", "halsa")}
    {flow("f3", "kartlaggning", "arbete")}
    {flow("f4", "halsa", "end_halsa")}
    {flow("f5", "arbete", "end_arbete")}""").encode()
    assert_accepted(tmp_path, "parallel.bpmn", content)
    engine.deploy([SourceFile("parallel.bpmn", content)], "tester")
    case = engine.start_case("resa")
    case = engine.complete_task(case.open_tasks[0].id, {}, "tester")
    assert open_task_names(case) == {"halsa", "arbete"}


def test_a_task_with_conditional_flows_splits_inclusively(tmp_path: Path, engine: WorkflowEngine) -> None:
    fields = ('<camunda:formField id="halsa_behov" label="Hälsa" type="boolean" />'
              '<camunda:formField id="arbete_behov" label="Arbete" type="boolean" />')
    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {user_task("kartlaggning", "Kartläggning", fields=fields)}
    {user_task("halsa", "Hälsosamtal")}
    {user_task("arbete", "Arbetsträning")}
    <bpmn:endEvent id="end_halsa" />
    <bpmn:endEvent id="end_arbete" />
    {flow("f1", "start", "kartlaggning")}
    {flow("f2", "kartlaggning", "halsa", "${halsa_behov}")}
    {flow("f3", "kartlaggning", "arbete", "${arbete_behov}")}
    {flow("f4", "halsa", "end_halsa")}
    {flow("f5", "arbete", "end_arbete")}""").encode()
    assert_accepted(tmp_path, "inclusive.bpmn", content)
    engine.deploy([SourceFile("inclusive.bpmn", content)], "tester")

    both = engine.start_case("resa")
    both = engine.complete_task(both.open_tasks[0].id, {"halsa_behov": True, "arbete_behov": True}, "tester")
    assert open_task_names(both) == {"halsa", "arbete"}
    one = engine.start_case("resa")
    one = engine.complete_task(one.open_tasks[0].id, {"halsa_behov": False, "arbete_behov": True}, "tester")
    assert open_task_names(one) == {"arbete"}


def test_a_latin1_file_with_swedish_names_is_accepted_and_read_as_written(tmp_path: Path,
                                                                         engine: WorkflowEngine) -> None:
    body = f"""
    <bpmn:startEvent id="start" name="Remiss från Försäkringskassan" />
    {user_task("bedomning", "Bedömning av återgång i arbete", roles='camunda:candidateGroups="handläggare"')}
    <bpmn:endEvent id="end" name="Åtgärd klar" />
    {flow("f1", "start", "bedomning")}
    {flow("f2", "bedomning", "end")}"""
    content = definitions(body, name="Återgång till arbete", encoding="ISO-8859-1").encode("iso-8859-1")
    assert "Återgång".encode("iso-8859-1") in content  # å as the single byte 0xE5, not UTF-8

    result = assert_accepted(tmp_path, "latin1.bpmn", content)
    assert result.processes[0].name == "Återgång till arbete"
    engine.deploy([SourceFile("latin1.bpmn", content)], "tester")
    (task,) = engine.start_case("resa").open_tasks
    assert task.title == "Bedömning av återgång i arbete"
    assert task.candidate_groups == ("handläggare",)


def test_a_journey_of_1500_automatic_steps_validates_and_runs(tmp_path: Path, engine: WorkflowEngine) -> None:
    # SpiffWorkflow's task iterators stopped at depth 1000, so such a case used to "complete" at once.
    steps = 1500
    elements = [f'<bpmn:intermediateThrowEvent id="steg_{n}" name="Steg {n}" />' for n in range(steps)]
    ids = ["start", *(f"steg_{n}" for n in range(steps)), "sista", "end"]
    flows = [flow(f"f_{n}", source, target) for n, (source, target) in enumerate(pairwise(ids))]
    content = definitions("\n".join([
        '<bpmn:startEvent id="start" />', *elements, user_task("sista", "Sista steget"),
        '<bpmn:endEvent id="end" />', *flows,
    ])).encode()

    assert_accepted(tmp_path, "long.bpmn", content)
    engine.deploy([SourceFile("long.bpmn", content)], "tester")
    case = engine.start_case("resa")
    assert case.incident is None
    assert case.status == "open"
    assert open_task_names(case) == {"sista"}
    done = engine.complete_task(case.open_tasks[0].id, {}, "tester")
    assert done.status == "completed"


def _with_output(expression: str, name: str = "antal_samtal") -> bytes:
    model = (BPMN_DIR / "conversations.bpmn").read_bytes()
    return model.replace(b'<camunda:outputParameter name="antal_samtal">${antal_samtal + 1}</camunda:outputParameter>',
                         f'<camunda:outputParameter name="{name}">{expression}</camunda:outputParameter>'.encode())


def test_output_parameters_are_checked_like_every_expression() -> None:
    from engine.spiff.loading import load
    from engine.views import SourceFile

    assert load([SourceFile("ok.bpmn", _with_output("${antal_samtal + 1}"))]).errors == []
    refused = load([SourceFile("bad.bpmn", _with_output("${().__class__}"))]).errors
    assert [(p.element, "not allowed" in p.message) for p in refused] == [('conversation "Kartläggningssamtal"', True)]
    badly_named = load([SourceFile("bad.bpmn", _with_output("1", name="__x"))]).errors
    assert "output parameter '__x'" in badly_named[0].message


def test_a_form_field_named_like_an_element_is_refused_with_a_clear_message() -> None:
    from engine.spiff.loading import load
    from engine.views import SourceFile

    model = (BPMN_DIR / "referral_reply.bpmn").read_bytes()
    clash = model.replace(b'formField id="kommun"', b'formField id="assess"')
    problems = load([SourceFile("clash.bpmn", clash)]).errors
    assert [p.element for p in problems] == ['register_referral "Registrera remiss"']
    assert "form field 'assess' has the same id as an element" in problems[0].message


@pytest.mark.parametrize("key", ["../../etc/passwd", "a&lt;script&gt;", "1st_process", "x" * 65, "a b"])
def test_a_process_id_that_cannot_name_a_process_is_refused(tmp_path: Path, key: str) -> None:
    content = definitions("""<bpmn:startEvent id="start" />""", key=key).encode()

    problem = assert_refused(tmp_path, "resa.bpmn", content, f'{key.replace("&lt;", "<").replace("&gt;", ">")} "Resa"',
                             "cannot be a process key")
    assert "letters, digits, _, - and ." in problem.message


@pytest.mark.parametrize("key", ["samverkansteamet", "Process_1", "bpmn-miwg-test-case-c.1.0", "_intern", "x" * 64])
def test_process_ids_from_modelers_are_accepted_as_keys(key: str) -> None:
    content = definitions(f"""<bpmn:startEvent id="start" />{flow("f", "start", "end")}<bpmn:endEvent id="end" />""",
                          key=key).encode()

    assert [p.key for p in load([SourceFile("resa.bpmn", content)]).processes] == [key]
