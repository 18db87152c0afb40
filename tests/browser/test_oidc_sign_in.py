"""Single sign-on in a real browser: on the sign-in page, "Logga in med Region Testlands inloggning",
the provider's own sign-in form (oidc-provider-mock on 127.0.0.1, tests/oidc_provider.py), and back
in Samverkan's inbox, signed in as the user the provider's claims describe. The sign-in page with
its two ways in, and the page refusing someone with no role, are axe-core clean. Screenshots:
tests/artifacts/oidc_*.png."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from engine.views import SourceFile
from tests.browser.conftest import ARTIFACTS, CLOCK_START, CSP_LISTENER, ROOT, Watch, new_context, screenshot
from tests.browser.test_accessibility import Audit
from tests.oidc_provider import LABEL, Provider

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.oidc.core.grants._legacy")


@dataclass
class SsoServer:
    url: str
    provider: Provider
    passwords: dict[str, str]


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoServer]:
    """The app with the journeys deployed, signing in through the provider as well as by password,
    on localhost (its session cookie is Secure) and a free port."""
    from waitress import create_server

    from web import create_app

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Provider() as provider:
        database = tmp_path_factory.mktemp("oidc") / "db.sqlite"
        app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SIMULATED_CLOCK": True,
                          "CLOCK_START": CLOCK_START, "SECRET_KEY": "browser-tests", "OIDC": provider.settings()})
        engine = app.extensions["samverkan.engine"]
        processes = Path(ROOT) / "processes"
        engine.deploy([SourceFile(p.name, p.read_bytes()) for p in sorted(processes.iterdir())
                       if p.suffix in (".bpmn", ".dmn")], "system")
        app.extensions["samverkan.accounts"].add_user("lokal.admin", ["admin"], [], "ett långt lösenord",
                                                      display_name="Lokal Admin")
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, name="oidc-browser-server", daemon=True)
        thread.start()
        yield SsoServer(f"http://localhost:{server.effective_port}", provider, {"lokal.admin": "ett långt lösenord"})
        server.close()
        thread.join(timeout=5)
        engine.db.dispose()


def _context(browser: Browser, server: SsoServer, **options: object) -> BrowserContext:
    context = new_context(browser, server, **options)  # type: ignore[arg-type]  # it reads .url only
    # The provider's page asks a CDN for its stylesheet: the tests reach nothing outside this machine.
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    return context


@pytest.fixture
def sso_page(browser: Browser, sso_server: SsoServer) -> Iterator[Page]:
    context = _context(browser, sso_server)
    context.add_init_script(CSP_LISTENER)
    yield context.new_page()
    context.close()


def test_a_coordinator_signs_in_through_the_organisations_sign_in_and_lands_in_her_inbox(
        sso_page: Page, sso_server: SsoServer) -> None:
    page = sso_page
    watch = Watch()
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    sso_server.provider.knows("a1b2c3-sara", name="Sara Samordnare", preferred_username="sara.samordnare",
                              email="sara.samordnare@region.example", roles=["koordinator", "okand-roll"],
                              interventions=["gemensamma_taget"])
    page.goto("/login")
    expect(page.get_by_label("Användarnamn")).to_be_visible()  # the password form is still there
    button = page.get_by_role("link", name=f"Logga in med {LABEL}")
    expect(button).to_be_visible()
    screenshot(page, "oidc_login")
    assert watch.csp_violations(page) == []

    button.click()
    page.wait_for_url(f"{sso_server.provider.issuer}/oauth2/authorize?**")
    page.get_by_placeholder("sub").fill("a1b2c3-sara")
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{sso_server.url}/inbox**")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("header")).to_contain_text("Sara Samordnare")
    screenshot(page, "oidc_inbox")
    assert watch.csp_violations(page) == [] and watch.page_errors == []

    # Signing out and in again: the same user, not a second one.
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("link", name=f"Logga in med {LABEL}").click()
    page.get_by_placeholder("sub").fill("a1b2c3-sara")
    page.get_by_role("button", name="Authorize").click()
    expect(page.locator("header")).to_contain_text("Sara Samordnare")


def test_the_sign_in_page_with_both_ways_in_is_axe_clean_and_the_password_still_works(
        browser: Browser, sso_server: SsoServer) -> None:
    # axe is injected as an inline script, which the app's policy refuses; the test above keeps it.
    context = _context(browser, sso_server, bypass_csp=True)
    page = context.new_page()
    audit = Audit(page)
    page.goto("/login")
    audit.check("sv sign-in with single sign-on")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name=f"Log in with {LABEL}")).to_be_visible()
    audit.check("en sign-in with single sign-on")
    page.get_by_role("button", name="Svenska").click()
    # Someone the provider knows but gives no role here: a page saying so, in Swedish, and the way back.
    sso_server.provider.knows("x9-utan-roll", name="Ulf Utan Roll", roles=["okand-roll"])
    page.get_by_role("link", name=f"Logga in med {LABEL}").click()
    page.get_by_placeholder("sub").fill("x9-utan-roll")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ingen roll i Samverkan")
    audit.check("sv refused, no role")
    screenshot(page, "oidc_refused")
    page.get_by_role("link", name="Till inloggningen").click()
    page.get_by_label("Användarnamn").fill("lokal.admin")
    page.get_by_label("Lösenord").fill(sso_server.passwords["lokal.admin"])
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page.locator("header")).to_contain_text("Lokal Admin")
    context.close()
    assert audit.blocking() == ""
