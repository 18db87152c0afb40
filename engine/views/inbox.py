"""The inbox: what a tab and its filters ask for, and the page of tasks it answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.views.cases import Task

TABS = ("mine", "group", "all")
#: A task falls "due soon" this long before its due date.
DUE_SOON = timedelta(days=3)
#: The tabs' tasks are counted no further than this: "more than 1,000" is what a person needs to
#: know, and an exact count of 100,000 open tasks would cost more than the page itself.
COUNT_CAP = 1_000
#: The other tabs, beside the one shown, are counted no further than this: their count is a badge
#: ("fler än 99"), and counting each of them to a thousand was most of an inbox page's time.
OTHER_TABS_CAP = 99


@dataclass(frozen=True)
class InboxRow:
    task: Task
    participant_name: str
    case_status: str
    #: The case is paused, and not by this task: it can be neither taken nor completed until it goes on.
    on_hold: bool = False
    #: The participant's consent is withdrawn (lapsed or revoked, engine.views.consent): the case is
    #: read only by those the web's rules still let read it.
    consent_withdrawn: bool = False

    def urgency(self, now: datetime) -> str:
        """overdue | soon | later | none: what the inbox marks the row with."""
        due = self.task.due_at
        if due is None:
            return "none"
        if due < now:
            return "overdue"
        return "soon" if due < now + DUE_SOON else "later"


@dataclass(frozen=True)
class TaskKind:
    process_key: str
    element: str
    title: str


@dataclass(frozen=True)
class InboxPage:
    rows: tuple[InboxRow, ...]
    counts: dict[str, int]  # per tab, with the same filters, each at most ``count_cap + 1``
    total: int  # rows in this tab (at most ``count_cap + 1``)
    offset: int
    limit: int
    now: datetime
    count_cap: int = COUNT_CAP  # the tab shown
    more: bool = False  # there are rows after this page
    tab: str = "mine"  # the tab shown
    other_tabs_cap: int = COUNT_CAP  # the tabs beside it

    def cap(self, tab: str) -> int:
        """How far ``tab`` was counted: a count above it means "more than that"."""
        return self.count_cap if tab == self.tab else self.other_tabs_cap

    def capped(self, tab: str) -> bool:
        """Whether the tab holds more tasks than were counted (more than :meth:`cap`)."""
        return self.counts.get(tab, 0) > self.cap(tab)


@dataclass(frozen=True)
class TaskFilter:
    """What an inbox tab and its filters ask for. ``process_keys`` None means every intervention."""

    process_keys: Sequence[str] | None
    user: str
    groups: Sequence[str] = ()
    #: Where the user holds which groups, as (groups, process keys or None for every intervention)
    #: pairs: a task is offered to them by group if one of its candidate groups is among a pair's
    #: groups and its intervention among that pair's (roles held in some interventions only). None:
    #: ``groups`` in every intervention of ``process_keys``.
    scopes: Sequence[tuple[Sequence[str], Sequence[str] | None]] | None = None
    tab: str = "mine"  # mine | group | all
    element: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    due_from: datetime | None = None
    participant: str | None = None
    #: The participant's key (a normalised personnummer) as a pattern, ``_`` standing for any one
    #: character (the web turns "the last four digits" into ``________1234``).
    participant_key: str | None = None

    def offered_scopes(self) -> list[tuple[list[str], list[str] | None]]:
        """The (groups, process keys) pairs a task offered by group must fall in (see ``scopes``)."""
        if self.scopes is None:
            return [(list(self.groups), None)]
        return [(list(groups), None if keys is None else list(keys)) for groups, keys in self.scopes]

    def offered_groups(self) -> list[str]:
        """Every group of :meth:`offered_scopes`."""
        return sorted({g for groups, _ in self.offered_scopes() for g in groups})
