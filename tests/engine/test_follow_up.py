"""The follow-up a förbund reports, computed from the cases: 40 participants of "Steget vidare"
(tests/bpmn/steget_vidare.bpmn, a journey that declares its indicators in the model and nothing
in code) referred through the first quarter of 2026, their referrals answered on time, late or
not at all, enrolled, and some ended with an outcome. Every figure is checked to the unit against
what the scenario says happened."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from engine.errors import InvalidProcess
from engine.views import SourceFile
from engine.views.followup import Counts, Filters, Period
from tests.bpmn import BPMN_DIR
from tests.engine.journey import move_to

FIRST_REFERRAL = date(2026, 1, 12)
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 28))
OUTCOMES = ("arbete", "arbete", "studier", "annan", "sjuk")
CATEGORY = {"arbete": "arbete", "studier": "studier", "annan": "annan_insats", "sjuk": "ej_nytta"}
BANDS = ((18, 29), (30, 49), (50, 64))


@dataclass(frozen=True)
class Participant:
    """One participant as the scenario has it happen."""

    number: int

    @property
    def referred(self) -> date:
        return FIRST_REFERRAL + timedelta(days=self.number)

    @property
    def gender(self) -> str:
        return "kvinna" if self.number % 2 == 0 else "man"

    @property
    def birth_year(self) -> int:
        return 1975 + self.number % 30

    @property
    def municipality(self) -> str:
        return ("skelleftea", "norsjo", "mala")[self.number % 3]

    @property
    def authority(self) -> str:
        return "AF" if self.number % 4 < 2 else "SOC"

    @property
    def contact(self) -> str:
        return ("anna", "bo", "cissi")[self.number % 3]

    @property
    def decided(self) -> date | None:
        """The referral answered ten days after it came, every fifth twenty days after (late: the
        deadline is two weeks), the last five not at all."""
        if self.number >= 35:
            return None
        return self.referred + timedelta(days=20 if self.number % 5 == 0 else 10)

    @property
    def reply_due(self) -> date:
        return self.referred + timedelta(days=14)

    @property
    def admitted(self) -> bool:
        return self.decided is not None and self.number % 7 != 6

    @property
    def started(self) -> date | None:
        return self.decided if self.admitted else None

    @property
    def ended(self) -> date | None:
        return self.started + timedelta(days=30) if self.started and self.number < 20 else None

    @property
    def outcome(self) -> str | None:
        return OUTCOMES[self.number % 5] if self.ended else None

    def band(self, on: date) -> str:
        age = on.year - self.birth_year
        return next(f"{low}–{high}" for low, high in BANDS if low <= age <= high)


PEOPLE = [Participant(n) for n in range(40)]


def walk_the_quarter(journey) -> None:  # type: ignore[no-untyped-def]
    """Every referral, answer, enrollment and exit on its day, the clock moving between them."""
    agenda = sorted([(p.referred, 0, p.number) for p in PEOPLE]
                    + [(p.decided, 1, p.number) for p in PEOPLE if p.decided]
                    + [(p.ended, 2, p.number) for p in PEOPLE if p.ended])
    cases: dict[int, str] = {}
    for day, step, number in agenda:
        move_to(journey, day.isoformat())
        person = PEOPLE[number]
        if step == 0:
            cases[number] = journey.start("steget_vidare", {
                "hemkommun": person.municipality, "remitterande_myndighet": person.authority,
                "kon": person.gender, "fodelsear": person.birth_year}).id
        elif step == 1:
            journey.complete(cases[number], "bedomning", {"beslut": "antagen" if person.admitted else "ej_antagen"})
            if person.admitted:
                journey.complete(cases[number], "inskrivning", {"inskrivning_datum": day.isoformat(),
                                                                "kontaktperson": person.contact})
        else:
            journey.complete(cases[number], "avslut", {"utfall": person.outcome, "avslut_datum": day.isoformat()})
    move_to(journey, "2026-04-01")


def expected_counts(people: list[Participant], period: Period) -> Counts:
    def active(p: Participant) -> bool:
        return p.started is not None and p.started <= period.last and (p.ended is None or p.ended >= period.first)

    return Counts(referred=sum(period.holds(p.referred) for p in people),
                  started=sum(period.holds(p.started) for p in people),
                  active=sum(active(p) for p in people),
                  ended=sum(period.holds(p.ended) for p in people))


@pytest.fixture
def quarter(journey):  # type: ignore[no-untyped-def]
    journey.deploy("steget_vidare.bpmn")
    walk_the_quarter(journey)
    return journey


@pytest.mark.parametrize("period", [Q1, FEBRUARY], ids=["first quarter", "february"])
def test_every_figure_of_the_period_is_what_happened(quarter, period: Period) -> None:  # type: ignore[no-untyped-def]
    figures = quarter.engine.follow_up.figures(period, Filters(process_keys=("steget_vidare",)))

    assert figures.total == expected_counts(PEOPLE, period)
    splits = {"gender": lambda p: p.gender, "municipality": lambda p: p.municipality,
              "authority": lambda p: p.authority, "age_band": lambda p: p.band(period.last)}
    for dimension, value_of in splits.items():
        values = sorted({value_of(p) for p in PEOPLE})
        expected = {v: expected_counts([p for p in PEOPLE if value_of(p) == v], period) for v in values}
        assert {v: c for v, c in figures.by[dimension].items() if c != Counts()} == \
            {v: c for v, c in expected.items() if c != Counts()}, dimension
        crossed = {(v, g): expected_counts([p for p in PEOPLE if value_of(p) == v and p.gender == g], period)
                   for v in values for g in ("kvinna", "man")}
        assert {(v, g): c for v, genders in figures.by_gender[dimension].items() for g, c in genders.items()} == \
            {k: c for k, c in crossed.items() if c != Counts()}, dimension

    ended = [p for p in PEOPLE if period.holds(p.ended)]
    by_category = Counter(CATEGORY[p.outcome] for p in ended if p.outcome)
    assert figures.outcomes.ended == len(ended)
    assert {c: n for c, n in figures.outcomes.by_category.items() if n} == dict(by_category)
    assert figures.outcomes.shares["arbete"] == round(100 * by_category["arbete"] / len(ended), 1)
    assert figures.outcomes.shares["studier"] == round(100 * by_category["studier"] / len(ended), 1)
    assert figures.outcomes.goals == {"arbete": 40, "studier": 5}
    assert figures.outcomes.by_gender["arbete"] == dict(Counter(p.gender for p in ended if p.outcome == "arbete"))

    assert figures.durations.count == len(ended)
    assert figures.durations.median_days == 30 and figures.durations.mean_days == 30
    assert figures.durations.bins["0–3"] == len(ended)

    due = [p for p in PEOPLE if period.holds(p.reply_due)]
    assert figures.replies.due == len(due)
    assert figures.replies.on_time == sum(1 for p in due if p.decided and p.decided <= p.reply_due)
    assert figures.replies.unanswered == sum(1 for p in due if p.decided is None)
    assert figures.replies.late == sum(1 for p in due if p.decided and p.decided > p.reply_due)

    on_last_day = [p for p in PEOPLE if p.started and p.started <= period.last and (p.ended is None or
                                                                                     p.ended >= period.last)]
    assert figures.caseload == dict(Counter(p.contact for p in on_last_day))
    active = [p for p in PEOPLE if p.started and p.started <= period.last and (p.ended is None or
                                                                               p.ended >= period.first)]
    assert figures.national == {"steget_vidare": dict(Counter(p.gender for p in active))}


def test_the_quarter_month_by_month(quarter) -> None:  # type: ignore[no-untyped-def]
    figures = quarter.engine.follow_up.figures(Q1, Filters(process_keys=("steget_vidare",)))
    months = {m.month: m for m in figures.months}
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    for name, last in (("2026-01", date(2026, 1, 31)), ("2026-02", date(2026, 2, 28)), ("2026-03", date(2026, 3, 31))):
        month = Period(last.replace(day=1), last)
        assert months[name].started == sum(month.holds(p.started) for p in PEOPLE), name
        assert months[name].ended == sum(month.holds(p.ended) for p in PEOPLE), name
        assert months[name].active_at_end == sum(1 for p in PEOPLE if p.started and p.started <= last
                                                 and (p.ended is None or p.ended >= last)), name


def test_filters_narrow_every_figure(quarter) -> None:  # type: ignore[no-untyped-def]
    women = quarter.engine.follow_up.figures(Q1, Filters(process_keys=("steget_vidare",), gender="kvinna",
                                                         municipality="norsjo"))
    chosen = [p for p in PEOPLE if p.gender == "kvinna" and p.municipality == "norsjo"]
    assert women.total == expected_counts(chosen, Q1)
    assert set(women.by["gender"]) == {"kvinna"} and set(women.by["municipality"]) == {"norsjo"}


def test_a_case_that_ends_early_counts_as_referred_only(quarter) -> None:  # type: ignore[no-untyped-def]
    """Not admitted: referred, never a participant; its case is closed without an outcome."""
    rows = {r.case_id: r for r in quarter.engine.follow_up.rows(Q1, ["steget_vidare"])}
    refused = [r for r in rows.values() if r.started_on is None and r.status == "completed"]
    assert len(refused) == sum(1 for p in PEOPLE if p.decided and not p.admitted)
    assert all(r.category is None and r.ended_on is not None for r in refused)


def test_a_follow_up_property_that_names_what_the_process_lacks_is_refused(journey) -> None:  # type: ignore[no-untyped-def]
    text = (BPMN_DIR / "steget_vidare.bpmn").read_text(encoding="utf-8")
    for wrong, problem in (
        ('name="uppfoljning.start" value="inskrivning_datum"', "no form field or output parameter"),
        ('name="uppfoljning.annan_insats" value="annan"', "is not a value the outcome"),
        ('name="uppfoljning.svar" value="bedomning"', "is not a user task"),
        ('name="uppfoljning.mal_arbete" value="40"', "whole percent"),
        ('name="uppfoljning.aldersgrupper" value="18-29,30-49,50-64"', "rising age bands"),
    ):
        broken = text.replace(wrong, wrong.replace('value="', 'value="x', 1).replace('value="x40"', 'value="140"')
                              .replace('value="x18-29', 'value="30-29'))
        assert broken != text
        with pytest.raises(InvalidProcess) as refused:
            journey.engine.deploy([SourceFile("steget_vidare.bpmn", broken.encode())], "designer")
        assert problem in str(refused.value), wrong
    typo = text.replace('name="uppfoljning.kon"', 'name="uppfoljning.kön"')
    with pytest.raises(InvalidProcess, match="is not a follow-up property"):
        journey.engine.deploy([SourceFile("steget_vidare.bpmn", typo.encode())], "designer")


def test_cases_from_before_the_read_model_get_their_rows_once(quarter) -> None:  # type: ignore[no-untyped-def]
    from engine.persistence.models import FollowUpRow

    before = {r.case_id: r for r in quarter.engine.follow_up.rows(Q1, ["steget_vidare"])}
    with quarter.engine.db.transaction() as session:
        session.query(FollowUpRow).delete()
    assert quarter.engine.follow_up.rows(Q1, ["steget_vidare"]) == []
    assert quarter.engine.follow_up.backfill(batch=7) == len(PEOPLE)
    again = {r.case_id: r for r in quarter.engine.follow_up.rows(Q1, ["steget_vidare"])}
    # What the case data and dates hold comes back; a reply's dates are the step's to know.
    assert {k: (r.started_on, r.ended_on, r.category, r.gender) for k, r in again.items()} == \
        {k: (r.started_on, r.ended_on, r.category, r.gender) for k, r in before.items()}
    assert quarter.engine.follow_up.backfill() == 0


def test_thousands_of_rows_are_written_at_once_on_either_database(journey) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL takes at most 65,535 parameters in a statement: 2,500 rows of 16 are 40,000."""
    from bench.follow_up import rows as made_up
    from engine.persistence import followup_store
    from engine.persistence.models import FollowUpRow

    with journey.db.transaction() as session:
        followup_store.write(session, made_up(2500))
    with journey.db.reading() as session:
        assert session.query(FollowUpRow).count() == 2500
