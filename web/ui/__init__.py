"""The server-rendered pages: sign-in, inbox, tasks, cases, registration and notifications.

Every page needs a signed-in user (``pages.require_user``); every form carries a CSRF token
(Flask-WTF); every answer carries the security headers of ``security.py``.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.ui import auth, cases, i18n, inbox, labels, notifications, operations, registration, security, tasks

    i18n.init(app)
    security.init(app)
    app.jinja_env.globals.update(
        event_label=lambda key: labels.label(labels.EVENTS, key),
        status_label=lambda key: labels.label(labels.STATUSES, key),
        message_label=lambda key: labels.label(labels.MESSAGES, key),
        kind_label=lambda key: labels.label(labels.NOTIFICATION_KINDS, key),
    )
    for module in (auth, inbox, tasks, cases, registration, notifications, operations):
        app.register_blueprint(module.blueprint)

    from web import designer

    designer.register(app)
