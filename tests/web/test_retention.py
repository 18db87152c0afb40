"""Retention (gallring): closed cases past their retention lose their personal data — by the dry
run's list, exactly — while open cases and cases inside their retention are untouched, the
follow-up's figures stay as they were, the access log goes only past its own five years, and every
purge is audited in its own transaction.

The scenario, in the referral journey (two years' retention): Anna's referral is assessed and
closed in January 2026 after a reminder; Bengt's is cancelled in February 2026; Dag's stays open;
Cecilia's is cancelled in June 2027. On 1 March 2028 Anna's and Bengt's are past their two years.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

import engine.persistence.retention as engine_retention
from engine.api import WorkflowEngine
from engine.scheduler import Ticker
from engine.settings import RetentionSettings
from engine.views import CaseFilter
from engine.views.followup import Filters, Period
from samverkan.cli import main
from samverkan.retention_settings import SettingsError, retention_from_env
from tests.web.conftest import engine_of, personnummer
from web.accounts.access_log import Search
from web.accounts.models import AccessLogRow, CaseNoteRow, NotificationReadRow, PurgeLogRow
from web.accounts.retention import Retention

SETTINGS = RetentionSettings({"referral_reply": 2})
PURGE_DAY = datetime(2028, 3, 1, 7, 0, tzinfo=UTC)


def _start(engine: WorkflowEngine, name: str, birth: str) -> str:
    number = personnummer(birth, "123").replace("-", "")
    case = engine.start_case("referral_reply", participant={"name": name, "personnummer": number},
                             participant_key=number, data={"hemkommun": "Nora", "remitterande_myndighet": "AF"},
                             actor="lena")
    return case.id


def _do(engine: WorkflowEngine, case_id: str, name: str, data: dict[str, Any]) -> None:
    task = next(t for t in engine.case(case_id).open_tasks if t.name == name)
    engine.complete_task(task.id, data, "lena")


@pytest.fixture
def scene(people: Flask) -> dict[str, Any]:
    app = people
    engine = engine_of(app)
    accounts, teamwork = app.extensions["samverkan.accounts"], app.extensions["samverkan.teamwork"]
    lena = accounts.user("lena")
    cases = {name: _start(engine, name, birth) for name, birth in
             (("Anna", "19900101"), ("Bengt", "19850505"), ("Dag", "19700707"))}
    for case_id in cases.values():
        _do(engine, case_id, "register_referral", {"remiss_inkom": engine.clock.now().date().isoformat()})
        teamwork.add_note(case_id, lena, "Berättar om sin sjukskrivning", engine.clock.now())
    engine.advance_clock(timedelta(days=12))  # the assessments' reminders
    reminder = next(n for n in engine.notifications(groups=["teamledare"]) if n.case_id == cases["Anna"])
    accounts.mark_notification_read("lena", reminder.id, engine.clock.now())
    _do(engine, cases["Anna"], "assess", {"beslut": "ja", "antal": 2})
    engine.advance_clock(timedelta(days=7))
    engine.cancel_case(cases["Bengt"], "flyttat", "lena")
    engine.advance_clock(to=datetime(2027, 6, 1, 7, 0, tzinfo=UTC))
    cases["Cecilia"] = _start(engine, "Cecilia", "19950303")
    teamwork.add_note(cases["Cecilia"], lena, "Har barn på förskola", engine.clock.now())
    engine.cancel_case(cases["Cecilia"], "avböjde", "lena")
    engine.advance_clock(to=PURGE_DAY)
    log = accounts.log_access
    log("lena", cases["Anna"], "case.read", datetime(2022, 5, 1, 8, 0, tzinfo=UTC), "10.0.0.1")  # past five years
    log("lena", cases["Anna"], "case.read", datetime(2026, 1, 20, 8, 0, tzinfo=UTC), "10.0.0.1")
    log("lena", cases["Dag"], "case.read", datetime(2026, 1, 21, 8, 0, tzinfo=UTC), "10.0.0.1")
    return {"app": app, "engine": engine, "cases": cases, "retention": Retention(engine, SETTINGS)}


def _count(engine: WorkflowEngine, row: Any, *where: Any) -> int:
    with engine.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(row).where(*where)) or 0)


def _everything_about(app: Flask, case_id: str) -> dict[str, Any]:
    engine = engine_of(app)
    return {"case": engine.case(case_id), "history": engine.history(case_id),
            "notes": app.extensions["samverkan.teamwork"].notes(case_id),
            "notifications": [n for n in engine.notifications(groups=["teamledare", "arbetscoach"])
                              if n.case_id == case_id]}


def _figures(engine: WorkflowEngine) -> Any:
    period = Period(date(2026, 1, 1), date(2028, 3, 1))
    return (engine.follow_up.rows(period, ["referral_reply"]),
            engine.follow_up.figures(period, Filters(process_keys=("referral_reply",))))


def test_the_dry_run_lists_exactly_what_the_purge_removes_and_nothing_else_is_touched(scene: dict[str, Any]) -> None:
    app, engine, cases, retention = scene["app"], scene["engine"], scene["cases"], scene["retention"]
    kept = {name: _everything_about(app, cases[name]) for name in ("Dag", "Cecilia")}
    assert kept["Dag"]["notifications"] and kept["Cecilia"]["notes"]
    figures = _figures(engine)
    anna_notifications = [n.id for n in _everything_about(app, cases["Anna"])["notifications"]]
    assert anna_notifications

    plan = retention.plan()
    assert set(plan.case_ids) == {cases["Anna"], cases["Bengt"]}
    assert plan.access_log_rows == 1 and plan.log_before == datetime(2023, 3, 1, 7, 0, tzinfo=UTC)
    assert retention.purges() == []  # the dry run changes nothing, and is not a purge

    from engine.persistence.models import CaseRow, DeliveryRow
    purged = CaseRow.id.in_([cases["Anna"], cases["Bengt"]])
    assert _count(engine, CaseRow, CaseRow.participant_sort_name.is_not(None), purged) == 2
    done = retention.purge("admin")
    assert done.case_ids == {"referral_reply": list(plan.case_ids)}
    assert (done.cases, done.access_log_rows, done.actor) == (2, 1, "admin")
    assert done.settings == {"by_process": {"referral_reply": 2}, "default": None, "access_log_years": 5}

    for name in ("Anna", "Bengt"):
        case = engine.case(cases[name])
        assert (case.participant, case.data, case.status) == ({}, {}, "completed" if name == "Anna" else "cancelled")
        assert case.process_key == "referral_reply" and case.updated_at == PURGE_DAY  # the tombstone
        assert engine.case_page(CaseFilter(name=name)).total == 0  # nor found by the name kept for searching
        history = engine.history(cases[name])
        assert history and all(e.details == {} for e in history)
        assert app.extensions["samverkan.teamwork"].notes(cases[name]) == []
        assert _everything_about(app, cases[name])["notifications"] == []
    assert _count(engine, NotificationReadRow, NotificationReadRow.notification_id.in_(anna_notifications)) == 0
    assert _count(engine, DeliveryRow, DeliveryRow.case_id.in_([cases["Anna"], cases["Bengt"]])) == 0
    assert _count(engine, CaseRow, CaseRow.state == b"") == 2
    assert _count(engine, CaseRow, CaseRow.participant_sort_name.is_(None), CaseRow.participant_sort_key.is_(None),
                  purged) == 2  # nor sorted by them
    assert {name: _everything_about(app, cases[name]) for name in ("Dag", "Cecilia")} == kept
    assert _figures(engine) == figures
    # The access log keeps its rows about purged cases until its own five years are over.
    entries, total = app.extensions["samverkan.accounts"].access_log.page(Search())
    assert total == 2 and {e.at.year for e in entries} == {2026}

    again = retention.purge("admin")
    assert (again.cases, again.access_log_rows, again.case_ids) == (0, 0, {})
    assert [p.id for p in retention.purges()] == [again.id, done.id]
    assert _count(engine, CaseNoteRow) == 2  # Dag's and Cecilia's


def test_the_audit_row_and_the_purge_are_one_transaction(scene: dict[str, Any],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app, engine, cases, retention = scene["app"], scene["engine"], scene["cases"], scene["retention"]
    before = _everything_about(app, cases["Anna"])
    real = engine_retention.erase

    def erase_then_fail(*args: Any) -> None:
        real(*args)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(engine_retention, "erase", erase_then_fail)
    with pytest.raises(RuntimeError):
        retention.purge("admin")
    assert _count(engine, PurgeLogRow) == 0
    assert _everything_about(app, cases["Anna"]) == before
    assert _count(engine, AccessLogRow) == 3

    monkeypatch.setattr(engine_retention, "erase", real)
    assert retention.purge("admin").cases == 2
    assert _count(engine, PurgeLogRow) == 1


def test_the_scheduler_purges_once_a_day_as_the_scheduler(scene: dict[str, Any]) -> None:
    engine, retention = scene["engine"], scene["retention"]
    ticker = Ticker(engine, None, daily=retention.daily)
    ticker()
    ticker()
    assert [(p.actor, p.cases) for p in retention.purges()] == [("scheduler", 2)]
    Ticker(engine, None, daily=retention.daily)()  # another worker, or the same one restarted, that day
    assert len(retention.purges()) == 1 and ticker.health.last_error is None
    engine.advance_clock(timedelta(days=1))
    ticker()
    assert [(p.actor, p.cases) for p in retention.purges()] == [("scheduler", 0), ("scheduler", 2)]


def test_nothing_is_due_without_a_retention_for_the_process_and_a_default_covers_the_rest(
        scene: dict[str, Any]) -> None:
    engine, cases = scene["engine"], scene["cases"]
    assert Retention(engine, RetentionSettings({"other": 1})).plan().cases == ()
    assert Retention(engine, RetentionSettings({"other": 1}, default=2)).plan().case_ids == (
        cases["Anna"], cases["Bengt"])
    assert Retention(engine, RetentionSettings({"other": 1}, default=1)).plan().case_ids == (
        cases["Anna"], cases["Bengt"])  # Cecilia's, closed in June 2027, has a year left until June 2028
    assert Retention(engine, RetentionSettings({"referral_reply": 3}, default=1)).plan().cases == ()


def test_the_settings_refuse_an_access_log_kept_less_than_five_years() -> None:
    with pytest.raises(ValueError, match="at least 5 years"):
        RetentionSettings({"referral_reply": 2}, access_log_years=4)
    assert retention_from_env({}) is None
    assert retention_from_env({"SAMVERKAN_GALLRING": "*=3, referral_reply=2"}) == RetentionSettings(
        {"referral_reply": 2}, 3, 5)
    with pytest.raises(SettingsError, match="at least 5 years"):
        retention_from_env({"SAMVERKAN_GALLRING": "*=3", "SAMVERKAN_GALLRING_LOGG": "4"})
    with pytest.raises(SettingsError, match="PROCESS=YEARS"):
        retention_from_env({"SAMVERKAN_GALLRING": "referral_reply: 2"})
    with pytest.raises(SettingsError, match="at least 1"):
        retention_from_env({"SAMVERKAN_GALLRING": "referral_reply=0"})


def test_the_command_line_dry_run_lists_and_the_purge_removes(scene: dict[str, Any], database_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    engine = scene["engine"]
    runner = CliRunner()
    monkeypatch.setenv("SAMVERKAN_GALLRING", "*=1")
    monkeypatch.setenv("SAMVERKAN_GALLRING_LOGG", "3")
    refused = runner.invoke(main, ["--database", database_url, "purge", "--dry-run"])
    assert refused.exit_code == 1 and "at least 5 years" in refused.output
    monkeypatch.delenv("SAMVERKAN_GALLRING_LOGG")
    # The command line runs on the system clock: what is due is what the dry run at that moment lists.
    expected = Retention(engine, RetentionSettings(default=1)).plan(datetime.now(UTC))
    dry = runner.invoke(main, ["--database", database_url, "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{len(expected.cases)} closed case(s) would be purged" in dry.output
    assert all(case_id in dry.output for case_id in expected.case_ids)
    assert _count(engine, PurgeLogRow) == 0
    done = runner.invoke(main, ["--database", database_url, "purge", "--actor", "admin"])
    assert done.exit_code == 0, done.output
    assert f"purged {len(expected.cases)} case(s)" in done.output
    assert [(p.actor, p.cases) for p in scene["retention"].purges()] == [("admin", len(expected.cases))]
    monkeypatch.delenv("SAMVERKAN_GALLRING")
    unset = runner.invoke(main, ["--database", database_url, "purge"])
    assert unset.exit_code == 1 and "SAMVERKAN_GALLRING is not set" in unset.output


def test_the_admins_page_shows_the_dry_run_purges_on_request_and_keeps_the_audit(scene: dict[str, Any]) -> None:
    from tests.web.browser import Person

    app, cases = scene["app"], scene["cases"]
    assert Person(app, "admin").get("/gallring").status_code == 200  # not configured: says so
    assert "SAMVERKAN_GALLRING" in Person(app, "admin").get("/gallring").text
    app.extensions["samverkan.retention"] = scene["retention"]
    for username in ("lena", "carl", "rita", "designer"):
        other = Person(app, username)
        assert other.get("/gallring").status_code == 403
        assert other.post("/gallring").status_code == 403
    assert scene["retention"].purges() == []

    admin = Person(app, "admin")
    page = admin.get("/gallring").text
    assert cases["Anna"] in page and cases["Bengt"] in page
    assert cases["Dag"] not in page and cases["Cecilia"] not in page and "Anna" not in page
    assert admin.post("/gallring", csrf=False).status_code == 400
    assert scene["retention"].purges() == []
    after = admin.follow(admin.post("/gallring"))
    assert "Gallrat: 2 ärenden och 1 rader i loggen." in after.text
    assert [(p.actor, p.cases) for p in scene["retention"].purges()] == [("admin", 2)]
    assert engine_of(app).case(cases["Anna"]).participant == {}
    # The tombstone's case page says the case was purged, with nothing about the person.
    tombstone = admin.get(f"/cases/{cases['Anna']}")
    assert tombstone.status_code == 410 and "Ärendet är gallrat" in tombstone.text and "Anna" not in tombstone.text


def test_a_drafts_sandbox_untouched_for_ninety_days_goes_with_the_purge(scene: dict[str, Any]) -> None:
    import os

    app = scene["app"]
    sandboxes = app.extensions["samverkan.sandboxes"]
    retention = Retention(scene["engine"], SETTINGS, sandboxes)
    for name, days_ago in (("draft-1", 91), ("draft-2", 89)):
        sandboxes.get(name, PURGE_DAY)
        stamp = (PURGE_DAY - timedelta(days=days_ago)).timestamp()
        for path in sandboxes.directory.glob(f"{name}.*"):
            os.utime(path, (stamp, stamp))
    assert retention.plan().sandboxes == ("draft-1",)
    done = retention.purge("admin")
    assert done.sandboxes == ["draft-1"] and retention.purges()[0].sandboxes == ["draft-1"]
    assert not sandboxes.exists("draft-1") and sandboxes.exists("draft-2")
    assert retention.purge("admin").sandboxes == []
