"""Protected identity (skyddade personuppgifter) in the queries: a case whose participant is
protected (``participant.skyddad`` true, :data:`engine.views.PROTECTED`) is found by the
participant's name or number only by the users it names (``participant.behoriga``). A list sorted by
name or number puts it where an unknown name would stand, not where the person's stands: the sort
columns hold nothing for it (:func:`engine.persistence.models.participant_sort_keys`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import false, func, or_

from engine.persistence.models import CaseRow
from engine.views.cases import NAMED, PROTECTED


def _protected(cases: Any = CaseRow) -> Any:
    return func.coalesce(cases.participant[PROTECTED].as_boolean(), false())


def findable_by(searcher: str, cases: Any = CaseRow) -> Any:
    """The condition a search by name or number adds: the participant is not protected, or the case
    names ``searcher``. The named list is a JSON array of user names; a name is matched as a whole
    JSON string (quoted), so one user's name inside another's does not match. ``cases``: the cases
    searched (an alias of the table, in a search of its own)."""
    token = json.dumps(searcher)
    pattern = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(_protected(cases).is_(False), cases.participant[NAMED].as_string().like(pattern, escape="\\"))
