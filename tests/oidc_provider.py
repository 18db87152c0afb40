"""A real OpenID Connect provider for the tests: oidc-provider-mock (a Flask app built on Authlib)
served on 127.0.0.1 and a free port, in a thread. Its issuer is its address. A person is whoever
the provider is told they are: ``knows(sub, **claims)`` before they sign in there."""

from __future__ import annotations

import threading
from typing import Any

import oidc_provider_mock
import requests
from werkzeug.serving import make_server

from web.accounts.oidc import OidcSettings

CLIENT_ID = "samverkan"
LABEL = "Region Testlands inloggning"


class Provider:
    def __init__(self, **options: Any) -> None:
        # require_nonce: an authorization request without a nonce is refused, so ours must carry one.
        self.server = make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True, **options),
                                  threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="oidc-provider", daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def knows(self, sub: str, **claims: Any) -> None:
        """The provider's record of a person: the claims their ID token will carry."""
        answer = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        assert answer.status_code == 204, answer.text

    def settings(self) -> OidcSettings:
        """The app's settings for signing in here."""
        return OidcSettings(issuer=self.issuer, client_id=CLIENT_ID, client_secret="client-secret", label=LABEL)
