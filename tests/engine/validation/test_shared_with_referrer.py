"""The form field property ``delas_med_remittent`` (docs/modeling.md): ``ja`` shares a field's value
with the referrer who started the case, ``nej`` or nothing keeps it from her; validation refuses any
other value, naming the field (what is shared: tests/web/test_referrer_access.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.validation.test_refusals import assert_accepted, assert_refused, through, user_task


def shared(value: str) -> bytes:
    fields = f"""<camunda:formField id="motivering" label="Motivering" type="string">
      <camunda:properties><camunda:property id="delas_med_remittent" value="{value}" /></camunda:properties>
    </camunda:formField>
    <camunda:formField id="anteckning" label="Anteckning" type="string" />"""
    return through(user_task("svara", "Svara remittenten", fields=fields), "svara")


@pytest.mark.parametrize("value", ["ja", "nej"])
def test_ja_and_nej_are_accepted(tmp_path: Path, value: str) -> None:
    assert_accepted(tmp_path, "delas.bpmn", shared(value))


@pytest.mark.parametrize("value", ["kanske", "true", ""])
def test_any_other_value_is_refused_naming_the_field(tmp_path: Path, value: str) -> None:
    assert_refused(tmp_path, "delas.bpmn", shared(value), 'svara "Svara remittenten"',
                   "form field 'motivering': delas_med_remittent is", "write ja or nej")


def told_the_referrer(marking: str) -> bytes:
    """A task whose decision (an enum) is mailed to the referrer when it is done."""
    fields = f"""<camunda:formField id="beslut" label="Beslut" type="enum">
      <camunda:properties>{marking}</camunda:properties>
      <camunda:value id="ja" name="Ja" /><camunda:value id="nej" name="Nej" />
    </camunda:formField>"""
    task = user_task("besluta", "Besluta", fields=fields).replace(
        "<bpmn:extensionElements>", """<bpmn:extensionElements><camunda:properties>
        <camunda:property name="meddela" value="remittent" />
        <camunda:property name="meddelande" value="Beslutet om {deltagare}: {beslut}." />
      </camunda:properties>""", 1)
    return through(task, "besluta")


def test_a_notice_to_the_referrer_names_only_what_is_shared_with_her(tmp_path: Path) -> None:
    assert_accepted(tmp_path, "besked.bpmn", told_the_referrer(
        '<camunda:property id="delas_med_remittent" value="ja" />'))
    assert_refused(tmp_path, "besked.bpmn", told_the_referrer(""), 'besluta "Besluta"',
                   "{beslut} goes to the referrer", "delas_med_remittent")


def test_a_field_shared_in_one_form_and_not_in_another_is_warned_of(tmp_path: Path) -> None:
    """She sees a value only when every form that records it shares it: the designer is told."""
    from tests.engine.validation.test_refusals import definitions, flow

    def asking(task_id: str, marking: str) -> str:
        return user_task(task_id, task_id.capitalize(), fields=f"""<camunda:formField id="motivering" label="M"
            type="string"><camunda:properties>{marking}</camunda:properties></camunda:formField>""")

    content = definitions(f"""
    <bpmn:startEvent id="start" />
    {asking("forsta", '<camunda:property id="delas_med_remittent" value="ja" />')}
    {asking("andra", "")}
    <bpmn:endEvent id="end" />
    {flow("f1", "start", "forsta")}{flow("f2", "forsta", "andra")}{flow("f3", "andra", "end")}""").encode()
    result = assert_accepted(tmp_path, "tva.bpmn", content)
    assert [p.message for p in result.problems if p.severity == "warning" and "motivering" in p.message] == [
        "form field 'motivering' is shared with the referrer (delas_med_remittent) in one form and not in another; "
        "she sees it only when every form that asks it shares it"]
