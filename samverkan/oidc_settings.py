"""Single sign-on settings from the environment (OpenID Connect; docs/access.md, "Single sign-on").

``SAMVERKAN_OIDC_ISSUER``, ``SAMVERKAN_OIDC_CLIENT_ID`` and ``SAMVERKAN_OIDC_CLIENT_SECRET`` (or
``SAMVERKAN_OIDC_CLIENT_SECRET_FILE``) together turn it on; none of them: no single sign-on, the
sign-in page has the password form only. The issuer must be ``https``, but for a provider on this
machine (``localhost``, a loopback address). The provider's endpoints and keys are read from its
discovery document (the issuer + ``/.well-known/openid-configuration``) when someone first signs in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from web.accounts.oidc import OidcSettings

REQUIRED = ("SAMVERKAN_OIDC_ISSUER", "SAMVERKAN_OIDC_CLIENT_ID", "SAMVERKAN_OIDC_CLIENT_SECRET")


class SettingsError(ValueError):
    pass


def oidc_from_env(env: Mapping[str, str]) -> OidcSettings | None:
    """The provider, or None when single sign-on is not configured."""
    values = {name: env.get(name, "").strip() for name in REQUIRED}
    secret_file = env.get("SAMVERKAN_OIDC_CLIENT_SECRET_FILE", "").strip()
    if secret_file:
        try:
            values["SAMVERKAN_OIDC_CLIENT_SECRET"] = Path(secret_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise SettingsError(f"SAMVERKAN_OIDC_CLIENT_SECRET_FILE: {err}") from err
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SettingsError(f"single sign-on needs {', '.join(missing)} as well")
    issuer = values["SAMVERKAN_OIDC_ISSUER"]
    _check_secure(issuer, "SAMVERKAN_OIDC_ISSUER")
    base_url = env.get("SAMVERKAN_BASE_URL", "").strip().rstrip("/")
    claims = {}
    for name, key in (("SAMVERKAN_OIDC_ROLES_CLAIM", "roles_claim"),
                      ("SAMVERKAN_OIDC_INTERVENTIONS_CLAIM", "interventions_claim"),
                      ("SAMVERKAN_OIDC_SCOPES", "scopes")):
        text = env.get(name, "").strip()
        if text:
            claims[key] = text
    if "openid" not in claims.get("scopes", "openid").split():
        raise SettingsError("SAMVERKAN_OIDC_SCOPES must include openid")
    return OidcSettings(
        issuer=issuer,
        client_id=values["SAMVERKAN_OIDC_CLIENT_ID"],
        client_secret=values["SAMVERKAN_OIDC_CLIENT_SECRET"],
        label=env.get("SAMVERKAN_OIDC_LABEL", "").strip() or None,
        redirect_uri=f"{base_url}/login/oidc/callback" if base_url else None,
        **claims,
    )


def _check_secure(url: str, name: str) -> None:
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise SettingsError(f"{name}: not an address: {url!r}")
    if parts.scheme == "https" or parts.hostname == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SettingsError(f"{name} must be an https address (http only for a provider on this machine)")
