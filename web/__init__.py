"""The Flask application: ``create_app(config=None)``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from engine.api import WorkflowEngine
from engine.clock import Clock, SimulatedClock, SystemClock
from engine.persistence.db import Database
from engine.sandbox import Sandboxes
from web import errors, proxies
from web.accounts.directory import AccountsDirectory
from web.accounts.migrations import upgrade as upgrade_accounts
from web.accounts.retention import Retention
from web.accounts.users import Accounts
from web.designer.drafts import Drafts
from web.teamwork import Teamwork


def _secret_key(instance: Path) -> str:
    """SAMVERKAN_SECRET_KEY, or one generated once and kept beside the embedded database."""
    env = os.environ.get("SAMVERKAN_SECRET_KEY")
    if env:
        return env
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: the one place where the engine, the web's own stores, mail delivery and the
    blueprints are put together (the command line's ``serve`` and ``worker`` both start here).

    Config keys: DATABASE_URL, SIMULATED_CLOCK (bool), CLOCK_START (datetime), SECRET_KEY, TESTING,
    SMTP (:class:`engine.settings.SmtpSettings`; none: no mail is sent), DELIVERY
    (:class:`engine.settings.DeliverySettings`), GALLRING (:class:`engine.settings.RetentionSettings`;
    none: nothing is purged), SANDBOX_DIR, TRUSTED_PROXIES (the reverse proxies
    whose X-Forwarded-For is believed, as in ``SAMVERKAN_TRUSTED_PROXIES``; see :mod:`web.proxies`),
    ACCOUNTS_CLOCK (the wall clock of tokens, sessions and sign-in throttling; default the
    system's, whatever the engine's), OIDC (:class:`web.accounts.oidc.OidcSettings`: single sign-on
    through an OpenID Connect provider; none: passwords only); anything else is passed to Flask's config.

    ``app.extensions`` then holds ``samverkan.engine``, ``.accounts``, ``.teamwork``, ``.drafts``,
    ``.sandboxes``, ``.delivery`` (the mail delivery worker, or None), ``.retention`` (the purge, or None)
    and, with OIDC, ``.oidc`` (the provider's client)."""
    app = Flask(__name__, instance_path=str(Path("instance").resolve()))
    settings = dict(config or {})
    app.config.update(
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SIMULATED_CLOCK=False,
    )
    app.config.update(settings)
    app.config["SECURITY_SETTINGS_CHOSEN"] = tuple(settings)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.json.sort_keys = False  # type: ignore[attr-defined]

    # One connection pool for the engine's tables and the web's own (accounts, notes, drafts).
    database = Database(settings.get("DATABASE_URL"))
    database.migrate()
    upgrade_accounts(database.engine)
    clock: Clock = SystemClock()
    if app.config["SIMULATED_CLOCK"]:
        clock = SimulatedClock(settings.get("CLOCK_START") or SystemClock().now())
    # The engine checks that a form field naming a person names a colleague: read afresh (ttl 0), so
    # that a user added or deactivated a moment ago counts at once.
    engine = WorkflowEngine(database, clock=clock, migrate=False, directory=AccountsDirectory(database, ttl=0))
    smtp = settings.get("SMTP")
    sandboxes = Sandboxes(settings.get("SANDBOX_DIR") or Path(app.instance_path) / "sandbox", engine)
    app.extensions.update({
        "samverkan.engine": engine,
        "samverkan.accounts": Accounts(database, settings.get("ACCOUNTS_CLOCK")),
        "samverkan.teamwork": Teamwork(database),
        "samverkan.drafts": Drafts(database),
        "samverkan.sandboxes": sandboxes,
        "samverkan.delivery": engine.mail_delivery(AccountsDirectory(database), smtp, settings.get("DELIVERY"))
        if smtp is not None else None,
        # Retention (gallring) as configured (GALLRING: RetentionSettings); None: nothing is purged.
        "samverkan.retention": Retention(engine, settings["GALLRING"], sandboxes)
        if settings.get("GALLRING") else None,
    })

    from web import designer
    from web.api import blueprint as api
    from web.ui import (
        access_extract,
        access_review,
        admin,
        auth,
        cases,
        follow_up,
        i18n,
        inbox,
        labels,
        notifications,
        oidc,
        operations,
        pages,
        password_reset,
        register_extract,
        registration,
        retention,
        security,
        tasks,
    )

    i18n.init(app)
    security.init(app)
    labels.init(app)
    app.jinja_env.globals["today_iso"] = pages.today_iso
    for area in (auth, inbox, tasks, cases, registration, notifications, operations, follow_up, access_review,
                 access_extract, register_extract, retention, admin, password_reset, designer):
        app.register_blueprint(area.blueprint)
    app.register_blueprint(api)
    oidc.init(app, settings.get("OIDC"))
    errors.register(app)
    trusted = proxies.networks(settings.get("TRUSTED_PROXIES") or ())
    if trusted:
        app.wsgi_app = proxies.TrustedProxies(app.wsgi_app, trusted)  # type: ignore[method-assign]
    return app
