"""Demo data for ``samverkan serve --demo``: a user for every role and about thirty fictional cases
spread over the stages of both journeys, some of them overdue, so that a newcomer sees a living
inbox at once. Everything here is invented; nothing resembles a real person.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.errors import Conflict, EngineError
from engine.views import Case, Task
from web import participants
from web.accounts.users import Accounts, is_staff_role
from web.personnummer import check_digit

#: username → (display name, roles, teams)
DEMO_USERS: dict[str, tuple[str, list[str], list[str]]] = {
    "tove.teamledare": ("Tove Lind", ["teamledare"], ["samverkansteamet"]),
    "arvid.arbetscoach": ("Arvid Berg", ["arbetscoach"], ["samverkansteamet"]),
    "elin.arbetsterapeut": ("Elin Sund", ["arbetsterapeut"], ["samverkansteamet"]),
    "sam.sius": ("Sam Holm", ["sius-konsulent"], ["samverkansteamet"]),
    "karin.koordinator": ("Karin Dahl", ["koordinator"], ["gemensamma_taget", "gemensamma_taget_urval"]),
    "hanna.handlaggare": ("Hanna Wik", ["handlaggare"], ["gemensamma_taget"]),
    "axel.arbetsgivarkontakt": ("Axel Strand", ["arbetsgivarkontakt"], ["gemensamma_taget"]),
    "rasmus.rekrytering": ("Rasmus Ek", ["rekryteringsgrupp"], ["gemensamma_taget", "gemensamma_taget_urval"]),
    "stina.styrgrupp": ("Stina Ahl", ["styrgrupp"], ["samverkansteamet", "gemensamma_taget"]),
    "rebecka.remittent": ("Rebecka Falk", ["remittent"], []),
    "david.designer": ("David Nord", ["processdesigner"], []),
    "lars.logggranskare": ("Lars Lind", ["logggranskare"], []),
    "admin": ("Administratör", ["admin"], []),
}

FIRST_NAMES = ("Alva", "Bror", "Cornelia", "Dennis", "Ebba", "Filip", "Greta", "Hampus", "Idun", "Jonas",
               "Klara", "Leo", "Maja", "Nils", "Olivia", "Pontus", "Rut", "Sixten", "Tilda", "Ville")
LAST_NAMES = ("Ask", "Björk", "Ceder", "Dahlin", "Eng", "Fors", "Gran", "Hed", "Isaksson", "Kvist")

#: Answers that keep a journey moving forward where the first option of a form would loop or end it.
STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: The message a Gemensamma taget participant waits for after being proposed to a selection meeting.
SELECTION_ANSWER = "urval_genomfort"

CHOICES: dict[str, Any] = {
    "teammedlem_1": "tove.teamledare", "teammedlem_2": "arvid.arbetscoach",
    "kontaktperson": "arvid.arbetscoach", "andra_kontaktperson": "elin.arbetsterapeut",
    "deltagarens_svar": "ja", "beslut": "antagen", "mal_uppfyllt": "nej", "arbetstraning": True,
    "fler_samtal": False, "utvald": True, "tidigare_deltagit": False, "har_samtycke": True,
    "deltagaren_deltog": True, "handlaggare": "hanna.handlaggare",
    "kand_af": True, "kand_fk": True, "forandring_dokumenterad": "ja",
    "remittent": "Rebecka Falk, tel. 0581-810 00", "samtycke_omfattning": "Uppgifter som behövs för insatsen, "
    "mellan Arbetsförmedlingen, Försäkringskassan, kommunen och regionen",
}


def seed(engine: WorkflowEngine, accounts: Accounts, cases: int = 30, rng_seed: int = 7) -> dict[str, str]:
    """Create the demo users and, if the database has no cases yet, the demo cases. Every demo
    user gets a fresh password on each start (returned, to be printed), so that whoever starts the
    demo can always sign in."""
    passwords: dict[str, str] = {}
    for username, (name, roles, teams) in DEMO_USERS.items():
        password = secrets.token_urlsafe(12)
        try:
            accounts.add_user(username, roles, teams, password, display_name=name)
        except Conflict:
            accounts.set_password(username, password)
        passwords[username] = password
    if not engine.cases(limit=1):
        _cases(engine, cases, random.Random(rng_seed))  # noqa: S311 - demo data, not secrets
        hand_out(engine)
    return passwords


#: How many open tasks each demo case officer starts the day with in "Mina uppgifter".
TASKS_EACH = 3


def hand_out(engine: WorkflowEngine, each: int = TASKS_EACH) -> dict[str, list[str]]:
    """Give every demo case officer (staff of an intervention) up to ``each`` of the open tasks
    offered to their roles, earliest due first, so that nobody signs in to an empty "Mina
    uppgifter". Tasks of paused cases are left (they cannot be taken). Deterministic: users in
    DEMO_USERS order, tasks by due date, creation, participant and element. Returns user → task ids."""
    given: dict[str, list[str]] = {}
    names = {c.id: str(c.participant.get("name") or "") for c in engine.cases()}
    offered: dict[str, list[Task]] = {}
    for username, (_, roles, teams) in DEMO_USERS.items():
        if not teams or not any(is_staff_role(r) for r in roles):
            continue
        tasks = [t for t in engine.tasks(process_keys=teams, user=username, groups=roles) if t.assignee is None]
        offered[username] = sorted(tasks, key=lambda t: (t.due_at is None, t.due_at or t.created_at, t.created_at,
                                                         names.get(t.case_id, ""), t.name))
    # Those offered least choose first, so that a role with few tasks (the occupational therapist's
    # share of the team's tasks) is not left with nothing by the roles offered everything.
    order = sorted(offered, key=lambda u: (len(offered[u]), list(DEMO_USERS).index(u)))
    taken: set[str] = set()
    for username in order:
        for task in offered[username]:
            if len(given.get(username, [])) >= each:
                break
            if task.id in taken:
                continue
            try:
                engine.claim_task(task.id, username)
            except EngineError:  # a paused case's task
                continue
            taken.add(task.id)
            given.setdefault(username, []).append(task.id)
    return given


#: Samverkansteamet's contact people, in turn: each case officer of the team follows some participants.
CONTACTS = ("arvid.arbetscoach", "elin.arbetsterapeut", "sam.sius")


#: The shortest time between two steps of a demo case (they are spread over the time since it was
#: referred), and how long ago every fifth case was referred.
STEP_GAP = timedelta(hours=1)
LONG_AGO = 42
#: How many more steps those cases have come (a Gemensamma taget case reaches its work placement).
LONG_AGO_STEPS = 4


@dataclass(frozen=True)
class _Planned:
    """A demo case to live through: who, in which journey, referred when, how many steps taken."""

    number: int
    process: str
    name: str
    personnummer: str
    referred: datetime
    steps: int


def _cases(engine: WorkflowEngine, count: int, rng: random.Random) -> None:
    """The demo cases, lived through in time: each referred on its day (some three weeks ago, most
    in the last week), its steps done an hour apart, and the clock moved on between them, so the
    history is in order and every reminder and escalation fell due on its own day. A simulated
    clock over the same database plays those weeks; what it leaves is the cases as of now."""
    journeys = [key for key in ("samverkansteamet", "gemensamma_taget") if any(
        p.key == key for p in engine.processes())]
    if not journeys:
        return
    now = engine.clock.now()
    planned = []
    for n in range(count):
        # Born over 25 years; the serial's second-last digit (odd for a man) alternates within each journey.
        born = date(1975 + n % 25, 1 + n % 12, 1 + n % 28)
        # Every fifth case was referred six weeks ago (its reply deadline has passed), the others
        # in the last week.
        days_ago = LONG_AGO if n % 5 == 0 else rng.randint(0, 6)
        planned.append(_Planned(n, journeys[n % len(journeys)],
                                f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}",
                                _personnummer(born, 100 + n + n // 2), now - timedelta(days=days_ago, hours=10),
                                rng.randint(0, 9) + (LONG_AGO_STEPS if days_ago == LONG_AGO else 0)))
    past = WorkflowEngine(engine.db, clock=SimulatedClock(min(p.referred for p in planned)), migrate=False,
                          directory=engine.directory)
    # Every step of every case, in the order they were done: spread over the time since it was referred.
    agenda = sorted((p.referred + k * max(STEP_GAP, (now - p.referred) / (p.steps + 1)), p.number, k)
                    for p in planned for k in range(p.steps + 1))
    cases: dict[int, Case] = {}
    for when, number, step in agenda:
        past.advance_clock(to=max(when, past.clock.now()))
        plan = planned[number]
        if step == 0:
            started = _register(past, plan, len(journeys))
            if started is not None:
                cases[number] = started
            continue
        case = cases.get(number)
        if case is None:
            continue
        current = past.case(case.id)
        open_tasks = sorted(current.open_tasks, key=lambda t: (t.created_at, t.name))
        if not open_tasks and SELECTION_ANSWER in current.waiting_messages:
            # The group start's selection meeting answers the participant (as its case would).
            past.send_message(case.id, SELECTION_ANSWER, {
                "utvald": True, "gruppstart": past.clock.now().astimezone(STOCKHOLM).date().isoformat(),
                "urval_motivering": "Behov av samordnat stöd"}, "karin.koordinator")
            continue
        if not open_tasks:
            continue
        task = open_tasks[0]
        answers = task.form.sample_answers(past.clock.now().date(), _choices(plan, len(journeys)))
        try:
            past.complete_task(task.id, answers, _actor(task))
        except EngineError:
            cases.pop(number)  # the demo leaves this case where it stopped
    past.advance_clock(to=now)
    _selection_meeting(past)


def _selection_meeting(engine: WorkflowEngine) -> None:
    """An extra group start planned by the coordinator (the rhythm opens the next one in six weeks):
    the meeting in two days, the group in two weeks; the recruitment group's reading is open."""
    if not any(p.key == "gemensamma_taget_urval" for p in engine.processes()):
        return
    meeting = engine.start_case("gemensamma_taget_urval", actor="karin.koordinator")
    today = engine.clock.now().astimezone(STOCKHOLM).date()
    planning = next(t for t in meeting.open_tasks if t.name == "planera_urvalsmote")
    engine.complete_task(planning.id, {"gruppnummer": 1, "urvalsmote_datum": (today + timedelta(days=2)).isoformat(),
                                       "gruppstart": (today + timedelta(days=14)).isoformat()}, "karin.koordinator")


def _choices(plan: _Planned, journeys: int) -> dict[str, Any]:
    contact = CONTACTS[(plan.number // journeys) % len(CONTACTS)]
    return dict(CHOICES, kontaktperson=contact,
                andra_kontaktperson=CONTACTS[(CONTACTS.index(contact) + 1) % len(CONTACTS)], **_consent(plan))


def _consent(plan: _Planned) -> dict[str, Any]:
    """The consent's last day: a year on for most; for a few some six weeks on, so that the demo shows
    a consent lapsing soon and its renewal asked for (renewed for a year when the demo gets to it),
    and for one referred long ago three weeks on and not renewed, so that it has lapsed."""
    referred = plan.referred.astimezone(STOCKHOLM).date()
    if plan.number % 15 == 10:
        return {"samtycke_giltigt_till": (referred + timedelta(days=20)).isoformat(), "samtycke_fornyat": False,
                "nytt_samtycke_datum": None, "nytt_samtycke_omfattning": None, "nytt_samtycke_giltigt_till": None}
    days = 40 if plan.number % 15 in (3, 8) else 365
    return {"samtycke_giltigt_till": (referred + timedelta(days=days)).isoformat(),
            "samtycke_fornyat": True, "nytt_samtycke_datum": referred.isoformat(),
            "nytt_samtycke_omfattning": CHOICES["samtycke_omfattning"],
            "nytt_samtycke_giltigt_till": (referred + timedelta(days=400)).isoformat()}


def _register(engine: WorkflowEngine, plan: _Planned, journeys: int) -> Case | None:
    """The referrer registers the participant as the page does: the start form answered, some of
    its choices varied, birth year and gender from the personnummer."""
    start = engine.registration(plan.process)
    if start is None:
        return None
    pick = random.Random(plan.number)  # noqa: S311 - its own draws (demo data): the steps stay those of the seed
    varied = {f.id: pick.choice(f.options).id for f in start.form.fields if f.type == "enum" and f.options}
    answers = start.form.sample_answers(engine.clock.now().date(), {**_choices(plan, journeys), **varied})
    registration, _errors = participants.check(plan.process, start.form, {
        "name": plan.name, "personnummer": plan.personnummer, **answers}, today=engine.clock.now().date())
    if registration is None:
        return None
    try:
        return engine.start_case(plan.process, participant=registration.participant, data=registration.data,
                                 participant_key=plan.personnummer, actor="rebecka.remittent")
    except EngineError:
        return None


def _actor(task: Task) -> str:
    """Who completes a demo task: its assignee, else the first demo user of the intervention who holds
    one of its roles (else anyone of the intervention), so that the history names a person."""
    if task.assignee:
        return task.assignee
    team = [(u, roles) for u, (_, roles, teams) in DEMO_USERS.items() if task.process_key in teams]
    return next((u for u, roles in team if set(roles) & set(task.candidate_groups)),
                team[0][0] if team else "system")


def _personnummer(born: date, serial: int) -> str:
    digits = born.strftime("%y%m%d") + f"{serial % 1000:03d}"
    return f"{born.strftime('%Y%m%d')}{serial % 1000:03d}{check_digit(digits)}"

