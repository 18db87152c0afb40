"""The production server under load: 20 concurrent API clients for 60 s (a benchmark, not a test).

    python -m bench.load_test [--quick] [--postgres URL] [--workers N] [--clients 20] [--seconds 60]

For each database (SQLite in a temporary directory; PostgreSQL in a schema of its own,
``samverkan_load_<pid>``, dropped afterwards, when a URL is given) it:

1. prepares the database in this process: the schema, the journeys of ``processes/`` deployed as
   ``samverkan serve`` deploys them, two API users with every role of the journeys and a token each;
2. starts ``samverkan serve --workers N`` on 127.0.0.1 (a free port; nothing but the loopback is
   ever addressed) and waits until it answers;
3. warms up: every client starts a few cases through the API (not measured);
4. runs the clients side by side for the time given, bounded as well by a number of requests, each
   doing what a system does: complete an open task of one of its cases (with form data that keeps
   the journey going, as the demo answers), start a case when its cases have no open task, answer
   a selection meeting a case waits for, and read (the case, or its tasks) after every fourth
   completion; the clients are processes of their own, a few threads each, so that the GIL of one
   client process does not queue the others;
5. stops the server.

It reports requests/s, completions/s, the latency (p50, p99, max) over all requests, the errors
(any answer but 2xx, or a broken connection), and the **cores used** by the server: the CPU time
of the server's processes (gunicorn's master, its workers and the scheduler process, from
/proc/PID/stat) during the measured window divided by its length, so 2.0 is both cores busy all
the time. The clients' own CPU is given beside it: they run on the same machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.scratch import free_port, postgres_schema
from bench.targets import Options, Target, postgres_url

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only
CLIENTS = 20
SECONDS, QUICK_SECONDS = 60.0, 10.0
#: The most requests one run sends, whatever the time (a bound besides the time).
MAX_REQUESTS, QUICK_MAX_REQUESTS = 60_000, 15_000
WORKERS = 4
CLIENT_PROCESSES = 4
LOAD_TIMEOUT = 60.0  # seconds a client waits for one answer
WARM_UP_CASES = 4  # per client, started before the measured window
READ_EVERY = 4  # a read after every fourth completion
#: Steps a client takes on one case before it leaves it open and turns to another (the journeys have
#: loops that only time ends, such as Gemensamma taget's applications to the rehabilitation pot).
STEPS_PER_CASE = 20
USERS = ("last.ett", "last.tva")
#: The people fields of the journeys name our two users; the rest as the demo answers.
PEOPLE = {"teammedlem_1": USERS[0], "teammedlem_2": USERS[1], "kontaktperson": USERS[0],
          "andra_kontaktperson": USERS[1], "handlaggare": USERS[0], "mal_uppfyllt": "ja"}
SELECTION_ANSWER = "urval_genomfort"

TARGET_COMPLETIONS, TARGET_P99_MS, TARGET_CORES = 250.0, 200.0, 1.5


# --- what one run measured ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client (or all of them, summed) did in the measured window."""

    latencies: list[float] = field(default_factory=list)  # seconds, every request
    kinds: dict[str, int] = field(default_factory=dict)  # complete, start, read, message
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.latencies.extend(other.latencies)
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        self.errors += other.errors
        self.first_errors.extend(other.first_errors[: max(0, 5 - len(self.first_errors))])


@dataclass
class Result:
    database: str
    workers: int
    clients: int
    seconds: float
    tally: Tally
    server_cpu: float  # seconds of CPU of the server's processes within the window
    client_cpu: float
    server_errors: list[str] = field(default_factory=list)  # the server log's last tracebacks

    @property
    def requests(self) -> int:
        return len(self.tally.latencies)

    def per_second(self, kind: str | None = None) -> float:
        count = self.requests if kind is None else self.tally.kinds.get(kind, 0)
        return count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.tally.latencies)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def cores(self) -> float:
        return self.server_cpu / self.seconds

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k} {v / self.seconds:,.0f}/s" for k, v in sorted(self.tally.kinds.items()))
        lines = [
            f"{self.database}: {self.workers} workers, {self.clients} clients, {self.seconds:.0f} s",
            f"  {self.requests:,} requests, {self.per_second():,.0f}/s ({kinds})",
            f"  latency p50 {self.percentile(50):,.0f} ms, p99 {self.percentile(99):,.0f} ms, "
            f"max {max(self.tally.latencies, default=0) * 1000:,.0f} ms; errors {self.tally.errors}",
            f"  server CPU {self.cores:.2f} cores; clients {self.client_cpu / self.seconds:.2f} cores",
        ]
        lines += [f"  error: {e}" for e in self.tally.first_errors]
        lines += [f"  server: {line}" for found in self.server_errors for line in found.splitlines()]
        return lines



# --- the database, prepared in this process ----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    url: str
    tokens: dict[str, str]  # username → token
    #: process key → (start form, {task name: form}); journeys (with a participant) only
    forms: dict[str, tuple[Any, dict[str, Any]]]
    choices: dict[str, Any]  # the answers given where a form asks (else the engine's sample answers)


def prepare(url: str, scratch: Path) -> Prepared:
    """Schema, journeys, users and tokens, as an operator would set them up before serving."""
    from engine.api import folder_files
    from web import create_app
    from web.demo import CHOICES, DEMO_USERS

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "load-test", "SANDBOX_DIR": scratch / "sandbox"})
    engine, accounts = app.extensions["samverkan.engine"], app.extensions["samverkan.accounts"]
    engine.deploy(folder_files(ROOT / "processes"), "system", keep_published=True)
    keys = [p.key for p in engine.processes()]
    # Every role the demo's staff have: whatever task a journey offers, our users may do it.
    roles = sorted({role for _name, user_roles, teams in DEMO_USERS.values() if teams for role in user_roles})
    tokens = {}
    for username in USERS:
        accounts.add_user(username, roles, keys, None, display_name=username)
        tokens[username] = accounts.tokens.issue(username, 1).value
    forms = {}
    for key in keys:
        start = engine.registration(key)
        if start is None or not start.by_hand or not start.journey:
            continue
        forms[key] = (start.form, engine.forms(key, start.version))
    engine.db.dispose()
    return Prepared(url, tokens, forms, {**CHOICES, **PEOPLE})


@contextmanager
def sqlite_url() -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="samverkan-load-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'load.sqlite3'}", Path(tmp)


@contextmanager
def postgres_database(url: str) -> Iterator[tuple[str, Path]]:
    """A schema of our own in the given database, dropped afterwards, and a folder for the server's files."""
    with postgres_schema(url, "samverkan_load") as scoped, \
            tempfile.TemporaryDirectory(prefix="samverkan-load-") as tmp:
        yield scoped, Path(tmp)


# --- the server --------------------------------------------------------------------------------------


@contextmanager
def server(url: str, scratch: Path, workers: int, threads: int | None) -> Iterator[tuple[int, int]]:
    """``samverkan serve --workers N`` on a free loopback port: yields (port, master pid)."""
    port = free_port(HOST)
    command = [sys.executable, "-m", "samverkan.cli", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    env = dict(os.environ, SAMVERKAN_DATABASE_URL=url, SAMVERKAN_SECRET_KEY=secrets.token_hex(16))
    env.pop("SAMVERKAN_SMTP_HOST", None)
    log_path = scratch / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(port, process, log_path)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(port: int, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)  # polling the server's start, bounded by the deadline
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def process_tree(root: int) -> list[int]:
    """The pid and every descendant's, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still alive (/proc/PID/stat, fields 14 and 15)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


# --- the clients -------------------------------------------------------------------------------------


class Refused(Exception):
    pass


class Client:
    """One system using the API: its own connection (kept alive), its own cases."""

    def __init__(self, port: int, prepared: Prepared, number: int, rng: random.Random) -> None:
        self.port = port
        self.prepared = prepared
        self.number = number
        self.rng = rng
        self.connection: http.client.HTTPConnection | None = None
        self.tally = Tally()
        self.counting = False
        self.open: list[dict[str, Any]] = []  # open tasks of our cases, as the API gave them
        self.waiting: list[str] = []  # our cases waiting for the selection meeting's answer
        self.started = 0
        self.completions = 0
        self.steps: dict[str, int] = {}  # case id → completions so far

    # one request
    def call(self, kind: str, method: str, path: str, body: Any = None, user: str = USERS[0]) -> Any:
        headers = {"Authorization": f"Bearer {self.prepared.tokens[user]}"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        began = time.perf_counter()
        try:
            status, text = self._send(method, path, payload, headers)
        except (OSError, http.client.HTTPException) as err:
            self._failed(f"{method} {path}: {type(err).__name__}: {err}")
            self.connection = None
            raise Refused from err
        finally:
            if self.counting:
                self.tally.latencies.append(time.perf_counter() - began)
        if not 200 <= status < 300:
            self._failed(f"{method} {path}: {status} {text[:300]!r}")
            raise Refused
        if self.counting:
            self.tally.kinds[kind] = self.tally.kinds.get(kind, 0) + 1
        return json.loads(text)

    def _send(self, method: str, path: str, payload: bytes | None, headers: dict[str, str]) -> tuple[int, str]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=LOAD_TIMEOUT)
            try:
                self.connection.request(method, path, payload, headers)
                response = self.connection.getresponse()
                text = response.read().decode()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, text
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed a kept-alive connection before our request reached it: once more
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _failed(self, what: str) -> None:
        if self.counting:
            self.tally.errors += 1
            if len(self.tally.first_errors) < 5:
                self.tally.first_errors.append(what)

    # what a system does
    def start_case(self) -> None:
        key = sorted(self.prepared.forms)[self.started % len(self.prepared.forms)]
        start_form, _ = self.prepared.forms[key]
        self.started += 1
        serial = self.number * 100_000 + self.started
        born = date(1960 + serial % 40, 1 + serial // 40 % 12, 1 + serial // 480 % 28)
        answers = start_form.sample_answers(_today(), self.prepared.choices)
        body = {"process": key, "participant": {"name": f"Last Testsson {serial}",
                                                "personnummer": _personnummer(born, serial // 13_440)},
                "data": {k: v for k, v in answers.items() if k not in ("name", "personnummer")}}
        case = self.call("start", "POST", "/api/v1/cases", body)
        self._seen(case)

    def _seen(self, case: dict[str, Any]) -> None:
        known = {t["id"] for t in self.open}
        self.open.extend(t for t in case["open_tasks"] if t["id"] not in known)
        if not case["open_tasks"] and SELECTION_ANSWER in case.get("waiting_messages", []):
            self.waiting.append(case["id"])

    def step(self) -> None:
        if self.waiting:
            case_id = self.waiting.pop()
            self.call("message", "POST", f"/api/v1/cases/{case_id}/messages", {
                "name": SELECTION_ANSWER, "data": {"utvald": True, "gruppstart": _today().isoformat(),
                                                   "urval_motivering": "Behov av samordnat stöd"}},
                user=USERS[0])
            self._seen(self.call("read", "GET", f"/api/v1/cases/{case_id}"))
            return
        if not self.open:
            self.start_case()
            return
        task = self.open.pop(self.rng.randrange(len(self.open)))
        forms = self.prepared.forms.get(task["process"])
        if forms is None or task["name"] not in forms[1]:
            return
        user = task["assignee"] if task["assignee"] in USERS else (
            next((u for u in task["candidate_users"] if u in USERS), USERS[0]))
        answers = forms[1][task["name"]].sample_answers(_today(), self.prepared.choices)
        done = self.call("complete", "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": answers}, user=user)
        case = done["case"]
        self.open = [t for t in self.open if t["case_id"] != case["id"]]
        self.completions += 1
        self.steps[case["id"]] = self.steps.get(case["id"], 0) + 1
        if self.steps[case["id"]] < STEPS_PER_CASE:
            self._seen(case)
        if self.completions % READ_EVERY == 0:
            if self.completions % (2 * READ_EVERY):
                self.call("read", "GET", f"/api/v1/cases/{case['id']}")
            else:
                self.call("read", "GET", f"/api/v1/tasks?case={case['id']}")

    def run(self, warm_until: float, until: float, budget: int) -> None:
        for _ in range(WARM_UP_CASES):
            with contextlib.suppress(Refused):
                self.start_case()
        while time.monotonic() < warm_until:  # the others are still warming up
            time.sleep(0.01)
        self.counting = True
        while time.monotonic() < until and len(self.tally.latencies) < budget:
            with contextlib.suppress(Refused):  # counted as an error; the client goes on
                self.step()
        if self.connection is not None:
            self.connection.close()


def _today() -> date:
    return datetime.now(UTC).date()


def _personnummer(born: date, serial: int) -> str:
    from web.personnummer import check_digit

    digits = born.strftime("%y%m%d") + f"{serial % 1000:03d}"
    return f"{born.strftime('%Y%m%d')}{serial % 1000:03d}{check_digit(digits)}"


def _client_process(port: int, prepared: Prepared, numbers: list[int], warm_until: float, until: float,
                    budget: int, results: Any) -> None:
    clients = [Client(port, prepared, n, random.Random(n)) for n in numbers]
    threads = [threading.Thread(target=c.run, args=(warm_until, until, budget)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally = Tally()
    for client in clients:
        tally.add(client.tally)
    times = os.times()
    results.put((tally, times.user + times.system))


def run_load(database: str, prepared: Prepared, port: int, master: int, *, clients: int, seconds: float,
             max_requests: int, workers: int) -> Result:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    warm_until = time.monotonic() + 5 + WARM_UP_CASES * clients * 0.05
    until = warm_until + seconds
    groups = [list(range(i, clients, CLIENT_PROCESSES)) for i in range(min(CLIENT_PROCESSES, clients))]
    processes = [context.Process(target=_client_process, args=(port, prepared, group, warm_until, until,
                                                              max_requests // clients, results))
                 for group in groups]
    for process in processes:
        process.start()
    while time.monotonic() < warm_until:
        time.sleep(0.01)
    pids = process_tree(master)
    before, began = cpu_seconds(pids), time.monotonic()
    tally, client_cpu = Tally(), 0.0
    gathered = [results.get(timeout=seconds + 120) for _ in processes]
    # The window ends when the last client stops (at ``until``, or earlier when the budget ran out).
    ended = min(time.monotonic(), until)
    after = cpu_seconds(pids)
    for process in processes:
        process.join(timeout=30)
    for part, cpu in gathered:
        tally.add(part)
        client_cpu += cpu
    server_cpu = sum(after[p] - before[p] for p in after if p in before)
    return Result(database, workers, clients, ended - began, tally, server_cpu, client_cpu)


def measure(database: str, url_context: Any, *, clients: int, seconds: float, max_requests: int,
            workers: int, threads: int | None) -> Result:
    with url_context as (url, scratch):
        prepared = prepare(url, scratch)
        with server(url, scratch, workers, threads) as (port, master):
            result = run_load(database, prepared, port, master, clients=clients, seconds=seconds,
                              max_requests=max_requests, workers=workers)
        if result.tally.errors:
            log = (scratch / "server.log").read_text(errors="replace")
            result.server_errors = tracebacks(log)
            kept = Path(tempfile.gettempdir()) / f"samverkan-load-{database.lower()}-{os.getpid()}.log"
            kept.write_text(log)
            result.server_errors.append(f"(the whole server log: {kept})")
        return result


def tracebacks(log: str, most: int = 2) -> list[str]:
    """The last tracebacks of a server log (what went wrong behind a 500)."""
    found = []
    for part in log.split("Traceback (most recent call last):")[1:]:
        lines = part.strip("\n").splitlines()
        end = next((i for i, line in enumerate(lines) if line and not line.startswith(" ")), len(lines) - 1)
        found.append("\n".join(lines[max(0, end - 6):end + 1]))
    return found[-most:]


def targets_of(result: Result) -> list[Target]:
    name = result.database
    note = f"{result.workers} workers, {result.clients} clients, {result.seconds:.0f} s"
    return [
        Target(f"load, {name}: completions per second", result.per_second("complete"), TARGET_COMPLETIONS, "/s",
               at_least=True, note=f"{note}; {result.per_second():,.0f} requests/s"),
        Target(f"load, {name}: p99 latency", result.percentile(99), TARGET_P99_MS, "ms",
               note=f"p50 {result.percentile(50):,.0f} ms"),
        Target(f"load, {name}: errors", float(result.tally.errors), 0, "errors"),
        Target(f"load, {name}: server cores used", result.cores, TARGET_CORES, "cores", at_least=True,
               note="CPU seconds of the server's processes / wall seconds"),
    ]


def not_measured(name: str, why: str) -> list[Target]:
    return [Target(f"load, {name}: {what}", math.nan, limit, unit, at_least=floor, note=why)
            for what, limit, unit, floor in (("completions per second", TARGET_COMPLETIONS, "/s", True),
                                             ("p99 latency", TARGET_P99_MS, "ms", False),
                                             ("errors", 0, "errors", False),
                                             ("server cores used", TARGET_CORES, "cores", True))]


def run(options: Options, *, clients: int = CLIENTS, seconds: float | None = None, workers: int = WORKERS,
        threads: int | None = None, only: str | None = None) -> list[Result]:
    seconds = seconds or (QUICK_SECONDS if options.quick else SECONDS)
    budget = QUICK_MAX_REQUESTS if options.quick else MAX_REQUESTS
    results = []
    if only in (None, "sqlite"):
        results.append(measure("SQLite", sqlite_url(), clients=clients, seconds=seconds, max_requests=budget,
                               workers=workers, threads=threads))
    if options.postgres and only in (None, "postgres"):
        results.append(measure("PostgreSQL", postgres_database(options.postgres), clients=clients, seconds=seconds,
                               max_requests=budget, workers=workers, threads=threads))
    return results


def targets(options: Options) -> list[Target]:
    found: list[Target] = []
    results = run(options)
    for result in results:
        for line in result.lines():
            print(line, flush=True)
        found += targets_of(result)
    if not options.postgres:
        found += not_measured("PostgreSQL", "no PostgreSQL URL given")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SECONDS:.0f} s instead of {SECONDS:.0f} s")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    parser.add_argument("--workers", type=int, default=WORKERS, help="the server's worker processes")
    parser.add_argument("--threads", type=int, default=None, help="request threads per worker")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, postgres=postgres_url(args.postgres))
    for result in run(options, clients=args.clients, seconds=args.seconds, workers=args.workers,
                      threads=args.threads, only=args.only):
        for line in result.lines():
            print(line)
        for target in targets_of(result):
            print(target.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
