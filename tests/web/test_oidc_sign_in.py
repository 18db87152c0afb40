"""Single sign-on through the organisation's OpenID Connect provider, beside the password form.

A real provider (tests/oidc_provider.py: oidc-provider-mock, built on Authlib) runs on 127.0.0.1 in a
thread; the person's browser is Flask's test client, and what the browser does at the provider
(sign in as someone, or cancel) is done with plain HTTP requests, following each redirect by hand.
The provider is told who a person is, and which roles and interventions its claims give them,
before they sign in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from werkzeug.test import TestResponse

from samverkan.oidc_settings import SettingsError, oidc_from_env
from tests.oidc_provider import CLIENT_ID, LABEL, Provider
from tests.web.browser import Person
from web import create_app
from web.accounts.oidc import REFUSED, SIGNED_IN, OidcSettings

#: The provider's own use of Authlib warns of Authlib's coming changes; not ours to heed.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.oidc.core.grants._legacy")


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with Provider() as running:
        yield running


@pytest.fixture(scope="module")
def expiring_provider() -> Iterator[Provider]:
    """A provider whose ID tokens expired ten minutes before they were issued."""
    with Provider(access_token_max_age=timedelta(minutes=-10)) as running:
        yield running


def app_for(database_url: str, start: datetime, tmp_path: Path, settings: OidcSettings | None) -> Flask:
    return create_app({"DATABASE_URL": database_url, "SIMULATED_CLOCK": True, "CLOCK_START": start,
                       "SECRET_KEY": "test", "TESTING": True, "SANDBOX_DIR": tmp_path / "sandbox",
                       "OIDC": settings})


@pytest.fixture
def app(database_url: str, start_of_journey: datetime, tmp_path: Path, provider: Provider) -> Iterator[Flask]:
    """The web app of tests/web/conftest.py, signing in through the provider too."""
    app = app_for(database_url, start_of_journey, tmp_path, provider.settings())
    yield app
    app.extensions["samverkan.sandboxes"].close()
    app.extensions["samverkan.engine"].db.dispose()


def leave_for_the_provider(person: Person, next_page: str = "/inbox") -> str:
    """Click "Logga in med …": the provider's authorization address the app sends the browser to."""
    answer = person.client.get(f"/login/oidc?next={next_page}")
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def at_the_provider(authorization_url: str, sub: str | None) -> str:
    """At the provider, sign in as ``sub`` (None: cancel): where the provider sends the browser back to."""
    form = {"sub": sub} if sub is not None else {"action": "deny"}
    answer = requests.post(authorization_url, data=form, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def back_at_the_app(person: Person, callback_url: str) -> TestResponse:
    parts = urlsplit(callback_url)
    assert parts.path == "/login/oidc/callback"
    return person.get(f"{parts.path}?{parts.query}")


def sign_in_through(person: Person, sub: str, next_page: str = "/inbox") -> TestResponse:
    return back_at_the_app(person, at_the_provider(leave_for_the_provider(person, next_page), sub))


def audit(app: Flask, action: str) -> list[tuple[str, str, dict[str, object]]]:
    """The audit log's rows of ``action``, oldest first: (who, about whom, details)."""
    entries = app.extensions["samverkan.teamwork"].audit_log()
    return [(e.username, e.subject, e.details) for e in reversed(entries) if e.action == action]


def usernames(app: Flask) -> list[str]:
    return [a.username for a in app.extensions["samverkan.accounts"].accounts()]


def signed_in_as(person: Person) -> str | None:
    """Whose inbox the person reaches (None: sent to sign in)."""
    answer = person.get("/inbox")
    if answer.status_code == 302:
        return None
    assert answer.status_code == 200
    return person.text()


def test_the_first_sign_in_creates_the_bound_user_with_the_roles_and_interventions_of_the_claims(
        people: Flask, provider: Provider) -> None:
    provider.knows("sub-anna-1", name="Anna Andersson", preferred_username="anna.andersson",
                   email="anna.andersson@region.example", roles=["arbetscoach"], interventions=["referral_reply"])
    anna = Person(people)
    login = anna.get("/login")
    assert f"Logga in med {LABEL}" in anna.text()
    assert 'name="password"' in login.text  # the password form is still there

    authorization = leave_for_the_provider(anna, "/cases")
    asked = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(f"{provider.issuer}/oauth2/authorize?")
    assert asked["client_id"] == [CLIENT_ID] and asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0] and "openid" in asked["scope"][0].split()

    landed = back_at_the_app(anna, at_the_provider(authorization, "sub-anna-1"))
    assert landed.status_code == 302 and landed.headers["Location"] == "/cases"
    assert "Anna Andersson" in (signed_in_as(anna) or "")
    account = people.extensions["samverkan.accounts"].account("anna.andersson")
    assert (account.display_name, account.email) == ("Anna Andersson", "anna.andersson@region.example")
    assert (account.roles, account.teams, account.active) == (("arbetscoach",), ("referral_reply",), True)
    assert people.extensions["samverkan.accounts"].oidc.bound_to("anna.andersson") == [
        (provider.issuer, "sub-anna-1")]
    (who, about, details), = audit(people, SIGNED_IN)
    assert (who, about, details["created"], details["subject"]) == (
        "anna.andersson", "anna.andersson", True, "sub-anna-1")
    # She has no password: the sign-in form does not let anyone in as her.
    assert Person(people).sign_in("anna.andersson", "").status_code == 401
    # Her page tells the administrator where her roles come from; a local user's does not.
    admin = Person(people, "admin")
    admin.get("/admin/users/anna.andersson")
    assert "Loggar in med organisationens inloggning" in admin.text()
    admin.get("/admin/users/lena")
    assert "Loggar in med organisationens inloggning" not in admin.text()


def test_every_sign_in_takes_the_roles_and_interventions_from_the_claims_anew(people: Flask,
                                                                             provider: Provider) -> None:
    provider.knows("sub-bo-2", name="Bo Berg", preferred_username="bo.berg", roles=["arbetscoach"],
                   interventions=["referral_reply"])
    assert sign_in_through(Person(people), "sub-bo-2").status_code == 302
    provider.knows("sub-bo-2", name="Bo Berg-Lind", preferred_username="bo.berg", roles="teamledare koordinator",
                   interventions=["referral_reply", "gemensamma_taget"])

    bo = Person(people)
    assert sign_in_through(bo, "sub-bo-2").status_code == 302
    account = people.extensions["samverkan.accounts"].account("bo.berg")
    assert (account.display_name, account.roles) == ("Bo Berg-Lind", ("teamledare", "koordinator"))
    assert account.teams == ("referral_reply", "gemensamma_taget")
    assert usernames(people).count("bo.berg") == 1 and not any(n.startswith("bo.berg-") for n in usernames(people))
    assert [d["created"] for _, _, d in audit(people, SIGNED_IN)] == [True, False]
    assert "Bo Berg-Lind" in (signed_in_as(bo) or "")


def test_a_role_the_catalogue_does_not_know_is_ignored_and_said_so(people: Flask, provider: Provider,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    provider.knows("sub-cia-3", name="Cia Ceder", preferred_username="cia", roles=["handlaggare", "superanvandare"])
    assert sign_in_through(Person(people), "sub-cia-3").status_code == 302
    assert people.extensions["samverkan.accounts"].account("cia").roles == ("handlaggare",)
    (_, _, details), = audit(people, SIGNED_IN)
    assert details["ignored_roles"] == ["superanvandare"]
    assert any("superanvandare" in r.getMessage() for r in caplog.records)


def test_someone_with_no_known_role_is_refused_and_no_user_is_created(people: Flask, provider: Provider) -> None:
    provider.knows("sub-dan-4", name="Dan Dahl", preferred_username="dan", roles=["superanvandare"])
    before = usernames(people)
    dan = Person(people)
    refused = sign_in_through(dan, "sub-dan-4")
    assert refused.status_code == 403
    assert "Du har ingen roll i Samverkan" in dan.text()
    assert "code=" not in refused.text  # the language switch leads to the sign-in page, not back here
    assert usernames(people) == before
    assert signed_in_as(dan) is None
    (who, about, details), = audit(people, REFUSED)
    assert (who, details["reason"], details["ignored_roles"]) == ("-", "no_role", ["superanvandare"])
    assert about == f"{provider.issuer} sub-dan-4"


def test_a_bound_user_the_provider_no_longer_gives_a_role_is_refused_and_signed_out_everywhere(
        people: Flask, provider: Provider) -> None:
    provider.knows("sub-jon-9", name="Jon Jern", preferred_username="jon", roles=["arbetscoach"])
    at_work, at_home = Person(people), Person(people)
    assert sign_in_through(at_work, "sub-jon-9").status_code == 302
    provider.knows("sub-jon-9", name="Jon Jern", preferred_username="jon", roles=[])

    assert sign_in_through(at_home, "sub-jon-9").status_code == 403
    assert "Du har ingen roll i Samverkan" in at_home.text()
    assert signed_in_as(at_home) is None and signed_in_as(at_work) is None
    assert people.extensions["samverkan.accounts"].account("jon").roles == ("arbetscoach",)
    (who, _, details), = audit(people, REFUSED)
    assert (who, details["reason"]) == ("jon", "no_role")


def test_a_user_an_administrator_deactivated_is_refused_whatever_the_provider_says(
        people: Flask, provider: Provider) -> None:
    provider.knows("sub-eva-5", name="Eva Ek", preferred_username="eva", roles=["arbetscoach"])
    eva = Person(people)
    assert sign_in_through(eva, "sub-eva-5").status_code == 302
    accounts = people.extensions["samverkan.accounts"]
    accounts.set_active("eva", False)
    assert signed_in_as(eva) is None  # her session ended with the deactivation
    provider.knows("sub-eva-5", name="Eva Ek", preferred_username="eva", roles=["teamledare"])

    refused = sign_in_through(eva, "sub-eva-5")
    assert refused.status_code == 403
    assert "Ditt konto är inaktiverat" in eva.text()
    assert signed_in_as(eva) is None
    account = accounts.account("eva")
    assert (account.active, account.roles) == (False, ("arbetscoach",))  # nothing the provider said was taken
    (who, _, details), = audit(people, REFUSED)
    assert (who, details["reason"]) == ("eva", "deactivated")


def test_an_answer_that_did_not_start_in_this_browser_is_refused(people: Flask, provider: Provider) -> None:
    provider.knows("sub-fia-6", name="Fia Fors", preferred_username="fia", roles=["arbetscoach"])
    fia, mallory = Person(people), Person(people)
    callback = at_the_provider(leave_for_the_provider(fia), "sub-fia-6")

    # Another browser brought the answer (the state is not in its session): refused.
    assert back_at_the_app(mallory, callback).status_code == 400
    assert "Inloggningen kunde inte slutföras" in mallory.text()
    assert signed_in_as(mallory) is None
    # The right browser with a state changed on the way: refused too.
    forged = callback.replace("state=", "state=x")
    assert back_at_the_app(fia, forged).status_code == 400
    assert signed_in_as(fia) is None
    assert "fia" not in usernames(people)
    # Only GET: a posted answer is no sign-in.
    assert fia.client.post("/login/oidc/callback", data=parse_qs(urlsplit(callback).query)).status_code in (400, 405)
    assert "fia" not in usernames(people) and audit(people, SIGNED_IN) == []


def test_a_code_is_good_once(people: Flask, provider: Provider) -> None:
    provider.knows("sub-kim-10", name="Kim Kvist", preferred_username="kim", roles=["arbetscoach"])
    kim = Person(people)
    first = at_the_provider(leave_for_the_provider(kim), "sub-kim-10")
    assert back_at_the_app(kim, first).status_code == 302
    assert back_at_the_app(kim, first).status_code == 400  # the same answer again: its state is spent
    # The old code under the state of a new sign-in of the same browser: the provider refuses the code.
    state = parse_qs(urlsplit(leave_for_the_provider(kim)).query)["state"][0]
    code = parse_qs(urlsplit(first).query)["code"][0]
    replayed = back_at_the_app(kim, f"/login/oidc/callback?code={code}&state={state}")
    assert replayed.status_code == 400 and "Inloggningen kunde inte slutföras" in kim.text()
    assert [d["subject"] for _, _, d in audit(people, SIGNED_IN)] == ["sub-kim-10"]


def test_a_sign_in_cancelled_at_the_provider_changes_nothing(people: Flask, provider: Provider) -> None:
    gus = Person(people)
    before = usernames(people)
    cancelled = back_at_the_app(gus, at_the_provider(leave_for_the_provider(gus), None))
    assert cancelled.status_code == 400
    assert "Inloggningen avbröts" in gus.text()
    assert usernames(people) == before and signed_in_as(gus) is None


def test_an_expired_id_token_is_refused_and_no_user_is_created(
        database_url: str, start_of_journey: datetime, tmp_path: Path, expiring_provider: Provider) -> None:
    app = app_for(database_url, start_of_journey, tmp_path, expiring_provider.settings())
    try:
        expiring_provider.knows("sub-hugo-7", name="Hugo Holm", preferred_username="hugo", roles=["handlaggare"])
        hugo = Person(app)
        assert sign_in_through(hugo, "sub-hugo-7").status_code == 502
        assert "Inloggningen kunde inte kontrolleras" in hugo.text()
        assert usernames(app) == [] and signed_in_as(hugo) is None
    finally:
        app.extensions["samverkan.sandboxes"].close()
        app.extensions["samverkan.engine"].db.dispose()


def test_a_provider_that_cannot_be_reached_gets_a_page_saying_so(
        database_url: str, start_of_journey: datetime, tmp_path: Path) -> None:
    with Provider() as gone:
        settings = gone.settings()
    app = app_for(database_url, start_of_journey, tmp_path, settings)  # nothing listens there any more
    try:
        ida = Person(app)
        answer = ida.get("/login/oidc")
        assert answer.status_code == 502
        assert "Organisationens inloggning svarar inte" in ida.text()
    finally:
        app.extensions["samverkan.sandboxes"].close()
        app.extensions["samverkan.engine"].db.dispose()


def test_the_providers_user_name_never_reaches_a_local_account_of_that_name(people: Flask, provider: Provider) -> None:
    provider.knows("sub-lena-8", name="Lena från regionen", preferred_username="lena", roles=["admin"])
    newcomer = Person(people)
    assert sign_in_through(newcomer, "sub-lena-8").status_code == 302
    accounts = people.extensions["samverkan.accounts"]
    assert accounts.account("lena").roles == ("teamledare",)  # the local Lena, untouched
    assert accounts.account("lena-2").roles == ("admin",)
    assert accounts.oidc.bound_to("lena") == [] and accounts.oidc.bound_to("lena-2") == [
        (provider.issuer, "sub-lena-8")]


def test_local_sign_in_still_works_beside_it(people: Flask) -> None:
    lena = Person(people)
    assert lena.sign_in("lena").status_code == 302
    assert "Lena" in (signed_in_as(lena) or "")
    assert Person(people).sign_in("lena", "not the password").status_code == 401


def test_without_the_settings_there_is_no_single_sign_on(database_url: str, start_of_journey: datetime,
                                                         tmp_path: Path) -> None:
    app = app_for(database_url, start_of_journey, tmp_path, None)
    try:
        visitor = Person(app)
        visitor.get("/login")
        assert "Logga in med" not in visitor.text() and "/login/oidc" not in visitor.page.text  # type: ignore[union-attr]
        assert visitor.get("/login/oidc").status_code == 404
    finally:
        app.extensions["samverkan.sandboxes"].close()
        app.extensions["samverkan.engine"].db.dispose()


def test_the_settings_come_from_the_environment_all_three_or_none() -> None:
    assert oidc_from_env({}) is None
    settings = oidc_from_env({"SAMVERKAN_OIDC_ISSUER": "https://login.region.example/realms/samverkan",
                              "SAMVERKAN_OIDC_CLIENT_ID": "samverkan", "SAMVERKAN_OIDC_CLIENT_SECRET": "s3cret",
                              "SAMVERKAN_OIDC_ROLES_CLAIM": "samverkan_roller", "SAMVERKAN_OIDC_LABEL": LABEL,
                              "SAMVERKAN_BASE_URL": "https://samverkan.region.example/"})
    assert settings == OidcSettings(issuer="https://login.region.example/realms/samverkan", client_id="samverkan",
                                    client_secret="s3cret", roles_claim="samverkan_roller", label=LABEL,
                                    redirect_uri="https://samverkan.region.example/login/oidc/callback")
    assert settings.discovery_url == ("https://login.region.example/realms/samverkan"
                                      "/.well-known/openid-configuration")
    assert settings.interventions_claim == "interventions"
    with pytest.raises(SettingsError, match="SAMVERKAN_OIDC_CLIENT_SECRET"):
        oidc_from_env({"SAMVERKAN_OIDC_ISSUER": "https://login.region.example", "SAMVERKAN_OIDC_CLIENT_ID": "x"})
    with pytest.raises(SettingsError, match="https"):
        oidc_from_env({"SAMVERKAN_OIDC_ISSUER": "http://login.region.example", "SAMVERKAN_OIDC_CLIENT_ID": "x",
                       "SAMVERKAN_OIDC_CLIENT_SECRET": "y"})


def test_half_the_settings_stop_the_app_at_start_with_a_message(database_url: str) -> None:
    from click.testing import CliRunner

    from samverkan.cli import main

    run = CliRunner().invoke(main, ["--database", database_url, "user", "add", "nils", "--role", "handlaggare",
                                    "--password", "correct horse battery"],
                             env={"SAMVERKAN_OIDC_ISSUER": "https://login.region.example"})
    assert run.exit_code != 0
    assert "single sign-on needs SAMVERKAN_OIDC_CLIENT_ID, SAMVERKAN_OIDC_CLIENT_SECRET as well" in run.output
