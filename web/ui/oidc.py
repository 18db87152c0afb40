"""Single sign-on through the organisation's OpenID Connect provider (``/login/oidc``), beside the
password form; configured by ``SAMVERKAN_OIDC_*`` (docs/access.md, "Single sign-on").

The authorization code flow, by Authlib's Flask client: the provider's endpoints and signing keys
from its discovery document; a ``state`` (the callback is taken only from the browser that set out,
with its session), a ``nonce`` (the ID token is for this sign-in and no other) and PKCE (``S256``:
the code is worth nothing without the verifier kept in this browser's session). The ID token is
checked for its signature (the provider's JWKS), issuer, audience (our client id), expiry and
nonce; only then are its claims mapped (``web/accounts/oidc.py``) and a session started, the same
way as after a password (``pages.start_session``). Whatever goes wrong before that changes
nothing: a Swedish page, 400 for a sign-in that was cancelled or does not belong to this browser,
502 when the provider cannot be reached or its answer cannot be trusted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from web import role_catalogue
from web.accounts.oidc import OidcSettings, map_claims
from web.ui.pages import accounts, engine, safe_next, start_session

log = logging.getLogger(__name__)

blueprint = Blueprint("oidc", __name__, url_prefix="/login/oidc")

#: Seconds to wait for the provider (discovery, keys, token) before telling the person it is down.
TIMEOUT = 10
#: The longest issuer and subject kept (``oidc_identities``; OpenID Connect allows a ``sub`` of 255).
MAX_ISSUER, MAX_SUBJECT = 300, 255
#: Where in the session the page to go to after signing in waits for the provider's answer.
NEXT = "oidc_next"


@dataclass(frozen=True)
class Provider:
    settings: OidcSettings
    client: FlaskOAuth2App


def init(app: Flask, settings: OidcSettings | None) -> None:
    """Single sign-on for ``app``, if configured: the routes, and the provider's client."""
    if settings is None:
        return
    oauth = OAuth(app)
    client = oauth.register(
        "samverkan_oidc", client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs={"scope": settings.scopes, "code_challenge_method": "S256", "default_timeout": TIMEOUT})
    app.extensions["samverkan.oidc"] = Provider(settings, client)
    app.register_blueprint(blueprint)


def provider() -> Provider | None:
    found: Provider | None = current_app.extensions.get("samverkan.oidc")
    return found


def sign_in_label() -> str | None:
    """The sign-in page's button, "Logga in med …", when single sign-on is configured."""
    found = provider()
    if found is None:
        return None
    return _("Logga in med %(provider)s", provider=found.settings.label or _("organisationens inloggning"))


def _provider() -> Provider:
    found = provider()
    assert found is not None  # the blueprint is registered only with a provider
    return found


@blueprint.get("")
def start() -> Response | tuple[str, int]:
    """Off to the provider, with a new state, nonce and PKCE verifier kept in this browser's session."""
    session[NEXT] = safe_next(request.args.get("next"), url_for("inbox.index"))
    found = _provider()
    try:
        answer: Response = found.client.authorize_redirect(
            found.settings.redirect_uri or url_for("oidc.callback", _external=True))
        return answer
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as err:
        log.warning("single sign-on: the provider's discovery document could not be read: %s", err)
        return _unreachable()


@blueprint.get("/callback")
def callback() -> Response | tuple[str, int]:
    """The provider's answer: a code (and the state) to exchange for a validated ID token, or an error."""
    found = _provider()
    next_page = session.pop(NEXT, None) or url_for("inbox.index")
    error = request.args.get("error")
    if error:
        log.info("single sign-on: the provider answered %s (%s)", error[:100],
                 (request.args.get("error_description") or "")[:300])
        return _error(400, _("Inloggningen avbröts"),
                      _("Inloggningen avbröts hos organisationens inloggning, eller så nekade den dig. "
                        "Försök igen från inloggningssidan."))
    if not request.args.get("code") or not request.args.get("state"):
        return _not_this_browser()
    settings = found.settings
    try:
        token = found.client.authorize_access_token(claims_options={
            "iss": {"essential": True, "value": settings.issuer},
            "aud": {"essential": True, "value": settings.client_id},
            "sub": {"essential": True},
        })
    except MismatchingStateError:
        return _not_this_browser()
    except OAuthError as err:
        if err.error == "invalid_grant":  # the code was used already, or has expired
            log.warning("single sign-on: the provider refused the code: %s", err)
            return _not_this_browser()
        # invalid_client and the like: our client's settings, not the person, are wrong.
        log.error("single sign-on: the provider's token endpoint refused us: %s", err)
        return _untrusted()
    except JoseError as err:
        log.warning("single sign-on: the ID token was refused: %r", err)
        return _untrusted()
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as err:
        log.warning("single sign-on: the provider could not be reached: %s", err)
        return _unreachable()
    claims: dict[str, Any] | None = token.get("userinfo")
    if not claims:  # no ID token at all: nobody vouched for anyone
        log.warning("single sign-on: the provider's answer held no ID token")
        return _untrusted()
    if len(claims["iss"]) > MAX_ISSUER or len(claims["sub"]) > MAX_SUBJECT:
        log.warning("single sign-on: an issuer or subject longer than we keep: %.100s", claims["sub"])
        return _untrusted()
    mapped = map_claims(claims, settings, role_catalogue.role_names(engine(), accounts()))
    if mapped.ignored_roles:
        log.warning("single sign-on: %s's roles not in the role catalogue, ignored: %s", claims["sub"],
                    ", ".join(mapped.ignored_roles))
    outcome = accounts().oidc.sign_in(claims["iss"], claims["sub"], mapped, request.remote_addr)
    if outcome.refused == "deactivated":
        return _error(403, _("Ditt konto är inaktiverat"),
                      _("En administratör har inaktiverat ditt konto i Samverkan. Kontakta en administratör om du "
                        "behöver komma åt det igen."))
    if outcome.refused == "no_role" or outcome.user is None:
        return _error(403, _("Du har ingen roll i Samverkan"),
                      _("Organisationens inloggning känner dig, men ger dig ingen roll som Samverkan använder. Be den "
                        "som ger behörigheter hos er om en roll i Samverkan och logga sedan in igen."))
    start_session(outcome.user)
    return redirect(safe_next(next_page, url_for("inbox.index")))


def _not_this_browser() -> tuple[str, int]:
    return _error(400, _("Inloggningen kunde inte slutföras"),
                  _("Svaret från organisationens inloggning hör inte till en inloggning som påbörjades i den här "
                    "webbläsaren, eller så har det redan använts. Börja om från inloggningssidan."))


def _unreachable() -> tuple[str, int]:
    return _error(502, _("Organisationens inloggning svarar inte"),
                  _("Det gick inte att nå organisationens inloggning. Försök igen om en stund, eller logga in med "
                    "användarnamn och lösenord om du har ett."))


def _untrusted() -> tuple[str, int]:
    return _error(502, _("Inloggningen kunde inte kontrolleras"),
                  _("Svaret från organisationens inloggning gick inte att kontrollera, så du loggades inte in. "
                    "Försök igen om en stund."))


def _error(status: int, title: str, message: str) -> tuple[str, int]:
    """A page in the reader's language, with the way back to the sign-in page; nothing was changed.
    Choosing another language leads to the sign-in page (``here``): the provider's answer in this
    address has been used and is not to be sent again."""
    return render_template("error.html", title=title, message=message, user=None, back_to_login=True,
                           here=url_for("auth.login")), status
