"""The records pages in a real browser — the log review with its filters, the spot check, a
participant's extract of the log, a purged case's page, retention (gallring) and the register
extract — walked by the demo's log reviewer and admin, in Swedish and English, each view axe-core
clean and within the Content-Security-Policy. Screenshots: tests/artifacts/records_*.png.

The server is the demo's users on a history of four years, so that retention has something to show:
Petra Gammal's referral closed in January 2022 and was purged in February 2024 (two years'
retention in Samverkansteamet), Olof Förr's first referral closed in June 2023 and is due now, and
his second referral and Greta Annan's are open. The access log holds the staff's reads of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.settings import RetentionSettings
from engine.views import SourceFile
from tests.browser.conftest import ROOT, LiveServer, new_context, screenshot, sign_in, watched
from tests.browser.test_accessibility import Audit
from tests.registrations import registered
from tests.web.conftest import personnummer
from web.demo import seed

REVIEWER = "lars.logggranskare"
START = datetime(2022, 1, 10, 7, 0, tzinfo=UTC)
#: The walk's Monday (the simulated clock; the log keeps wall-clock times of its own).
WALK_DAY = datetime(2026, 1, 12, 7, 0, tzinfo=UTC)
PEOPLE = {"petra": ("Petra Gammal", "19700101"), "olof": ("Olof Förr", "19710202"),
          "greta": ("Greta Annan", "19720303")}


def _number(key: str) -> str:
    return personnummer(PEOPLE[key][1], "321").replace("-", "")


def _start(engine: Any, key: str) -> str:
    name, _birth = PEOPLE[key]
    number = _number(key)
    return str(engine.start_case("samverkansteamet", participant={"name": name, "personnummer": number,
                                                                  "municipality": "Nora"},
                                 data=registered("samverkansteamet", hemkommun="Nora",
                                                 samtycke_datum=engine.clock.now().date().isoformat()),
                                 participant_key=number,
                                 actor="rebecka.remittent").id)


def _history(app: Any) -> dict[str, str]:
    """Four years of Samverkansteamet's cases and their access log; the case ids by name."""
    engine = app.extensions["samverkan.engine"]
    cases = {"petra": _start(engine, "petra")}
    engine.cancel_case(cases["petra"], "Flyttade", "tove.teamledare")
    engine.advance_clock(to=datetime(2023, 6, 1, 7, 0, tzinfo=UTC))
    cases["olof_first"] = _start(engine, "olof")
    engine.cancel_case(cases["olof_first"], "Avböjde", "tove.teamledare")
    engine.advance_clock(to=datetime(2024, 2, 1, 7, 0, tzinfo=UTC))
    assert app.extensions["samverkan.retention"].purge("admin").cases == 1  # Petra's
    engine.advance_clock(to=datetime(2025, 11, 3, 7, 0, tzinfo=UTC))
    cases["olof"] = _start(engine, "olof")
    cases["greta"] = _start(engine, "greta")
    engine.advance_clock(to=WALK_DAY)
    log = app.extensions["samverkan.accounts"].log_access
    log("tove.teamledare", cases["petra"], "case.read", datetime(2022, 1, 10, 8, 15, tzinfo=UTC), "10.20.0.11")
    log("arvid.arbetscoach", cases["olof_first"], "case.read", datetime(2023, 3, 14, 9, 2, tzinfo=UTC), "10.20.0.12")
    log("tove.teamledare", cases["olof_first"], "personnummer.shown", datetime(2023, 5, 30, 13, 40, tzinfo=UTC),
        "10.20.0.11")
    for n, day in enumerate(range(1, 29, 3)):  # December's ten reads (six of Olof's), for the spot check
        at = datetime(2025, 12, day, 8, 30, tzinfo=UTC) + timedelta(minutes=day * 7)
        log("elin.arbetsterapeut" if n % 2 else "arvid.arbetscoach", cases["olof" if n % 3 else "greta"],
            "case.read", at, "10.20.0.13")
    log("sam.sius", cases["olof"], "case.noted", datetime(2026, 1, 8, 14, 5, tzinfo=UTC), "10.20.0.14")
    log("tove.teamledare", cases["greta"], "case.read", datetime(2026, 1, 9, 7, 55, tzinfo=UTC), "10.20.0.11")
    return cases


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    from waitress import create_server

    from web import create_app

    database = tmp_path_factory.mktemp("records") / "db.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SIMULATED_CLOCK": True, "CLOCK_START": START,
                      "SECRET_KEY": "browser-tests", "GALLRING": RetentionSettings({"samverkansteamet": 2}),
                      "SANDBOX_DIR": tmp_path_factory.mktemp("records-sandbox")})
    engine = app.extensions["samverkan.engine"]
    processes = ROOT / "processes"
    engine.deploy([SourceFile(p.name, p.read_bytes()) for p in sorted(processes.iterdir())
                   if p.suffix in (".bpmn", ".dmn")], "system")
    cases = _history(app)
    passwords = seed(engine, app.extensions["samverkan.accounts"])  # the demo's users (the cases are ours)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="records-server", daemon=True)
    thread.start()
    yield LiveServer(f"http://localhost:{server.effective_port}", passwords, {}), cases
    server.close()
    thread.join(timeout=5)
    app.extensions["samverkan.sandboxes"].close()
    engine.db.dispose()


@pytest.fixture
def walk(browser: Browser, records: tuple[LiveServer, dict[str, str]]) -> Iterator[Page]:
    context = new_context(browser, records[0])
    yield context.new_page()
    context.close()


def _problems(page: Page, seen: Any) -> list[str]:
    # A page answered 410 (a purged case) is reported by Chromium as a failed load: not a fault.
    console = [e for e in seen.console_errors if "status of 410" not in e]
    return console + seen.page_errors + seen.failed_requests + [str(v) for v in seen.csp_violations(page)]


def test_the_log_reviewer_filters_the_log_draws_a_spot_check_and_takes_a_participants_extract(
        walk: Page, records: tuple[LiveServer, dict[str, str]]) -> None:
    server, cases = records
    page = walk
    seen = watched(page)
    sign_in(page, server, REVIEWER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logggranskning")
    page.get_by_label("Användare").select_option(label="Tove Lind")
    page.get_by_label("Från och med").fill("2023-01-01")
    page.get_by_role("button", name="Visa").click()
    rows = page.locator("#logg tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Greta Annan")
    expect(rows.nth(1)).to_contain_text("Visade hela personnumret")
    page.get_by_role("link", name="Rensa").click()
    page.get_by_label("Deltagare").fill("olof")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("#logg tbody tr")).to_have_count(9)
    expect(page.locator("#logg")).not_to_contain_text("Greta")
    screenshot(page, "records_log_review_sv")

    page.get_by_role("link", name=f"Loggutdrag för Olof Förr ({_number('olof')[:8]}-****)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Loggutdrag för en deltagare")
    extract = page.locator("#utdrag tbody tr")
    expect(extract).to_have_count(2 + 9)  # its own taking (a row per case), then the log
    expect(extract.first).to_contain_text("Tog fram ett loggutdrag")
    expect(extract.first).to_contain_text("Logggranskare")
    expect(extract.last).to_contain_text("Arvid Berg")
    expect(extract.last).to_contain_text("Arbetscoach")
    expect(page.locator("#utdrag")).not_to_contain_text("Greta")
    screenshot(page, "records_extract_sv")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("link", name="Hämta utdraget som CSV")).to_be_hidden()
    screenshot(page, "records_extract_print")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hämta utdraget som CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Tid;Användare;Roll;Insats;Ärendet startat;Åtgärd;Adress" and "Greta" not in text

    page.get_by_role("link", name="‹ Logggranskning").click()
    page.get_by_role("link", name="Stickprov: granska ett urval av läsningar för en period").click()
    page.get_by_label("Från och med").fill("2025-12-01")
    page.get_by_label("Till och med").fill("2025-12-31")
    page.get_by_role("button", name="Dra stickprov").click()
    expect(page.locator("#sp-count")).to_have_text("10 av periodens 10 läsningar, 0 granskade.")
    first = page.locator(".sample-item").first
    first.get_by_label("Anteckning").fill("Befogad: arbetsterapeutens eget ärende")
    first.get_by_role("button", name="Markera som granskad").click()
    expect(page.locator("#sp-count")).to_have_text("10 av periodens 10 läsningar, 1 granskade.")
    screenshot(page, "records_spot_check_sv")

    page.goto("/logg?fran=2022-01-01&till=2022-12-31")
    purged = page.locator("#logg tbody tr").first
    expect(purged).to_contain_text("Gallrat ärende")
    purged.get_by_role("link", name="Gallrat ärende").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ärendet är gallrat")
    expect(page.locator("#gallrat")).to_contain_text("2024-02-01")
    expect(page.locator("#gallrat")).not_to_contain_text("Petra")
    assert page.url.endswith(f"/cases/{cases['petra']}")
    screenshot(page, "records_purged_case_sv")
    assert _problems(page, seen) == []


def test_the_admin_sees_what_retention_would_purge_and_takes_a_register_extract(
        walk: Page, records: tuple[LiveServer, dict[str, str]]) -> None:
    server, cases = records
    page = walk
    seen = watched(page)
    sign_in(page, server, "admin")
    page.goto("/operations")
    page.get_by_role("link", name="Gallring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gallring")
    due = page.locator("#gallras tbody tr")
    expect(due).to_have_count(1)
    expect(due.first).to_contain_text(cases["olof_first"])
    expect(due.first).to_contain_text("2023-06-01")
    expect(page.locator("#gallringslogg tbody tr")).to_have_count(1)
    expect(page.locator("#gallringslogg")).to_contain_text("Administratör")
    screenshot(page, "records_retention_sv")

    page.goto("/registerutdrag")
    page.get_by_label("Personnummer").fill(_number("olof"))
    page.get_by_role("button", name="Ta fram utdrag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Registerutdrag för")
    expect(page.locator(".extract-case")).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text("Greta")
    screenshot(page, "records_register_extract_sv")
    assert _problems(page, seen) == []


@pytest.fixture
def audit_walk(browser: Browser, records: tuple[LiveServer, dict[str, str]]) -> Iterator[Page]:
    # axe is injected as an inline script, which the app's policy refuses; the walks above keep it.
    context = new_context(browser, records[0], bypass_csp=True)
    yield context.new_page()
    context.close()


def _log_reviewers_pages(page: Page, audit: Audit, lang: str, cases: dict[str, str]) -> None:
    page.goto("/logg?deltagare=olof&fran=2023-01-01")
    expect(page.locator("#logg")).to_be_visible()
    audit.check(f"{lang} log review, filtered")
    page.goto("/logg?fran=2026-13-01")
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check(f"{lang} log review with errors")
    page.goto("/logg/stickprov?fran=2025-12-01&till=2025-12-31")
    expect(page.locator(".sample-item").first).to_be_visible()
    audit.check(f"{lang} spot check")
    page.goto(f"/logg/utdrag?arende={cases['olof']}")
    expect(page.locator("#utdrag")).to_be_visible()
    audit.check(f"{lang} participant's extract")
    page.goto(f"/cases/{cases['petra']}")
    expect(page.locator("#gallrat")).to_be_visible()
    audit.check(f"{lang} purged case")


def _admins_pages(page: Page, audit: Audit, lang: str) -> None:
    page.goto("/gallring")
    expect(page.locator("#gallras")).to_be_visible()
    audit.check(f"{lang} retention")
    page.goto("/registerutdrag")
    audit.check(f"{lang} register extract")
    page.locator("#ru-personnummer").fill("1234")
    page.locator("form.filter-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check(f"{lang} register extract with errors")
    page.locator("#ru-personnummer").fill(_number("olof"))
    page.locator("form.filter-form button[type=submit]").click()
    expect(page.locator(".extract-case").first).to_be_visible()
    audit.check(f"{lang} register extract, printable")


def test_the_records_pages_are_axe_clean_in_swedish_and_english(
        audit_walk: Page, records: tuple[LiveServer, dict[str, str]]) -> None:
    server, cases = records
    page = audit_walk
    audit = Audit(page)
    sign_in(page, server, REVIEWER)
    _log_reviewers_pages(page, audit, "sv", cases)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The case has been purged")
    _log_reviewers_pages(page, audit, "en", cases)
    page.goto("/logg?deltagare=olof")
    screenshot(page, "records_log_review_en")
    page.goto(f"/logg/utdrag?arende={cases['olof']}")
    screenshot(page, "records_extract_en")
    page.set_viewport_size({"width": 390, "height": 844})
    audit.check("en participant's extract, narrow")
    screenshot(page, "records_extract_en_narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Svenska").click()
    page.get_by_role("button", name="Logga ut").click()

    sign_in(page, server, "admin")
    _admins_pages(page, audit, "sv")
    page.goto("/gallring")
    page.get_by_role("button", name="English").click()
    _admins_pages(page, audit, "en")
    page.goto("/gallring")
    screenshot(page, "records_retention_en")
    assert audit.blocking() == ""
