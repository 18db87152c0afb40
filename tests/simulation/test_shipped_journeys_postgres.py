"""Every shipped journey driven by the simulator on PostgreSQL (a fresh schema of this test
process's own, as the rest of the suite): no violation. Skipped unless SAMVERKAN_TEST_POSTGRES_URL
is set."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_URL, _fresh_postgres_schema
from tests.simulation.shipped import COMBINATIONS, simulate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs SAMVERKAN_TEST_POSTGRES_URL"),
]


@pytest.mark.parametrize(("process", "pace", "mode"), COMBINATIONS)
def test_the_shipped_journey_keeps_every_invariant(process: str, pace: str, mode: str) -> None:
    assert POSTGRES_URL is not None
    simulate(_fresh_postgres_schema(POSTGRES_URL), process, pace, mode)
