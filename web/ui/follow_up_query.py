"""What the follow-up page is asked for: the intervention, the period (a quarter, a half-year, a
year, or from–to) and the filters, read from the address's arguments. Anything unusable becomes a
message in plain Swedish for the page to show, never an exception: the figures of a half-typed
form are not worth a 500."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _

from engine.views.followup import Filters, Period

#: The kinds of period, as the address names them.
KINDS = ("kvartal", "halvar", "ar", "egen")
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A custom period's longest span: the month-by-month table stays readable and the page fast.
LONGEST_DAYS = 5 * 366
ALL = "alla"
#: The filters: the address's name → Filters' attribute.
FILTERS = {"kon": "gender", "aldersgrupp": "age_band", "kommun": "municipality", "myndighet": "authority"}
#: Leaders may look at the figures as the steering group gets them (small counts hidden).
STEERING_VIEW = "styrgrupp"


@dataclass(frozen=True)
class Query:
    """A question the page can answer: which interventions, which period, which filters."""

    choice: str  # a process key, or ALL
    process_keys: tuple[str, ...]
    kind: str
    year: int
    quarter: int
    half: int
    first: date
    last: date
    filters: Filters
    steering_view: bool = False

    @property
    def period(self) -> Period:
        return Period(self.first, self.last)

    def args(self, **changes: str) -> dict[str, str]:
        """The address's arguments that ask this again (the exports' links)."""
        found = {"insats": self.choice, "period": self.kind}
        if self.kind == "egen":
            found |= {"fran": self.first.isoformat(), "till": self.last.isoformat()}
        else:
            found["ar"] = str(self.year)
            if self.kind == "kvartal":
                found["kvartal"] = str(self.quarter)
            elif self.kind == "halvar":
                found["halvar"] = str(self.half)
        for name, attribute in FILTERS.items():
            value = getattr(self.filters, attribute)
            if value is not None:
                found[name] = value
        if self.steering_view:
            found["visning"] = STEERING_VIEW
        return {**found, **changes}


@dataclass
class Asked:
    """The form's values as given (echoed back into the form), and what was wrong with them."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def period_of(kind: str, year: int, quarter: int, half: int) -> tuple[date, date]:
    if kind == "kvartal":
        first = date(year, 3 * quarter - 2, 1)
        return first, _month_end(date(year, 3 * quarter, 1))
    if kind == "halvar":
        return date(year, 6 * half - 5, 1), _month_end(date(year, 6 * half, 1))
    return date(year, 1, 1), date(year, 12, 31)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _whole(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 4:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if len(raw.strip()) == 10 else None
    except ValueError:
        return None


def parse(args: Mapping[str, str], scope: Sequence[str], options: Mapping[str, Sequence[str]],
          today: date) -> tuple[Query | None, Asked]:
    """The query the arguments ask (None if they cannot be answered) and the form's values and
    errors. ``scope``: the interventions the reader may follow up; ``options``: each filter's
    allowed values (address name → values)."""
    values = {name: (args.get(name) or "").strip()[:40] for name in
              ("insats", "period", "ar", "kvartal", "halvar", "fran", "till", "visning", *FILTERS)}
    asked = Asked(values)
    errors = asked.errors
    default_choice = ALL if len(scope) > 1 else (scope[0] if scope else "")
    choice = values["insats"] or default_choice
    values["insats"] = choice
    if choice == ALL and len(scope) > 1:
        keys = tuple(scope)
    elif choice in scope:
        keys = (choice,)
    else:
        errors["insats"] = _("Välj en av insatserna i listan: du kan bara se uppföljningen av dina egna insatser.")
        keys = ()

    kind = values["period"] or "kvartal"
    values["period"] = kind
    year = _whole(values["ar"], FIRST_YEAR, LAST_YEAR) if values["ar"] else today.year
    quarter = _whole(values["kvartal"], 1, 4) if values["kvartal"] else quarter_of(today)
    half = _whole(values["halvar"], 1, 2) if values["halvar"] else (1 if today.month <= 6 else 2)
    values["ar"] = values["ar"] or str(today.year)
    values["kvartal"] = values["kvartal"] or str(quarter_of(today))
    values["halvar"] = values["halvar"] or ("1" if today.month <= 6 else "2")
    first = last = today
    if kind not in KINDS:
        errors["period"] = _("Välj kvartal, halvår, år eller egen period.")
    elif kind == "egen":
        first_day, last_day = _day(values["fran"]), _day(values["till"])
        if not values["fran"] or not values["till"]:
            errors["fran"] = _("Ange både från- och till-datum för en egen period, som ÅÅÅÅ-MM-DD.")
        elif first_day is None:
            errors["fran"] = _("”%(value)s” är inte ett datum. Skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.",
                               value=values["fran"])
        elif last_day is None:
            errors["till"] = _("”%(value)s” är inte ett datum. Skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.",
                               value=values["till"])
        elif last_day < first_day:
            errors["till"] = _("Perioden slutar innan den börjar: till-datumet får inte vara före från-datumet.")
        elif (last_day - first_day).days > LONGEST_DAYS:
            errors["till"] = _("En egen period får vara högst fem år.")
        else:
            first, last = first_day, last_day
    elif year is None:
        errors["ar"] = _("Ange året med fyra siffror, mellan %(first)s och %(last)s.", first=FIRST_YEAR,
                         last=LAST_YEAR)
    elif kind == "kvartal" and quarter is None:
        errors["kvartal"] = _("Välj ett kvartal från 1 till 4.")
    elif kind == "halvar" and half is None:
        errors["halvar"] = _("Välj första eller andra halvåret.")
    else:
        first, last = period_of(kind, year, quarter or 1, half or 1)

    chosen: dict[str, str | None] = {}
    for name, attribute in FILTERS.items():
        value = values[name]
        if value and value not in options.get(name, ()):
            errors[name] = _("”%(value)s” finns inte bland valen. Välj ett värde i listan.", value=value)
        chosen[attribute] = value or None
    if errors:
        return None, asked
    filters = Filters(process_keys=keys, **chosen)
    return Query(choice, keys, kind, year or today.year, quarter or 1, half or 1, first, last, filters,
                 steering_view=values["visning"] == STEERING_VIEW), asked
