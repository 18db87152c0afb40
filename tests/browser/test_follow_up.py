"""The follow-up page in a real browser on the demo: the steering group and a coordinator reach it
from the menu, choose a period, see the charts (SVG, drawn under the Content-Security-Policy with
no script) beside their tables, download the XLSX; every view in Swedish and English is axe-core
clean. Screenshots: tests/artifacts/follow_up_*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, Watch, new_context, screenshot, sign_in
from tests.browser.test_accessibility import Audit

STEERING, COORDINATOR = "stina.styrgrupp", "karin.koordinator"


def test_a_coordinator_chooses_a_period_and_downloads_the_report(page: Page, watch: Watch,
                                                                  live_server: LiveServer) -> None:
    sign_in(page, live_server, COORDINATOR)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uppföljning")
    page.get_by_label("Period", exact=True).select_option("ar")
    page.get_by_label("År", exact=True).fill("2026")
    page.get_by_role("button", name="Visa siffrorna").click()
    expect(page.locator("#tabell-deltagare")).to_be_visible()
    assert "period=ar" in page.url and "ar=2026" in page.url
    expect(page.locator("svg.chart[role=img]")).to_have_count(3)
    for chart in page.locator("svg.chart").all():
        assert (chart.get_attribute("aria-label") or "").strip()
    expect(page.get_by_text("Exakta tal", exact=True)).to_be_visible()
    screenshot(page, "follow_up_koordinator_sv")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hämta alla tabeller som Excel (XLSX)").click()
    assert download.value.suggested_filename == "uppfoljning_gemensamma_taget_2026-01-01_2026-12-31.xlsx"
    assert watch.csp_violations(page) == [] and watch.page_errors == [] and watch.console_errors == []


def test_the_steering_group_sees_the_rule_and_small_counts_hidden(page: Page, watch: Watch,
                                                                    live_server: LiveServer) -> None:
    sign_in(page, live_server, STEERING)
    page.goto("/uppfoljning")
    expect(page.get_by_label("Insats", exact=True)).to_have_value("alla")
    expect(page.locator("#fu-rule")).to_contain_text("visas som ”<5”")
    expect(page.get_by_text("Små tal dolda", exact=True)).to_be_visible()
    expect(page.locator("#tabell-kontaktpersoner")).to_contain_text("<5")
    expect(page.get_by_role("link", name="Visa exakta tal")).to_have_count(0)
    screenshot(page, "follow_up_styrgrupp_sv")
    page.get_by_label("Till", exact=True).fill("2026-01-01")
    page.get_by_label("Period", exact=True).select_option("egen")
    page.get_by_role("button", name="Visa siffrorna").click()
    expect(page.locator(".error-summary")).to_contain_text("Ange både från- och till-datum")
    assert watch.csp_violations(page) == [] and watch.page_errors == []


@pytest.fixture
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's policy refuses; the tests above keep it.
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


@pytest.mark.parametrize("username", [STEERING, COORDINATOR])
def test_the_page_in_swedish_and_english_is_axe_clean(audit_context: BrowserContext, live_server: LiveServer,
                                                       username: str) -> None:
    page = audit_context.new_page()
    audit = Audit(page)
    sign_in(page, live_server, username)
    who = "styrgrupp" if username == STEERING else "koordinator"
    page.goto("/uppfoljning?period=ar&ar=2026")
    audit.check(f"sv follow-up {who}")
    page.goto("/uppfoljning?period=egen&fran=2026-02-01&till=2026-01-01")
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check(f"sv follow-up {who} with errors")
    page.goto("/uppfoljning?period=ar&ar=2026")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up")
    expect(page.locator("#tabell-utfall caption")).to_have_text("Outcomes of participants who ended during the period")
    audit.check(f"en follow-up {who}")
    screenshot(page, f"follow_up_{who}_en")
    page.set_viewport_size({"width": 390, "height": 844})
    audit.check(f"en follow-up {who}, narrow")
    screenshot(page, f"follow_up_{who}_en_narrow")
    assert audit.blocking() == ""
