"""The ``samverkan`` command."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.api import folder_files
from engine.errors import InvalidProcess, Problem
from engine.views import SourceFile

if TYPE_CHECKING:
    from flask import Flask

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
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check BPMN/DMN files; one line per problem, exit 0 only if all are valid.

    Files given together are checked together (a BPMN file and the DMN files it uses).
    """
    from engine.api import validate as check

    sources = _read(files)
    names = {s.name: s.name for s in sources}
    problems = check(sources, allow_scripts=os.environ.get("SAMVERKAN_ALLOW_SCRIPTS") == "1")
    for problem in problems:
        click.echo(_line(problem, names))
    if any(p.severity == "error" for p in problems):
        sys.exit(1)
    for source in sources:
        if not any(p.file == source.name for p in problems):
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
    # Cases from before the follow-up's read model get their rows once.
    written = engine.follow_up.backfill()
    if written:
        click.echo(f"follow-up: {written} cases counted")
    for version in versions:
        click.echo(f"{version.key} version {version.version}")
        for element, called, called_version in engine.calls(version.key, version.version):
            click.echo(f"  {element} calls {called} version {called_version}")


@main.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between scheduler ticks.")
@click.option("--until-idle", is_flag=True, help="Tick until nothing is left to do, then exit (cron, scripts).")
@click.pass_context
def worker(ctx: click.Context, interval: float, until_idle: bool) -> None:
    """Run the scheduler without the web app: fire every timer as it falls due, send the reminders,
    escalations and notices, and mail them (when SAMVERKAN_SMTP_HOST is set).

    Start as many as you like against one PostgreSQL database: they share the work. Each catches
    up on start with whatever fell due while none was running.
    """
    from engine import scheduler

    app = _app(ctx.obj["database"], mail=True)
    engine, delivery = app.extensions["samverkan.engine"], app.extensions["samverkan.delivery"]
    where = engine.db.url.split("@")[-1]
    mail = f"mail via {delivery.mailer.settings.host}" if delivery else "no mail (SAMVERKAN_SMTP_HOST not set)"
    retention = app.extensions["samverkan.retention"]
    daily = retention.daily if retention is not None else None
    if until_idle:
        ticker = scheduler.Ticker(engine, delivery, daily)
        ticks = ticker.until_idle()
        click.echo(f"worker against {where}: {ticks} tick(s), {mail}; nothing more to do")
        if ticker.health.last_error:
            raise click.ClickException(ticker.health.last_error)
        return
    sched, _ = scheduler.blocking(engine, interval, delivery, daily)
    click.echo(f"worker running against {where}, tick every {interval}s, {mail}")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()


def _app(database: str | None, *, mail: bool = False, **config: Any) -> Flask:
    """The application as :func:`web.create_app` puts it together; with ``mail``, the mail settings
    of the environment (none: no mail is sent)."""
    from web import create_app

    settings: dict[str, Any] = {"DATABASE_URL": database, "GALLRING": _retention_settings(), "OIDC": _oidc_settings(),
                                **config}
    if mail:
        settings.update(_mail_settings())
    return create_app(settings)


def _retention_settings():  # type: ignore[no-untyped-def]
    """GALLRING for create_app, from SAMVERKAN_GALLRING and SAMVERKAN_GALLRING_LOGG (None: no purge)."""
    from samverkan.retention_settings import SettingsError, retention_from_env

    try:
        return retention_from_env(os.environ)
    except SettingsError as err:
        raise click.ClickException(str(err)) from err


def _oidc_settings():  # type: ignore[no-untyped-def]
    """OIDC for create_app, from the SAMVERKAN_OIDC_* variables (None: no single sign-on)."""
    from samverkan.oidc_settings import SettingsError, oidc_from_env

    try:
        return oidc_from_env(os.environ)
    except SettingsError as err:
        raise click.ClickException(str(err)) from err


def _mail_settings() -> dict[str, Any]:
    """SMTP and DELIVERY for create_app, from the SAMVERKAN_SMTP_* and SAMVERKAN_MAIL_* variables."""
    from samverkan.mail_settings import SettingsError, delivery_from_env, smtp_from_env

    try:
        smtp = smtp_from_env(os.environ)
        settings = delivery_from_env(os.environ)
    except (SettingsError, OSError) as err:
        raise click.ClickException(f"mail settings: {err}") from err
    if smtp is not None and settings.lease.total_seconds() < 2 * smtp.timeout:
        raise click.ClickException("mail settings: SAMVERKAN_MAIL_LEASE_SECONDS must be at least twice "
                                   "SAMVERKAN_SMTP_TIMEOUT, or a slow server could make a mail go out twice")
    return {"SMTP": smtp, "DELIVERY": settings}


def _trusted_proxies() -> str:
    """SAMVERKAN_TRUSTED_PROXIES, checked: the reverse proxies whose X-Forwarded-For is believed."""
    from web.proxies import networks

    setting = os.environ.get("SAMVERKAN_TRUSTED_PROXIES", "")
    try:
        networks(setting)
    except ValueError as err:
        raise click.ClickException(f"SAMVERKAN_TRUSTED_PROXIES: {err}") from err
    return setting


@main.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between scheduler ticks.")
@click.pass_context
def run(ctx: click.Context, interval: float) -> None:
    """Deploy processes/*.bpmn (if changed) and run the scheduler."""
    _deploy_processes(_engine(ctx.obj["database"]))
    ctx.invoke(worker, interval=interval, until_idle=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--simulated-clock", is_flag=True, help="Start a clock that only moves through POST /api/v1/clock.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes. 1: one waitress process with the scheduler in a thread; more: gunicorn's "
                   "worker processes and one scheduler process beside them (docs/operations.md).")
@click.option("--threads", default=None, type=click.IntRange(1, 256),
              help="Request threads of each process  [default: 8 with one process, 4 with --workers]")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between scheduler ticks.")
@click.option("--demo", is_flag=True, help="Add demo users for every role (passwords printed) and demo cases.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, simulated_clock: bool, workers: int, threads: int | None,
          interval: float, demo: bool) -> None:
    """The web app and JSON API on a production WSGI server, with the scheduler beside it: one
    waitress process, or with --workers N gunicorn's N worker processes and one scheduler process."""
    from engine import scheduler

    if simulated_clock and workers > 1:
        raise click.UsageError("--simulated-clock runs in one process (the simulated time is kept in the server's "
                               "memory, which worker processes do not share): leave out --workers")
    settings: dict[str, Any] = {"SIMULATED_CLOCK": simulated_clock, "TRUSTED_PROXIES": _trusted_proxies()}
    app = _app(ctx.obj["database"], mail=not simulated_clock, **settings)
    engine = app.extensions["samverkan.engine"]
    _deploy_processes(engine)
    if demo:
        from web.demo import seed

        passwords = seed(engine, app.extensions["samverkan.accounts"])
        for username, password in passwords.items():
            click.echo(f"demo user {username:<24} password {password}")
    kind = "simulated" if simulated_clock else "system"
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    if workers > 1:
        from samverkan import server

        # Done once, here: the schema, processes/ and the demo above; the secret key every worker signs
        # sessions with. The workers build their own app (and connection pool) after the fork.
        url, settings["SECRET_KEY"] = engine.db.url, app.config["SECRET_KEY"]
        engine.db.dispose()
        del app, engine
        click.echo(f"samverkan on http://{shown}:{port}/  (sign in there; API: /api/v1, clock: {kind}; "
                   f"{workers} worker processes and one scheduler process)")
        server.serve(lambda: _app(url, mail=True, **settings), host=host, port=port, workers=workers,
                     threads=threads or 4, database_url=url, interval=interval)
        return
    from waitress import serve as waitress_serve

    if not simulated_clock:  # with a simulated clock, time only moves (and fires) through the API
        retention = app.extensions["samverkan.retention"]
        sched, _ = scheduler.background(engine, interval, delivery=app.extensions["samverkan.delivery"],
                                        daily=retention.daily if retention is not None else None)
        sched.start()
    click.echo(f"samverkan on http://{shown}:{port}/  (sign in there; API: /api/v1, clock: {kind})")
    waitress_serve(app, host=host, port=port, threads=threads or 8)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="A role (repeat for several).")
@click.option("--team", "teams", multiple=True, help="An intervention's process key (repeat for several).")
@click.option("--password", default=None, help="Prompted for if omitted and a terminal is attached.")
@click.option("--name", "display_name", default=None, help="The name shown to others.")
@click.option("--email", default=None, help="Where reminders and escalations are mailed.")
@click.pass_context
def user_add(ctx: click.Context, username: str, roles: tuple[str, ...], teams: tuple[str, ...],
             password: str | None, display_name: str | None, email: str | None) -> None:
    """Create a user with roles (from the role catalogue: the product's roles, the deployed journeys'
    candidate groups and roles added on the administrators' page) and teams."""
    from engine.errors import EngineError
    from web.role_catalogue import role_names

    if password is None and sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app = _app(ctx.obj["database"])
    accounts, engine = app.extensions["samverkan.accounts"], app.extensions["samverkan.engine"]
    try:
        created = accounts.add_user(username, roles, teams, password, display_name, email=email,
                                    known_roles=role_names(engine, accounts))
    except EngineError as err:
        raise click.ClickException(err.message) from err
    teams_text = ", ".join(created.teams) or "-"
    click.echo(f"user {created.username} created: roles {', '.join(created.roles)}; teams {teams_text}")


@user.command("deactivate")
@click.argument("username")
@click.pass_context
def user_deactivate(ctx: click.Context, username: str) -> None:
    """Stop USERNAME: signed out everywhere at once, no signing in, API tokens refused (until
    `user activate`); nothing they did is removed."""
    changed = _set_active(ctx, username, active=False)
    click.echo(f"user {username} deactivated: signed out everywhere, API tokens refused" if changed
               else f"user {username} was deactivated already")


@user.command("activate")
@click.argument("username")
@click.pass_context
def user_activate(ctx: click.Context, username: str) -> None:
    """Let a deactivated USERNAME sign in again; their unexpired, unrevoked API tokens work again."""
    changed = _set_active(ctx, username, active=True)
    click.echo(f"user {username} activated" if changed else f"user {username} was active already")


def _set_active(ctx: click.Context, username: str, *, active: bool) -> bool:
    from engine.errors import EngineError

    try:
        return bool(_accounts(ctx.obj["database"]).set_active(username, active))
    except EngineError as err:
        raise click.ClickException(err.message) from err


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--days", type=click.IntRange(1, 3650), envvar="SAMVERKAN_TOKEN_DAYS", default=90, show_default=True,
              show_envvar=True, help="How long the token works.")
@click.pass_context
def token_create(ctx: click.Context, username: str, days: int) -> None:
    """Print a new API token for USERNAME (the last line of output), and when it expires."""
    from engine.errors import EngineError
    from web.accounts.tokens import shown

    try:
        issued = _accounts(ctx.obj["database"]).tokens.issue(username, days)
    except EngineError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"API token for {username}, valid until {shown(issued.expires_at)} "
               "(shown once; send it as 'Authorization: Bearer TOKEN'):")
    click.echo(issued.value)


@token.command("revoke")
@click.argument("given", metavar="TOKEN | --all USERNAME")
@click.option("--all", "all_of_user", is_flag=True, help="Revoke every token of the user USERNAME.")
@click.pass_context
def token_revoke(ctx: click.Context, given: str, all_of_user: bool) -> None:
    """Revoke one API token, given by its value as `token create` printed it ('-' reads it from
    standard input, keeping it out of the shell's history); or, with --all, every token of a user.
    Tokens are stored only as hashes, so a token whose value is lost is revoked with --all."""
    from engine.errors import EngineError

    tokens = _accounts(ctx.obj["database"]).tokens
    try:
        if all_of_user:
            count = tokens.revoke_all(given)
            click.echo(f"{count} API token(s) of {given} revoked")
            return
        value = sys.stdin.readline().strip() if given == "-" else given
        owner, was_in_force = tokens.revoke(value)
    except EngineError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"API token of {owner} revoked" if was_in_force else f"that API token of {owner} was revoked already")


@main.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be purged (torrkörning).")
@click.option("--actor", default="cli", show_default=True, help="Who the purge is audited as.")
@click.pass_context
def purge(ctx: click.Context, dry_run: bool, actor: str) -> None:
    """Retention (gallring): remove the personal data of closed cases past their retention
    (SAMVERKAN_GALLRING) and access log rows past the log's (SAMVERKAN_GALLRING_LOGG), audited.
    The scheduler does the same once a day; --dry-run lists what would go and changes nothing."""
    retention = _app(ctx.obj["database"]).extensions["samverkan.retention"]
    if retention is None:
        raise click.ClickException("no retention configured (SAMVERKAN_GALLRING is not set): nothing is purged")
    plan = retention.plan()
    for case in plan.cases:
        click.echo(f"{case.process_key}\t{case.id}\t{case.status}\tclosed {case.closed_at:%Y-%m-%d}")
    counts = ", ".join(f"{key}: {len(ids)}" for key, ids in sorted(plan.by_process().items())) or "none"
    verb = "would be" if dry_run else "are being"
    click.echo(f"{len(plan.cases)} closed case(s) {verb} purged ({counts}); {plan.access_log_rows} access log "
               f"row(s) from before {plan.log_before:%Y-%m-%d}; {len(plan.sandboxes)} idle sandbox(es)")
    if dry_run:
        return
    done = retention.purge(actor)
    click.echo(f"purged {done.cases} case(s) and {done.access_log_rows} access log row(s); audit entry {done.id}")


@main.command()
@click.argument("number", metavar="PERSONNUMMER")
@click.option("--actor", required=True, help="The admin who asks for it (written to the access log).")
@click.pass_context
def extract(ctx: click.Context, number: str, actor: str) -> None:
    """Register extract (registerutdrag, GDPR art. 15): everything held about the person with this
    personnummer, as JSON on standard output; logged in the access log as read by ACTOR, who must
    be an admin."""
    import json
    from datetime import UTC, datetime

    from engine.errors import EngineError
    from web.register_extract import extract as make_extract
    from web.register_extract import participant_key

    app = _app(ctx.obj["database"])
    accounts = app.extensions["samverkan.accounts"]
    try:
        admin = accounts.user(actor).is_admin
    except EngineError:
        admin = False
    if not admin:
        raise click.ClickException(f"{actor} is not an admin: register extracts are for admins")
    key = participant_key(number)
    if key is None:
        raise click.ClickException("give the whole personnummer, 10 or 12 digits")
    found = make_extract(app.extensions["samverkan.engine"], accounts, app.extensions["samverkan.teamwork"], key,
                         by=actor, at=datetime.now(UTC))
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


@main.command()
@click.argument("files", nargs=-1)
@click.option("--process", "processes", multiple=True,
              help="A process key to simulate (repeatable; default: every one deployed).")
@click.option("--cases", default=30, show_default=True, help="Cases of each process.")
@click.option("--months", default=24, show_default=True, help="Simulated months.")
@click.option("--seed", default=1, show_default=True, help="The seed: one seed gives exactly the same run.")
@click.option("--pace", type=click.Choice(["human", "burst"]), default="human", show_default=True,
              help="human: a task done 0-14 days after it appears; burst: every open task at once.")
@click.option("--restore", is_flag=True, help="A fresh engine on the same database before every step.")
@click.option("--serializer-every", default=1, show_default=True,
              help="Check the stored state with SpiffWorkflow's serializer after every n-th change of a case.")
@click.option("--spread-days", default=30, show_default=True,
              help="Start the cases on random days within this many days (e.g. 700: referrals all along).")
@click.option("--replay", "replay_file", default=None, help="Take the steps of a saved run (its JSON) again.")
@click.option("--case", "only_case", type=int, default=None,
              help="With --replay: only the steps of this case (its number in the run), as case 0.")
@click.option("--save", "save_file", default=None, help="Where to save the run's steps (default: on a violation, "
              "simulation-SEED.json).")
@click.pass_context
def simulate(ctx: click.Context, files: tuple[str, ...], processes: tuple[str, ...], cases: int, months: int,
             seed: int, pace: str, restore: bool, serializer_every: int, spread_days: int,
             replay_file: str | None, only_case: int | None, save_file: str | None) -> None:
    """Drive simulated cases through the journeys and check every step (docs/simulator.md).

    Deploys processes/ as `serve` does (or the BPMN/DMN FILEs given) into an empty database
    (default: a temporary SQLite file), drives --cases cases of each process over --months
    simulated months, and stops at the first violation of an invariant: exit 1, with the seed,
    the case and its steps, and the step list saved for --replay.
    """
    import tempfile

    from simulation import driver
    from simulation.report import RunReport, one_case

    sources = _read(files) if files else folder_files(PROCESSES_DIR)
    with tempfile.TemporaryDirectory(prefix="samverkan-sim-") as scratch:
        database = ctx.obj["database"] or f"sqlite:///{Path(scratch) / 'simulation.sqlite3'}"
        settings = driver.Settings(database, list(processes), cases, months, seed, pace, restore, serializer_every,
                                   spread_days)
        if replay_file:
            saved, steps = RunReport.load(replay_file)
            if only_case is not None:
                steps = one_case(steps, only_case)
            settings = driver.Settings(database, list(saved["processes"]), saved["cases"], saved["months"],
                                       saved["seed"], saved["pace"], restore or saved["restore"],
                                       saved.get("serializer_every", 1), saved.get("spread_days", 30))
            report = driver.replay(settings, sources, steps)
        else:
            report = driver.run(settings, sources)
    click.echo(report.summary())
    target = save_file or (None if report.ok else f"simulation-{seed}.json")
    if target:
        click.echo(f"steps saved to {report.save(target)} (samverkan simulate --replay {target})")
    if not report.ok:
        sys.exit(1)


def _accounts(database: str | None):  # type: ignore[no-untyped-def]
    return _app(database).extensions["samverkan.accounts"]


def _deploy_processes(engine) -> None:  # type: ignore[no-untyped-def]
    sources = folder_files(PROCESSES_DIR)
    if not sources:
        click.echo(f"no journeys deployed: {Path(PROCESSES_DIR).resolve()} holds no BPMN files (start samverkan "
                   "where processes/ is, or deploy with 'samverkan deploy')", err=True)
        return
    try:
        # A process published in the designer since stays as published: processes/ seeds the journeys.
        for version in engine.deploy(sources, "system", keep_published=True):
            newest = engine.versions(version.key)[-1].version
            if newest == version.version:
                click.echo(f"{version.key} version {version.version}")
            else:
                click.echo(f"{version.key} version {newest} (processes/ holds version {version.version}; "
                           f"version {newest}, published since, stays the newest)")
    except InvalidProcess as invalid:
        for problem in invalid.problems:
            click.echo(_line(problem, {}), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
