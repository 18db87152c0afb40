"""Administration in a real browser on the demo, as the demo's administrator (`admin`): the user
list, a new user with a role and an intervention, the one-time link with which she chooses her
password and signs in, an edit (a role, and a role in one intervention only), deactivation and
reactivation, and the role catalogue with a role added. Every view, in Swedish and English, with and
without errors, is axe-core clean and keeps the Content-Security-Policy. Screenshots:
tests/artifacts/user_admin_*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, Watch, new_context, screenshot, sign_in
from tests.browser.test_accessibility import Audit

NEW_PASSWORD = "ett nytt långt lösenord"


def _create(page: Page, username: str, name: str) -> str:
    """The administrator creates a job coach of Samverkansteamet: the link the page shows."""
    page.get_by_role("link", name="Ny användare").click()
    page.locator("#u-username").fill(username)
    page.locator("#u-display_name").fill(name)
    page.locator("#u-email").fill(f"{username}@example.se")
    page.get_by_label("Arbetscoach").check()
    page.get_by_label("Samverkansteamet").check()
    page.get_by_role("button", name="Skapa användare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Länk för nytt lösenord")
    return page.locator("#reset-link").input_value()


def test_the_administrator_creates_a_user_who_sets_her_password_and_is_then_deactivated(
        page: Page, watch: Watch, browser: Browser, live_server: LiveServer) -> None:
    sign_in(page, live_server, "admin")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Användare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Användare")
    expect(page.locator("#users")).to_contain_text("Tove")
    screenshot(page, "user_admin_list")
    link = _create(page, "maja.arbetscoach", "Maja Månsson")
    screenshot(page, "user_admin_link")

    newcomer = new_context(browser, live_server)
    mine = newcomer.new_page()
    mine.goto(link)
    mine.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    mine.get_by_label("Samma lösenord igen").fill(NEW_PASSWORD)
    mine.get_by_role("button", name="Spara lösenordet").click()
    expect(mine.get_by_text("Ditt lösenord är sparat. Logga in med det.")).to_be_visible()
    mine.get_by_label("Användarnamn").fill("maja.arbetscoach")
    mine.get_by_label("Lösenord").fill(NEW_PASSWORD)
    mine.get_by_role("button", name="Logga in").click()
    expect(mine.get_by_role("link", name="Inkorg")).to_be_visible()
    mine.goto(link)  # once only
    expect(mine.get_by_text("Länken fungerar inte")).to_be_visible()

    page.get_by_role("link", name="Tillbaka till Maja Månsson").click()
    page.locator("#u-roles").get_by_label("Teamledare").check()
    # And coordinator in Samverkansteamet only: a role held in that intervention alone.
    page.get_by_role("group", name="Roller bara i Samverkansteamet").get_by_label("Koordinator").check()
    page.get_by_role("button", name="Spara ändringar").click()
    expect(page.get_by_text("Ändringarna är sparade.")).to_be_visible()
    expect(page.locator("#u-roles").get_by_label("Teamledare")).to_be_checked()
    expect(page.get_by_role("group", name="Roller bara i Samverkansteamet").get_by_label("Koordinator")).to_be_checked()
    screenshot(page, "user_admin_intervention_roles")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Användare").click()
    expect(page.locator("#users")).to_contain_text("Teamledare, Arbetscoach, Koordinator (Samverkansteamet)")
    page.get_by_role("link", name="Maja Månsson").click()
    page.get_by_role("button", name="Inaktivera kontot").click()
    expect(page.get_by_text("Kontot är inaktiverat.", exact=True)).to_be_visible()
    screenshot(page, "user_admin_deactivated")
    mine.goto("/inbox")
    expect(mine.get_by_role("heading", level=1)).to_have_text("Logga in")  # signed out at once
    page.get_by_role("button", name="Aktivera kontot igen").click()
    expect(page.get_by_text("Kontot är aktivt igen.")).to_be_visible()
    newcomer.close()

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Roller").click()
    expect(page.locator("#roles")).to_contain_text("Processernas kandidatgrupp")
    page.get_by_label("Rollnamn i processerna").fill("jobbspecialist")
    page.get_by_label("Namn som folk säger det").fill("Jobbspecialist")
    page.get_by_role("button", name="Lägg till rollen").click()
    expect(page.locator("#roles")).to_contain_text("Jobbspecialist")
    screenshot(page, "user_admin_roles")
    assert watch.csp_violations(page) == [] and watch.page_errors == [] and watch.console_errors == []


@pytest.fixture
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # axe is injected as an inline script, which the app's policy refuses; the test above keeps it.
    context = new_context(browser, live_server, bypass_csp=True)
    yield context
    context.close()


def test_the_administration_in_swedish_and_english_is_axe_clean(audit_context: BrowserContext,
                                                               live_server: LiveServer) -> None:
    page = audit_context.new_page()
    audit = Audit(page)
    sign_in(page, live_server, "admin")
    page.goto("/admin/users")
    audit.check("sv users")
    link = _create(page, "axel.arbetscoach", "Axel Axelsson")
    audit.check("sv reset link")
    page.goto("/admin/users/new")
    page.get_by_role("button", name="Skapa användare").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("sv new user with errors")
    page.goto("/admin/users/axel.arbetscoach")
    audit.check("sv user")
    page.goto("/admin/roles")
    page.get_by_role("button", name="Lägg till rollen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit.check("sv roles with errors")
    page.goto("/admin/roles")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles")
    audit.check("en roles")
    page.goto("/admin/users/axel.arbetscoach")
    audit.check("en user")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/users")
    audit.check("en users, narrow")
    screenshot(page, "user_admin_en_narrow")
    page.get_by_role("button", name="Log out").click()
    page.goto(link)
    audit.check("en choose a password")
    assert audit.blocking() == ""
