"""The follow-up's figures over many cases: how long a period's figures take at 10,000 and
100,000 cases (open and closed), on SQLite and on PostgreSQL, and the follow-up page and its
XLSX export (through the app, as an admin who sees exact counts).

The rows are the read model's (``follow_up``), written as the engine writes them: five years of
cases of two journeys, about a third of them still open, with the attributes and outcomes spread
as a förbund's are. The cases themselves are not needed: the figures never read them.

    .venv/bin/python -m bench.follow_up                        # SQLite, 10,000 and 100,000 cases
    .venv/bin/python -m bench.follow_up --database postgresql+psycopg://postgres@127.0.0.1:5432/samverkan_bench
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from engine.api import WorkflowEngine
from engine.persistence import followup_store
from engine.views.followup import Filters, Period

TARGET_SECONDS = 1.0
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
FIRST_DAY = date(2022, 1, 1)
PROCESSES = {"samverkansteamet": ("arbete", "studier", "ater_till_remittent", "arbetssokande_af", "annan_aktor"),
             "gemensamma_taget": ("arbete", "studier", "ordinarie_myndighet", "psykiatrin",
                                  "sjuk_aktivitetsersattning")}
CATEGORY = {"arbete": "arbete", "studier": "studier", "ater_till_remittent": "annan_insats",
            "arbetssokande_af": "annan_insats", "annan_aktor": "annan_insats", "ordinarie_myndighet": "annan_insats",
            "psykiatrin": "annan_insats", "sjuk_aktivitetsersattning": "ej_nytta"}
MUNICIPALITIES = {"samverkansteamet": ("Lindesberg", "Hällefors", "Nora", "Ljusnarsberg"),
                  "gemensamma_taget": ("Umeå", "annan")}


def rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` follow-up rows as the engine writes them, referred evenly over five years."""
    rng = random.Random(seed)
    span = (NOW.date() - FIRST_DAY).days
    made = []
    for number in range(count):
        process = "samverkansteamet" if number % 3 else "gemensamma_taget"
        referred = FIRST_DAY + timedelta(days=span * number // count)
        started = referred + timedelta(days=rng.randint(7, 40)) if rng.random() < 0.8 else None
        ended = started + timedelta(days=rng.randint(60, 540)) if started else None
        if ended is not None and ended > NOW.date():
            ended = None
        outcome = rng.choice(PROCESSES[process]) if ended else None
        due = referred + timedelta(days=14)
        made.append({
            "case_id": str(uuid.UUID(int=rng.getrandbits(128))), "process_key": process,
            "status": "completed" if ended else ("open" if started or rng.random() < 0.5 else "completed"),
            "referred_on": referred, "started_on": started if started and started <= NOW.date() else None,
            "ended_on": ended, "gender": rng.choice(("kvinna", "man")), "birth_year": rng.randint(1958, 2006),
            "municipality": rng.choice(MUNICIPALITIES[process]),
            "authority": rng.choice(("AF", "FK", "socialtjansten")),
            "outcome": outcome, "category": CATEGORY.get(outcome or ""), "contact": f"kontakt{rng.randint(1, 40)}",
            "reply_due_on": due, "replied_on": due - timedelta(days=rng.randint(-6, 12)), "updated_at": NOW,
        })
    return made


def fill(engine: WorkflowEngine, count: int) -> None:
    with engine.db.transaction() as session:
        session.execute(text("DELETE FROM follow_up"))
    made = rows(count)
    for first in range(0, len(made), 5000):
        with engine.db.transaction() as session:
            followup_store.write(session, made[first:first + 5000])


def timed(action: Callable[[], Any], repeats: int = 5) -> tuple[float, Any]:
    """The median of ``repeats`` runs (after one to warm up), in seconds, and the last answer."""
    answer = action()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        answer = action()
        times.append(time.perf_counter() - began)
    return statistics.median(times), answer


def measure(database: str, sizes: list[int]) -> list[tuple[str, int, float]]:
    from web import create_app

    app = create_app({"DATABASE_URL": database, "SIMULATED_CLOCK": True, "CLOCK_START": NOW,
                      "SECRET_KEY": "bench", "TESTING": True})
    engine: WorkflowEngine = app.extensions["samverkan.engine"]
    engine.deploy([_source(p) for p in sorted(Path(__file__).resolve().parents[1].joinpath("processes").iterdir())],
                  "bench")
    accounts = app.extensions["samverkan.accounts"]
    password = "bench password 1"
    with contextlib.suppress(Exception):
        accounts.add_user("bench.admin", ["admin"], [], password=password)
    client = app.test_client()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/login").text)
    signed_in = client.post("/login", data={"username": "bench.admin", "password": password,
                                            "csrf_token": token.group(1) if token else ""})
    assert signed_in.status_code == 302, signed_in.status_code
    results = []
    quarter = Period(date(2026, 7, 1), date(2026, 9, 30))
    year = Period(date(2025, 1, 1), date(2025, 12, 31))
    for size in sizes:
        fill(engine, size)
        for name, period, keys in (("quarter, one journey", quarter, ("samverkansteamet",)),
                                   ("year, both journeys", year, ("samverkansteamet", "gemensamma_taget"))):
            seconds, figures = timed(lambda period=period, keys=keys: engine.follow_up.figures(
                period, Filters(process_keys=keys)))
            results.append((name, size, seconds))
            print(f"{size:>7} cases  {name:<22} figures {seconds * 1000:8.1f} ms  (active {figures.total.active}, "
                  f"ended {figures.total.ended})  {'MET' if seconds <= TARGET_SECONDS else 'NOT MET'}", flush=True)
        quarterly = "insats=samverkansteamet&period=kvartal&ar=2026&kvartal=3"
        yearly = "insats=alla&period=ar&ar=2025"
        pages = (("quarter, one journey", "the page", f"/uppfoljning?{quarterly}"),
                 ("quarter, one journey", "the XLSX export", f"/uppfoljning/rapport.xlsx?{quarterly}"),
                 ("year, both journeys", "the page", f"/uppfoljning?{yearly}"),
                 ("year, both journeys", "the XLSX export", f"/uppfoljning/rapport.xlsx?{yearly}"))
        for period_name, name, path in pages:
            def fetch(path: str = path) -> Any:
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)
                return answer
            seconds, answer = timed(fetch)
            results.append((f"{period_name}: {name}", size, seconds))
            print(f"{size:>7} cases  {period_name:<22} {name:<16} {seconds * 1000:8.1f} ms  "
                  f"({len(answer.data) // 1024} kB)  {'MET' if seconds <= TARGET_SECONDS else 'NOT MET'}", flush=True)
    engine.db.dispose()
    return results


def _source(path: Path) -> Any:
    from engine.views import SourceFile

    return SourceFile(path.name, path.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    database = args.database or f"sqlite:///{tempfile.mkdtemp()}/follow_up.sqlite3"
    print(f"follow-up figures on {database.split(':', 1)[0]}, target ≤ {TARGET_SECONDS:.0f} s")
    measure(database, [int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
