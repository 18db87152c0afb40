"""A case officer's day on the demo, in the browser: the inbox in people's language, a notification
read on its own, a phone-wide inbox that does not scroll sideways, a claim that keeps the focus on
its row, a paused case's task held, and axe-core clean in Swedish and English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LEADER, LiveServer, new_context, screenshot, sign_in
from tests.browser.test_accessibility import Audit

HANDLAGGARE = "hanna.handlaggare"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def audited(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's policy refuses (test_accessibility.py).
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


def test_a_handlaggare_works_the_inbox_on_the_demo(audited: BrowserContext, live_server: LiveServer) -> None:
    page = audited.new_page()
    audit = Audit(page)
    sign_in(page, live_server, HANDLAGGARE)

    # Her own work, by the intervention's name; everyone by their names, groups by their roles.
    page.goto("/inbox")
    rows = page.locator("table.tasks tbody tr")
    expect(rows.first).to_be_visible()
    table = page.locator("table.tasks").inner_text()
    assert "Gemensamma taget" in table and "gemensamma_taget" not in table
    assert "Hanna Wik" in table and HANDLAGGARE not in table
    page.goto("/inbox?tab=all")
    table = page.locator("table.tasks").inner_text()
    assert not re.search(r"\b[a-z]+\.[a-z]+\b", table), "a user name in the inbox"
    assert not re.search(r"\b(koordinator|handlaggare|rekryteringsgrupp|arbetsgivarkontakt)\b", table)
    audit.check("sv inbox all")

    # Give one back from "Mina uppgifter": the answer comes back to its row, focused, kept in place.
    page.goto("/inbox?tab=mine")
    row = rows.filter(has=page.get_by_role("button", name=re.compile("^Lämna tillbaka"))).first  # not one on hold
    task_row = row.get_attribute("id") or ""
    row.get_by_role("button", name=re.compile("^Lämna tillbaka")).click()
    page.wait_for_url(re.compile(rf"#{task_row}$"))
    expect(page.locator(f"#{task_row}")).to_be_focused()
    expect(page.locator(f"#{task_row}")).to_contain_text("Nu under Gruppens uppgifter.")
    # … and take it again from that row: the focus stays on it.
    page.locator(f"#{task_row}").get_by_role("button", name=re.compile("^Ta ")).click()
    page.wait_for_url(re.compile(rf"#{task_row}$"))
    expect(page.locator(f"#{task_row}")).to_be_focused()
    expect(page.locator(".flash-success")).to_contain_text("Du har tagit")
    screenshot(page, "inbox_day_claim_focus")

    # Pause the case of another of her tasks: its row says so and offers neither "Ta" nor "Lämna tillbaka".
    page.goto("/inbox?tab=mine")
    other = rows.nth(1)
    held_row = other.get_attribute("id") or ""
    other.locator("td.title a").click()
    page.locator(".case-context a[href^='/cases/']").first.click()
    page.locator("#pause-reason").fill("Deltagaren är sjukskriven")
    page.get_by_role("button", name="Pausa", exact=True).click()
    page.goto("/inbox?tab=mine")
    held = page.locator(f"#{held_row}")
    expect(held).to_contain_text("Ärendet vilar")
    expect(held).to_contain_text("Kan inte tas förrän ärendet återupptas.")
    expect(held.get_by_role("button")).to_have_count(0)
    audit.check("sv inbox with a paused case")

    # On a phone: stacked rows, nothing sideways.
    page.set_viewport_size(PHONE)
    page.goto("/inbox?tab=all")
    expect(rows.first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "inbox_day_phone_sv")
    audit.check("sv inbox on a phone")
    page.goto("/notifications")
    no_sideways_scroll(page)

    # In English too.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/inbox")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/inbox?tab=mine")
    expect(page.locator(f"#{held_row}")).to_contain_text("The case is resting")
    audit.check("en inbox with a paused case")
    page.set_viewport_size(PHONE)
    page.goto("/inbox?tab=all")
    no_sideways_scroll(page)
    screenshot(page, "inbox_day_phone_en")
    audit.check("en inbox on a phone")
    problems = audit.blocking()
    assert not problems, f"axe-core found serious or critical violations:\n{problems}"


def test_a_notification_is_read_when_opened_and_only_it(audited: BrowserContext, live_server: LiveServer) -> None:
    # The demo's handläggare have no notifications at its start; the team leader has many.
    page = audited.new_page()
    audit = Audit(page)
    sign_in(page, live_server, LEADER)
    page.goto("/notifications")
    new = page.locator("li.notification.is-new")
    before = new.count()
    assert before >= 2, "the demo gives the team leader new notifications"
    subjects = page.locator("li.notification a.notification-subject").all_inner_texts()
    assert all(" – " in s for s in subjects), "every notification names its participant"
    badge = page.locator(".site-header .badge")
    expect(badge).to_have_text(str(before))
    audit.check("sv notifications")

    first = new.first
    first_id = first.get_attribute("id") or ""
    first.locator("a.notification-subject").click()
    page.wait_for_url(re.compile(r"/(tasks|cases)/"))
    page.goto("/notifications")
    expect(new).to_have_count(before - 1)
    expect(page.locator(f"#{first_id}")).not_to_have_class(re.compile(r"\bis-new\b"))
    expect(badge).to_have_text(str(before - 1))
    screenshot(page, "inbox_day_notifications")

    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/notifications")
    audit.check("en notifications")
    page.get_by_role("button", name="Mark all as read").click()
    expect(new).to_have_count(0)
    expect(badge).to_have_count(0)
    page.get_by_role("button", name="Svenska").click()
    problems = audit.blocking()
    assert not problems, f"axe-core found serious or critical violations:\n{problems}"
