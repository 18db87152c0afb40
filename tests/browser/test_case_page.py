"""The case officer's day on the demo, in a real browser: finding a participant by the last four
digits of their personnummer, sorting and paging the case list, reading a finished task, printing
a case, zooming the process map — and axe-core finding nothing serious, in Swedish and English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LEADER, LiveServer, Watch, new_context, screenshot, sign_in, wait_for_diagram
from tests.browser.test_accessibility import Audit
from web.demo import FIRST_NAMES, LAST_NAMES, _personnummer

#: The demo's first participant (web/demo.py: case 0, Samverkansteamet, born 1975-01-01, serial 100).
DEMO_NAME = f"{FIRST_NAMES[0]} {LAST_NAMES[0]}"
DEMO_NUMBER = _personnummer(date(1975, 1, 1), 100)


def names(page: Page) -> list[str]:
    return page.locator("table tbody tr td:first-child a").all_inner_texts()


def test_the_demo_participant_is_found_by_the_last_four_digits(page: Page, live_server: LiveServer,
                                                               watch: Watch) -> None:
    sign_in(page, live_server)
    page.goto("/cases")
    page.get_by_label("Sök deltagare").fill(DEMO_NUMBER[-4:])
    page.get_by_role("button", name="Sök").click()
    expect(page).to_have_url(re.compile(rf"q={DEMO_NUMBER[-4:]}"))
    assert names(page) == [DEMO_NAME]
    expect(page.locator(".result-count")).to_contain_text("Visar 1–1 av 1")
    expect(page.locator("table tbody")).to_contain_text(f"{DEMO_NUMBER[:8]}-****")
    screenshot(page, "case_page_search")

    # The whole number finds the same; the page's own links do not carry it.
    page.get_by_label("Sök deltagare").fill(f"{DEMO_NUMBER[:8]}-{DEMO_NUMBER[8:]}")
    page.get_by_role("button", name="Sök").click()
    assert names(page) == [DEMO_NAME]
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if DEMO_NUMBER[-4:] in h], hrefs
    assert not watch.console_errors and not watch.page_errors


def test_the_case_list_sorts_by_a_column_and_pages(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "stina.styrgrupp")  # both interventions: more than a page of 20
    page.goto("/cases?per_page=20")
    count = page.locator(".result-count")
    expect(count).to_contain_text(re.compile(r"Visar 1–20 av \d+"))
    total = int(re.search(r"av (\d+)", count.inner_text()).group(1))  # type: ignore[union-attr]
    assert total > 20

    header = page.get_by_role("columnheader", name=re.compile("^Deltagare"))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    first_page = names(page)
    assert first_page == sorted(first_page, key=str.lower), first_page
    screenshot(page, "case_page_sorted")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert names(page) == sorted(names(page), key=str.lower, reverse=True)

    page.get_by_role("navigation", name="Sidor").get_by_role("link", name="Nästa").click()
    expect(count).to_contain_text(f"Visar 21–{total} av {total}")
    expect(header).to_have_attribute("aria-sort", "descending")  # the order is kept from page to page
    expect(page.get_by_role("navigation", name="Sidor")).to_contain_text("Sida 2 av 2")


def open_a_finished_task(page: Page) -> str:
    """From the demo participant's case, through its history, to a finished task; the case's address."""
    page.goto(f"/cases?q={DEMO_NUMBER[-4:]}")
    page.get_by_role("link", name=DEMO_NAME).click()
    case_url = page.url
    history = page.locator("section[aria-labelledby=history-title]")
    history.locator("a[href*='/tasks/']").last.click()
    return case_url


def test_a_finished_task_opens_read_only_from_the_history(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server)
    case_url = open_a_finished_task(page)
    expect(page).to_have_url(re.compile(r"/cases/[^/]+/tasks/[^/]+$"))
    expect(page.locator("h1 .status")).to_have_text("Slutförd")
    expect(page.locator(".finished-task .meta")).to_contain_text(re.compile(r"Slutförd \d{4}-\d\d-\d\d \d\d:\d\d av "))
    expect(page.locator(".finished-task dl dt").first).to_be_visible()
    expect(page.locator("main form, main input, main textarea, main select")).to_have_count(0)
    assert "None" not in page.locator("main").inner_text()
    screenshot(page, "case_page_finished_task")
    page.get_by_role("link", name="Tillbaka till ärendet").click()
    expect(page).to_have_url(case_url)


def test_the_printed_case_has_no_menus_forms_or_buttons(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server)
    page.goto(f"/cases?q={DEMO_NUMBER[-4:]}")
    page.get_by_role("link", name=DEMO_NAME).click()
    wait_for_diagram(page)
    page.emulate_media(media="print")
    for hidden in (".site-header", "main form", "main button", ".case-diagram", ".breadcrumb"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.locator(".print-meta")).to_be_visible()
    for title in ("Deltagare", "Historik", "Ärendets uppgifter", "Anteckningar"):
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    screenshot(page, "case_page_print")
    page.pdf(path=str(screenshot(page, "case_page_print").with_suffix(".pdf")))
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()


def test_the_diagram_zooms_with_buttons_and_opens_at_the_current_step(page: Page, live_server: LiveServer,
                                                                      watch: Watch) -> None:
    sign_in(page, live_server)
    page.goto(f"/cases?q={DEMO_NUMBER[-4:]}")
    page.get_by_role("link", name=DEMO_NAME).click()
    wait_for_diagram(page)
    controls = page.get_by_role("group", name="Processkartans förstoring")

    def zoom() -> float:
        return float(page.evaluate("""() => {
          const v = document.querySelector('.case-diagram .djs-container svg .viewport').transform.baseVal;
          return v.numberOfItems ? v.getItem(0).matrix.a : 1; }"""))

    start = zoom()
    if page.locator(".case-diagram").get_attribute("data-current") not in (None, "[]"):
        assert start >= 0.85, start  # readable: labels about as big as drawn
        frame = page.locator(".case-diagram").bounding_box()
        assert frame is not None
        # Where the case is now is in view (of what is current, an event waiting on an activity's
        # border may lie far off: the view goes to the steps).
        boxes = [e.bounding_box() for e in page.locator(".case-diagram .djs-element.case-current").all()]
        assert any(b is not None and frame["x"] <= b["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"]
                   for b in boxes), boxes
    screenshot(page, "case_page_diagram_current")

    controls.get_by_role("button", name="Zooma in").click()
    page.wait_for_function("z => { const v = document.querySelector('.case-diagram .viewport').transform.baseVal;"
                           " return v.getItem(0).matrix.a > z; }", arg=start)
    zoomed = zoom()
    # With the keyboard: Tab to "Zooma ut", Enter.
    controls.get_by_role("button", name="Zooma in").focus()
    page.keyboard.press("Tab")
    expect(controls.get_by_role("button", name="Zooma ut")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function("z => document.querySelector('.case-diagram .viewport').transform.baseVal"
                           ".getItem(0).matrix.a < z", arg=zoomed)
    controls.get_by_role("button", name="Visa hela processen").click()
    fitted = zoom()
    assert fitted < zoomed
    screenshot(page, "case_page_diagram_fit")
    controls.get_by_role("button", name="Visa där ärendet är nu").click()
    assert zoom() >= 0.85
    assert not watch.console_errors and not watch.page_errors


@pytest.fixture
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = new_context(browser, live_server, bypass_csp=True)  # axe is injected inline
    yield context
    context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_new_pages_are_clean_for_axe(audit_context: BrowserContext, live_server: LiveServer, lang: str) -> None:
    page = audit_context.new_page()
    sign_in(page, live_server, LEADER)
    if lang == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    audit = Audit(page)
    page.goto(f"/cases?q={DEMO_NUMBER[-4:]}")
    audit.check(f"{lang} case search")
    page.goto("/cases?sort=name&order=asc&per_page=20")
    audit.check(f"{lang} case list sorted, paged")
    page.goto("/cases?q=12345")
    audit.check(f"{lang} case search not understood")
    page.goto(f"/cases?q={DEMO_NUMBER[-4:]}")
    page.locator("table tbody a").first.click()
    wait_for_diagram(page)
    audit.check(f"{lang} case page")
    screenshot(page, f"case_page_{lang}")
    page.locator("section[aria-labelledby=history-title] a[href*='/tasks/']").last.click()
    page.wait_for_url(re.compile(r"/tasks/"))  # the finished task's page, loaded, before axe is put into it
    audit.check(f"{lang} finished task")
    screenshot(page, f"case_page_finished_task_{lang}")
    assert not audit.blocking(), audit.blocking()
