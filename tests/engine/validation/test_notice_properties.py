"""What a designer may write in ``meddela``, ``meddelande``, ``kalender`` and ``kalender_till``, and
how validation says so when it is wrong — naming the element, as for every other refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.validation.test_refusals import assert_accepted, assert_refused, through, user_task

#: The date and the decision are shared with the referrer (delas_med_remittent): a notice to her may name them.
SHARED = '<camunda:properties><camunda:property id="delas_med_remittent" value="ja" /></camunda:properties>'
FIELDS = f"""<camunda:formField id="remiss_inkom" label="Remissen inkom" type="date">{SHARED}</camunda:formField>
  <camunda:formField id="beslut" label="Beslut" type="enum">{SHARED}<camunda:value id="ja" name="Ja" />
  </camunda:formField>
  <camunda:formField id="anteckning" label="Anteckning" type="string" />"""


def told(properties: dict[str, str], *, element: str = "event") -> bytes:
    """start → "Registrera" (with date, enum and free-text fields) → an element carrying ``properties`` → end."""
    props = "".join(f'<camunda:property name="{k}" value="{v}" />' for k, v in properties.items())
    extension = f"<bpmn:extensionElements><camunda:properties>{props}</camunda:properties></bpmn:extensionElements>"
    if element == "event":
        node = f'<bpmn:intermediateThrowEvent id="berattat" name="Berättat">{extension}</bpmn:intermediateThrowEvent>'
    else:
        node = f"""<bpmn:userTask id="berattat" name="Berättat" camunda:candidateGroups="teamledare">
          <bpmn:extensionElements><camunda:properties>{props}</camunda:properties>
          <camunda:formData><camunda:formField id="klar" label="Klar" type="boolean" /></camunda:formData>
          </bpmn:extensionElements></bpmn:userTask>"""
    registered = user_task("registrera", "Registrera", fields=FIELDS)
    return through(registered + node, "registrera").replace(
        b'<bpmn:sequenceFlow id="f_out" sourceRef="registrera" targetRef="end" />',
        b'<bpmn:sequenceFlow id="f_mid" sourceRef="registrera" targetRef="berattat" />'
        b'<bpmn:sequenceFlow id="f_out" sourceRef="berattat" targetRef="end" />')


def test_a_notice_with_known_recipients_and_safe_fields_is_accepted(tmp_path: Path) -> None:
    assert_accepted(tmp_path, "meddela.bpmn", told({
        "meddela": "remittent, kontaktpersoner, roll:teamledare, anvandare:handlaggare",
        "meddelande": "Remissen för {deltagare} kom {remiss_inkom}: {beslut} ({insats}, {arende}, {datum}). {{ok}}"}))
    assert_accepted(tmp_path, "kalender.bpmn", told({
        "kalender": "remiss_inkom", "kalender_till": "tilldelad,kandidatgrupper", "meddela": "tilldelad",
        "meddelande": "{uppgift} är klar"}, element="task"))


@pytest.mark.parametrize(("properties", "says"), [
    ({"meddela": "chefen", "meddelande": "Hej"}, ("meddela: unknown recipient 'chefen'", "roll:<roll>")),
    ({"meddela": "roll:", "meddelande": "Hej"}, ("'roll:' needs a role name",)),
    ({"meddela": "tilldelad", "meddelande": "Hej"}, ("'tilldelad' is only known on a user task",)),
    ({"meddela": "remittent"}, ("there is no meddelande",)),
    ({"meddelande": "Hej"}, ("meddela names nobody",)),
    ({"meddela": "remittent", "meddelande": "Om {personnummer}"}, ("unknown placeholder {personnummer}",)),
    ({"meddela": "remittent", "meddelande": "Se {anteckning}"},
     ("{anteckning} is a free-text field", "never mailed")),
    ({"meddela": "remittent", "meddelande": "Hej {deltagare.__class__}"}, ("is not a placeholder",)),
    ({"meddela": "remittent", "meddelande": "Hej {deltagare!r:>10}"}, ("is not a placeholder",)),
    ({"meddela": "remittent", "meddelande": "Pris: 5 } kr"}, ("a lone '}'",)),
    ({"kalender": "remiss_inkom"}, ("only a user task can send a calendar invitation",)),
])
def test_what_a_notice_may_not_say_or_whom_it_may_not_name(tmp_path: Path, properties: dict[str, str],
                                                            says: tuple[str, ...]) -> None:
    assert_refused(tmp_path, "meddela.bpmn", told(properties), 'berattat "Berättat"', *says)


@pytest.mark.parametrize(("properties", "says"), [
    ({"kalender": "anteckning"}, ("kalender 'anteckning' is neither forfallodatum", "date field")),
    ({"kalender": "forfallodatum"}, ("the task has no due date",)),
    ({"kalender_till": "remittent"}, ("kalender names no date",)),
    ({"kalender": "remiss_inkom", "kalender_till": "styrgruppen"}, ("kalender_till: unknown recipient",)),
])
def test_what_a_meeting_task_may_not_say(tmp_path: Path, properties: dict[str, str], says: tuple[str, ...]) -> None:
    assert_refused(tmp_path, "kalender.bpmn", told(properties, element="task"), 'berattat "Berättat"', *says)
