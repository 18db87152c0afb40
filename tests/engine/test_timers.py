from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.errors import InvalidInput
from engine.language.timers import (
    Cycle,
    Duration,
    TimerSpec,
    due_at,
    looks_literal,
    parse_cycle,
    parse_datetime,
    parse_duration,
)

STHLM = ZoneInfo("Europe/Stockholm")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)


# --- durations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("P14D", Duration(days=14), "P14D"),
        ("P1M", Duration(months=1), "P1M"),
        ("P2W", Duration(weeks=2), "P2W"),
        ("PT36H", Duration(hours=36), "PT36H"),
        ("PT2H30M", Duration(hours=2, minutes=30), "PT2H30M"),
        ("P1Y2M3DT4H5M6S", Duration(1, 2, 0, 3, 4, 5, 6), "P1Y2M3DT4H5M6S"),
        ("PT1.5S", Duration(seconds=1.5), "PT1.5S"),
        ("PT0,25S", Duration(seconds=0.25), "PT0.25S"),
        ("P0D", Duration(), "PT0S"),
        ("  P14D\n", Duration(days=14), "P14D"),
    ],
)
def test_parse_duration(text: str, expected: Duration, canonical: str) -> None:
    parsed = parse_duration(text)
    assert parsed == expected
    assert parsed.iso() == canonical
    assert parse_duration(parsed.iso()) == parsed


def test_duration_keeps_calendar_parts() -> None:
    assert parse_duration("P1M") != parse_duration("P30D")
    assert parse_duration("P2W") != parse_duration("P14D")
    assert Duration().is_zero()
    assert parse_duration("PT0S").is_zero()
    assert not parse_duration("PT1S").is_zero()


@pytest.mark.parametrize(
    "text", ["14 days", "PT", "P", "P1.5M", "P0.5D", "", "-P1D", "p14d", "P1D2Y", "P1DT"]
)
def test_bad_duration_names_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text)
    assert repr(text) in caught.value.message
    assert caught.value.details["text"] == text


def test_fraction_outside_seconds_says_why() -> None:
    with pytest.raises(InvalidInput, match="only seconds may have a fraction"):
        parse_duration("P1.5M")


def test_p14d_from_a_stockholm_morning() -> None:
    started = local(2026, 2, 2, 8, 15)
    due = parse_duration("P14D").add_to(started)
    assert due.tzinfo is UTC
    assert due == local(2026, 2, 16, 8, 15)
    assert due == datetime(2026, 2, 16, 7, 15, tzinfo=UTC)


def test_months_anchored_on_the_31st_do_not_drift() -> None:
    month = Duration(months=1)
    start = local(2026, 1, 31, 9, 0)
    assert month.add_to(start, 1).astimezone(STHLM) == local(2026, 2, 28, 9, 0)
    assert month.add_to(start, 3).astimezone(STHLM) == local(2026, 4, 30, 9, 0)
    assert month.add_to(start, 4).astimezone(STHLM) == local(2026, 5, 31, 9, 0)
    # Stepping from the previous result would drift to the 28th; anchoring does not.
    assert month.add_to(month.add_to(start)) == local(2026, 3, 28, 9, 0)
    assert month.add_to(start, 2) == local(2026, 3, 31, 9, 0)


def test_monthly_cycle_from_the_31st_over_a_year() -> None:
    cycle = parse_cycle("R12/2026-01-31/P1M")
    assert cycle.repetitions == 12
    dates = [cycle.occurrence(n, started=local(2026, 1, 1)).astimezone(STHLM) for n in range(12)]
    assert [d.date() for d in dates] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
    ]
    # Local midnight every time, summer or winter.
    assert {(d.hour, d.minute) for d in dates} == {(0, 0)}
    assert all(d.tzinfo is UTC for d in (cycle.occurrence(n, local(2026, 1, 1)) for n in range(12)))


def test_leap_years() -> None:
    assert Duration(months=1).add_to(local(2028, 1, 31, 8)) == local(2028, 2, 29, 8)
    assert Duration(years=1).add_to(local(2028, 2, 29, 8)) == local(2029, 2, 28, 8)
    assert Duration(years=1).add_to(local(2028, 2, 29, 8), times=4) == local(2032, 2, 29, 8)
    assert Duration(days=1).add_to(local(2028, 2, 28, 8)) == local(2028, 2, 29, 8)
    assert Duration(months=12).add_to(local(2027, 2, 28, 8)) == local(2028, 2, 28, 8)


def test_day_durations_keep_wall_clock_across_spring_forward() -> None:
    # 2026-03-29: clocks go from 02:00 to 03:00 in Stockholm.
    before = local(2026, 3, 28, 8, 0)
    one_day = parse_duration("P1D").add_to(before)
    assert one_day.astimezone(STHLM) == local(2026, 3, 29, 8, 0)
    assert one_day - before == timedelta(hours=23)
    # Exact hours stay exact hours.
    assert parse_duration("PT24H").add_to(before).astimezone(STHLM).hour == 9
    assert parse_duration("P1W").add_to(local(2026, 3, 25, 8)).astimezone(STHLM) == local(2026, 4, 1, 8)


def test_day_durations_keep_wall_clock_across_fall_back() -> None:
    # 2026-10-25: clocks go from 03:00 back to 02:00 in Stockholm.
    before = local(2026, 10, 24, 8, 0)
    one_day = parse_duration("P1D").add_to(before)
    assert one_day.astimezone(STHLM) == local(2026, 10, 25, 8, 0)
    assert one_day - before == timedelta(hours=25)
    assert parse_duration("PT24H").add_to(before).astimezone(STHLM).hour == 7


def test_daily_cycle_keeps_wall_clock_through_both_changes() -> None:
    cycle = parse_cycle("R/2026-03-27T08:00/P1D")
    for n in range(5):
        assert cycle.occurrence(n, started=local(2026, 1, 1)).astimezone(STHLM).hour == 8
    cycle = parse_cycle("R/2026-10-23T08:00/P1D")
    for n in range(5):
        assert cycle.occurrence(n, started=local(2026, 1, 1)).astimezone(STHLM).hour == 8


def test_nonexistent_local_time_moves_forward() -> None:
    # 02:30 does not exist on 2026-03-29; the wall clock lands at 03:30 summer time.
    due = Duration(days=1).add_to(local(2026, 3, 28, 2, 30))
    assert due.astimezone(STHLM).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)


def test_naive_moment_is_stockholm_time() -> None:
    assert Duration(hours=1).add_to(datetime(2026, 6, 1, 8, 0)) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def test_zero_times_is_the_moment_itself() -> None:
    moment = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time, ambiguous in local time
    assert Duration(months=1, days=3).add_to(moment, times=0) == moment
    assert Duration(hours=1).add_to(moment) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


# --- date-times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T08:00:00+01:00", datetime(2026, 3, 1, 7, 0, tzinfo=UTC)),
        ("2026-03-01T08:00:00Z", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("2026-03-01T08:00:00.5Z", datetime(2026, 3, 1, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2026-06-01T08:00:00-04:00", datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        ("2026-06-01T08:00", datetime(2026, 6, 1, 6, 0, tzinfo=UTC)),  # summer time, +02:00
        ("2026-03-01", datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),  # local midnight, +01:00
        ("2026-07-01", datetime(2026, 6, 30, 22, 0, tzinfo=UTC)),
        ("2026-03-01 08:00", datetime(2026, 3, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2026-02-30", "2026-3-1", "01/03/2026", "2026-03-01T25:00", "P1D"]
)
def test_bad_datetime_names_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_datetime(text)
    assert repr(text) in caught.value.message


# --- cycles ------------------------------------------------------------------------------------------


def test_unbounded_relative_cycle() -> None:
    cycle = parse_cycle("R/P1M")
    assert cycle == Cycle(repetitions=None, start=None, period=Duration(months=1))
    started = local(2026, 1, 31, 10)
    assert cycle.occurrence(0, started) == local(2026, 2, 28, 10)
    assert cycle.occurrence(1, started) == local(2026, 3, 31, 10)
    assert cycle.occurrence(11, started) == local(2027, 1, 31, 10)
    assert cycle.remaining(0) is None
    assert cycle.remaining(1000) is None


def test_plain_duration_is_an_unbounded_cycle() -> None:
    assert parse_cycle("P1M") == parse_cycle("R/P1M")


def test_bounded_relative_cycle() -> None:
    cycle = parse_cycle("R3/PT1H")
    assert cycle.repetitions == 3
    assert cycle.start is None
    started = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert [cycle.occurrence(n, started) for n in range(3)] == [
        datetime(2026, 5, 4, 13, 0, tzinfo=UTC),
        datetime(2026, 5, 4, 14, 0, tzinfo=UTC),
        datetime(2026, 5, 4, 15, 0, tzinfo=UTC),
    ]
    assert [cycle.remaining(n) for n in range(5)] == [3, 2, 1, 0, 0]


def test_cycle_with_start_fires_at_start_first() -> None:
    cycle = parse_cycle("R/2026-03-01T08:00:00+01:00/P1M")
    assert cycle.start == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    started = datetime(2026, 1, 1, tzinfo=UTC)  # irrelevant when a start is given
    assert cycle.occurrence(0, started) == cycle.start
    # April is summer time; the Stockholm wall clock stays at 08:00.
    assert cycle.occurrence(1, started) == local(2026, 4, 1, 8, 0)
    assert cycle.occurrence(1, started) == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "R",
        "R/",
        "Rx/P1D",
        "R0/P1D",
        "R/PT0S",
        "R/2026-01-01/2026-02-01",
        "R/P1M/2026-02-01",
        "R3/soon/P1D",
        "14 days",
    ],
)
def test_bad_cycle_names_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_cycle(text)
    assert repr(text) in caught.value.message


@pytest.mark.parametrize("text", ["0 0/5 * * * ?", "0 0 8 * * MON-FRI", "*/5 * * * *"])
def test_cron_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_cycle(text)
    assert "cron expressions are not supported; write an ISO 8601 cycle such as R/P1M" in caught.value.message
    assert repr(text) in caught.value.message


# --- literals and due times --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "literal"),
    [
        ("duration", "P14D", True),
        ("duration", "wait_days", False),
        ("duration", "p14d", False),
        ("duration", "'P14D'", False),
        ("date", "2026-03-01", True),
        ("date", "2026-03-01T08:00:00Z", True),
        ("date", "start_date", False),
        ("cycle", "R/P1M", True),
        ("cycle", "P1M", True),
        ("cycle", "reminder_cycle", False),
        ("cycle", "0 0/5 * * * ?", False),
    ],
)
def test_looks_literal(kind: str, text: str, literal: bool) -> None:
    assert looks_literal(kind, text) is literal


def test_timer_spec_kinds() -> None:
    assert TimerSpec("duration", "P14D").kind == "duration"
    with pytest.raises(InvalidInput):
        TimerSpec("sometime", "P14D")


def test_due_at_accepts_each_value_type() -> None:
    started = local(2026, 3, 28, 8, 0)
    expected = local(2026, 3, 29, 8, 0)
    assert due_at("duration", "P1D", started) == expected
    assert due_at("duration", Duration(days=1), started) == expected
    assert due_at("duration", timedelta(days=1), started) == local(2026, 3, 29, 9, 0)  # exact time
    assert due_at("date", "2026-03-29T08:00", started) == expected
    assert due_at("date", local(2026, 3, 29, 8, 0), started) == expected
    assert due_at("date", datetime(2026, 3, 29, 8, 0), started) == expected  # naive = Stockholm
    assert due_at("date", date(2026, 3, 29), started) == local(2026, 3, 29, 0, 0)
    assert due_at("cycle", "R/P1D", started) == expected
    for kind, value in (("duration", "P1D"), ("date", "2026-03-29"), ("cycle", "R/P1D")):
        assert due_at(kind, value, started).tzinfo is UTC


def test_due_at_refuses_wrong_values() -> None:
    started = local(2026, 3, 28, 8, 0)
    with pytest.raises(InvalidInput, match="'14 days'"):
        due_at("duration", "14 days", started)
    with pytest.raises(InvalidInput, match="negative"):
        due_at("duration", timedelta(days=-1), started)
    with pytest.raises(InvalidInput, match="int"):
        due_at("duration", 14, started)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="timedelta"):
        due_at("date", timedelta(days=1), started)
    with pytest.raises(InvalidInput, match="unknown timer kind"):
        due_at("someday", "P1D", started)
