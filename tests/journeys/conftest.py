"""Journey tests run the real process files in processes/, deployed the way `samverkan run` does.

A test module names the files it needs in ``PROCESSES`` (a BPMN file and the DMN files it uses);
its tests then get the usual journey driver (run straight and restored, on every database) with
those files deployed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.views import Case, SourceFile, Timer

PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"


def process_files(*names: str) -> list[SourceFile]:
    return [SourceFile(name, (PROCESSES_DIR / name).read_bytes()) for name in names]


@pytest.fixture
def journey(journey, request):  # type: ignore[no-untyped-def]
    """The driver of tests/conftest.py with the module's PROCESSES deployed."""
    names = getattr(request.module, "PROCESSES", ())
    if names:
        journey.engine.deploy(process_files(*names), "designer")
    return journey


#: The monthly look at the participant's consent beside every participation (processes/*.bpmn,
#: ``samtycke_bevakning``; tests/web/test_consent.py follows it): left out where a test follows the
#: journey's own timers.
CONSENT_WATCH = "samtycke_bevakning"


def own_timers(case: Case) -> list[Timer]:
    """The case's waiting timers but the consent's monthly look."""
    return [t for t in case.timers if t.element != CONSENT_WATCH]

