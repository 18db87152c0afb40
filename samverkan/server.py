"""The production server mode: ``samverkan serve --workers N`` (N ≥ 2).

Gunicorn's master process binds the port and keeps N worker processes, each with the web app and
a connection pool of its own, and one **scheduler process** (``samverkan worker``) beside them,
restarted if it dies. So the database has exactly one scheduler however many workers serve
requests. Everything that must happen once — migrating the schema, deploying ``processes/``,
seeding the demo, choosing the secret key — is done by ``serve`` before the master starts; the
master keeps no database connection while it forks its workers.

Gunicorn runs on Unix only; ``samverkan serve`` without ``--workers`` stays one waitress process
with the scheduler in a thread (and is the only mode with a simulated clock, whose time lives in
that process's memory).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

log = logging.getLogger("samverkan.server")

#: A scheduler process that died is started again, but not sooner than this after the last start.
RESTART_AFTER = 5.0


def scheduler_command(interval: float) -> list[str]:
    """The scheduler process: ``samverkan worker`` with this Python (the database from the
    environment, so that a password in the URL is not on a command line for ``ps`` to show)."""
    return [sys.executable, "-m", "samverkan.cli", "worker", "--interval", str(interval)]


class SchedulerArbiter(Arbiter):
    """Gunicorn's master, keeping one scheduler process beside the workers: started once the
    listening socket is bound, checked on every turn of the master's loop (about once a second),
    started again if it died, and stopped with the server."""

    def __init__(self, app: Application) -> None:
        super().__init__(app)
        self.scheduler: subprocess.Popen[bytes] | None = None
        self._scheduler_started = 0.0

    def start(self) -> None:
        super().start()
        self._start_scheduler()

    def _start_scheduler(self) -> None:
        command, env = self.app.scheduler
        self.scheduler = subprocess.Popen(command, env=env)  # noqa: S603 - our own command, no shell
        self._scheduler_started = time.monotonic()
        self.log.info("Scheduler process started (pid: %s)", self.scheduler.pid)

    def handle_chld(self) -> None:
        # A targeted waitpid first: gunicorn's own reaping (waitpid(-1)) would take the scheduler's
        # exit status as an unknown child's (poll() then reads it as 0: dead all the same).
        self._check_scheduler()
        super().handle_chld()

    def manage_workers(self) -> None:
        super().manage_workers()
        self._check_scheduler()

    def _check_scheduler(self) -> None:
        if self.scheduler is None or self.scheduler.poll() is None:
            return
        if time.monotonic() - self._scheduler_started < RESTART_AFTER:
            return  # the next turn of the loop tries again
        self.log.error("Scheduler process (pid: %s) exited with %s; starting another",
                       self.scheduler.pid, self.scheduler.returncode)
        self._start_scheduler()

    def stop(self, graceful: bool = True) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None and scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
        super().stop(graceful)
        if scheduler is not None:
            try:
                scheduler.wait(timeout=self.cfg.graceful_timeout)
            except subprocess.TimeoutExpired:
                scheduler.kill()
                scheduler.wait()


class Application(BaseApplication):
    """The web app for gunicorn: ``make_app`` is called in each worker after the fork, so that no
    connection pool is shared between processes."""

    def __init__(self, make_app: Callable[[], Any], options: Mapping[str, Any],
                 scheduler: tuple[list[str], dict[str, str]]) -> None:
        self.make_app = make_app
        self.options = dict(options)
        self.scheduler = scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.make_app()

    def run(self) -> None:
        SchedulerArbiter(self).run()


def serve(make_app: Callable[[], Any], *, host: str, port: int, workers: int, threads: int,
          database_url: str, interval: float) -> None:
    """Serve ``make_app()`` from ``workers`` processes of ``threads`` request threads each, with one
    scheduler process on ``database_url`` ticking every ``interval`` seconds. Returns when the
    server is stopped (SIGTERM or SIGINT)."""
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "preload_app": False,  # each worker builds its own app (and pool) after the fork
        "timeout": 120,  # a worker silent this long is restarted (a deployment can take a while)
        "graceful_timeout": 30,
        "keepalive": 5,
        "proc_name": "samverkan",
        "accesslog": None,  # as with waitress: no request log (who read what is in the app's access log)
        "control_socket_disable": True,  # no gunicornc socket shared by every server of the user
    }
    env = dict(os.environ, SAMVERKAN_DATABASE_URL=database_url)
    Application(make_app, options, (scheduler_command(interval), env)).run()
