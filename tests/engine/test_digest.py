"""Every morning each person gets one mail of what is overdue and what is due that day — once a
day, however many workers tick, and none when nothing is due."""

from __future__ import annotations

import pytest

from engine.directory import Person
from tests.engine.journey import move_to
from tests.engine.post import PostOffice, person
from tests.mailbox import text_of

# Delivery keeps nothing in memory between runs: one engine throughout is enough (not restored).
pytestmark = pytest.mark.parametrize("journey", ["straight"], indirect=True)

LENA = "lena.teamledare@samverkan.test"


@pytest.fixture
def post(journey, mailbox, referral) -> PostOffice:  # type: ignore[no-untyped-def]
    """The referral's reply is due 26 January 00:00."""
    return PostOffice(journey, mailbox, [
        person("lena.teamledare", "teamledare", teams=("referral_reply",)),
        person("otto.teamledare", "teamledare", teams=("referral_reply",), email=False),
        person("stina.styrgrupp", "styrgrupp", teams=("referral_reply",)),
    ], digest_hour=7)


def test_nothing_due_means_no_digest(journey, post) -> None:  # type: ignore[no-untyped-def]
    assert post.deliver().digests == 0
    assert post.mailbox.messages == []


def test_the_day_the_reply_is_due_the_team_leader_is_told_once(journey, post) -> None:  # type: ignore[no-untyped-def]
    move_to(journey, "2026-01-25", "06:59")
    assert post.deliver().digests == 0
    move_to(journey, "2026-01-25", "07:00")
    assert post.deliver("worker-1").digests == 1
    assert post.deliver("worker-2").digests == 0
    move_to(journey, "2026-01-25", "16:00")
    assert post.deliver().digests == 0

    [digest] = [m for m in post.mailbox.to(LENA) if m["Subject"].startswith("Dina uppgifter")]
    assert digest["Subject"] == "Dina uppgifter 2026-01-25: 0 försenade, 1 att göra i dag"
    assert "Ska vara klara i dag (1):\n- Bedömning (Svar på remiss), 2026-01-26 00:00, ärende" in text_of(digest)
    assert post.mailbox.to("stina.styrgrupp@samverkan.test") == []  # nothing of hers is due


def test_the_next_morning_it_is_overdue(journey, post) -> None:  # type: ignore[no-untyped-def]
    move_to(journey, "2026-01-26", "07:30")
    post.deliver()
    move_to(journey, "2026-01-27", "07:30")
    post.deliver()
    subjects = [s for s in post.mailbox.subjects(LENA) if s.startswith("Dina uppgifter")]
    assert subjects == ["Dina uppgifter 2026-01-26: 1 försenade, 0 att göra i dag",
                        "Dina uppgifter 2026-01-27: 1 försenade, 0 att göra i dag"]


def test_a_role_held_in_one_intervention_only_brings_that_interventions_work(  # type: ignore[no-untyped-def]
        journey, mailbox, referral) -> None:
    """Karin leads the referral team (a role she holds there only); Kim works in the referral journey
    too, as a handläggare, and leads Gemensamma taget: the reply due today is Karin's, not Kim's —
    in the digest and in the reminder to the referral journey's team leaders."""
    post = PostOffice(journey, mailbox, [
        Person("karin", "Karin", "karin@samverkan.test", roles=("handlaggare",), teams=("referral_reply",),
               intervention_roles={"referral_reply": ("teamledare",)}),
        Person("kim", "Kim", "kim@samverkan.test", roles=("handlaggare",),
               teams=("referral_reply", "gemensamma_taget"), intervention_roles={"gemensamma_taget": ("teamledare",)}),
    ], digest_hour=7)
    move_to(journey, "2026-01-25", "07:00")
    assert post.deliver().digests == 1
    # The reminder to the referral journey's team leaders reaches her too, and not him.
    assert sorted(post.mailbox.subjects("karin@samverkan.test")) == [
        "Dina uppgifter 2026-01-25: 0 försenade, 1 att göra i dag",
        "Påminnelse: Bedömning ska vara klar 2026-01-26 00:00"]
    assert post.mailbox.to("kim@samverkan.test") == []
