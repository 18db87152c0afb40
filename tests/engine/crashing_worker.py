"""A worker process that kills itself (SIGKILL: no cleanup, no rollback, no goodbye to the SMTP
server) somewhere in its work — for tests/engine/test_delivery_workers.py.

It runs exactly what ``samverkan worker --until-idle`` runs (a Ticker with a DeliveryWorker), on
a clock ``offset`` seconds ahead of the machine's, so that the test can let leases of earlier
victims run out without waiting. Run as::

    python -m tests.engine.crashing_worker '{"url": …, "smtp_port": …, "offset": 0, "owner": "w1",
                                             "after": 40, "ms": 3000, "people": [...]}'

It dies at the ``after``-th checkpoint it passes (counting every kind; with ``at``, only that
kind), or ``ms`` milliseconds after it started, whichever comes first; just before, it prints
``killed at <checkpoint>``. The checkpoints:

- ``case``: right after a case's timers fired and were committed
- ``case_uncommitted``: while saving a case, before its transaction commits
- ``expand_uncommitted``: while expanding deliveries into mails, before commit
- ``claimed``: right after a batch of mails was leased (committed), before connecting
- ``handing_over``: after a mail was marked as being sent (committed), before MAIL FROM
- ``accepted``: after the SMTP server accepted the mail, before it is marked sent (the window)
- ``marking``: while marking a mail sent, before commit (the same window)
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.api import WorkflowEngine
from engine.directory import Person, StaticDirectory
from engine.notifications import mail
from engine.notifications.delivery import DeliveryWorker
from engine.persistence import outbox_store, store
from engine.scheduler import Ticker
from engine.settings import DeliverySettings, SmtpSettings


class OffsetClock:
    def __init__(self, offset: float) -> None:
        self.offset = timedelta(seconds=offset)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def die(where: str) -> None:
    print(f"killed at {where}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


class Checkpoints:
    def __init__(self, after: int, only: str | None) -> None:
        self.after = after
        self.only = only
        self.passed = 0

    def __call__(self, name: str) -> None:
        if self.after <= 0 or (self.only is not None and name != self.only):
            return
        self.passed += 1
        if self.passed >= self.after:
            die(name)


def _wrap(owner: Any, name: str, checkpoint: Callable[[], None], *, before: bool = False) -> None:
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            checkpoint()
        result = original(*args, **kwargs)
        if not before:
            checkpoint()
        return result

    setattr(owner, name, wrapped)


def install(after: int, only: str | None, ms: int) -> None:
    reached = Checkpoints(after, only)
    _wrap(WorkflowEngine, "_fire_next_due", lambda: reached("case"))
    _wrap(store, "save_case_states", lambda: reached("case_uncommitted"))
    _wrap(outbox_store, "lock_unresolved", lambda: reached("expand_uncommitted"))
    _wrap(mail.SmtpMailer, "connect", lambda: reached("claimed"), before=True)
    _wrap(mail.SmtpConnection, "envelope", lambda: reached("handing_over"), before=True)
    _wrap(mail.SmtpConnection, "data", lambda: reached("accepted"))
    _wrap(outbox_store, "mark_sent", lambda: reached("marking"))
    if ms > 0:
        timer = threading.Timer(ms / 1000, lambda: die("time"))
        timer.daemon = True
        timer.start()


def main(spec: dict[str, Any]) -> None:
    install(int(spec.get("after", 0)), spec.get("at"), int(spec.get("ms", 0)))
    clock = OffsetClock(float(spec.get("offset", 0)))
    engine = WorkflowEngine(spec["url"], clock=clock, migrate=False)
    people = [Person(p["username"], p["username"], p["email"], roles=tuple(p["roles"]), teams=tuple(p["teams"]))
              for p in spec["people"]]
    smtp = SmtpSettings(host="127.0.0.1", port=int(spec["smtp_port"]), security="none",
                             from_address="samverkan@samverkan.test", timeout=10.0)
    settings = DeliverySettings(lease=timedelta(seconds=float(spec.get("lease", 60))), batch=20, digest_hour=None)
    worker = DeliveryWorker(engine.db, clock, StaticDirectory(people), mail.SmtpMailer(smtp), settings,
                            owner=spec["owner"])
    ticker = Ticker(engine, worker)
    ticker.until_idle()
    if ticker.health.last_error:
        raise SystemExit(ticker.health.last_error)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
