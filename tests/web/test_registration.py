"""Registering a participant in an intervention its model declares: a förbund in Skellefteå draws
"Steget vidare", deploys it (not one of processes/), and its coordinator registers Sara through the
pages with the förbund's own municipalities. What registration asks is the start event's form;
birth year and gender come from the personnummer; the first task asks none of it again."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.views import SourceFile
from tests.web.browser import PASSWORD, Person
from tests.web.conftest import Api, engine_of, personnummer

SARA = personnummer("19910417", "242")  # the second last digit is even: a woman

STEGET_VIDARE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="steget_vidare_definitions" targetNamespace="http://x">
  <bpmn:process id="steget_vidare" name="Steget vidare" isExecutable="true">
    <bpmn:extensionElements>
      <camunda:properties><camunda:property name="deltagarresa" value="ja" /></camunda:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="remitterad" name="Remitterad">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="hemkommun" label="Hemkommun" type="enum">
            <camunda:value id="skelleftea" name="Skellefteå" />
            <camunda:value id="norsjo" name="Norsjö" />
            <camunda:value id="mala" name="Malå" />
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="remitterande_myndighet" label="Remitterande myndighet" type="enum">
            <camunda:value id="AF" name="Arbetsförmedlingen" />
            <camunda:value id="SOC" name="Socialtjänsten" />
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="fodelsear" label="Födelseår" type="long">
            <camunda:properties><camunda:property id="ur_personnummer" value="fodelsear" /></camunda:properties>
          </camunda:formField>
          <camunda:formField id="kon" label="Kön" type="enum">
            <camunda:properties><camunda:property id="ur_personnummer" value="kon" /></camunda:properties>
            <camunda:value id="kvinna" name="Kvinna" />
            <camunda:value id="man" name="Man" />
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="forsta_samtal" name="Första samtalet" camunda:candidateGroups="koordinator">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="samtal_datum" label="Datum för samtalet" type="date">
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="slut"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="remitterad" targetRef="forsta_samtal" />
    <bpmn:sequenceFlow id="f2" sourceRef="forsta_samtal" targetRef="slut" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def skelleftea(deployed: Api, app: Flask) -> Flask:
    """Steget vidare deployed beside the referral journey; Stina coordinates it."""
    answer = deployed.post("/processes", "designer", data=STEGET_VIDARE.encode(), content_type="application/xml",
                           json=None)
    assert answer.status_code == 201, answer.get_json()
    app.extensions["samverkan.accounts"].add_user("stina", ["koordinator"], ["steget_vidare"], password=PASSWORD,
                                                  display_name="Stina Strand")
    return app


def test_a_journey_deployed_from_its_model_is_registered_with_its_own_municipalities(skelleftea: Flask) -> None:
    stina = Person(skelleftea, "stina")

    # Only the intervention she may start cases in: straight to its form.
    chosen = stina.get("/register")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/register/steget_vidare")
    form = stina.get("/register/steget_vidare")
    assert "Registrera deltagare i Steget vidare" in stina.text()
    assert re.findall(r'<option value="(\w+)"[^>]*>(\w+)</option>', form.text)[:3] == [
        ("skelleftea", "Skellefteå"), ("norsjo", "Norsjö"), ("mala", "Malå")]
    assert "Lindesberg" not in form.text  # no list from code
    assert 'name="fodelsear"' not in form.text and 'name="kon"' not in form.text  # the personnummer answers them
    assert "Ur personnumret hämtas: Födelseår, Kön." in stina.text()

    # Sent blank: every missing answer is named at once, nothing is started.
    blank = stina.post("/register/steget_vidare", {})
    assert blank.status_code == 422
    for field in ("name", "personnummer", "hemkommun", "remitterande_myndighet"):
        assert f'id="r-{field}-error"' in blank.text, field
    assert '<a href="#r-hemkommun">Hemkommun: obligatoriskt fält</a>' in blank.text  # the summary names the field
    assert engine_of(skelleftea).cases() == []

    # A municipality not on the förbund's list is refused (a tampered form).
    elsewhere = stina.post("/register/steget_vidare", {"name": "Sara Sten", "personnummer": SARA,
                                                       "hemkommun": "Lindesberg", "remitterande_myndighet": "AF"})
    assert elsewhere.status_code == 422 and 'id="r-hemkommun-error"' in elsewhere.text
    assert engine_of(skelleftea).cases() == []

    started = stina.post("/register/steget_vidare", {"name": "Sara Sten", "personnummer": SARA,
                                                     "hemkommun": "norsjo", "remitterande_myndighet": "SOC"})
    assert started.status_code == 302
    [case] = engine_of(skelleftea).cases()
    assert case.participant["municipality"] == "Norsjö"
    assert {k: case.data[k] for k in ("hemkommun", "remitterande_myndighet", "fodelsear", "kon")} == {
        "hemkommun": "norsjo", "remitterande_myndighet": "SOC", "fodelsear": 1991, "kon": "kvinna"}

    # The case shows what registration recorded in words, and the first task asks none of it again.
    stina.get(started.headers["Location"])
    page = stina.text()
    assert "Vid registreringen" in page and "Norsjö" in page and "Socialtjänsten" in page
    [task] = engine_of(skelleftea).case(case.id).open_tasks
    first = stina.get(f"/tasks/{task.id}")
    assert re.findall(r'name="(\w+)"', first.text.split('class="stacked"', 1)[1].split("</form>", 1)[0]) == [
        "csrf_token", "samtal_datum"]


def test_the_api_starts_a_case_of_the_journey_held_to_the_same_form(skelleftea: Flask, api: Api) -> None:
    api.tokens["stina"] = skelleftea.extensions["samverkan.accounts"].create_token("stina")
    participant = {"name": "Sara Sten", "personnummer": SARA}

    missing = api.post("/cases", "stina", {"process": "steget_vidare", "participant": participant})
    assert missing.status_code == 422
    assert set(missing.get_json()["details"]["fields"]) == {"data.hemkommun", "data.remitterande_myndighet"}

    wrong = api.post("/cases", "stina", {"process": "steget_vidare", "participant": {**participant,
                                         "municipality": "Umeå"}, "data": {"remitterande_myndighet": "AF"}})
    assert wrong.status_code == 422 and set(wrong.get_json()["details"]["fields"]) == {"participant.municipality"}

    started = api.post("/cases", "stina", {"process": "steget_vidare", "participant": {
        **participant, "municipality": "mala"}, "data": {"remitterande_myndighet": "AF"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()
    assert case["participant"]["municipality"] == "Malå"
    assert case["data"]["hemkommun"] == "mala" and case["data"]["fodelsear"] == 1991


def test_a_process_that_is_not_a_participant_journey_is_not_offered(skelleftea: Flask) -> None:
    admin = Person(skelleftea, "admin")
    admin.get("/register")
    assert "Steget vidare" in admin.text() and "Svar på remiss" in admin.text()
    assert Person(skelleftea, "stina").get("/register/referral_reply").status_code == 403  # not her intervention
    urval = STEGET_VIDARE.replace('<camunda:property name="deltagarresa" value="ja" />', "").replace(
        "steget_vidare", "urvalsmote").replace("Steget vidare", "Urvalsmöte")
    engine_of(skelleftea).deploy([SourceFile("urvalsmote.bpmn", urval.encode())], "designer")
    assert admin.get("/register/urvalsmote").status_code == 404
    assert "Urvalsmöte" not in admin.get("/register").text
