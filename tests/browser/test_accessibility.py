"""Every page, in Swedish and in English, checked by axe-core against WCAG 2.1 A and AA: no serious
or critical violations. All findings (of every impact) are written to tests/artifacts/axe.json."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, AXE, LEADER, LiveServer, new_context, screenshot, wait_for_diagram

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


class Audit:
    """axe-core run on one page after another; findings kept by page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.findings: dict[str, list[dict[str, Any]]] = {}

    def check(self, name: str) -> None:
        assert AXE.exists(), f"{AXE} is missing: run `npm ci`"
        self.page.add_script_tag(path=str(AXE))
        result: dict[str, Any] = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: tags, resultTypes: ['violations']})", WCAG_TAGS)
        assert result["passes"], f"axe-core checked nothing on {name}"
        violations = [{
            "id": v["id"], "impact": v["impact"], "help": v["help"], "helpUrl": v["helpUrl"],
            "nodes": [{"target": n["target"], "html": n["html"][:300], "summary": n.get("failureSummary", "")}
                      for n in v["nodes"]],
        } for v in result["violations"]]
        key = f"{name} ({self.page.url})"
        self.findings[key] = violations
        if any(v["impact"] in BLOCKING for v in violations):
            screenshot(self.page, f"axe_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}")

    def blocking(self) -> str:
        lines = []
        for page, violations in self.findings.items():
            for v in violations:
                if v["impact"] in BLOCKING:
                    lines.append(f"{page}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
                    lines.extend(f"    {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"])
        return "\n".join(lines)


@pytest.fixture
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's Content-Security-Policy (rightly) refuses;
    # test_security.py checks the policy with it in force.
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


def tour(page: Page, audit: Audit, lang: str, task: str) -> None:
    """The signed-in pages, each checked."""
    for tab in ("mine", "group", "all"):
        page.goto(f"/inbox?tab={tab}")
        filters = page.locator("details.filters")
        filters.locator("summary").click()
        expect(filters).to_have_attribute("open", "")
        audit.check(f"{lang} inbox {tab}, filters open")

    page.goto("/inbox?tab=group")
    page.locator(f'table.tasks a[href="/tasks/{task}"]').click()
    expect(page.locator("form[action$='/complete']")).to_be_visible()
    audit.check(f"{lang} task form")
    page.locator("form[action$='/complete'] button[type=submit]").click()
    expect(page.locator(".task-form .field-error").first).to_be_visible()
    audit.check(f"{lang} task form with errors")

    page.locator(".case-context a[href^='/cases/']").click()
    wait_for_diagram(page)
    audit.check(f"{lang} case view")

    page.goto("/cases")
    expect(page.locator("table tbody tr").first).to_be_visible()
    audit.check(f"{lang} cases")

    page.goto("/register")  # the team leader registers in her one intervention: its form at once
    audit.check(f"{lang} registration")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check(f"{lang} registration with errors")

    page.goto("/notifications")
    expect(page.locator("ul.notifications li").first).to_be_visible()
    audit.check(f"{lang} notifications")

    for path in ("/finns-inte", "/cases/finns-inte"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404
        audit.check(f"{lang} error page {path}")


def signed_out(page: Page, audit: Audit, lang: str) -> None:
    page.goto("/login")
    audit.check(f"{lang} sign-in")
    page.locator("#username").fill("ingen.alls")
    page.locator("#password").fill("fel lösenord")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible()
    audit.check(f"{lang} sign-in with an error")


def test_no_serious_accessibility_violations_on_any_page(
        audit_context: BrowserContext, live_server: LiveServer) -> None:
    page = audit_context.new_page()
    audit = Audit(page)

    signed_out(page, audit, "sv")
    page.locator("#username").fill(LEADER)
    page.locator("#password").fill(live_server.passwords[LEADER])
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(re.compile(r"/inbox"))
    tour(page, audit, "sv", live_server.tasks["axe"])

    # In English, chosen with the header's button (POST /language).
    page.goto("/inbox")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tour(page, audit, "en", live_server.tasks["axe"])
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    signed_out(page, audit, "en")
    screenshot(page, "accessibility")

    (ARTIFACTS / "axe.json").write_text(json.dumps(audit.findings, indent=2, ensure_ascii=False))
    assert len(audit.findings) == 2 * 14, list(audit.findings)
    problems = audit.blocking()
    assert not problems, f"axe-core found serious or critical WCAG 2.1 A/AA violations:\n{problems}"
