"""The figures of a period, computed from the follow-up rows (the read model): participants
referred, started, active and ended, split by gender, age band, home municipality and referring
authority; outcomes against the plan's goals; time in the intervention; replies within their
deadline; caseload per contact person; month by month. Pure: rows in, figures out."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from engine.views.followup import (
    CATEGORIES,
    DIMENSIONS,
    DURATION_BINS,
    MEASURES,
    OTHER,
    UNKNOWN,
    Counts,
    Durations,
    Figures,
    Filters,
    FollowUpRow,
    Indicators,
    Month,
    Outcomes,
    Period,
    Replies,
)


def band_names(bands: Iterable[tuple[int, int]]) -> list[str]:
    return [f"{low}–{high}" for low, high in bands]


def age_band(row: FollowUpRow, bands: Sequence[tuple[int, int]], on: date) -> str:
    """The row's age band at ``on`` (by birth year: the age the person turns that year)."""
    if row.birth_year is None:
        return UNKNOWN
    age = on.year - row.birth_year
    for (low, high), name in zip(bands, band_names(bands), strict=True):
        if low <= age <= high:
            return name
    return f"under {bands[0][0]}" if age < bands[0][0] else f"över {bands[-1][1]}"


def active(row: FollowUpRow, first: date, last: date) -> bool:
    """In the intervention at some time between ``first`` and ``last``: started by the end, not ended before."""
    return row.started_on is not None and row.started_on <= last and (row.ended_on is None or row.ended_on >= first)


def compute(rows: Iterable[FollowUpRow], period: Period, indicators: Indicators,
            filters: Filters | None = None) -> Figures:
    """The period's figures from the rows of the processes asked for (``indicators``: the age bands
    and the goals; when several processes are counted together, those of the first)."""
    filters = filters or Filters()
    bands = indicators.age_bands
    chosen = [r for r in rows if _kept(r, filters, bands, period.last)]
    by: dict[str, dict[str, Counter[str]]] = {d: {} for d in DIMENSIONS}
    total: Counter[str] = Counter()
    national: dict[str, Counter[str]] = {}
    for row in chosen:
        measures = _measures(row, period)
        if not measures:
            continue
        total.update(measures)
        values = {"gender": row.gender or UNKNOWN, "age_band": age_band(row, bands, period.last),
                  "municipality": row.municipality or UNKNOWN, "authority": row.authority or UNKNOWN}
        for dimension, value in values.items():
            by[dimension].setdefault(value, Counter()).update(measures)
        if "active" in measures:
            national.setdefault(row.process_key, Counter())[row.gender or UNKNOWN] += 1
    return Figures(
        period=period, filters=filters, total=_counts(total),
        by={d: {v: _counts(c) for v, c in sorted(values.items())} for d, values in by.items()},
        national={k: dict(sorted(c.items())) for k, c in sorted(national.items())},
        outcomes=_outcomes(chosen, period, indicators), durations=_durations(chosen, period),
        replies=_replies(chosen, period), caseload=_caseload(chosen, period.last),
        months=_months(chosen, period), age_bands=tuple(band_names(bands)),
    )


def _kept(row: FollowUpRow, f: Filters, bands: Sequence[tuple[int, int]], on: date) -> bool:
    return (f.process_keys is None or row.process_key in f.process_keys) \
        and (f.gender is None or (row.gender or UNKNOWN) == f.gender) \
        and (f.municipality is None or (row.municipality or UNKNOWN) == f.municipality) \
        and (f.authority is None or (row.authority or UNKNOWN) == f.authority) \
        and (f.age_band is None or age_band(row, bands, on) == f.age_band)


def _measures(row: FollowUpRow, period: Period) -> list[str]:
    found = []
    if period.holds(row.referred_on):
        found.append("referred")
    if period.holds(row.started_on):
        found.append("started")
    if active(row, period.first, period.last):
        found.append("active")
    if row.started_on is not None and period.holds(row.ended_on):
        found.append("ended")
    return found


def _counts(counter: Counter[str]) -> Counts:
    return Counts(**{m: counter.get(m, 0) for m in MEASURES})


def _ended(rows: Iterable[FollowUpRow], period: Period) -> list[FollowUpRow]:
    """The participations (started ones) that ended in the period."""
    return [r for r in rows if r.started_on is not None and period.holds(r.ended_on)]


def _outcomes(rows: Sequence[FollowUpRow], period: Period, indicators: Indicators) -> Outcomes:
    ended = _ended(rows, period)
    by_category: Counter[str] = Counter()
    by_gender: dict[str, Counter[str]] = {}
    for row in ended:
        category = row.category if row.category in CATEGORIES else OTHER
        by_category[category] += 1
        by_gender.setdefault(category, Counter())[row.gender or UNKNOWN] += 1
    order = [*CATEGORIES, OTHER]
    return Outcomes(
        ended=len(ended), by_category={c: by_category.get(c, 0) for c in order},
        by_gender={c: dict(sorted(by_gender.get(c, Counter()).items())) for c in order},
        shares={c: round(100 * by_category.get(c, 0) / len(ended), 1) if ended else 0.0 for c in order},
        goals=dict(indicators.goals),
    )


def _durations(rows: Sequence[FollowUpRow], period: Period) -> Durations:
    days = sorted((r.ended_on - r.started_on).days for r in _ended(rows, period)
                  if r.ended_on is not None and r.started_on is not None and r.ended_on >= r.started_on)
    names = [f"{low}–{high}" for low, high in zip((0, *DURATION_BINS), DURATION_BINS, strict=False)]
    names.append(f"{DURATION_BINS[-1]}–")
    bins = dict.fromkeys(names, 0)
    for value in days:
        months = value / 30.4375
        index = next((i for i, bound in enumerate(DURATION_BINS) if months < bound), len(DURATION_BINS))
        bins[names[index]] += 1
    return Durations(len(days), float(statistics.median(days)) if days else None,
                     round(statistics.fmean(days), 1) if days else None, bins)


def _replies(rows: Sequence[FollowUpRow], period: Period) -> Replies:
    due = [r for r in rows if period.holds(r.reply_due_on)]
    on_time = sum(1 for r in due if r.replied_on is not None and r.reply_due_on is not None
                  and r.replied_on <= r.reply_due_on)
    unanswered = sum(1 for r in due if r.replied_on is None)
    return Replies(len(due), on_time, len(due) - on_time - unanswered, unanswered)


def _caseload(rows: Sequence[FollowUpRow], on: date) -> dict[str, int]:
    load: Counter[str] = Counter(r.contact for r in rows if r.contact and active(r, on, on))
    return dict(sorted(load.items(), key=lambda item: (-item[1], item[0])))


def _months(rows: Sequence[FollowUpRow], period: Period) -> list[Month]:
    found = []
    first = period.first.replace(day=1)
    while first <= period.last:
        following = (first + timedelta(days=32)).replace(day=1)
        last = min(following - timedelta(days=1), period.last)
        start = max(first, period.first)
        month = Period(start, last)
        found.append(Month(first.strftime("%Y-%m"), sum(1 for r in rows if month.holds(r.started_on)),
                           sum(1 for r in rows if r.started_on is not None and month.holds(r.ended_on)),
                           sum(1 for r in rows if active(r, last, last))))
        first = following
    return found
