"""``samverkan serve --workers N``: gunicorn's worker processes answer the API and the pages side
by side, and one scheduler process beside them fires each timer once.

The server runs as it does in production, a process of its own on a free loopback port; the test
waits for it (and for the timers) by polling with a deadline, never by sleeping a fixed time.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.api import WorkflowEngine
from engine.events import TimerFired
from engine.views import SourceFile
from samverkan.cli import main
from web import create_app
from web.personnummer import check_digit

ROOT = Path(__file__).parents[2]
WORKERS = 3
PASSWORD = "ett-langt-losenord"

#: Waits two seconds, then asks for one task: the timer is the scheduler's to fire.
WAITING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_vanta" targetNamespace="http://samverkan.se/test">
  <bpmn:process id="vanta" name="Vänta lite" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="tva_sekunder" name="Två sekunder">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="efter" name="Efter väntan" camunda:candidateGroups="handlaggare">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="slut"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tva_sekunder" />
    <bpmn:sequenceFlow id="f2" sourceRef="tva_sekunder" targetRef="efter" />
    <bpmn:sequenceFlow id="f3" sourceRef="efter" targetRef="slut" />
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT
    port: int
    database: str
    token: str
    master: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll ``check`` until it gives something true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)  # polling, bounded by the deadline
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def personnummer(serial: int) -> str:
    digits = f"800101{serial:03d}"
    return f"19{digits}{check_digit(digits)}"


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def serving(home: Path, workers: int = WORKERS) -> Iterator[Server]:
    """``samverkan serve --workers N`` in ``home`` (no processes/ there to deploy) on a SQLite
    database with the waiting process deployed and a user who works on it; stopped afterwards."""
    database = f"sqlite:///{home / 'samverkan.sqlite3'}"
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "only-for-setting-up", "SANDBOX_DIR": home / "sb"})
    engine, accounts = app.extensions["samverkan.engine"], app.extensions["samverkan.accounts"]
    engine.deploy([SourceFile("vanta.bpmn", WAITING.encode())], "test")
    accounts.add_user("kim", ["handlaggare"], ["vanta"], PASSWORD)
    token = accounts.tokens.issue("kim", 1).value
    engine.db.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMVERKAN_SMTP", "SAMVERKAN_SECRET"))}
    master = subprocess.Popen(
        [sys.executable, "-m", "samverkan.cli", "--database", database, "serve", "--port", str(port),
         "--workers", str(workers), "--interval", "0.5"],
        cwd=home, env={**env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        until(lambda: master.poll() is not None or _answers(url), "the server answers")
        assert master.poll() is None, f"the server exited with {master.returncode}"
        yield Server(url, port, database, token, master)
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=40)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("serve-workers")) as started:
        yield started


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def api(server: Server, method: str, path: str, body: Any = None) -> Any:
    """One request on a connection of its own (so that requests spread over the workers)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, f"/api/v1{path}", json.dumps(body) if body is not None else None,
                           {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
        answer = connection.getresponse()
        text = answer.read().decode()
        assert 200 <= answer.status < 300, f"{method} {path}: {answer.status} {text}"
        return json.loads(text)
    finally:
        connection.close()


def test_several_clients_work_through_the_workers_and_each_timer_fires_once(server: Server) -> None:
    started: list[str] = []
    failures: list[BaseException] = []

    def client(number: int) -> None:
        try:
            for serial in range(3):
                started.append(api(server, "POST", "/cases", {"process": "vanta", "participant": {
                    "name": f"Kund {number}-{serial}", "personnummer": personnummer(10 * number + serial)}})["id"])
        except BaseException as err:
            failures.append(err)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(started) == 12

    def tasks_after_the_timer() -> dict[str, str] | None:
        found = {}
        for case_id in started:
            tasks = api(server, "GET", f"/tasks?case={case_id}")
            if not tasks:
                return None
            found[case_id] = tasks[0]["id"]
        return found

    tasks = until(tasks_after_the_timer, "every case's timer fired")
    completions = [threading.Thread(target=api, args=(server, "POST", f"/tasks/{task}/complete", {"data": {}}))
                   for task in tasks.values()]
    for thread in completions:
        thread.start()
    for thread in completions:
        thread.join(timeout=60)
    for case_id in started:
        case = api(server, "GET", f"/cases/{case_id}")
        assert case["status"] == "completed"
        fired = [e for e in case["history"] if e["event"] == TimerFired.event]
        assert len(fired) == 1, case["history"]


def test_one_scheduler_process_runs_beside_the_workers(server: Server) -> None:
    engine = WorkflowEngine(server.database, migrate=False)
    try:
        heartbeats = until(lambda: engine.operations.overview().scheduler.workers, "the scheduler's heartbeat")
    finally:
        engine.db.dispose()
    assert len(heartbeats) == 1, heartbeats  # one scheduler, not one in every worker
    assert len(children(server.master.pid)) == WORKERS + 1
    (scheduler,) = schedulers(server)
    assert f":{scheduler}:" in heartbeats[0].id  # the heartbeat is that process's


class Browser:
    """A browser's cookies, sent by hand: the session cookie is ``Secure``, which a browser sends to
    ``http://localhost`` but ``http.cookiejar`` only over HTTPS. A connection of its own per request."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            answer = connection.getresponse()
            for header in answer.headers.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return answer.status, answer.getheader("Location") or "", answer.read().decode()
        finally:
            connection.close()


def test_a_page_session_holds_across_the_workers(server: Server) -> None:
    browser = Browser(server)
    _, _, page = browser.request("GET", "/login")
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert csrf is not None
    status, location, _ = browser.request("POST", "/login", {"username": "kim", "password": PASSWORD,
                                                             "csrf_token": csrf.group(1)})
    assert status == 302 and "/login" not in location
    for _ in range(4 * WORKERS):  # signed in, whichever worker answers
        status, location, page = browser.request("GET", "/inbox")
        assert status == 200, (status, location)
        assert "kim" in page
    # A form of one worker's page is accepted by whichever worker takes it (the CSRF token too).
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    status, _, _ = browser.request("POST", "/logout", {"csrf_token": token.group(1)})
    assert status == 302
    status, location, _ = browser.request("GET", "/inbox")
    assert status == 302 and "/login" in location  # signed out, whichever worker is asked


def schedulers(server: Server) -> list[int]:
    """The master's children that run ``samverkan worker`` (the workers run ``serve``)."""
    return [p for p in children(server.master.pid)
            if b" worker " in Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ") and alive(p)]


def test_a_scheduler_that_died_is_started_again_and_stopping_stops_them_all(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2) as server:
        (first,) = until(lambda: schedulers(server), "the scheduler process")
        os.kill(first, signal.SIGKILL)
        (second,) = until(lambda: [p for p in schedulers(server) if p != first], "another scheduler process")
        assert not alive(first)
        processes = children(server.master.pid)
        assert len(processes) == 3 and second in processes  # two workers, one scheduler
        server.master.send_signal(signal.SIGTERM)
        server.master.wait(timeout=40)
    until(lambda: not any(alive(p) for p in processes), "every process of the server ended", timeout=30)


def test_a_simulated_clock_is_refused_with_several_workers(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--database", f"sqlite:///{tmp_path / 'db.sqlite3'}", "serve",
                                       "--simulated-clock", "--workers", "2"])
    assert result.exit_code == 2
    assert "--simulated-clock runs in one process" in result.output
