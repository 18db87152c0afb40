"""The shipped journeys open cleanly in bpmn-js and dmn-js: their readers (bpmn-moddle and dmn-moddle
with the Camunda extension) report no warning, and every flow element has a shape or an edge."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CHECKER = ROOT / "tools" / "check_models.mjs"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "bpmn-moddle").exists(),
    reason="needs node and `npm ci` (make install does both)",
)


def _check(*paths: Path) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    done = subprocess.run(["node", str(CHECKER), *map(str, paths)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_every_shipped_model_reads_without_warnings_and_is_fully_drawn() -> None:
    files = sorted((ROOT / "processes").glob("*.bpmn")) + sorted((ROOT / "processes").glob("*.dmn"))
    assert any(f.name == "samverkansteamet.bpmn" for f in files)
    code, results = _check(*files)
    assert [r["file"] for r in results] == [f.name for f in files]
    assert [r for r in results if r.get("error") or r["warnings"] or r["undrawn"]] == []
    assert code == 0


def test_the_checker_notices_unknown_attributes_and_undrawn_elements(tmp_path: Path) -> None:
    model = (ROOT / "processes" / "samverkansteamet.bpmn").read_text(encoding="utf-8")
    broken = model.replace('camunda:candidateGroups="teamledare"', 'camunda:candidateGroupz="teamledare"', 1)
    broken = broken.replace('<bpmndi:BPMNShape id="registrera_informationsmote_di"', '<bpmndi:BPMNShape id="x"', 1)
    first_shape = broken.index("<bpmndi:BPMNShape")
    end = broken.index("</bpmndi:BPMNShape>", first_shape) + len("</bpmndi:BPMNShape>")
    broken = broken[:first_shape] + broken[end:]
    path = tmp_path / "broken.bpmn"
    path.write_text(broken, encoding="utf-8")
    code, [result] = _check(path)
    assert code == 1
    assert any("candidateGroupz" in w for w in result["warnings"])
    assert len(result["undrawn"]) == 1
