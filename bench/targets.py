"""Every performance target of the product, measured, each printed MET or NOT MET (a benchmark, not
a test).

    python -m bench.targets [--quick] [--postgres URL] [--only NAME ...]

Each part is a module of ``bench/`` with a function ``targets(options) -> list[Target]``; the
parts run one after the other (never side by side: they would measure each other), and a ratio is
always measured within one part, its two sides in the same run. PostgreSQL is used when
``--postgres URL``, ``SAMVERKAN_BENCH_POSTGRES_URL`` or ``SAMVERKAN_TEST_POSTGRES_URL`` gives a URL;
without one, the PostgreSQL targets are printed as not measured. docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

#: The parts, in the order they run: name -> module (each has ``targets(options)``).
PARTS: dict[str, str] = {
    "engine": "bench.engine_per_task",
    "http": "bench.http_api",
    "starts": "bench.case_starts",
    "state": "bench.state_size",
    "pages": "bench.pages_at_scale",
    "load": "bench.load_test",
}


@dataclass(frozen=True)
class Options:
    quick: bool  # smaller samples: a look, not the figures for the docs
    postgres: str | None  # a PostgreSQL URL, or None: PostgreSQL targets are not measured


@dataclass(frozen=True)
class Target:
    """One target and what was measured for it. ``measured`` is NaN when it could not be measured
    here (``note`` says why)."""

    name: str
    measured: float
    limit: float
    unit: str  # "×", "ms", "/s", "kB", "errors", "cores"
    at_least: bool = False  # the target is a floor (≥), not a ceiling (≤)
    note: str = ""
    stated: bool = False  # a figure the issue asks to state beside a target, not a target itself

    @property
    def met(self) -> bool | None:
        if math.isnan(self.measured) or self.stated:
            return None
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def line(self) -> str:
        verdict = "STATED" if self.stated else {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[self.met]
        sign = "≥" if self.at_least else "≤"
        shown = "—" if math.isnan(self.measured) else f"{self.measured:,.2f}".rstrip("0").rstrip(".")
        note = f"  ({self.note})" if self.note else ""
        return f"{verdict:<13} {self.name}: {shown} {self.unit} (target {sign} {self.limit:g} {self.unit}){note}"


def postgres_url(given: str | None) -> str | None:
    return given or os.environ.get("SAMVERKAN_BENCH_POSTGRES_URL") or os.environ.get("SAMVERKAN_TEST_POSTGRES_URL")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller samples (a look, not the figures)")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (a schema of its own is used)")
    parser.add_argument("--only", nargs="+", choices=sorted(PARTS), help="run only these parts")
    args = parser.parse_args(argv)
    options = Options(quick=args.quick, postgres=postgres_url(args.postgres))
    results: list[Target] = []
    for name, module_name in PARTS.items():
        if args.only and name not in args.only:
            continue
        began = time.perf_counter()
        print(f"== {name} ({module_name})", flush=True)
        module = importlib.import_module(module_name)
        part = module.targets(options)
        for target in part:
            print(target.line(), flush=True)
        print(f"   ({time.perf_counter() - began:.0f} s)", flush=True)
        results.extend(part)
    print()
    print("== all targets")
    for target in results:
        print(target.line())
    counted = [t for t in results if not t.stated]
    met = [t for t in counted if t.met]
    missed = [t for t in counted if t.met is False]
    print(f"\n{len(counted)} targets: {len(met)} MET, {len(missed)} NOT MET, "
          f"{len(counted) - len(met) - len(missed)} NOT MEASURED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
