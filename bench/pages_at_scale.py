"""The pages people page through all day, at 100,000 open cases: the inbox (each tab, with its
filters), the case list and its participant search, and the JSON API's task and case lists, each
fetched through the app as a signed-in user of the right role, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.pages_at_scale [--postgres URL] [--quick] [--only NAME ...] [--skip DB] [--cpu]

How the cases are made: the demo's cases (``web.demo``: both journeys deployed from ``processes/``,
participants registered with a name and a personnummer, lived through over six weeks, some overdue,
tasks handed out to the demo's case officers) are the templates; ``bench.open_cases`` copies them
up to 100,000 open cases (10,000 with ``--quick``, labelled so). Each copy gets a participant of its
own (a name of 40 × 40, a valid personnummer unique among all cases), its due dates moved by up to
four weeks either way and its start date by up to 13 months back, so that searches, filters and
orders meet the spread of a real caseload. Claimed and unclaimed tasks, candidate groups and
elements are the templates' (about a third claimed, by the demo's users).

Server time is the time the Flask test client takes for the request, the whole request inside the
app (routing, session, queries, template); the median of ``REPS`` after one warm-up request. The
users sign in as people do (the login form) and the API is called with a bearer token. ``--cpu``
times each request by this process's CPU time instead (SQLite's work is in it, PostgreSQL's is not):
what two versions of the code are compared by on a busy machine, not the target's measure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bench.engine_per_task import postgres_database, sqlite_database
from bench.open_cases import CaseTable, Cloner, settle
from bench.targets import Options, Target, postgres_url
from engine.api import WorkflowEngine, folder_files
from engine.persistence.models import NO_DUE_DATE, CaseRow, HumanTaskRow, participant_name, participant_sort_keys
from web import create_app, demo
from web.personnummer import check_digit

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
LIMIT_MS = 200.0
SIZE, QUICK_SIZE = 100_000, 10_000
REPS, QUICK_REPS = 7, 3
#: The demo's cases that the copies are made from, and how many more tasks each case officer takes.
TEMPLATES = 240
TAKEN_EACH = 12

FIRST = ("Alva", "Bror", "Cornelia", "Dennis", "Ebba", "Filip", "Greta", "Hampus", "Idun", "Jonas", "Klara",
         "Leo", "Maja", "Nils", "Olivia", "Pontus", "Rut", "Sixten", "Tilda", "Ville", "Amir", "Fatima",
         "Yusuf", "Leyla", "Mohammed", "Aisha", "Oskar", "Wilma", "Elias", "Saga", "Hugo", "Alice", "Liam",
         "Ella", "Noah", "Vera", "Emil", "Astrid", "Adam", "Selma")
LAST = ("Ask", "Björk", "Ceder", "Dahlin", "Eng", "Fors", "Gran", "Hed", "Isaksson", "Kvist", "Lund",
        "Mattsson", "Nyström", "Olsson", "Persson", "Quist", "Rask", "Sandberg", "Tell", "Ulander", "Vik",
        "Wallin", "Yngvesson", "Åberg", "Öhman", "Ali", "Hassan", "Karlsson", "Nilsson", "Eriksson",
        "Larsson", "Andersson", "Johansson", "Berg", "Holm", "Strand", "Ström", "Lindqvist", "Forsberg", "Sjöberg")
#: Personnummer of the copies: a bijection of the copy's number onto 20,000 birth dates × 300 serials
#: (600–899, none a demo case's), so every copy's is its own and they spread over dates and digits.
_DATES, _SERIALS, _STRIDE = 20_000, 300, 7_919
_BORN_FROM = date(1950, 1, 1)
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def copy_personnummer(n: int) -> str:
    m = (n * _STRIDE) % (_DATES * _SERIALS)
    born = _BORN_FROM + timedelta(days=m // _SERIALS)
    serial = f"{600 + m % _SERIALS:03d}"
    return f"{born:%Y%m%d}{serial}{check_digit(born.strftime('%y%m%d') + serial)}"


def copy_name(n: int) -> str:
    return f"{FIRST[(n * 7) % len(FIRST)]} {LAST[(n * 13 + n // len(FIRST)) % len(LAST)]}"


def _moved(value: Any, by: timedelta) -> Any:
    """A stored time moved: psycopg gives datetimes, SQLite the text SQLAlchemy wrote."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value >= NO_DUE_DATE else value + by
    moved = datetime.fromisoformat(value)
    return value if moved.year >= NO_DUE_DATE.year else (moved + by).strftime(_SQLITE_TIME)


class Caseload(Cloner):
    """Copies with a participant of their own, due dates and start dates spread."""

    def varied(self, table: CaseTable, prefix: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
        n = int(prefix, 16)
        values = list(row)
        at = {c: i for i, c in enumerate(table.columns)}
        if table.name == "cases":
            if '"name"' in str(values[at["participant"]] or ""):  # a participant journey (not a meeting)
                number = copy_personnummer(n)
                participant = {**json.loads(values[at["participant"]]), "name": copy_name(n), "personnummer": number}
                values[at["participant"]] = json.dumps(participant)
                values[at["participant_key"]] = number
                if "participant_name" in at:  # the searched name, where the schema has it
                    values[at["participant_name"]] = participant_name(participant)
                if "participant_sort_name" in at:  # what the list sorts by, where the schema has it
                    for column, value in participant_sort_keys(participant, number).items():
                        values[at[column]] = value
            back = timedelta(days=-((n * 13) % 400))
            values[at["created_at"]] = _moved(values[at["created_at"]], back)
        elif table.name == "human_tasks":
            shift = timedelta(days=(n * 7) % 57 - 28)
            for column in ("due_at", "inbox_order", "follow_up_at", "remind_at", "escalate_at"):
                values[at[column]] = _moved(values[at[column]], shift)
        return tuple(values)


# --- the pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    user: str
    path: str
    api: bool = False


@dataclass(frozen=True)
class Facts:
    """What the filters and searches ask for, taken from the caseload."""

    element: str  # the commonest kind of task of the team's journey
    full_name: str
    last_name: str
    number: str  # a whole personnummer (12 digits)


def facts(engine: WorkflowEngine) -> Facts:
    with engine.db.reading() as session:
        element = session.scalar(
            select(HumanTaskRow.element).where(HumanTaskRow.process_key == "samverkansteamet")
            .group_by(HumanTaskRow.element).order_by(func.count().desc(), HumanTaskRow.element).limit(1))
    name = copy_name(4242)
    return Facts(str(element), name, name.split()[-1], copy_personnummer(4242))


def pages(f: Facts) -> list[Page]:
    staff, leader, coordinator = "arvid.arbetscoach", "tove.teamledare", "karin.koordinator"
    number = f"{f.number[:8]}-{f.number[8:]}"
    return [
        Page("inbox Mina uppgifter", staff, "/inbox?tab=mine"),
        Page("inbox Gruppens uppgifter", staff, "/inbox?tab=group"),
        Page("inbox Alla uppgifter", leader, "/inbox?tab=all"),
        Page("inbox Alla uppgifter, admin", "admin", "/inbox?tab=all"),
        Page("inbox Gruppens uppgifter, Gemensamma taget", coordinator, "/inbox?tab=group"),
        Page("inbox Alla uppgifter, page 20", leader, "/inbox?tab=all&page=20"),
        Page("inbox filter task", leader, f"/inbox?tab=all&task={f.element}"),
        Page("inbox filter unassigned", leader, "/inbox?tab=all&assignee=-"),
        Page("inbox filter assignee", leader, f"/inbox?tab=all&assignee={staff}"),
        Page("inbox filter overdue", leader, "/inbox?tab=all&due=overdue"),
        Page("inbox filter due soon", leader, "/inbox?tab=all&due=soon"),
        Page("inbox filter intervention", "admin", "/inbox?tab=all&process=samverkansteamet"),
        Page("inbox filter group + overdue", staff, "/inbox?tab=group&due=overdue"),
        Page("inbox search name", leader, f"/inbox?tab=all&q={f.last_name}"),
        Page("inbox search personnummer", leader, f"/inbox?tab=all&q={number}"),
        Page("inbox search birth date", leader, f"/inbox?tab=all&q={f.number[:8]}"),
        Page("inbox search last four", leader, f"/inbox?tab=all&q={f.number[-4:]}"),
        Page("case list", staff, "/cases"),
        Page("case list, admin", "admin", "/cases"),
        Page("case list, referrer", "rebecka.remittent", "/cases"),
        Page("case list by name", staff, "/cases?sort=name&order=asc"),
        Page("case list by personnummer", staff, "/cases?sort=personnummer&order=asc"),
        Page("case list open", "admin", "/cases?status=open"),
        Page("case list, page 100", "admin", "/cases?page=100"),
        Page("participant search name", staff, f"/cases?q={f.full_name.replace(' ', '+')}"),
        Page("participant search last name", staff, f"/cases?q={f.last_name}"),
        Page("participant search personnummer", staff, f"/cases?q={number}"),
        Page("participant search birth date", staff, f"/cases?q={f.number[:8]}"),
        Page("participant search last four", "admin", f"/cases?q={f.number[-4:]}"),
        Page("API tasks", staff, "/api/v1/tasks", api=True),
        Page("API tasks mine", staff, "/api/v1/tasks?mine=1", api=True),
        Page("API tasks overdue", leader, "/api/v1/tasks?overdue=1", api=True),
        Page("API cases open", staff, "/api/v1/cases?status=open", api=True),
        Page("API cases, admin", "admin", "/api/v1/cases", api=True),
    ]


# --- the caseload --------------------------------------------------------------------------------


@dataclass
class Built:
    app: Flask
    passwords: dict[str, str]
    open_cases: int
    open_tasks: int
    claimed: int
    seconds: float


def say(line: str) -> None:
    print(line, flush=True)


def build(url: str, size: int, sandbox: Path) -> Built:
    t0 = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SIMULATED_CLOCK": True, "CLOCK_START": NOW, "SECRET_KEY": "bench",
                      "TESTING": True, "SANDBOX_DIR": sandbox})
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy(folder_files(ROOT / "processes"), "system", keep_published=True)
    passwords = demo.seed(engine, app.extensions["samverkan.accounts"], cases=TEMPLATES)
    demo.hand_out(engine, each=TAKEN_EACH)
    with engine.db.reading() as session:
        templates = list(session.scalars(select(CaseRow.id).where(CaseRow.status.in_(("open", "paused")))))
    say(f"   {len(templates)} template cases lived through in {time.perf_counter() - t0:.0f} s")
    cloner = Caseload(engine.db, templates)
    seconds = cloner.clone(max(0, size - len(templates)), batch=250)
    settle(engine.db)
    with engine.db.reading() as session:
        cases = session.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.status.in_(("open", "paused"))))
        tasks = session.scalar(select(func.count()).select_from(HumanTaskRow))
        claimed = session.scalar(select(func.count()).select_from(HumanTaskRow)
                                 .where(HumanTaskRow.assignee.is_not(None)))
    say(f"   {cases:,} open cases, {tasks:,} open tasks ({claimed:,} claimed); copies written in {seconds:.0f} s")
    return Built(app, passwords, int(cases or 0), int(tasks or 0), int(claimed or 0), time.perf_counter() - t0)


def signed_in(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    login = client.get("/login")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', login.text)
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302:
        raise SystemExit(f"{username} could not sign in ({answer.status_code})")
    return client


def server_ms(client: FlaskClient, path: str, headers: dict[str, str], reps: int, cpu: bool = False
              ) -> tuple[float, int]:
    """Median milliseconds of ``reps`` requests after one warm-up, and the answer's status. ``cpu``:
    this process's CPU time, not the wall clock's (``--cpu``)."""
    clock = time.process_time_ns if cpu else time.perf_counter_ns
    client.get(path, headers=headers)
    samples = []
    status = 200
    for _ in range(reps):
        t0 = clock()
        answer = client.get(path, headers=headers)
        samples.append((clock() - t0) / 1e6)
        status = answer.status_code if answer.status_code != 200 else status
    return statistics.median(samples), status


def measure(built: Built, label: str, reps: int, only: Sequence[str] | None = None, cpu: bool = False
            ) -> list[Target]:
    engine: WorkflowEngine = built.app.extensions["samverkan.engine"]
    accounts = built.app.extensions["samverkan.accounts"]
    chosen = [p for p in pages(facts(engine)) if not only or any(o in p.name for o in only)]
    clients = {u: signed_in(built.app, u, built.passwords[u]) for u in {p.user for p in chosen if not p.api}}
    tokens = {u: accounts.create_token(u) for u in {p.user for p in chosen if p.api}}
    api_client = built.app.test_client()
    found = []
    say(f"   load average at the start: {os.getloadavg()[0]:.1f}")
    for page in chosen:
        if page.api:
            ms, status = server_ms(api_client, page.path, {"Authorization": f"Bearer {tokens[page.user]}"}, reps,
                                   cpu)
        else:
            ms, status = server_ms(clients[page.user], page.path, {}, reps, cpu)
        note = f"{page.user} GET {page.path}" + ("" if status == 200 else f"; answered {status}")
        target = Target(f"{page.name} ({label})", ms if status == 200 else float("nan"), LIMIT_MS, "ms", note=note)
        say(target.line())
        found.append(target)
    say(f"   load average at the end: {os.getloadavg()[0]:.1f}")
    return found


@contextmanager
def database(kind: str, url: str | None) -> Iterator[str]:
    """A fresh database's URL: a SQLite file, or a schema of its own in the given PostgreSQL database."""
    if kind == "sqlite":
        with sqlite_database() as db:
            yield db.engine.url.render_as_string(hide_password=False)
    else:
        assert url is not None
        with postgres_database(url) as db:
            yield db.engine.url.render_as_string(hide_password=False)


def run(options: Options, only: Sequence[str] | None = None, kinds: Sequence[str] = ("sqlite", "postgresql"),
        cpu: bool = False) -> list[Target]:
    size, reps = (QUICK_SIZE, QUICK_REPS) if options.quick else (SIZE, REPS)
    results: list[Target] = []
    for kind in kinds:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
        label = f"{name}, {size:,} open cases" + (", quick" if options.quick else "") + (", CPU" if cpu else "")
        if kind == "postgresql" and options.postgres is None:
            results += [Target(f"{p.name} ({label})", float("nan"), LIMIT_MS, "ms", note="no PostgreSQL URL given")
                        for p in pages(Facts("", "", "", ""))]
            continue
        say(f"== {label}")
        with database(kind, options.postgres) as url, tempfile.TemporaryDirectory(prefix="samverkan-pages-") as tmp:
            built = build(url, size, Path(tmp))
            try:
                results += measure(built, label, reps, only, cpu)
            finally:
                built.app.extensions["samverkan.engine"].db.dispose()
    return results


def targets(options: Options) -> list[Target]:
    return run(options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} open cases, {QUICK_REPS} requests each")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--only", nargs="+", help="only the pages whose name holds one of these")
    parser.add_argument("--skip", choices=("sqlite", "postgresql"), help="leave one database out")
    parser.add_argument("--cpu", action="store_true",
                        help="time this process's CPU per request, not server time: other work on the machine "
                             "disturbs it less (for comparing versions of the code; not the target's measure)")
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, postgres=postgres_url(args.postgres))
    kinds = [k for k in ("sqlite", "postgresql") if k != args.skip]
    results = run(options, args.only, kinds, args.cpu)
    print()
    for target in results:
        print(target.line())
    missed = [t for t in results if t.met is False]
    print(f"\n{len(results) - len(missed)} of {len(results)} not missed; {len(missed)} NOT MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
