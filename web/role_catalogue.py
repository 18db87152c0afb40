"""The role catalogue: every role a user can be given. It is not a list in code but the union of

- the roles the product itself gives meaning to (``accounts/models.py`` ``PRODUCT_ROLES``: admin,
  designer, log reviewer, referrer, steering group, and the team leaders, coordinators and
  handläggare whom ``authz.py`` lets hand out work and register participants);
- the candidate groups of the deployed journeys (``camunda:candidateGroups`` of every user task
  of each process's newest version), so that a journey offering tasks to a new role, e.g.
  ``arbetsmarknadssekreterare``, needs no code change: give someone the role and its tasks reach
  their inbox;
- the roles administrators added (``accounts/roles.py``, for a journey still being drawn).

A role's name people read is ``ui/labels.py`` ``ROLES`` if it has one, else the label the
administrator gave, else the name as written. A candidate group written as an expression
(``${…}``) names no role until the case runs and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from engine.api import WorkflowEngine
from web.accounts.identity import is_staff_role
from web.accounts.models import PRODUCT_ROLES
from web.accounts.users import Accounts

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

PRODUCT = "product"
JOURNEY = "journey"
ADDED = "added"


@dataclass(frozen=True)
class Role:
    name: str
    #: Where the role comes from: ``product``, ``journey`` (with ``journeys``, the process keys that
    #: offer it tasks) or ``added`` (by an administrator, with the ``label`` they gave).
    source: str
    journeys: tuple[str, ...] = ()
    label: str | None = None

    @property
    def staff(self) -> bool:
        """Whether holding it makes one staff of one's interventions (``identity.is_staff_role``)."""
        return is_staff_role(self.name)


#: (process key, content hash) → its candidate groups: a deployed version never changes.
_KNOWN: dict[tuple[str, str], frozenset[str]] = {}


def candidate_groups(xml: str, key: str | None = None) -> frozenset[str]:
    """The literal candidate groups of the user tasks of the BPMN document's process ``key`` (every
    process's, without one)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(xml.encode("utf-8"), parser=parser)
    groups: set[str] = set()
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if key is not None and process.get("id") != key:
            continue
        for task in process.iter(f"{{{BPMN_NS}}}userTask"):
            value = task.get(f"{{{CAMUNDA_NS}}}candidateGroups") or ""
            if "${" in value or "#{" in value:
                continue
            groups.update(g.strip() for g in value.split(",") if g.strip())
    return frozenset(groups)


def journey_roles(engine: WorkflowEngine) -> dict[str, tuple[str, ...]]:
    """Role → the deployed processes (newest versions) whose user tasks are offered to it."""
    found: dict[str, list[str]] = {}
    for version in engine.processes():
        known = (version.key, version.content_hash)
        if known not in _KNOWN:
            _KNOWN[known] = candidate_groups(engine.process_xml(version.key, version.version), version.key)
        for group in _KNOWN[known]:
            found.setdefault(group, []).append(version.key)
    return {role: tuple(sorted(keys)) for role, keys in found.items()}


def catalogue(engine: WorkflowEngine, accounts: Accounts) -> list[Role]:
    """Every role a user can be given: the product's own first (in their order), then the others by name."""
    journeys = journey_roles(engine)
    added = {r.name: r.label for r in accounts.added_roles.all()}
    roles = [Role(name, PRODUCT, journeys.get(name, ())) for name in PRODUCT_ROLES]
    for name in sorted((set(journeys) | set(added)) - set(PRODUCT_ROLES)):
        roles.append(Role(name, JOURNEY if name in journeys else ADDED, journeys.get(name, ()), added.get(name)))
    return roles


def role_names(engine: WorkflowEngine, accounts: Accounts) -> list[str]:
    return [role.name for role in catalogue(engine, accounts)]
