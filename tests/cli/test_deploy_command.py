"""`samverkan deploy`: prints KEY version N per process, and refuses invalid files with their problems."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from samverkan.cli import main
from tests.bpmn import BPMN_DIR


def test_deploy_prints_each_process_version(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    first = runner.invoke(main, ["--database", url, "deploy", str(BPMN_DIR / "referral_reply.bpmn")])
    assert first.exit_code == 0, first.output
    assert first.output.strip().splitlines()[-1] == "referral_reply version 1"

    changed = tmp_path / "referral_reply.bpmn"
    changed.write_bytes((BPMN_DIR / "referral_reply.bpmn").read_bytes().replace(b"Registrera remiss", b"Registrera"))
    second = runner.invoke(main, ["--database", url, "deploy", str(changed)])
    assert second.output.strip().splitlines()[-1] == "referral_reply version 2"


def test_deploy_prints_what_a_call_activity_calls(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    runner.invoke(main, ["--database", url, "deploy", str(BPMN_DIR / "avslut_fragment.bpmn")])
    caller = runner.invoke(main, ["--database", url, "deploy", str(BPMN_DIR / "calls_avslut.bpmn")])
    assert caller.exit_code == 0, caller.output
    assert caller.output.strip().splitlines()[-2:] == ["calls_avslut version 1", "  avsluta calls avslut version 1"]


def test_deploy_refuses_an_invalid_file_and_deploys_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes((BPMN_DIR / "referral_reply.bpmn").read_bytes().replace(b"beslut == 'ja'", b"__import__('os')"))
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = CliRunner().invoke(main, ["--database", url, "deploy", str(bad)])
    assert result.exit_code == 1
    assert "f_yes" in result.output and "not allowed" in result.output
    assert "Traceback" not in result.output

    from engine.api import WorkflowEngine

    assert WorkflowEngine(url).processes() == []


def test_start_up_deploys_processes_and_keeps_a_version_published_since(tmp_path: Path) -> None:
    """What `serve` and `run` do first: deploy processes/ as one deployment, each journey its own
    version; a version published in the designer since stays the newest, and the start says so."""
    from engine.api import WorkflowEngine, folder_files
    from samverkan.cli import PROCESSES_DIR, _deploy_processes

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = WorkflowEngine(url)
    runner = CliRunner()
    with runner.isolation() as (out, _err, _log):
        _deploy_processes(engine)
    assert out.getvalue().decode().splitlines() == [
        "gemensamma_taget version 1", "gemensamma_taget_urval version 1", "samverkansteamet version 1"]

    published = [f if f.name != "samverkansteamet.bpmn" else type(f)(f.name, f.content.replace(
        b"days(14)", b"days(10)")) for f in folder_files(PROCESSES_DIR)]
    engine.deploy(published, "david.designer")
    with runner.isolation() as (out, _err, _log):
        _deploy_processes(engine)
    assert "samverkansteamet version 2 (processes/ holds version 1; version 2, published since, stays the newest)" \
        in out.getvalue().decode().splitlines()
    assert {p.key: p.version for p in engine.processes()}["samverkansteamet"] == 2
