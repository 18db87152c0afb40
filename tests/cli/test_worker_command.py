"""`samverkan worker`: started after the fact, it catches up — the timers that fell due while
nothing ran fire, and their notices are mailed with the SMTP settings from the environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.views import SourceFile
from samverkan.cli import main
from samverkan.mail_settings import SettingsError, delivery_from_env, smtp_from_env
from tests.bpmn import BPMN_DIR
from tests.mailbox import SENDER, Mailbox
from web.accounts.migrations import upgrade
from web.accounts.users import Accounts


@pytest.fixture
def url(tmp_path: Path) -> str:
    """Two cases started yesterday by Rebecka: their hour-long timers ran out while no worker ran."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = WorkflowEngine(url, clock=SimulatedClock(datetime.now(UTC) - timedelta(days=1)))
    engine.deploy([SourceFile("mass_notice.bpmn", (BPMN_DIR / "mass_notice.bpmn").read_bytes())], "designer")
    for _ in range(2):
        engine.start_case("mass_notice", actor="rebecka.remittent")
    upgrade(engine.db.engine)
    Accounts(engine.db).add_user("rebecka.remittent", ["remittent"], [], None, "Rebecka Remittent",
                                 email="rebecka@samverkan.test")
    engine.db.dispose()
    return url


def smtp_env(mailbox: Mailbox, **more: str) -> dict[str, str]:
    return {"SAMVERKAN_SMTP_HOST": "127.0.0.1", "SAMVERKAN_SMTP_PORT": str(mailbox.port),
            "SAMVERKAN_SMTP_SECURITY": "none", "SAMVERKAN_SMTP_FROM": SENDER, "SAMVERKAN_DIGEST_HOUR": "off",
            "SAMVERKAN_BASE_URL": "https://samverkan.test", **more}


def test_a_worker_started_late_catches_up_and_mails_what_fell_due(url: str, mailbox: Mailbox) -> None:
    result = CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"], env=smtp_env(mailbox))
    assert result.exit_code == 0, result.output
    assert "mail via 127.0.0.1" in result.output and "nothing more to do" in result.output
    assert [str(m["Subject"]) for m in mailbox.to("rebecka@samverkan.test")] == [
        "Remittenten underrättad – Massutskick"] * 2

    again = CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"], env=smtp_env(mailbox))
    assert again.exit_code == 0 and len(mailbox.messages) == 2


def test_without_smtp_the_notices_wait_for_mail_to_be_configured(url: str, mailbox: Mailbox) -> None:
    result = CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"],
                                env={"SAMVERKAN_SMTP_HOST": ""})
    assert result.exit_code == 0, result.output
    assert "no mail (SAMVERKAN_SMTP_HOST not set)" in result.output
    assert WorkflowEngine(url).operations.overview().delivery_counts == {"pending": 2}

    CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"], env=smtp_env(mailbox))
    assert len(mailbox.to("rebecka@samverkan.test")) == 2


def test_wrong_mail_settings_are_refused_before_anything_runs(url: str, mailbox: Mailbox) -> None:
    result = CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"],
                                env=smtp_env(mailbox, SAMVERKAN_SMTP_SECURITY="tls"))
    assert result.exit_code == 1
    assert "mail settings: SAMVERKAN_SMTP_SECURITY must be starttls, ssl or none, not 'tls'" in result.output
    short_lease = smtp_env(mailbox, SAMVERKAN_MAIL_LEASE_SECONDS="20", SAMVERKAN_SMTP_TIMEOUT="30")
    assert "at least twice" in CliRunner().invoke(main, ["--database", url, "worker", "--until-idle"],
                                                  env=short_lease).output


def test_the_settings_read_from_the_environment() -> None:
    smtp = smtp_from_env({"SAMVERKAN_SMTP_HOST": "smtp.kommun.se", "SAMVERKAN_SMTP_SECURITY": "ssl",
                          "SAMVERKAN_SMTP_USER": "samverkan", "SAMVERKAN_SMTP_PASSWORD": "hemligt",
                          "SAMVERKAN_SMTP_FROM": "noreply@sofint.se"})
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.security, smtp.username, smtp.domain) == (
        "smtp.kommun.se", 465, "ssl", "samverkan", "sofint.se")
    assert "hemligt" not in repr(smtp)
    assert smtp_from_env({}) is None
    settings = delivery_from_env({"SAMVERKAN_DIGEST_HOUR": "off", "SAMVERKAN_MAIL_MAX_ATTEMPTS": "4"})
    assert (settings.digest_hour, settings.max_attempts) == (None, 4)
    assert delivery_from_env({}).digest_hour == 7
    with pytest.raises(SettingsError):
        delivery_from_env({"SAMVERKAN_DIGEST_HOUR": "25"})
    with pytest.raises(SettingsError):
        smtp_from_env({"SAMVERKAN_SMTP_HOST": "x", "SAMVERKAN_SMTP_PORT": "many"})


def test_a_relays_own_certificate_authority_is_read_from_a_file(tmp_path: Path) -> None:
    bundle = tmp_path / "kommun-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    smtp = smtp_from_env({"SAMVERKAN_SMTP_HOST": "relay.kommun.se", "SAMVERKAN_SMTP_CA_FILE": str(bundle)})
    assert smtp is not None and smtp.ca_file == str(bundle)
    with pytest.raises(SettingsError, match="no such file"):
        smtp_from_env({"SAMVERKAN_SMTP_HOST": "relay.kommun.se", "SAMVERKAN_SMTP_CA_FILE": str(tmp_path / "nej.pem")})
