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
