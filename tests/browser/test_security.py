"""The Content-Security-Policy holds in a real browser: the case view, with bpmn-js drawing its
diagram, runs without a single policy violation or console error."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, Watch, screenshot, sign_in, wait_for_diagram


def test_the_case_view_keeps_within_the_content_security_policy(
        page: Page, watch: Watch, live_server: LiveServer) -> None:
    sign_in(page, live_server)
    page.goto("/cases")
    with page.expect_response(re.compile(r"/cases/[^/]+$")) as answer:
        page.locator("table tbody a[href^='/cases/']").first.click()
    policy = answer.value.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "object-src 'none'" in policy, policy
    wait_for_diagram(page)
    expect(page.locator(".case-diagram .djs-element.case-current").first).to_be_attached()
    screenshot(page, "csp_case_view")

    assert watch.csp_violations(page) == []
    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.failed_requests == []

    # The watch sees what the policy refuses: an inline script is blocked and reported.
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.__inlineRan = true";
      document.body.append(script);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inlineRan === undefined")
    refused = watch.csp_violations(page)
    assert len(refused) == 1 and refused[0]["directive"].startswith("script-src"), refused
