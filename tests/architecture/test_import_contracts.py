"""The architecture's rules are checked by a tool, not kept by hand: `make lint` runs import-linter
with the contracts in pyproject.toml. Each contract is shown to fail on a deliberate violation,
made in a copy of the source tree, so that a contract that checks nothing cannot go unnoticed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: contract id → (module that breaks it, the line that breaks it)
VIOLATIONS = {
    "layers": ("engine/language/timers.py", "from engine.cases import runner"),
    "no-web-in-engine": ("engine/cases/deadlines.py", "import flask"),
    "spiff-inside": ("engine/cases/runner.py", "import SpiffWorkflow"),
    "sql-in-stores": ("engine/cases/inbox.py", "import sqlalchemy"),
    "public-surface": ("web/ui/labels.py", "from engine.persistence import store"),
    "simulation-public-surface": ("simulation/choices.py", "from engine.cases import runner"),
}


def _contract_names() -> dict[str, str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c["name"] for c in config["tool"]["importlinter"]["contracts"]}


def _copy_of_the_tree(target: Path) -> Path:
    for package in ("engine", "web", "samverkan", "simulation"):
        shutil.copytree(ROOT / package, target / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "translations", "*.mako"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")], cwd=tree,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_contract_named_here_is_in_pyproject() -> None:
    assert set(VIOLATIONS) == set(_contract_names())


def test_the_tree_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy_of_the_tree(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(VIOLATIONS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_a_deliberate_violation_breaks_its_contract(tmp_path: Path, contract: str) -> None:
    tree = _copy_of_the_tree(tmp_path)
    module, line = VIOLATIONS[contract]
    with (tree / module).open("a", encoding="utf-8") as file:
        file.write(f"\n{line}  # noqa\n")

    result = _lint(tree)

    assert result.returncode != 0
    broken = " ".join(result.stdout.split())  # the report wraps long names
    assert f"{' '.join(_contract_names()[contract].split())} BROKEN" in broken, result.stdout
    assert "1 broken" in result.stdout


def test_the_web_never_reaches_into_the_engines_insides() -> None:
    """What the import contracts cannot see: an attribute of the façade that is the engine's own
    (its database, runner or catalog) handed around by the web."""
    reaching = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "web").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(f"engine(){inside}" in line or f'["samverkan.engine"]{inside}' in line
               for inside in (".db", ".runner", ".catalog"))
    ]
    assert reaching == []
