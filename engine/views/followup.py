"""The follow-up a förbund reports: what a model declares as its indicators, one row per case of
the read model, and the figures of a period."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

#: The outcome categories every journey maps its outcomes to (one vocabulary for all: the
#: förbund's figures need no mapping), in the order reports show them.
CATEGORIES = ("arbete", "studier", "annan_insats", "ej_nytta")
#: The age bands when a model declares none (the plans' split: 18–30 and 31–64).
DEFAULT_AGE_BANDS = ((18, 30), (31, 64))
#: The measures counted per group, in the order tables show them.
MEASURES = ("referred", "started", "active", "ended")
#: The splits of the counts.
DIMENSIONS = ("gender", "age_band", "municipality", "authority")
#: Time in the intervention, in whole months: the upper bounds of the distribution's bins.
DURATION_BINS = (3, 6, 9, 12, 18)
#: What a missing value is counted as.
UNKNOWN = "okänd"
#: An ended participation whose outcome is none of the categories (an early end, no outcome given).
OTHER = "övrigt"


@dataclass(frozen=True)
class Indicators:
    """What a process declares for its follow-up (process properties ``uppfoljning.*``): which case
    data is the outcome, which outcomes count as which category, which dates start and end the
    participation, which fields are gender, birth year, home municipality, referring authority and
    contact person, which task answers the referral, and the plan's goals in percent."""

    outcome: str | None = None
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    gender: str | None = None
    birth_year: str | None = None
    municipality: str | None = None
    authority: str | None = None
    contact: str | None = None
    reply_task: str | None = None
    #: The user task of the monthly contact with the referrer (``uppfoljning.manadskontakt``).
    contact_task: str | None = None
    goals: Mapping[str, int] = field(default_factory=dict)
    age_bands: tuple[tuple[int, int], ...] = DEFAULT_AGE_BANDS
    #: A group start's case (``uppfoljning.gruppstart``, ``.foreslagna``, ``.utvalda``): the fields of
    #: its date, its proposals and its selected, and the journey it starts a group of (``.insats``).
    group_start: str | None = None
    proposed: str | None = None
    selected: str | None = None
    group_of: str | None = None

    @property
    def declared(self) -> bool:
        return any((self.outcome, self.start, self.end, self.gender, self.birth_year, self.municipality,
                    self.authority, self.contact, self.reply_task, self.contact_task))

    def category_of(self, outcome: object) -> str | None:
        return next((c for c, values in self.categories.items() if outcome in values), None)


@dataclass(frozen=True)
class FollowUpRow:
    """One case as the follow-up counts it (the read model, written with every step)."""

    case_id: str
    process_key: str
    status: str
    referred_on: date
    started_on: date | None = None
    ended_on: date | None = None
    gender: str | None = None
    birth_year: int | None = None
    municipality: str | None = None
    authority: str | None = None
    outcome: str | None = None
    category: str | None = None
    contact: str | None = None
    reply_due_on: date | None = None
    replied_on: date | None = None


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the period ends before it begins")

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last


@dataclass(frozen=True)
class Filters:
    """Only the rows with these values (None: any)."""

    process_keys: tuple[str, ...] | None = None
    gender: str | None = None
    age_band: str | None = None
    municipality: str | None = None
    authority: str | None = None


@dataclass(frozen=True)
class Counts:
    referred: int = 0
    started: int = 0
    active: int = 0
    ended: int = 0

    def get(self, measure: str) -> int:
        return int(getattr(self, measure))


@dataclass(frozen=True)
class Outcomes:
    """The participations that ended in the period, by outcome category (and :data:`OTHER`)."""

    ended: int
    by_category: Mapping[str, int]
    #: category → gender → count
    by_gender: Mapping[str, Mapping[str, int]]
    #: category → percent of the ended participations (one decimal), and the plan's goal for it
    shares: Mapping[str, float]
    goals: Mapping[str, int]


@dataclass(frozen=True)
class Durations:
    """Days from the start of the participation to its end, for those that ended in the period."""

    count: int
    median_days: float | None
    mean_days: float | None
    #: "0–3", "3–6" … "18–" months → count
    bins: Mapping[str, int]


@dataclass(frozen=True)
class Replies:
    """Referrals whose reply fell due in the period, and how many were answered by then."""

    due: int
    on_time: int
    late: int
    unanswered: int

    @property
    def share_on_time(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None


@dataclass(frozen=True)
class Contacts:
    """The monthly contact with the referrer: the months of the period that required one (each
    month after a participation's first and before its last) and those that had one."""

    required: int
    met: int

    @property
    def share(self) -> float | None:
        return round(100 * self.met / self.required, 1) if self.required else None


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    started: int
    ended: int
    active_at_end: int


@dataclass(frozen=True)
class GroupStart:
    """A group start in the period (Gemensamma taget: one selection meeting's case)."""

    case_id: str
    day: date
    proposed: int | None
    selected: int | None

    @property
    def returned(self) -> int | None:
        """The proposals not selected: sent back to their authority."""
        return self.proposed - self.selected if self.proposed is not None and self.selected is not None else None


@dataclass(frozen=True)
class Figures:
    period: Period
    filters: Filters
    total: Counts
    #: dimension → value → counts
    by: Mapping[str, Mapping[str, Counts]]
    #: dimension → value → gender → counts (the splits by gender × dimension)
    by_gender: Mapping[str, Mapping[str, Mapping[str, Counts]]]
    #: process key → gender → active participants (the national follow-up's table)
    national: Mapping[str, Mapping[str, int]]
    outcomes: Outcomes
    durations: Durations
    replies: Replies
    #: contact person → active participations at the period's end
    caseload: Mapping[str, int]
    #: the monthly contact with the referrer (None: the model declares no such task)
    contacts: Contacts | None
    months: Sequence[Month]
    age_bands: Sequence[str] = field(default_factory=tuple)
    #: The group starts in the period, by date (journeys that start participants in groups)
    group_starts: Sequence[GroupStart] = field(default_factory=tuple)
