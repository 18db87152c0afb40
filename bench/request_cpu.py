"""What a request costs the server in CPU, in one process, without HTTP (a benchmark, not a test).

    python -m bench.request_cpu [--quick] [--postgres URL]

The requests of ``bench.http_api`` — an API completion of ``bench/bpmn/ten_tasks.bpmn``, the case's
JSON, its task list, the list of processes, the inbox page signed in — sent through Flask's test
client to the app as ``create_app`` builds it, each timed by the CPU time of this process
(``time.process_time``): the work of the request itself (the app, SQLAlchemy, SQLite's own work, the
PostgreSQL driver's side), not the network, a commit's wait for the disk or the server's threads.
Other work on the machine changes it far less than it changes a round trip, so two versions of the
code can be compared on a busy machine; it is not a target of the issue (those are round trips:
``bench.http_api``), and not printed MET or NOT MET. Beside it, a bare Flask app's request.
docs/benchmarks.md has figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, jsonify
from flask.testing import FlaskClient

from bench.http_api import KEY, USER, participant, prepare
from bench.pages_at_scale import signed_in
from bench.scratch import postgres_schema
from bench.targets import postgres_url

PASSWORD = "bench-" + "x" * 16


def cpu_ms(request: Callable[[], Any], n: int) -> float:
    """The median CPU milliseconds of ``n`` calls of ``request``, after a few not counted."""
    for _ in range(5):
        request()
    samples = []
    for _ in range(n):
        began = time.process_time()
        request()
        samples.append(time.process_time() - began)
    return statistics.median(samples) * 1000


class Product:
    """The app on ``url`` with the ten-task workflow deployed, a team leader with a token and a session."""

    def __init__(self, url: str) -> None:
        from web import create_app

        token = prepare(url, PASSWORD)
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 26})
        self.api = self.app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.page = signed_in(self.app, USER, PASSWORD)

    def ok(self, answer: Any, status: int = 200) -> Any:
        if answer.status_code != status:
            raise SystemExit(f"{answer.request.path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
        return answer.get_json()

    def start(self) -> str:
        return str(self.ok(self.api.post("/api/v1/cases", json={"process": KEY, "participant": participant(),
                                                                "data": {}}, headers=self.headers), 201)["id"])

    def completions(self, cases: int) -> list[float]:
        """CPU milliseconds of each completion of ``cases`` cases' ten tasks."""
        samples = []
        for _ in range(cases):
            case = self.start()
            while tasks := self.ok(self.api.get(f"/api/v1/tasks?case={case}", headers=self.headers)):
                task = tasks[0]
                form = {f"anteckning_{str(task['name']).rsplit('_', 1)[-1]}": "Exempeltext."}
                began = time.process_time()
                answer = self.api.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": form},
                                       headers=self.headers)
                samples.append((time.process_time() - began) * 1000)
                self.ok(answer)
        return samples


def bare_client() -> FlaskClient:
    app = Flask("bare")

    @app.get("/hello")
    def hello() -> Any:
        return jsonify({"id": "c0ffee", "status": "open", "tasks": [{"id": "t1", "name": "Steg 1"}]})

    return app.test_client()


def measure(url: str, database: str, n: int) -> None:
    product = Product(url)
    product.completions(3)  # warm: the version's spec, forms, the connections
    completion = statistics.median(product.completions(max(3, n // 10)))
    case = product.start()
    for _ in range(4):  # a case with some history
        task = product.ok(product.api.get(f"/api/v1/tasks?case={case}", headers=product.headers))[0]
        product.ok(product.api.post(f"/api/v1/tasks/{task['id']}/complete",
                                    json={"data": {f"anteckning_{str(task['name']).rsplit('_', 1)[-1]}": "x"}},
                                    headers=product.headers))
    api, headers = product.api, product.headers
    reads = {
        "case JSON (with its access-log row)": lambda: api.get(f"/api/v1/cases/{case}", headers=headers),
        "task list of a case": lambda: api.get(f"/api/v1/tasks?case={case}", headers=headers),
        "list of processes": lambda: api.get("/api/v1/processes", headers=headers),
        "inbox page (signed in)": lambda: product.page.get("/inbox"),
    }
    bare = bare_client()
    print(f"{database}: CPU per request in process, medians", flush=True)
    print(f"  {completion:7.2f} ms  API completion (ten-task workflow)", flush=True)
    for name, request in reads.items():
        print(f"  {cpu_ms(request, n):7.2f} ms  {name}", flush=True)
    print(f"  {cpu_ms(lambda: bare.get('/hello'), n):7.2f} ms  a bare Flask app's request", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args(argv)
    n = 60 if args.quick else 300
    with tempfile.TemporaryDirectory(prefix="samverkan-cpu-") as folder:
        measure(f"sqlite:///{Path(folder) / 'cpu.sqlite3'}", "SQLite", n)
    url = postgres_url(args.postgres)
    if url is not None:
        with postgres_schema(url, "samverkan_cpu") as schema_url:
            measure(schema_url, "PostgreSQL", n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
