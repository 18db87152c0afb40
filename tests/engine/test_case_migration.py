"""Open cases and a new version: which can move, what a dry run says, and the move itself.

Scenarios on the small test processes: the referral reply (an assessment with a reply deadline and
its escalation timer) and the monthly contact (a repeating timer that starts a task every month).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine import events
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.errors import InvalidInput
from engine.persistence.db import Database
from engine.views import Case, SourceFile
from tests.bpmn import BPMN_DIR

REPLY = (BPMN_DIR / "referral_reply.bpmn").read_text(encoding="utf-8")
MONTHLY = (BPMN_DIR / "monthly_contact.bpmn").read_text(encoding="utf-8")
#: The reply deadline (due date and escalation timer) shortened from 14 to 10 days.
REPLY_TEN_DAYS = REPLY.replace("days(14)", "days(10)")
#: A welcome conversation added after acceptance; the assessment itself unchanged.
REPLY_WITH_WELCOME = (
    REPLY
    .replace('<bpmn:endEvent id="accepted" name="Antagen"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>',
             '<bpmn:userTask id="welcome" name="Välkomstsamtal" camunda:candidateGroups="arbetscoach">'
             '<bpmn:incoming>f_yes</bpmn:incoming><bpmn:outgoing>f_welcomed</bpmn:outgoing></bpmn:userTask>'
             '<bpmn:endEvent id="accepted" name="Antagen"><bpmn:incoming>f_welcomed</bpmn:incoming></bpmn:endEvent>')
    .replace('<bpmn:sequenceFlow id="f_yes" sourceRef="decision" targetRef="accepted">',
             '<bpmn:sequenceFlow id="f_welcomed" sourceRef="welcome" targetRef="accepted" />'
             '<bpmn:sequenceFlow id="f_yes" sourceRef="decision" targetRef="welcome">')
)
#: The assessment renamed (a new id): a case standing at it has nowhere to go.
REPLY_RENAMED = REPLY.replace('"assess"', '"assess_referral"')


class World:
    """One engine on a simulated clock, with a referral case standing at its assessment."""

    def __init__(self, url: str, start: datetime) -> None:
        self.db = Database(url)
        self.clock = SimulatedClock(start)
        self.engine = WorkflowEngine(self.db, clock=self.clock)
        self.migration = self.engine.migration

    def deploy(self, name: str, content: str) -> int:
        return self.engine.deploy([SourceFile(name, content.encode("utf-8"))], "designer")[0].version

    def fresh(self) -> WorkflowEngine:
        """A new engine object: nothing in memory, everything from the database."""
        return WorkflowEngine(self.db, clock=self.clock, migrate=False)

    def at_assessment(self, name: str = "Gunnar") -> Case:
        case = self.engine.start_case("referral_reply", participant={"name": name})
        (task,) = self.engine.case(case.id).open_tasks
        return self.engine.complete_task(task.id, {"remiss_inkom": "2026-01-12"}, "lena")

    def task(self, case: Case, element: str) -> str:
        return next(t.id for t in self.engine.case(case.id).open_tasks if t.name == element)


@pytest.fixture
def world(database_url: str, start_of_journey: datetime) -> Iterator[World]:
    found = World(database_url, start_of_journey)
    yield found
    found.db.dispose()


def midnight_after(days: int) -> datetime:
    """Stockholm midnight ``days`` after 2026-01-12, in UTC (winter: 23:00 the day before)."""
    return datetime(2026, 1, 12, 23, tzinfo=UTC) + timedelta(days=days - 1)


def test_an_open_case_moves_to_the_shorter_deadline_after_a_dry_run_that_changed_nothing(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    case = world.at_assessment()
    assert case.open_tasks[0].due_at == midnight_after(14)
    world.deploy("referral_reply.bpmn", REPLY_TEN_DAYS)

    (candidate,) = world.migration.candidates("referral_reply", 2)
    assert candidate.movable and candidate.version == 1 and candidate.participant == "Gunnar"
    assert [(s.element, s.kind) for s in candidate.steps] == [("assess", "task"), ("reply_overdue", "timer")]

    (dry,) = world.migration.dry_run("referral_reply", 2, [case.id])
    assert dry.moved and (dry.from_version, dry.to_version) == (1, 2)
    assert [(s.element, s.due_at) for s in dry.before] == [("assess", midnight_after(14)),
                                                           ("reply_overdue", midnight_after(14))]
    assert [(s.element, s.due_at) for s in dry.after] == [("assess", midnight_after(10)),
                                                          ("reply_overdue", midnight_after(10))]
    assert dry.changed_tasks == ("Bedömning",) and dry.recomputed_timers == ("reply_overdue",)
    unchanged = world.engine.case(case.id)
    assert unchanged.process_version == 1 and unchanged.open_tasks[0].due_at == midnight_after(14)
    assert events.CaseMigrated.event not in [e.event for e in world.engine.history(case.id)]

    (moved,) = world.migration.migrate("referral_reply", 2, [case.id], "designer", "Svarstiden är nu tio dagar")

    assert moved.moved
    after = world.fresh().case(case.id)
    assert after.process_version == 2
    assert after.open_tasks[0].due_at == midnight_after(10)
    assert [(t.element, t.due_at) for t in after.timers] == [("reply_overdue", midnight_after(10))]
    migrated = [e for e in world.engine.history(case.id) if e.event == events.CaseMigrated.event]
    assert len(migrated) == 1 and migrated[0].actor == "designer"
    assert migrated[0].details["note"] == "Svarstiden är nu tio dagar"
    assert (migrated[0].details["from_version"], migrated[0].details["to_version"]) == (1, 2)

    # Time passes on the new version's terms: the escalation comes after ten days, not fourteen.
    world.fresh().advance_clock(to=midnight_after(10) + timedelta(hours=1))
    assert sorted(t.name for t in world.fresh().case(case.id).open_tasks) == ["assess", "escalate"]


def test_an_unchanged_open_task_keeps_its_claim_and_due_date_and_the_new_step_follows(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    case = world.at_assessment()
    task_id = world.task(case, "assess")
    world.engine.claim_task(task_id, "lena")
    world.deploy("referral_reply.bpmn", REPLY_WITH_WELCOME)

    (moved,) = world.migration.migrate("referral_reply", 2, [case.id], "designer", "Välkomstsamtal efter antagning")

    assert moved.moved and moved.changed_tasks == () and moved.recomputed_timers == ()
    engine = world.fresh()
    (assess,) = engine.case(case.id).open_tasks
    assert (assess.id, assess.assignee, assess.due_at) == (task_id, "lena", midnight_after(14))
    engine.complete_task(task_id, {"beslut": "ja"}, "lena")
    assert [t.name for t in world.fresh().case(case.id).open_tasks] == ["welcome"]


def test_a_changed_claimed_task_is_rebuilt_from_the_new_version_and_keeps_its_holder(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    case = world.at_assessment()
    task_id = world.task(case, "assess")
    world.engine.claim_task(task_id, "lena")
    world.deploy("referral_reply.bpmn", REPLY_TEN_DAYS.replace('label="Antal"', 'label="Antal samtal"'))

    world.migration.migrate("referral_reply", 2, [case.id], "designer", "Kortare svarstid")

    (assess,) = world.fresh().case(case.id).open_tasks
    assert assess.id == task_id and assess.assignee == "lena"
    assert assess.form.field("antal").label == "Antal samtal"  # type: ignore[union-attr]


def test_a_case_standing_at_a_step_the_new_version_lacks_cannot_move_and_is_left_as_it_was(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    case = world.at_assessment()
    world.deploy("referral_reply.bpmn", REPLY_RENAMED)

    (candidate,) = world.migration.candidates("referral_reply", 2)
    assert not candidate.movable
    assert [(b.element, b.current, b.reason) for b in candidate.blockers] == [("assess", True, "removed")]

    (outcome,) = world.migration.migrate("referral_reply", 2, [case.id], "designer", "Nytt id")
    assert not outcome.moved and outcome.blockers == candidate.blockers
    assert world.fresh().case(case.id).process_version == 1


def test_a_case_that_passed_a_step_the_new_version_lacks_cannot_move(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    world.at_assessment()
    world.deploy("referral_reply.bpmn", REPLY.replace('"register_referral"', '"registrera_remiss"'))

    (candidate,) = world.migration.candidates("referral_reply", 2)

    assert [(b.element, b.current) for b in candidate.blockers] == [("register_referral", False)]


def test_cases_already_on_the_version_or_closed_are_not_offered_and_a_note_is_required(world: World) -> None:
    world.deploy("referral_reply.bpmn", REPLY)
    closed = world.at_assessment("Stängd")
    world.engine.cancel_case(closed.id, "flyttade", "lena")
    world.deploy("referral_reply.bpmn", REPLY_TEN_DAYS)
    newer = world.at_assessment("Ny")

    assert world.migration.candidates("referral_reply", 2) == []
    (outcome,) = world.migration.migrate("referral_reply", 2, [newer.id], "designer", "x")
    assert not outcome.moved and "version 2 already" in (outcome.error or "")
    with pytest.raises(InvalidInput):
        world.migration.migrate("referral_reply", 2, [newer.id], "designer", "  ")


def test_a_monthly_contact_keeps_its_open_task_and_rhythm_while_a_changed_limit_is_counted_again(
        world: World) -> None:
    world.deploy("monthly_contact.bpmn", MONTHLY)
    case = world.engine.start_case("monthly_contact", participant={"name": "Maria"})
    world.engine.advance_clock(timedelta(days=32))
    before = world.engine.case(case.id)
    assert sorted(t.name for t in before.open_tasks) == ["contact_referrer", "work"]
    next_month = next(t.due_at for t in before.timers if t.element == "every_month")
    world.deploy("monthly_contact.bpmn", MONTHLY.replace("P12M", "P18M"))

    (moved,) = world.migration.migrate("monthly_contact", 2, [case.id], "designer", "Längre insats")

    assert moved.moved and moved.recomputed_timers == ("limit",)
    after = world.fresh().case(case.id)
    assert sorted(t.name for t in after.open_tasks) == ["contact_referrer", "work"]
    timers = {t.element: t.due_at for t in after.timers}
    assert timers["every_month"] == next_month
    assert timers["limit"] > datetime(2027, 8, 1, tzinfo=UTC)  # eighteen months, counted from the move
    world.fresh().complete_task(next(t.id for t in after.open_tasks if t.name == "contact_referrer"),
                                {"kontakt_datum": "2026-02-13"}, "carl")
    world.fresh().advance_clock(to=next_month + timedelta(hours=1))
    assert [t.name for t in world.fresh().case(case.id).open_tasks].count("contact_referrer") == 1
