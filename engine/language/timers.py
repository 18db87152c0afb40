"""ISO 8601 timer texts (BPMN timeDate, timeDuration, timeCycle) and the due times they give.

Pure functions: no SpiffWorkflow, no clock, no I/O — the caller says when a timer started waiting.

Conventions:

* Every datetime returned is timezone-aware and in UTC.
* A naive date-time (text without ``Z`` or an offset, a bare date, or a naive ``datetime`` object)
  is read as local time in Europe/Stockholm, where the interventions run. A bare date means local
  midnight.
* Durations keep their calendar parts. Months and years move along the calendar (the day clamped to
  the month's length), weeks and days move the Stockholm wall clock (so ``P1D`` across a DST change
  keeps 08:00 → 08:00), and hours, minutes and seconds are exact elapsed time.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from engine.errors import InvalidInput

LOCAL_TZ = ZoneInfo("Europe/Stockholm")

KINDS = ("date", "duration", "cycle")

# Designators are upper case only: 'p1d' is far more likely a variable name in an expression than
# a duration, and looks_literal() must not steal it.
_DURATION_TEMPLATE = (
    r"P(?!\Z)"
    r"(?:(?P<years>{n})Y)?"
    r"(?:(?P<months>{n})M)?"
    r"(?:(?P<weeks>{n})W)?"
    r"(?:(?P<days>{n})D)?"
    r"(?:T(?!\Z)"
    r"(?:(?P<hours>{n})H)?"
    r"(?:(?P<minutes>{n})M)?"
    r"(?:(?P<seconds>{f})S)?"
    r")?"
)
_INT = r"\d+"
_FRAC = r"\d+(?:[.,]\d+)?"
_DURATION_RE = re.compile(_DURATION_TEMPLATE.format(n=_INT, f=_FRAC))
# The same grammar with a fraction allowed anywhere, only to tell the user *why* 'P1.5M' is refused.
_FRACTION_RE = re.compile(_DURATION_TEMPLATE.format(n=_FRAC, f=_FRAC))

# Extended ISO 8601 only (what modelers and JSON produce); datetime.fromisoformat alone would also
# take any character as the date/time separator and week dates, which we would rather not promise.
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_CYCLE_RE = re.compile(r"R(?P<reps>\d*)/(?:(?P<start>[^/]+)/)?(?P<period>[^/]+)")
# Quartz/Spring cron: five to seven space-separated fields of digits and cron punctuation.
_CRON_RE = re.compile(r"(?:[0-9A-Za-z*?/,#L-]+\s+){4,6}[0-9A-Za-z*?/,#L-]+")

_EXAMPLES = {
    "duration": "P14D, P1M or PT2H30M",
    "date": "2026-03-01T08:00:00+01:00 or 2026-03-01",
    "cycle": "R/P1M, R3/PT1H or R12/2026-01-31/P1M",
}


def _bad(kind: str, text: object, why: str = "") -> InvalidInput:
    """The one shape of error for unusable timer text: it names the text and shows examples."""
    reason = f" ({why})" if why else ""
    return InvalidInput(
        f"not an ISO 8601 {kind}: {text!r}{reason}; write e.g. {_EXAMPLES[kind]}",
        {"kind": kind, "text": text},
    )


def _to_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is read as Stockholm local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


def _local_midnight(day: date) -> datetime:
    """Midnight in Stockholm at the start of ``day``, in UTC."""
    return datetime.combine(day, datetime.min.time(), LOCAL_TZ).astimezone(UTC)


def calendar_days_between(start: datetime, end: datetime) -> int:
    """How many Stockholm calendar days lie from ``start``'s date to ``end``'s (0 on the same day)."""
    return (_to_utc(end).astimezone(LOCAL_TZ).date() - _to_utc(start).astimezone(LOCAL_TZ).date()).days


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, the day of month clamped to the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration kept in its calendar parts, never collapsed to seconds.

    ``P1M`` is not 30 days and ``P1D`` is not 24 hours where summer time begins; see :meth:`add_to`.
    """

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: float = 0

    def add_to(self, moment: datetime, times: int = 1) -> datetime:
        """``moment`` plus this duration ``times`` over, in UTC.

        Calendar months (``years * 12 + months``, times ``times``) are added first, in one step from
        ``moment`` so that repeated periods do not drift: 2026-01-31 + P1M×3 is 2026-04-30 and ×4 is
        2026-05-31. Weeks and days are then added to the Stockholm wall clock (a local time that does
        not exist on a spring-forward day moves forward by the gap; an ambiguous one takes the first
        occurrence). Hours, minutes and seconds are added last as exact elapsed time.

        A naive ``moment`` is read in Europe/Stockholm.
        """
        if times < 0:
            raise InvalidInput(f"a duration cannot be added a negative number of times ({times})")
        result = _to_utc(moment)
        months = (self.years * 12 + self.months) * times
        days = (self.weeks * 7 + self.days) * times
        try:
            if months or days:
                # Only round-trip through local time when the calendar is involved, so that a
                # purely exact duration never moves an instant inside an ambiguous autumn hour.
                local = result.astimezone(LOCAL_TZ)
                day = _add_months(local.date(), months) + timedelta(days=days)
                wall = datetime.combine(day, local.time().replace(fold=0), tzinfo=LOCAL_TZ)
                result = wall.astimezone(UTC)
            exact = timedelta(hours=self.hours, minutes=self.minutes, seconds=self.seconds) * times
            return result + exact
        except (OverflowError, ValueError) as exc:
            raise InvalidInput(
                f"{self.iso()} × {times} from {moment.isoformat()} falls outside the calendar",
                {"duration": self.iso(), "times": times},
            ) from exc

    def iso(self) -> str:
        """Canonical ISO 8601 text of the parts as given, e.g. ``P14D``, ``P1M``, ``PT2H30M``, ``PT0S``."""
        date_part = "".join(
            f"{value}{unit}"
            for value, unit in ((self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D"))
            if value
        )
        seconds = ""
        if self.seconds:
            # Whole seconds print without '.0'; fractions without float noise such as 0.30000000000000004.
            seconds = f"{self.seconds:.6f}".rstrip("0").rstrip(".") + "S"
        time_part = "".join(f"{v}{u}" for v, u in ((self.hours, "H"), (self.minutes, "M")) if v) + seconds
        if not date_part and not time_part:
            return "PT0S"
        return "P" + date_part + (f"T{time_part}" if time_part else "")

    def is_zero(self) -> bool:
        """True when every part is zero (the timer is due the moment it starts waiting)."""
        return not any(
            (self.years, self.months, self.weeks, self.days, self.hours, self.minutes, self.seconds)
        )

    def __str__(self) -> str:
        return self.iso()


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration such as ``P14D``, ``P1M``, ``P2W``, ``PT36H`` or ``P1Y2M3DT4H5M6S``.

    Only seconds may have a fraction (``PT1.5S``); ``P0.5D`` or ``P1.5M`` are refused because half a
    month has no calendar meaning. Negative durations are refused. Surrounding whitespace (as found in
    BPMN element text) is ignored. Raises :class:`InvalidInput` naming the text on anything else.
    """
    if not isinstance(text, str):
        raise _bad("duration", text, "expected text")
    stripped = text.strip()
    match = _DURATION_RE.fullmatch(stripped)
    if match is None:
        if _FRACTION_RE.fullmatch(stripped):
            raise _bad("duration", text, "only seconds may have a fraction")
        if stripped.startswith("-"):
            raise _bad("duration", text, "negative durations are not allowed")
        raise _bad("duration", text)
    parts = match.groupdict()
    seconds_text = (parts.pop("seconds") or "0").replace(",", ".")
    seconds: float = float(seconds_text) if "." in seconds_text else int(seconds_text)
    if not math.isfinite(seconds):
        raise _bad("duration", text)
    return Duration(seconds=seconds, **{name: int(value or 0) for name, value in parts.items()})


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date-time or date into an aware UTC datetime.

    Accepts ``2026-03-01T08:00:00+01:00``, ``…Z``, ``2026-03-01T08:00`` and ``2026-03-01`` (a space
    may stand for the ``T``). Text without ``Z`` or an offset is Stockholm local time; a bare date is
    local midnight. Raises :class:`InvalidInput` naming the text on anything else.
    """
    if not isinstance(text, str):
        raise _bad("date", text, "expected text")
    stripped = text.strip()
    if not _DATETIME_RE.fullmatch(stripped):
        raise _bad("date", text)
    normalised = stripped.replace(",", ".")
    try:
        if len(normalised) == 10:
            return _local_midnight(date.fromisoformat(normalised))
        return _to_utc(datetime.fromisoformat(normalised))
    except (ValueError, OverflowError) as exc:
        # Right shape, impossible value: 2026-02-30, 25:00, +25:00, 0001-01-01 in Stockholm …
        raise _bad("date", text, str(exc)) from exc


@dataclass(frozen=True)
class Cycle:
    """An ISO 8601 repeating interval: ``R[n]/[start/]period``."""

    repetitions: int | None  # None = unbounded ('R/…')
    start: datetime | None  # None = relative to when the timer starts waiting
    period: Duration

    def occurrence(self, n: int, started: datetime) -> datetime:
        """The ``n``-th (0-based) due time, in UTC.

        Without a start the first is one period after ``started`` (anchor + period×(n+1)); with a start
        the first is the start itself (start + period×n). Always computed from the anchor, so monthly
        cycles from the 31st land on the last day of short months and return to the 31st after.
        """
        if n < 0:
            raise InvalidInput(f"occurrence number must be 0 or more, not {n}")
        if self.start is None:
            return self.period.add_to(started, n + 1)
        return self.period.add_to(self.start, n)

    def remaining(self, fired: int) -> int | None:
        """How many more times the cycle fires after ``fired`` firings; None if unbounded."""
        if self.repetitions is None:
            return None
        return max(self.repetitions - fired, 0)

    def iso(self) -> str:
        """Canonical text, e.g. ``R/P1M`` or ``R12/2026-01-30T23:00:00+00:00/P1M``."""
        reps = "" if self.repetitions is None else str(self.repetitions)
        start = "" if self.start is None else self.start.isoformat() + "/"
        return f"R{reps}/{start}{self.period.iso()}"


def parse_cycle(text: str) -> Cycle:
    """Parse an ISO 8601 cycle: ``R/P1M``, ``R3/PT1H``, ``R/2026-03-01T08:00:00+01:00/P1M``,
    ``R12/2026-01-31/P1M``; a plain duration such as ``P1M`` is an unbounded cycle of that period.

    Refused with :class:`InvalidInput`: cron expressions, intervals given by an end
    (``R/start/end``, ``R/period/end``), ``R0`` and zero periods (which would fire endlessly at once).
    """
    if not isinstance(text, str):
        raise _bad("cycle", text, "expected text")
    stripped = text.strip()
    if _CRON_RE.fullmatch(stripped):
        raise InvalidInput(
            f"{text!r}: cron expressions are not supported; write an ISO 8601 cycle such as R/P1M",
            {"kind": "cycle", "text": text},
        )
    if stripped.startswith("P"):
        period = parse_duration(stripped)
        repetitions: int | None = None
        start: datetime | None = None
    else:
        match = _CYCLE_RE.fullmatch(stripped)
        if match is None:
            raise _bad("cycle", text)
        repetitions = int(match["reps"]) if match["reps"] else None
        if repetitions == 0:
            raise _bad("cycle", text, "R0 never fires")
        try:
            period = parse_duration(match["period"])
        except InvalidInput as exc:
            why = "the last part must be a duration; cycles ending at a date are not supported"
            raise _bad("cycle", text, why) from exc
        try:
            start = parse_datetime(match["start"]) if match["start"] else None
        except InvalidInput as exc:
            raise _bad("cycle", text, "the middle part must be a start date-time") from exc
    if period.is_zero():
        raise _bad("cycle", text, "the period must be longer than zero")
    return Cycle(repetitions=repetitions, start=start, period=period)


@dataclass(frozen=True)
class TimerSpec:
    """What a BPMN timer event definition says: which kind of timer, and its (unevaluated) text."""

    kind: str  # 'date' | 'duration' | 'cycle'
    text: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(f"unknown timer kind {self.kind!r}; expected one of {', '.join(KINDS)}")


_PARSERS = {"date": parse_datetime, "duration": parse_duration, "cycle": parse_cycle}


def looks_literal(kind: str, text: str) -> bool:
    """True if ``text`` parses as the ISO 8601 literal of that kind.

    The engine uses this to treat a modeler's plain ``P14D`` or ``2026-03-01`` as a literal rather
    than an expression (``2026-03-01`` would otherwise evaluate to 2022).
    """
    if kind not in _PARSERS:
        raise InvalidInput(f"unknown timer kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        _PARSERS[kind](text)
    except InvalidInput:
        return False
    return True


def due_at(
    kind: str, value: str | datetime | date | timedelta | Duration | Cycle, started: datetime
) -> datetime:
    """The first due time (UTC) of a timer, given its evaluated value and when it started waiting.

    * ``date``: ISO text or a datetime (a naive one is Stockholm time) or a date (local midnight).
    * ``duration``: ISO text, a :class:`Duration` or a non-negative ``timedelta`` (exact time).
    * ``cycle``: ISO text or a :class:`Cycle`; the first occurrence.

    ``started`` may be naive (read in Stockholm). Any other type raises :class:`InvalidInput`.
    """
    if kind == "date":
        if isinstance(value, str):
            return parse_datetime(value)
        if isinstance(value, datetime):
            return _to_utc(value)
        if isinstance(value, date):
            return _local_midnight(value)
    elif kind == "duration":
        if isinstance(value, str):
            return parse_duration(value).add_to(started)
        if isinstance(value, Duration):
            return value.add_to(started)
        if isinstance(value, timedelta):
            if value < timedelta(0):
                raise _bad("duration", value, "negative durations are not allowed")
            return _to_utc(started) + value
    elif kind == "cycle":
        if isinstance(value, str):
            value = parse_cycle(value)
        if isinstance(value, Cycle):
            return value.occurrence(0, started)
    else:
        raise InvalidInput(f"unknown timer kind {kind!r}; expected one of {', '.join(KINDS)}")
    raise InvalidInput(
        f"a {kind} timer cannot use a value of type {type(value).__name__} ({value!r})",
        {"kind": kind, "type": type(value).__name__},
    )


# --- limits a model must keep (docs/operations.md, "Limits of a model") ---------------------------------

#: The shortest period a cycle may have. A firing costs a worker ~14 ms (docs/benchmarks.md; R/PT1S
#: measured 3,600 firings in 49 s for one case and one hour): hourly for 10,000 open cases is ~140 s
#: of worker time an hour, a minute would be ~2.3 workers busy all the time.
MIN_CYCLE_PERIOD = timedelta(hours=1)
#: The longest duration (and cycle period) a timer may wait: longer than any intervention runs.
MAX_DURATION = Duration(years=10)
#: The years a timeDate (or a cycle's start) may name.
DATE_YEARS = range(1970, 2200)
_REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)


def limits_problem(kind: str, value: str | Duration | Cycle | datetime) -> str | None:
    """Why a timer value, valid ISO 8601, is still not one the engine runs, or None.

    Refused: durations longer than :data:`MAX_DURATION` (``P99999999999Y`` used to pass validation
    and fail every case start), cycles shorter than :data:`MIN_CYCLE_PERIOD` (``R/PT1S`` fires 3,600
    times an hour), and dates outside :data:`DATE_YEARS`. Checked at validation for literal texts
    and at run time for values computed by expressions.
    """
    try:
        if isinstance(value, str):
            value = _PARSERS[kind](value)  # type: ignore[assignment]
        if isinstance(value, datetime):
            local = value.astimezone(LOCAL_TZ).date()
            if local.year not in DATE_YEARS:
                return f"the date {local.isoformat()} is outside {DATE_YEARS.start}–{DATE_YEARS.stop - 1}"
            return None
        period = value.period if isinstance(value, Cycle) else value
        if isinstance(value, Cycle) and value.start is not None and value.start.year not in DATE_YEARS:
            return f"the cycle starts outside {DATE_YEARS.start}–{DATE_YEARS.stop - 1}"
        if not isinstance(period, Duration):
            return None
        end = period.add_to(_REFERENCE)
        if end > MAX_DURATION.add_to(_REFERENCE):
            return f"{period.iso()} is longer than the longest wait allowed ({MAX_DURATION.iso()})"
        if isinstance(value, Cycle) and end - _REFERENCE < MIN_CYCLE_PERIOD:
            return (f"a cycle of {period.iso()} fires too often: the shortest period allowed is "
                    f"PT{int(MIN_CYCLE_PERIOD.total_seconds() // 3600)}H")
    except InvalidInput as exc:
        return exc.message
    return None


def check_limits(kind: str, value: str | Duration | Cycle | datetime) -> None:
    """Raise :class:`InvalidInput` if :func:`limits_problem` finds one (run time: an incident)."""
    problem = limits_problem(kind, value)
    if problem:
        raise InvalidInput(f"timer {kind}: {problem}", {"kind": kind})


#: Text that is ISO 8601 in intent (R…/…, P…), never an expression: R/PT0S is Python too (R / PT0S),
#: so without this rule a refused literal slipped through as an "expression" naming R and PT0S.
ISO_SHAPED = re.compile(r"\s*(?:R\d*/\S*|P(?:\d|T\d)\S*|\d{4}-\d{2}-\d{2}\S*)\s*")
