"""The roles administrators added to the role catalogue (table ``roles``). The catalogue itself —
these, the product's own roles and the candidate groups of the deployed journeys — is put together
in ``web/role_catalogue.py``, which can ask the engine."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.errors import Conflict, InvalidInput
from engine.persistence.db import Database
from web.accounts.models import RoleRow

#: What a role name may be: what a designer writes in ``camunda:candidateGroups`` (lower case
#: letters, digits, '-' and '_', beginning with a letter).
ROLE_NAME = re.compile(r"[a-zåäö][a-zåäö0-9_-]{0,99}")


@dataclass(frozen=True)
class AddedRole:
    name: str
    label: str
    created_by: str
    created_at: datetime


def check_role_names(roles: list[str] | tuple[str, ...]) -> None:
    """InvalidInput unless every role is a well-formed role name and there is at least one."""
    bad = sorted(r for r in roles if not ROLE_NAME.fullmatch(r))
    if bad or not roles:
        raise InvalidInput(f"not a role name: {', '.join(bad) or '(none given)'}", {"role": "invalid"})


class AddedRoles:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, label: str, actor: str, at: datetime) -> AddedRole:
        name, label = name.strip(), " ".join(label.split())
        if not ROLE_NAME.fullmatch(name):
            raise InvalidInput(f"not a role name: {name}", {"name": "invalid"})
        if not label or len(label) > 200:
            raise InvalidInput("a role needs a name people use (at most 200 characters)", {"label": "invalid"})
        with self.db.transaction() as session:
            if session.scalar(select(RoleRow.id).where(RoleRow.name == name)) is not None:
                raise Conflict(f"the role {name} exists already")
            session.add(RoleRow(name=name, label=label, created_by=actor, created_at=at))
        return AddedRole(name, label, actor, at)

    def all(self) -> list[AddedRole]:
        with self.db.reading() as session:
            return [AddedRole(r.name, r.label, r.created_by, r.created_at)
                    for r in session.scalars(select(RoleRow).order_by(RoleRow.name))]
