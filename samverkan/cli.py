"""The ``samverkan`` command."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import click

from engine.errors import InvalidProcess, Problem
from engine.spiff.loading import SourceFile

PROCESSES_DIR = Path("processes")


def _read(paths: tuple[str, ...]) -> list[SourceFile]:
    files = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise click.BadParameter(f"no such file: {name}", param_hint="FILE")
        files.append(SourceFile(path.name if len(paths) == 1 else str(path), path.read_bytes()))
    return files


def _line(problem: Problem, names: dict[str, str]) -> str:
    file = names.get(problem.file, problem.file)
    prefix = "warning: " if problem.severity != "error" else ""
    return f"{file}: {problem.element}: {prefix}{problem.message}"


def _engine(database: str | None):  # type: ignore[no-untyped-def]
    from engine.api import WorkflowEngine

    return WorkflowEngine(database)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database", envvar="SAMVERKAN_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: SQLite under instance/; env SAMVERKAN_DATABASE_URL).")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """samverkan: the participant journeys of Finsam interventions, run as BPMN processes."""
    ctx.obj = {"database": database}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@main.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check BPMN/DMN files; one line per problem, exit 0 only if all are valid.

    Files given together are checked together (a BPMN file and the DMN files it uses).
    """
    from engine.spiff.loading import load

    sources = _read(files)
    names = {s.name: s.name for s in sources}
    result = load(sources, allow_scripts=os.environ.get("SAMVERKAN_ALLOW_SCRIPTS") == "1")
    for problem in result.problems:
        click.echo(_line(problem, names))
    if result.errors:
        sys.exit(1)
    for source in sources:
        if not any(p.file == source.name for p in result.problems):
            click.echo(f"{source.name}: valid")


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--actor", default="cli", help="Who deploys (recorded with the version).")
@click.pass_context
def deploy(ctx: click.Context, files: tuple[str, ...], actor: str) -> None:
    """Validate and deploy; prints KEY version N per process."""
    sources = _read(files)
    engine = _engine(ctx.obj["database"])
    try:
        versions = engine.deploy(sources, actor)
    except InvalidProcess as invalid:
        for problem in invalid.problems:
            click.echo(_line(problem, {}), err=True)
        sys.exit(1)
    for version in versions:
        click.echo(f"{version.key} version {version.version}")


@main.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between scheduler ticks.")
@click.pass_context
def worker(ctx: click.Context, interval: float) -> None:
    """Run the scheduler without the web app: fire every timer as it falls due."""
    from engine import scheduler

    engine = _engine(ctx.obj["database"])
    sched, _ = scheduler.blocking(engine, interval)
    click.echo(f"worker running against {engine.db.url.split('@')[-1]}, tick every {interval}s")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()


@main.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between scheduler ticks.")
@click.pass_context
def run(ctx: click.Context, interval: float) -> None:
    """Deploy processes/*.bpmn (if changed) and run the scheduler."""
    engine = _engine(ctx.obj["database"])
    sources = [SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES_DIR.glob("*.bpmn"))]
    sources += [SourceFile(p.name, p.read_bytes()) for p in sorted(PROCESSES_DIR.glob("*.dmn"))]
    if sources:
        try:
            for version in engine.deploy(sources, "system"):
                click.echo(f"{version.key} version {version.version}")
        except InvalidProcess as invalid:
            for problem in invalid.problems:
                click.echo(_line(problem, {}), err=True)
            sys.exit(1)
    ctx.invoke(worker, interval=interval)


if __name__ == "__main__":
    main()
