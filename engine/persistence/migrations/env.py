from __future__ import annotations

from alembic import context

from engine.persistence.migrations import run_env
from engine.persistence.models import Base

run_env(context, Base.metadata)
