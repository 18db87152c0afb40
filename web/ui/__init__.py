"""The server-rendered pages: sign-in, inbox, tasks, cases, registration, notifications and the
operations page, one blueprint per module (registered by :func:`web.create_app`).

Every page needs a signed-in user (``pages.require_user``); every form carries a CSRF token
(Flask-WTF); every answer carries the security headers of ``security.py``.
"""
