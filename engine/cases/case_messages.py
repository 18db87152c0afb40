"""Delivering what cases send each other: messages and signals (engine/spiff/case_messages.py).

A sending step writes its messages in its own transaction; they are delivered after it, each in
the receiving case's transaction, which also marks the message delivered — so a crash between the
two leaves the message to be delivered on the next pass, and a message is never taken in twice.
A message to every waiting case is first shared out as one message per case (in one transaction).
The engine delivers right after the verb that sent them, and every scheduler tick delivers
whatever is still pending (after a crash, or beyond one pass's limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import events
from engine.cases.runner import CaseRunner, Step
from engine.clock import Clock
from engine.errors import ConcurrentModification, Conflict, EngineError, NotFound, StepFailed
from engine.persistence import case_message_store
from engine.persistence.db import Database
from engine.persistence.models import CaseRow
from engine.spiff import runtime
from engine.views.cases import WAITING_SIGNAL

#: The most messages one pass delivers; the rest wait for the next tick (a burst cannot hold a
#: request for long).
MAX_PER_PASS = 1000
#: What starts a case of a process on a message, when no case waits for it: (process key, message
#: name, data, message id) → whether the process starts on that message (and a case was opened).
Opener = Callable[[str, str, dict[str, Any], int], bool]


@dataclass(frozen=True)
class _Message:
    id: int
    kind: str
    name: str
    to_process: str
    to_case: str | None
    data: dict[str, Any]
    sender: str


def deliver_pending(db: Database, runner: CaseRunner, clock: Clock, open_case: Opener) -> int:
    """Deliver the messages waiting to be delivered, oldest first, and those their delivery sends;
    how many were settled."""
    settled = 0
    while settled < MAX_PER_PASS:
        with db.reading() as session:
            batch = [_Message(m.id, m.kind, m.name, m.to_process, m.to_case, dict(m.data), m.sender_case_id)
                     for m in case_message_store.pending(session, 50)]
        if not batch:
            break
        for message in batch:
            if message.to_case is None:
                _share_out(db, clock, message, open_case)
            else:
                _deliver(db, runner, clock, message)
            settled += 1
    return settled


def _waits_for(message: _Message) -> str:
    return WAITING_SIGNAL + message.name if message.kind == "signal" else message.name


def _share_out(db: Database, clock: Clock, message: _Message, open_case: Opener) -> None:
    """A message to every waiting case: one message per case that waits for it now; if none does,
    a new case of a process that starts on it; else it had nobody to go to."""
    with db.transaction() as session:
        waiting = case_message_store.waiting_cases(session, message.to_process, _waits_for(message))
        if waiting:
            if case_message_store.settle(session, message.id, "shared", clock.now()):  # else: shared already
                case_message_store.add(session, [{
                    "sender_case_id": message.sender, "element": "", "kind": message.kind, "name": message.name,
                    "to_process": message.to_process, "to_case": case_id, "data": message.data,
                    "created_at": clock.now(),
                } for case_id in waiting])
            return
    try:
        if message.kind == "message" and open_case(message.to_process, message.name, message.data, message.id):
            return
        outcome = "no_receiver"
    except ConcurrentModification:
        return  # another worker opened the case for it
    except EngineError:
        outcome = "not_started"  # the new case could not start (the process's start form refused it, …)
    with db.transaction() as session:
        case_message_store.settle(session, message.id, outcome, clock.now())


def _deliver(db: Database, runner: CaseRunner, clock: Clock, message: _Message) -> None:
    case_id = message.to_case or ""

    def take_in(workflow: Any, row: CaseRow, step: Step) -> None:
        if message.kind == "signal":
            if message.name not in runtime.waiting_signals(workflow):
                step.unchanged = True
                return
            runtime.guarded(row.id, lambda: runtime.deliver_signal(workflow, message.name))
            step.record(events.SignalReceived(message.name, message.sender))
        else:
            if message.name not in runtime.waiting_messages(workflow):
                step.unchanged = True
                return
            runtime.guarded(row.id, lambda: runtime.deliver_message(workflow, message.name, message.data))
            step.record(events.MessageReceived(message.name, message.data))
        step.delivered.append(message.id)

    outcome = "not_waiting"
    try:
        if runner.change(case_id, "system", take_in, statuses=("open", "paused")) is not None:
            return  # settled as delivered in the receiving case's transaction
    except ConcurrentModification:
        return  # the case changed under it each time: it stays pending for the next pass
    except (Conflict, NotFound):
        pass  # closed, gone, or changed by another worker just now: it no longer waits
    except StepFailed:
        outcome = "incident"  # the case is marked as an incident; the message is not tried again
    with db.transaction() as session:
        case_message_store.settle(session, message.id, outcome, clock.now(), case_id)
