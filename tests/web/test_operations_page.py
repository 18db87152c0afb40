"""The administrators' operations page: the scheduler's health, timers waiting to fire, and a mail
that failed — sent again, or thrown away — with everyone else kept out."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from engine.notifications.delivery import DeliveryWorker
from engine.scheduler import Ticker
from engine.settings import DeliverySettings
from tests.mailbox import Mailbox
from tests.web.browser import Person
from tests.web.conftest import PASSWORD, Api
from tests.web.test_pages import open_task, register


def test_only_administrators_see_the_operations_page(deployed: Api, app: Flask) -> None:
    assert Person(app).get("/operations").status_code == 302
    assert Person(app, "lena").get("/operations").status_code == 403
    admin = Person(app, "admin")
    assert admin.get("/operations").status_code == 200
    assert "Schemaläggaren" in admin.text() and "Ingen körning registrerad" in admin.text()


def test_a_refused_mail_shows_as_failed_and_the_admin_sends_it_again_or_discards_it(
        deployed: Api, app: Flask, mailbox: Mailbox) -> None:
    engine = app.extensions["samverkan.engine"]
    app.extensions["samverkan.accounts"].add_user("stina", ["styrgrupp"], ["referral_reply"], PASSWORD,
                                                  email="stina@samverkan.test")
    from web.accounts.directory import AccountsDirectory

    worker = DeliveryWorker(engine.db, engine.clock, AccountsDirectory(engine.db), mailbox.mailer(),
                            DeliverySettings(base_url="https://samverkan.test", digest_hour=None), owner="w1")
    lena = Person(app, "lena")
    case_id = register(lena)
    lena.post(f"/tasks/{open_task(lena, case_id)}/complete", {"remiss_inkom": "2026-01-12"})

    admin = Person(app, "admin")
    engine.clock.advance(timedelta(days=15))  # the reply is overdue; nobody has ticked yet
    admin.get("/operations")
    assert "Svarstiden passerad" in admin.text()

    mailbox.refuse("stina@samverkan.test")
    Ticker(engine, worker)()
    admin.get("/operations")
    assert "w1" in admin.text() and "RCPT TO refused: 550" in admin.text()
    [failed] = engine.operations.overview().failed_deliveries
    assert failed.address == "stina@samverkan.test"

    admin.follow(admin.post(f"/operations/deliveries/{failed.id}/retry"))
    assert "Utskicket skickas om vid nästa körning." in admin.flashes()
    assert engine.operations.delivery(failed.id).status == "pending"
    admin.follow(admin.post(f"/operations/deliveries/{failed.id}/discard"))
    assert "Utskicket är slängt. Notisen finns kvar i appen." in admin.flashes()
    assert engine.operations.delivery(failed.id).status == "discarded"
    admin.follow(admin.post(f"/operations/deliveries/{failed.id}/discard"))
    assert "Utskicket kan inte slängas i sitt nuvarande läge." in admin.flashes()
    assert Person(app, "lena").post(f"/operations/deliveries/{failed.id}/retry").status_code == 403


def test_the_operations_page_says_when_a_process_opens_its_next_case_itself(deployed: Api, app: Flask) -> None:
    from engine.views import SourceFile
    from tests.bpmn import BPMN_DIR

    engine = app.extensions["samverkan.engine"]
    engine.deploy([SourceFile("urval_rhythm.bpmn", (BPMN_DIR / "urval_rhythm.bpmn").read_bytes())], "designer")
    (automatic,) = engine.automatic_starts()

    admin = Person(app, "admin")
    admin.get("/operations")

    assert "Processer som öppnar sina ärenden själva" in admin.text()
    assert "Urvalsmöte var sjätte vecka" in admin.text() and "R/P6W" in admin.text()
    local = automatic.next_due_at.astimezone(ZoneInfo("Europe/Stockholm"))  # type: ignore[union-attr]
    assert f"Öppnar nästa ärende {local:%Y-%m-%d %H:%M}" in admin.text()
