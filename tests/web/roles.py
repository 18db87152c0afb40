"""The roles of the shipped product: its own (``PRODUCT_ROLES``) and those the journeys in processes/
offer tasks to — what the demo and the tests that walk every role use, now that the catalogue is
not a list in code."""

from __future__ import annotations

from pathlib import Path

from web.accounts.models import PRODUCT_ROLES
from web.role_catalogue import candidate_groups

PROCESSES = Path(__file__).resolve().parents[2] / "processes"

#: The shipped journeys' candidate groups, read from their BPMN files.
JOURNEY_ROLES = frozenset().union(*(candidate_groups(p.read_text("utf-8")) for p in sorted(PROCESSES.glob("*.bpmn"))))
#: Every role of the shipped product, the product's own first.
SHIPPED_ROLES = (*PRODUCT_ROLES, *sorted(JOURNEY_ROLES - set(PRODUCT_ROLES)))
