"""Several worker processes against one PostgreSQL database, and workers killed mid-work.

Thousands of timers fall due at once; three ``samverkan worker`` processes share them, and every
timer fires once, every notice is written once, and every mail arrives once. Then workers are
killed with SIGKILL dozens of times at chosen and random points (between a case's commit and the
next, after the server took a mail but before it was marked sent, …) and restarted: nothing is
lost, and a mail arrives twice only in the documented window — an interrupted hand-over to the
server, which the row then records (``uncertain_sends``) — and then with the same Message-ID.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import events
from engine.api import WorkflowEngine
from engine.clock import SimulatedClock
from engine.persistence.models import CaseEventRow, CaseRow, DeliveryRow, NotificationRow
from engine.views import SourceFile
from tests.bpmn import BPMN_DIR
from tests.conftest import POSTGRES_URL, _fresh_postgres_schema
from tests.mailbox import SENDER, Mailbox

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_URL is None, reason="needs SAMVERKAN_TEST_POSTGRES_URL"),
]

ROOT = Path(__file__).resolve().parents[2]
REFERRERS = [f"remittent{i}" for i in range(10)]
TEAM_LEADERS = ["lena.teamledare", "olle.teamledare"]


@pytest.fixture
def postgres_url() -> str:
    """A fresh schema; commits need not wait for the disk (the database server is not what is killed)."""
    assert POSTGRES_URL is not None
    return _fresh_postgres_schema(POSTGRES_URL) + "%20-csynchronous_commit%3Doff"


def start_cases(url: str, process: str, count: int, *, hours_ago: int = 24) -> WorkflowEngine:
    """``count`` cases, started a day ago by ten referrers: every one's timer (PT1H) is now overdue."""
    engine = WorkflowEngine(url, clock=SimulatedClock(datetime.now(UTC) - timedelta(hours=hours_ago)))
    engine.deploy([SourceFile(f"{process}.bpmn", (BPMN_DIR / f"{process}.bpmn").read_bytes())], "designer")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: engine.start_case(process, actor=REFERRERS[i % len(REFERRERS)],
                                                  participant={"name": f"Deltagare {i}"}), range(count)))
    return engine


def scalar(engine: WorkflowEngine, query):  # type: ignore[no-untyped-def]
    with engine.db.transaction() as session:
        return session.scalar(query)


def fired_per_case(engine: WorkflowEngine) -> Counter[int]:
    """How many cases had their timer fired how many times: {1: all of them} when all is well."""
    with engine.db.transaction() as session:
        counts = session.execute(
            select(CaseRow.id, func.count(CaseEventRow.id)).outerjoin(
                CaseEventRow, (CaseEventRow.case_id == CaseRow.id) & (CaseEventRow.event == events.TimerFired.event))
            .group_by(CaseRow.id)).all()
    return Counter(int(c[1]) for c in counts)


def mails(engine: WorkflowEngine) -> list[DeliveryRow]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(DeliveryRow).where(DeliveryRow.address.is_not(None))).all())


# --- several workers at once ---------------------------------------------------------------------------


def test_three_workers_share_thousands_of_due_timers_and_each_is_fired_and_mailed_once(postgres_url) -> None:  # type: ignore[no-untyped-def]
    cases = 2000
    engine = start_cases(postgres_url, "mass_notice", cases)
    from web.accounts.migrations import upgrade
    from web.accounts.users import Accounts

    upgrade(engine.db.engine)
    accounts = Accounts(engine.db)
    for name in REFERRERS:
        accounts.add_user(name, ["remittent"], [], None, email=f"{name}@samverkan.test")

    mailbox = Mailbox().up()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKAN_")}
    env.update({"SAMVERKAN_SMTP_HOST": "127.0.0.1", "SAMVERKAN_SMTP_PORT": str(mailbox.port),
                "SAMVERKAN_SMTP_SECURITY": "none", "SAMVERKAN_SMTP_FROM": SENDER, "SAMVERKAN_DIGEST_HOUR": "off",
                "SAMVERKAN_SMTP_TIMEOUT": "10", "SAMVERKAN_MAIL_LEASE_SECONDS": "60"})
    started = time.monotonic()
    workers = [subprocess.Popen([sys.executable, "-m", "samverkan", "--database", postgres_url, "worker",
                                 "--until-idle"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(3)]
    try:
        outputs = [w.communicate(timeout=240) for w in workers]
    finally:
        mailbox.down()
    took = time.monotonic() - started
    assert [w.returncode for w in workers] == [0, 0, 0], [err[-2000:] for _, err in outputs]

    assert fired_per_case(engine) == Counter({1: cases})
    assert scalar(engine, select(func.count()).select_from(CaseRow).where(CaseRow.status == "completed")) == cases
    assert scalar(engine, select(func.count()).select_from(NotificationRow)) == cases
    sent = mails(engine)
    assert Counter(m.status for m in sent) == Counter({"sent": cases})
    received = mailbox.message_ids()
    assert set(received.values()) == {1}
    assert set(received) == {f"<{m.id}@samverkan.test>" for m in sent}
    heartbeats = {w.id for w in engine.operations.overview().scheduler.workers}
    assert len(heartbeats) == 3
    print(f"\n{cases} timers, 3 worker processes: all fired and mailed once in {took:.1f} s")
    engine.db.dispose()


# --- workers killed at every kind of moment --------------------------------------------------------------

KILLS = 30
#: Where a mail has reached the server but is not yet marked sent: the documented window.
IN_THE_WINDOW = ("accepted", "marking")


def run_worker(url: str, port: int, owner: str, offset: float, *, after: int = 0, at: str | None = None,
               ms: int = 0) -> subprocess.Popen[str]:
    people = [{"username": n, "email": f"{n}@samverkan.test", "roles": ["remittent"], "teams": []}
              for n in REFERRERS]
    people += [{"username": n, "email": f"{n}@samverkan.test", "roles": ["teamledare"], "teams": ["crash_notice"]}
               for n in TEAM_LEADERS]
    spec = {"url": url, "smtp_port": port, "owner": owner, "offset": offset, "after": after, "at": at, "ms": ms,
            "lease": 60, "people": people}
    return subprocess.Popen([sys.executable, "-m", "tests.engine.crashing_worker", json.dumps(spec)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def work_left(engine: WorkflowEngine) -> tuple[int, int]:
    """(cases whose timer has not fired, deliveries not yet sent)."""
    with engine.db.transaction() as session:
        return (int(session.scalar(select(func.count()).select_from(CaseRow).where(CaseRow.next_due_at.is_not(None)))
                    or 0),
                int(session.scalar(select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "pending"))
                    or 0))


def test_workers_killed_again_and_again_lose_nothing_and_send_twice_only_in_the_documented_window(
        postgres_url) -> None:  # type: ignore[no-untyped-def]
    cases = 200
    engine = start_cases(postgres_url, "crash_notice", cases)
    rng = random.Random(20260112)
    mailbox = Mailbox().up()
    kills: Counter[str] = Counter()
    offset = 0.0
    rounds = 0
    started = time.monotonic()
    try:
        while (sum(kills.values()) < KILLS or not any(kills[p] for p in IN_THE_WINDOW)) and rounds < 25:
            timers_left, mails_left = work_left(engine)
            if not timers_left and not mails_left:
                break
            rounds += 1
            # Four workers, each killed at a random checkpoint of its work (or after a random time);
            # once the timers are done, one of them is killed right after the server took a mail.
            targeted = not timers_left and not any(kills[p] for p in IN_THE_WINDOW)
            workers = [run_worker(postgres_url, mailbox.port, f"r{rounds}w{i}", offset,
                                  after=rng.randint(1, 5) if targeted and i == 0 else rng.randint(1, 60),
                                  at="accepted" if targeted and i == 0 else None, ms=rng.randint(200, 1500))
                       for i in range(4)]
            for worker in workers:
                out, err = worker.communicate(timeout=120)
                if worker.returncode == -signal.SIGKILL:
                    kills[out.strip().rsplit(" ", 1)[-1] if out.strip() else "time"] += 1
                else:
                    assert worker.returncode == 0, err[-3000:]
            offset += 61  # the next round's clock is past every lease the dead held
        # A clean worker, late enough for every lease and every retry, finishes what is left.
        survivor = run_worker(postgres_url, mailbox.port, "survivor", offset + 86_400)
        _, err = survivor.communicate(timeout=120)
        assert survivor.returncode == 0, err[-3000:]
    finally:
        mailbox.down()
    took = time.monotonic() - started

    assert sum(kills.values()) >= KILLS and any(kills[p] for p in IN_THE_WINDOW), kills
    # Every timer fired once, and every notice was written once (two: the referrer and the team leaders).
    assert fired_per_case(engine) == Counter({1: cases})
    assert scalar(engine, select(func.count()).select_from(NotificationRow)) == 2 * cases
    # Every mail is sent: one to the referrer and one to each team leader per case; none lost.
    rows = mails(engine)
    assert Counter(m.status for m in rows) == Counter({"sent": 3 * cases})
    received = mailbox.message_ids()
    assert set(received) == {f"<{m.id}@samverkan.test>" for m in rows}
    # A mail arrived more than once only if its hand-over to the server was interrupted, as recorded.
    uncertain = {f"<{m.id}@samverkan.test>": m.uncertain_sends for m in rows}
    twice = {mid: n for mid, n in received.items() if n > 1}
    assert all(n - 1 <= uncertain[mid] for mid, n in twice.items()), twice
    print(f"\n{sum(kills.values())} kills in {rounds} rounds ({dict(kills)}); {3 * cases} mails, "
          f"{sum(n - 1 for n in twice.values())} duplicate(s), {sum(1 for v in uncertain.values() if v)} "
          f"flagged uncertain; {took:.1f} s")
    engine.db.dispose()
