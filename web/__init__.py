"""The Flask application: ``create_app(config=None)``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from engine.api import WorkflowEngine
from engine.cases.inbox import Inbox
from engine.clock import Clock, SimulatedClock, SystemClock
from engine.persistence.db import Database
from web import errors
from web.accounts.migrations import upgrade as upgrade_accounts
from web.accounts.users import Accounts
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
    """Build the app. Config keys: DATABASE_URL, SIMULATED_CLOCK (bool), CLOCK_START (datetime),
    SECRET_KEY, TESTING; anything else is passed to Flask's config."""
    app = Flask(__name__, instance_path=str(Path("instance").resolve()))
    settings = dict(config or {})
    app.config.update(
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SIMULATED_CLOCK=False,
        # The interventions participants are registered in (a selection meeting is not one).
        PARTICIPANT_PROCESSES=("samverkansteamet", "gemensamma_taget"),
    )
    app.config.update(settings)
    app.config["SECURITY_SETTINGS_CHOSEN"] = tuple(settings)
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.json.sort_keys = False  # type: ignore[attr-defined]

    database = Database(settings.get("DATABASE_URL"))
    database.migrate()
    upgrade_accounts(database.engine)
    clock: Clock = SystemClock()
    if app.config["SIMULATED_CLOCK"]:
        clock = SimulatedClock(settings.get("CLOCK_START") or datetime.now(UTC))
    engine = WorkflowEngine(database, clock=clock, migrate=False)
    app.extensions["samverkan.engine"] = engine
    app.extensions["samverkan.accounts"] = Accounts(database)
    app.extensions["samverkan.teamwork"] = Teamwork(database)
    app.extensions["samverkan.inbox"] = Inbox(database, engine.clock)

    from web import ui
    from web.api import blueprint as api

    app.register_blueprint(api)
    ui.register(app)
    errors.register(app)
    return app
