"""The figures of a period from what the database counted in the follow-up's rows (the read model):
participants referred, started, active and ended, split by gender, age band, home municipality
and referring authority; outcomes against the plan's goals; time in the intervention; replies
within their deadline; caseload per contact person; month by month. The database does the
counting (``followup_store.counted``), so the time a period's figures take hardly grows with the
number of cases; this module puts its answers together."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from engine.persistence.followup_store import GROUPS, SUMS
from engine.views.followup import (
    CATEGORIES,
    DURATION_BINS,
    MEASURES,
    OTHER,
    UNKNOWN,
    Contacts,
    Counts,
    Durations,
    Figures,
    Filters,
    Indicators,
    Month,
    Outcomes,
    Period,
    Replies,
)


def band_names(bands: Iterable[tuple[int, int]]) -> list[str]:
    return [f"{low}–{high}" for low, high in bands]


def band_of(birth_year: int | None, bands: Sequence[tuple[int, int]], on: date) -> str:
    """The age band at ``on`` of someone born in ``birth_year`` (the age they turn that year)."""
    if birth_year is None:
        return UNKNOWN
    age = on.year - birth_year
    for (low, high), name in zip(bands, band_names(bands), strict=True):
        if low <= age <= high:
            return name
    return f"under {bands[0][0]}" if age < bands[0][0] else f"över {bands[-1][1]}"


def born_in(band: str, bands: Sequence[tuple[int, int]], on: date) -> tuple[int, int] | None:
    """The birth years of an age band's people at ``on`` (None: not one of the bands)."""
    for (low, high), name in zip(bands, band_names(bands), strict=True):
        if name == band:
            return on.year - high, on.year - low
    return None


def months_of(period: Period) -> list[tuple[date, date]]:
    """The period's calendar months, the first and last cut to the period."""
    found = []
    first = period.first.replace(day=1)
    while first <= period.last:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append((max(first, period.first), min(following - timedelta(days=1), period.last)))
        first = following
    return found


def assemble(counted: Mapping[str, Any], period: Period, indicators: Indicators, filters: Filters) -> Figures:
    """Figures from what ``followup_store.counted`` answered for the period."""
    bands = indicators.age_bands
    splits: dict[str, dict[str, Counter[str]]] = {"gender": {}, "age_band": {}, "municipality": {}, "authority": {}}
    crossed: dict[str, dict[str, dict[str, Counter[str]]]] = {split: {} for split in splits}
    total: Counter[str] = Counter()
    national: dict[str, Counter[str]] = {}
    for row in counted["groups"]:
        key = dict(zip(GROUPS, row[:len(GROUPS)], strict=True))
        sums = Counter(dict(zip(SUMS, (int(n) for n in row[len(GROUPS):]), strict=True)))
        total.update(sums)
        values = {"gender": key["gender"] or UNKNOWN, "age_band": band_of(key["birth_year"], bands, period.last),
                  "municipality": key["municipality"] or UNKNOWN, "authority": key["authority"] or UNKNOWN}
        for split, value in values.items():
            splits[split].setdefault(value, Counter()).update({m: sums[m] for m in MEASURES})
            crossed[split].setdefault(value, {}).setdefault(values["gender"], Counter()).update(
                {m: sums[m] for m in MEASURES})
        if sums["active"]:
            national.setdefault(key["process_key"], Counter())[key["gender"] or UNKNOWN] += sums["active"]
    by = {split: {v: _counts(c) for v, c in sorted(values.items()) if any(c.values())}
          for split, values in splits.items()}
    by_gender = {split: {v: {g: _counts(c) for g, c in sorted(genders.items()) if any(c.values())}
                         for v, genders in sorted(values.items()) if v in by[split]}
                 for split, values in crossed.items()}
    due, on_time, unanswered = total["reply_due"], total["reply_on_time"], total["reply_unanswered"]
    caseload = sorted(((str(c), int(n)) for c, n in counted["caseload"]), key=lambda item: (-item[1], item[0]))
    return Figures(
        period=period, filters=filters, total=_counts(total), by=by, by_gender=by_gender,
        national={k: dict(sorted(v.items())) for k, v in sorted(national.items())},
        outcomes=_outcomes(counted["outcomes"], indicators), durations=_durations(counted["durations"]),
        replies=Replies(due, on_time, due - on_time - unanswered, unanswered), caseload=dict(caseload),
        contacts=_contacts(counted, period) if indicators.contact_task else None,
        months=_months(counted, total, period), age_bands=tuple(band_names(bands)),
    )


def _months(counted: Mapping[str, Any], total: Counter[str], period: Period) -> list[Month]:
    """Each month's starts and ends, and who was active at its end: everyone started by then less
    everyone whose participation ended before then."""
    started = {str(month): int(n) for month, n in counted["started_by_month"]}
    ends = sorted((_as_date(day), int(n)) for day, n in counted["ended_by_day"])
    months = []
    started_by_end, ended_before_end = total["started_before"], total["ended_before"]
    for first, last in months_of(period):
        name = first.strftime("%Y-%m")
        started_by_end += started.get(name, 0)
        ended_in = sum(n for day, n in ends if first <= day <= last)
        ended_before_end = total["ended_before"] + sum(n for day, n in ends if day < last)
        months.append(Month(name, started.get(name, 0), ended_in, started_by_end - ended_before_end))
    return months


def _contacts(counted: Mapping[str, Any], period: Period) -> Contacts:
    """The months of the period after each participation's first month and before its last (a
    participation still going counts to the period's end), and how many had their contact."""
    months = [first.strftime("%Y-%m") for first, _last in months_of(period)]
    required = sum(int(n) * sum(1 for m in months if m > str(start) and (end is None or m < str(end)))
                   for start, end, n in counted["participation_months"] if start is not None)
    return Contacts(required, min(int(counted["contacts"]), required))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _counts(counter: Counter[str]) -> Counts:
    return Counts(**{m: counter.get(m, 0) for m in MEASURES})


def _outcomes(rows: Iterable[tuple[str | None, str | None, int]], indicators: Indicators) -> Outcomes:
    by_category: Counter[str] = Counter()
    by_gender: dict[str, Counter[str]] = {}
    for category, gender, number in rows:
        named = category if category in CATEGORIES else OTHER
        by_category[named] += int(number)
        by_gender.setdefault(named, Counter())[gender or UNKNOWN] += int(number)
    ended = sum(by_category.values())
    order = [*CATEGORIES, OTHER]
    return Outcomes(
        ended=ended, by_category={c: by_category.get(c, 0) for c in order},
        by_gender={c: dict(sorted(by_gender.get(c, Counter()).items())) for c in order},
        shares={c: round(100 * by_category.get(c, 0) / ended, 1) if ended else 0.0 for c in order},
        goals=dict(indicators.goals),
    )


def _durations(pairs: Iterable[tuple[date | None, date | None]]) -> Durations:
    days = sorted((end - start).days for start, end in pairs if start is not None and end is not None and end >= start)
    names = [f"{low}–{high}" for low, high in zip((0, *DURATION_BINS), DURATION_BINS, strict=False)]
    names.append(f"{DURATION_BINS[-1]}–")
    bins = dict.fromkeys(names, 0)
    for value in days:
        months = value / 30.4375
        index = next((i for i, bound in enumerate(DURATION_BINS) if months < bound), len(DURATION_BINS))
        bins[names[index]] += 1
    return Durations(len(days), float(statistics.median(days)) if days else None,
                     round(statistics.fmean(days), 1) if days else None, bins)
