"""The cost of a request through the door users and systems use — HTTP — set side by side with raw
SpiffWorkflow and with a bare Flask app (a benchmark, not a test).

    python -m bench.http_api [--quick] [--postgres URL] [--no-sqlite]

(a) raw SpiffWorkflow: ``bench/bpmn/ten_tasks.bpmn`` (ten user tasks in a row) in memory, the full
    serializer's JSON loaded before and saved after every task, as a naive host would do
    (bench.engine_per_task.RawDriver);
(b) the product: ``samverkan serve`` (waitress, as shipped) in a process of its own on a free
    loopback port, the same workflow driven through ``POST /api/v1/tasks/{id}/complete`` by one
    client on a kept-alive connection; only the completion's round trip is timed;
(c) reads of the product: the case's JSON, its task list, the list of processes (API, token) and the
    inbox page (signed in, session cookie), each timed as a round trip;
(d) a bare Flask app under waitress answering a small JSON document: what any request costs.

(a) and (b) run in alternating rounds so that both meet the same noise; (c) and (d) likewise. The
ratios are medians over medians of rounds. Targets: (b)/(a) ≤ 3 on SQLite (stated for PostgreSQL),
each read of (c) ≤ 3 × (d). docs/benchmarks.md has figures.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.engine_per_task import Choices, RawDriver, parse_model, read_files
from bench.scratch import free_port, postgres_schema
from bench.targets import Options, Target, postgres_url
from web.personnummer import check_digit

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "bench" / "bpmn" / "ten_tasks.bpmn"
KEY = "ten_tasks"
USER = "bench.teamledare"
THREADS = 8  # the request threads of `samverkan serve` by default


@dataclass(frozen=True)
class Plan:
    rounds: int
    cases_per_round: int  # HTTP journeys (10 completions each) per round
    raw_per_round: int  # raw journeys per round
    reads_per_round: int  # of each read, and of the bare round trip, per round


FULL = Plan(rounds=8, cases_per_round=10, raw_per_round=20, reads_per_round=60)
QUICK = Plan(rounds=3, cases_per_round=4, raw_per_round=8, reads_per_round=20)


def _wait_for(port: int, process: subprocess.Popen[bytes], path: str = "/login", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not answer within {timeout:.0f} s")


def _samverkan(url: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "samverkan", "--database", url, *args],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"samverkan {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


@dataclass
class Server:
    port: int
    token: str
    password: str
    pid: int  # the server's process (for a profiler to attach to)


def prepare(url: str, password: str) -> str:
    """The database at ``url`` with the ten-task workflow deployed and a team leader (``USER``, with
    ``password``) of it; that user's new API token."""
    _samverkan(url, "user", "add", USER, "--role", "teamledare", "--team", KEY, "--password", password)
    _samverkan(url, "deploy", str(MODEL))
    return _samverkan(url, "token", "create", USER).strip().splitlines()[-1]


@contextmanager
def product(url: str) -> Iterator[Server]:
    """``samverkan serve`` against ``url`` with the ten-task workflow deployed and a user with a token."""
    password = secrets.token_urlsafe(12)
    token = prepare(url, password)
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "samverkan", "--database", url, "serve", "--port", str(port),
                                    "--threads", str(THREADS)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            _wait_for(port, process)
            yield Server(port, token, password, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


BARE_APP = textwrap.dedent("""
    import sys
    from flask import Flask, jsonify
    from waitress import serve
    app = Flask("bare")
    @app.get("/login")
    def hello():
        return jsonify({"id": "c0ffee", "status": "open", "tasks": [{"id": "t1", "name": "Steg 1"}]})
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]))
""")


@contextmanager
def bare_flask() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port), str(THREADS)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


class Client:
    """One kept-alive connection; every call returns (status, body, seconds)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, form: dict[str, str] | None = None
             ) -> tuple[int, bytes, float]:
        headers = dict(self.headers)
        data: bytes | None = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        began = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        took = time.perf_counter() - began
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content, took

    def json(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, content, _ = self.call(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {content[:300]!r}")
        return json.loads(content)


def sign_in(client: Client, password: str) -> None:
    status, page, _ = client.call("GET", "/login")
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    if status != 200 or found is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    status, _, _ = client.call("POST", "/login", form={"csrf_token": found.group(1).decode(), "username": USER,
                                                       "password": password, "next": "/inbox"})
    if status != 302:
        raise RuntimeError(f"signing in answered {status}")


_people = itertools.count()


def participant() -> dict[str, str]:
    """A new person each time (a person has one open case per intervention): a valid personnummer."""
    n = next(_people)
    born = date(1970, 1, 1) + timedelta(days=n // 900)
    digits = f"{born:%y%m%d}{100 + n % 900:03d}"
    return {"name": f"Deltagare {n}", "personnummer": f"{born:%Y%m%d}-{digits[6:]}{check_digit(digits)}",
            "municipality": "Ale"}


def start_case(api: Client) -> str:
    return str(api.json("POST", "/api/v1/cases", {"process": KEY, "participant": participant(), "data": {}},
                        expect=201)["id"])


def http_journey(api: Client, samples: list[float]) -> str:
    """One case of the ten-task workflow started and completed over HTTP; each completion timed."""
    case = {"id": start_case(api)}
    while True:
        tasks = api.json("GET", f"/api/v1/tasks?case={case['id']}")
        if not tasks:
            return str(case["id"])
        task = tasks[0]
        form = {f"anteckning_{str(task['name']).rsplit('_', 1)[-1]}": "Exempeltext."}
        status, content, took = api.call("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": form})
        if status != 200:
            raise RuntimeError(f"completing {task['id']}: {status} {content[:300]!r}")
        samples.append(took)


def raw_journeys(driver: RawDriver, n: int, samples_ns: list[int]) -> None:
    for _ in range(n):
        driver.journey([KEY], samples_ns)


def _median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000


@dataclass
class Figures:
    database: str
    raw_ms: float
    complete_ms: float
    bare_ms: float
    reads_ms: dict[str, float]


def measure(url: str, database: str, plan: Plan) -> Figures:
    model, why = parse_model("ten tasks", read_files([MODEL]))
    if model is None:
        raise RuntimeError(f"{MODEL.name}: {why}")
    driver = RawDriver(model.bundles, Choices(max_steps=20))
    with product(url) as server, bare_flask() as bare_port:
        api = Client(server.port, {"Authorization": f"Bearer {server.token}", "Accept": "application/json"})
        page = Client(server.port)
        sign_in(page, server.password)
        bare = Client(bare_port)
        # warm-up: the caches of both sides, the connections
        raw_journeys(driver, 3, [])
        case_id = http_journey(api, [])
        open_case = start_case(api)
        reads: dict[str, Callable[[], tuple[int, bytes, float]]] = {
            "case JSON": lambda: api.call("GET", f"/api/v1/cases/{open_case}"),
            "task list": lambda: api.call("GET", f"/api/v1/tasks?case={open_case}"),
            "process list": lambda: api.call("GET", "/api/v1/processes"),
            "inbox page": lambda: page.call("GET", "/inbox"),
        }
        for read in reads.values():
            for _ in range(5):
                read()
        for _ in range(5):
            bare.call("GET", "/login")
        raw_rounds, http_rounds, bare_rounds = [], [], []
        read_rounds: dict[str, list[float]] = {name: [] for name in reads}
        for _ in range(plan.rounds):
            raw_ns: list[int] = []
            raw_journeys(driver, plan.raw_per_round, raw_ns)
            raw_rounds.append(statistics.median(raw_ns) / 1e6)
            completions: list[float] = []
            for _ in range(plan.cases_per_round):
                http_journey(api, completions)
            http_rounds.append(_median_ms(completions))
            bare_samples = [bare.call("GET", "/login")[2] for _ in range(plan.reads_per_round)]
            bare_rounds.append(_median_ms(bare_samples))
            for name, read in reads.items():
                samples = []
                for _ in range(plan.reads_per_round):
                    status, content, took = read()
                    if status != 200:
                        raise RuntimeError(f"{name}: {status} {content[:200]!r}")
                    samples.append(took)
                read_rounds[name].append(_median_ms(samples))
        del case_id
    return Figures(database, statistics.median(raw_rounds), statistics.median(http_rounds),
                   statistics.median(bare_rounds), {n: statistics.median(r) for n, r in read_rounds.items()})


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="samverkan-http-") as folder:
        yield f"sqlite:///{Path(folder) / 'http.sqlite3'}"


def report(figures: Figures) -> list[Target]:
    ratio = figures.complete_ms / figures.raw_ms
    on = figures.database
    found = [Target(f"HTTP completion / raw SpiffWorkflow load-complete-save, {on}", ratio, 3.0, "×",
                    stated=on != "SQLite", note=f"{figures.complete_ms:.2f} ms vs {figures.raw_ms:.2f} ms per task")]
    for name, ms in figures.reads_ms.items():
        found.append(Target(f"{name} / bare Flask round trip, {on}", ms / figures.bare_ms, 3.0, "×",
                            note=f"{ms:.2f} ms vs {figures.bare_ms:.2f} ms"))
    return found


def targets(options: Options, *, sqlite: bool = True) -> list[Target]:
    plan = QUICK if options.quick else FULL
    found: list[Target] = []
    if sqlite:
        with sqlite_url() as url:
            found += report(measure(url, "SQLite", plan))
    if options.postgres:
        with postgres_schema(options.postgres, "samverkan_http") as url:
            found += report(measure(url, "PostgreSQL", plan))
    else:
        found.append(Target("HTTP completion / raw SpiffWorkflow, PostgreSQL", float("nan"), 3.0, "×", stated=True,
                            note="no PostgreSQL URL given"))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    for target in targets(Options(args.quick, postgres_url(args.postgres)), sqlite=not args.no_sqlite):
        print(target.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
