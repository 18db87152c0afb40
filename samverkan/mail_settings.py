"""Mail settings from the environment, for the commands that run the delivery worker.

The engine takes plain settings objects (:class:`engine.settings.SmtpSettings`,
:class:`engine.settings.DeliverySettings`); reading them from ``SAMVERKAN_*`` variables is the
command line's business. Without ``SAMVERKAN_SMTP_HOST`` no mail is sent: notifications stay in
the app and their deliveries wait, visible on the operations page, until mail is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from engine.settings import DeliverySettings, SmtpSettings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SettingsError(ValueError):
    pass


def smtp_from_env(env: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP server, or None when ``SAMVERKAN_SMTP_HOST`` is not set."""
    host = env.get("SAMVERKAN_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("SAMVERKAN_SMTP_SECURITY", "starttls").strip().lower()
    if security not in DEFAULT_PORTS:
        raise SettingsError(f"SAMVERKAN_SMTP_SECURITY must be starttls, ssl or none, not {security!r}")
    password = env.get("SAMVERKAN_SMTP_PASSWORD")
    password_file = env.get("SAMVERKAN_SMTP_PASSWORD_FILE")
    if password_file:
        password = Path(password_file).read_text(encoding="utf-8").strip()
    try:
        return SmtpSettings(
            host=host,
            port=_number(env, "SAMVERKAN_SMTP_PORT", DEFAULT_PORTS[security]),
            security=security,
            username=env.get("SAMVERKAN_SMTP_USER") or None,
            password=password or None,
            from_address=env.get("SAMVERKAN_SMTP_FROM", "samverkan@localhost").strip(),
            from_name=env.get("SAMVERKAN_SMTP_FROM_NAME", "Samverkan").strip(),
            timeout=float(_number(env, "SAMVERKAN_SMTP_TIMEOUT", 30)),
            ca_file=_readable(env, "SAMVERKAN_SMTP_CA_FILE"),
        )
    except ValueError as err:
        raise SettingsError(str(err)) from err


def delivery_from_env(env: Mapping[str, str]) -> DeliverySettings:
    hour_text = env.get("SAMVERKAN_DIGEST_HOUR", "7").strip().lower()
    hour: int | None = None
    if hour_text not in ("off", "none", ""):
        hour = _number(env, "SAMVERKAN_DIGEST_HOUR", 7)
        if not 0 <= hour <= 23:
            raise SettingsError("SAMVERKAN_DIGEST_HOUR must be an hour 0-23, or off")
    lease = timedelta(seconds=_number(env, "SAMVERKAN_MAIL_LEASE_SECONDS", 300))
    return DeliverySettings(
        max_attempts=_number(env, "SAMVERKAN_MAIL_MAX_ATTEMPTS", 10),
        lease=lease,
        base_url=env.get("SAMVERKAN_BASE_URL", "").strip() or None,
        digest_hour=hour,
    )


def _readable(env: Mapping[str, str], name: str) -> str | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    if not Path(text).is_file():
        raise SettingsError(f"{name}: no such file: {text}")
    return text


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or (int(text) < 1 and name != "SAMVERKAN_DIGEST_HOUR"):
        raise SettingsError(f"{name} must be a positive whole number, not {text!r}")
    return int(text)
