"""The process designers' area (``/design``): processes and their versions, drafts edited in the
browser (bpmn-js and dmn-js, checked by the engine while the designer works), what changed, trying
a draft in a sandbox, publishing it as a new version, and moving open cases to it.

Open to the roles ``processdesigner`` and ``admin``; everything is in the audit log.
"""

from __future__ import annotations

from web.designer import editor, migrate, processes, sandbox  # noqa: F401 - the routes
from web.designer.common import blueprint

__all__ = ["blueprint"]
