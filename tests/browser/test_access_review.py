"""The access log's review in a real browser on the demo: the log reviewer lands on it, finds the
admin's read of a case in it, filters it and draws a spot check; every view, in Swedish and English,
with and without errors, is axe-core clean and keeps the Content-Security-Policy. Screenshots:
tests/artifacts/access_review_*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, Watch, new_context, screenshot, sign_in
from tests.browser.test_accessibility import Audit

REVIEWER = "lars.logggranskare"


def _read_a_case(page: Page, live_server: LiveServer) -> str:
    """The admin opens the newest case: an entry in the log. The participant's name."""
    sign_in(page, live_server, "admin")
    page.goto("/cases")
    link = page.locator("table tbody tr td a").filter(has_text=re.compile(r"\w")).first  # a participant's case
    name = link.inner_text().strip()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()
    return name


def test_the_log_reviewer_finds_a_read_and_draws_a_spot_check(page: Page, watch: Watch,
                                                              live_server: LiveServer) -> None:
    name = _read_a_case(page, live_server)
    sign_in(page, live_server, REVIEWER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logggranskning")
    page.get_by_label("Deltagare").fill(name)
    page.get_by_role("button", name="Visa").click()
    row = page.locator("#logg tbody tr").first
    expect(row).to_contain_text("Läste ärendet")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("Administratör")
    screenshot(page, "access_review_sv")
    page.get_by_role("link", name="Stickprov: granska ett urval av läsningar för en period").click()
    page.get_by_label("Från och med").fill("2025-12-01")
    page.get_by_label("Till och med").fill("2025-12-31")
    page.get_by_role("button", name="Dra stickprov").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Stickprov 2025-12-01–2025-12-31")
    assert watch.csp_violations(page) == [] and watch.page_errors == [] and watch.console_errors == []


@pytest.fixture
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's policy refuses; the test above keeps it.
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


def test_the_pages_in_swedish_and_english_are_axe_clean(audit_context: BrowserContext,
                                                       live_server: LiveServer) -> None:
    page = audit_context.new_page()
    _read_a_case(page, live_server)
    audit = Audit(page)
    sign_in(page, live_server, REVIEWER)
    page.goto("/logg")
    expect(page.locator("#logg")).to_be_visible()
    audit.check("sv log")
    page.goto("/logg?fran=igår")
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("sv log with errors")
    page.goto("/logg/stickprov?fran=2025-12-01&till=2025-12-31")
    audit.check("sv spot check")
    page.goto("/logg/stickprov?fran=2025-12-01")
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("sv spot check with errors")
    page.goto("/logg")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log review")
    audit.check("en log")
    page.set_viewport_size({"width": 390, "height": 844})
    audit.check("en log, narrow")
    screenshot(page, "access_review_en_narrow")
    assert audit.blocking() == ""
