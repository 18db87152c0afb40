"""engine.spiff.deep runs SpiffWorkflow's recursion on threads of its own, started on first use. A
process forked afterwards (a server's worker, forked once the master has deployed processes/) has
none of those threads: it must start its own, not queue its jobs for threads that are not there."""

from __future__ import annotations

import os
import select
import signal

from engine.spiff import deep


def test_a_forked_process_runs_deep_calls_on_threads_of_its_own() -> None:
    assert deep.call(lambda: 1) == 1  # the pool now runs in this process
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into pytest
        try:
            os.write(writer, str(deep.call(lambda: 41 + 1)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    answered, _, _ = select.select([reader], [], [], 20)  # the child's answer, or 20 s of silence
    if not answered:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    answer = os.read(reader, 100).decode() if answered else ""
    os.close(reader)
    assert answer == "42", "the forked process's deep call never ran"
