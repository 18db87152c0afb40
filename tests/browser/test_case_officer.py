"""A team leader at work in a real browser: the inbox, a task's form, the case with its diagram —
once with the mouse, once with the keyboard alone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LEADER, LiveServer, screenshot, sign_in, wait_for_diagram

TASK_LINK = re.compile(r"/tasks/[^/?#]+$")
CASE_URL = re.compile(r"/cases/[^/?#]+$")


def test_a_team_leader_completes_a_task_and_sees_where_the_case_is_now(
        page: Page, context: BrowserContext, live_server: LiveServer) -> None:
    sign_in(page, live_server)

    # Signed in over plain HTTP: the Secure session cookie is kept on localhost.
    expect(page).to_have_url(re.compile(r"/inbox$"))
    cookie = next(c for c in context.cookies() if c["name"] == "samverkan_session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkorg")

    tabs = page.get_by_role("navigation", name="Flikar").get_by_role("link")
    expect(tabs).to_have_count(3)
    for count in tabs.locator(".count").all():
        expect(count).to_be_visible()
    counts = {name: int(tabs.filter(has_text=name).locator(".count").inner_text())
              for name in ("Mina uppgifter", "Gruppens uppgifter", "Alla i mina insatser")}
    assert counts["Gruppens uppgifter"] > 0 and counts["Alla i mina insatser"] >= counts["Gruppens uppgifter"], counts

    tabs.filter(has_text="Gruppens uppgifter").click()
    expect(page).to_have_url(re.compile(r"tab=group"))
    rows = page.locator("table.tasks tbody tr")
    expect(rows).to_have_count(counts["Gruppens uppgifter"])
    screenshot(page, "inbox")

    task = live_server.tasks["mouse"]
    page.locator(f'table.tasks a[href="/tasks/{task}"]').click()
    expect(page).to_have_url(TASK_LINK)
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera inkommen remiss")
    page.get_by_label("Datum då remissen kom till Samverkansteamet").fill("2026-01-12")
    page.locator("#field-remiss_anteckning").fill("Remissen kom med posten.")
    page.get_by_role("button", name="Slutför uppgiften").click()

    expect(page).to_have_url(CASE_URL)
    expect(page.locator(".flash-success")).to_have_text("Klart: Registrera inkommen remiss.")
    wait_for_diagram(page)
    diagram = page.locator(".case-diagram")
    current = json.loads(diagram.get_attribute("data-current") or "[]")
    assert current, "the case has moved on to a next step"
    for element in current:
        expect(page.locator(f'.case-diagram .djs-element.case-current[data-element-id="{element}"]')).to_have_count(1)
    expect(page.locator(".case-diagram .case-diagram__badge--current").first).to_have_text("Här")
    expect(page.locator(".case-diagram .djs-element.case-done").first).to_be_attached()
    screenshot(page, "case_view")


# --- the keyboard alone ------------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e ? e.tagName.toLowerCase() : "", id: (e && e.id) || "",
          text: e ? (e.innerText || "").replace(/\\s+/g, " ").trim() : "",
          value: e && "value" in e ? String(e.value) : "", href: (e && e.getAttribute("href")) || ""};
}"""


def focused(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(FOCUSED)
    return found


def tab_until(page: Page, wanted: Callable[[dict[str, Any]], bool], what: str, *, backwards: bool = False,
              limit: int = 120) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element is the one wanted."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if wanted(now):
            return now
        path.append(f"{now['tag']}#{now['id']} {now['text'][:30]!r}")
    raise AssertionError(f"{what} never took focus; the tab stops were: {path}")


def skip_to_main(page: Page) -> None:
    """The first tab stop is the skip link, and it moves focus to the main content."""
    first = tab_until(page, lambda f: True, "anything", limit=1)
    assert first["tag"] == "a" and first["text"] == "Hoppa till innehållet" and first["href"] == "#main", first
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"


def test_a_task_can_be_completed_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    page.goto("/login")
    # autofocus lands once the page has loaded; expect() waits for it rather than racing it.
    expect(page.locator("#username"), "the sign-in form starts in the user name").to_be_focused()
    page.keyboard.type(LEADER)
    tab_until(page, lambda f: f["id"] == "password", "the password field", limit=1)
    page.keyboard.type(live_server.passwords[LEADER])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/inbox$"))

    skip_to_main(page)
    tab_until(page, lambda f: f["tag"] == "a" and f["text"].startswith("Gruppens uppgifter"), "the group tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"tab=group"))

    skip_to_main(page)
    task = "/tasks/" + live_server.tasks["keyboard"]
    found = tab_until(page, lambda f: f["href"] == task, "the task's link")
    assert found["text"] == "Bedöma remissen på teammöte", found
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{task}")

    skip_to_main(page)
    tab_until(page, lambda f: f["id"] == "field-teammote_datum", "the date field")
    # Headless Chromium shows dates as mm/dd/yyyy whatever the locale; typing moves from part to part.
    page.keyboard.type("01122026")
    typed = page.locator("#field-teammote_datum").input_value()
    assert typed == "2026-01-12", f"typed 01122026 (mm/dd/yyyy) into the date field and got {typed!r}"
    tab_until(page, lambda f: f["id"] == "field-beslut", "the decision", limit=4)
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == "antagen"
    tab_until(page, lambda f: f["id"] == "field-beslut_kommentar", "the comment", limit=1)
    page.keyboard.type("Antagen på teammötet.")
    tab_until(page, lambda f: f["text"] == "Slutför uppgiften", "the submit button")
    # Back and forth: what was typed is still there.
    tab_until(page, lambda f: f["id"] == "field-beslut_kommentar", "the comment", backwards=True, limit=1)
    assert focused(page)["value"] == "Antagen på teammötet."
    tab_until(page, lambda f: f["text"] == "Slutför uppgiften", "the submit button", limit=1)
    page.keyboard.press("Enter")

    page.wait_for_url(CASE_URL)
    expect(page.locator(".flash-success")).to_have_text("Klart: Bedöma remissen på teammöte.")
    # The case's data under the step that recorded it, the option by its label.
    recorded = page.locator(".data-group").filter(has=page.get_by_role("heading", name="Bedöma remissen på teammöte"))
    expect(recorded.locator("dl.data")).to_contain_text("Teamets beslutAntagen")
    wait_for_diagram(page)
    screenshot(page, "keyboard_only")
