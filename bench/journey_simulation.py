"""The issue's full simulator run (a benchmark): every shipped journey, 1,000 cases × 36 months per
model, on SQLite and PostgreSQL, at human and burst pace.

    python -m bench.journey_simulation [--cases 1000] [--months 36] [--seed 1] [--pace human burst]
        [--restore] [--postgres URL] [--no-sqlite] [--process KEY ...] [--serializer-every N]

Prints, for each database × pace × process: the seed, the duration, the steps taken, the cases'
outcomes, the violation (if any, with its reproduction) and the stored state size and step cost by
case age in months. SQLite is a temporary file; PostgreSQL gets a schema of its own
(``samverkan_sim_<pid>``) in the database given, dropped at the end. Smaller sizes for a quick look:
``--cases 20 --months 6``. docs/simulator.md has figures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.api import folder_files
from simulation.driver import Settings, run

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
SHIPPED = ("samverkansteamet", "gemensamma_taget", "gemensamma_taget_urval")
#: The selection meeting opens its cases itself (every six weeks) and chooses among the participants
#: waiting for its answer: it is driven with Gemensamma taget's participants, referred all along.
DRIVEN = {"gemensamma_taget_urval": ["gemensamma_taget", "gemensamma_taget_urval"]}


def _schema_url(url: str) -> tuple[str, str]:
    schema = f"samverkan_sim_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def _drop(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pace", nargs="+", default=["human", "burst"], choices=["human", "burst"])
    parser.add_argument("--process", nargs="+", default=list(SHIPPED))
    parser.add_argument("--restore", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("SAMVERKAN_BENCH_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--serializer-every", type=int, default=1)
    args = parser.parse_args()
    databases = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
    for database in databases:
        for pace in args.pace:
            for process in args.process:
                schema = None
                with tempfile.TemporaryDirectory() as scratch:
                    if database == "sqlite":
                        url = f"sqlite:///{Path(scratch) / 'simulation.sqlite3'}"
                    else:
                        url, schema = _schema_url(args.postgres)
                    together = DRIVEN.get(process, [process])
                    spread = 30 * args.months - 60 if len(together) > 1 else 30
                    settings = Settings(url, together, args.cases, args.months, args.seed, pace, args.restore,
                                        args.serializer_every, spread)
                    began = time.perf_counter()
                    try:
                        report = run(settings, folder_files(PROCESSES))
                    finally:
                        if schema:
                            _drop(args.postgres, schema)
                    print(f"== {database} {pace} {process}: seed {args.seed}, {args.cases} cases x {args.months} "
                          f"months, {time.perf_counter() - began:.1f} s")
                    print(report.summary(last_steps=10))
                    if not report.ok:
                        saved = report.save(f"simulation-{database}-{pace}-{process}-{args.seed}.json")
                        print(f"steps saved to {saved}")
                    print(flush=True)


if __name__ == "__main__":
    main()
