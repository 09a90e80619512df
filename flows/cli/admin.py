"""`dondoc init`, `serve`, `demo` and `user add`: setting up and running the application."""

from __future__ import annotations

import typer

from flows.cli.common import db, directory, fail, require_safe_secret, user_errors


def init() -> None:
    """Create or upgrade the database and load the agency directories."""
    from models.agencies.directory import sync_agencies
    from models.core.db import get_engine, session_scope, upgrade

    engine = get_engine()
    upgrade(engine)
    agency_directory = directory()
    with session_scope(engine) as session:
        entries = [a for slug in agency_directory.provinces for a in agency_directory.province(slug).agencies]
        counts = sync_agencies(session, entries=entries, actor="dondoc init")
    typer.echo(
        f"database ready ({engine.url.render_as_string(hide_password=True)}); "
        f"agencies: {counts['created']} created, {counts['updated']} updated"
    )


def demo() -> None:
    """Import the Bắc Giang plan and sweep every day of H1 2020 against a local SMTP server."""
    from flows.demo import run_demo

    run_demo()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address the web application listens on"),
    port: int = typer.Option(8000, "--port", help="TCP port of the web application"),
) -> None:
    """Run the web application and the embedded scheduler (daily sweep at 07:30 Asia/Ho_Chi_Minh)."""
    import uvicorn

    from config.settings import get_settings
    from flows.scheduler import (
        ScheduleError,
        SchedulerLockError,
        start_embedded,
        stop_embedded,
    )
    from web.app import create_app

    require_safe_secret()  # the pages, the sessions and the scheduler's mails all sign with it
    db()
    with user_errors():  # a broken escalation policy or agency directory: one line, no server
        web_app = create_app()
    scheduler = None
    if get_settings().scheduler == "embedded":
        try:
            scheduler = start_embedded(background=True)
        except (SchedulerLockError, ScheduleError) as exc:
            fail(str(exc))
        for job in scheduler.get_jobs():
            typer.echo(f"scheduled {job.name}: next run {job.next_run_time:%d/%m/%Y %H:%M %Z}")
    else:
        typer.echo("DONDOC_SCHEDULER=prefect: schedules run on the Prefect server, not here")
    typer.echo(f"web application on http://{host}:{port}/")
    try:
        # uvicorn handles SIGINT/SIGTERM and returns; the scheduler stops with it
        uvicorn.run(web_app, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if scheduler is not None:
            stop_embedded(scheduler)


def user_add(
    email: str = typer.Argument(..., help="The staff member's e-mail (their sign-in name)"),
    role: str = typer.Option(..., "--role", help="office (acts), admin (acts, manages accounts), viewer (reads) "
                                                 "or national (reads every province)"),
    province: str | None = typer.Option(None, "--province", help="The province the account sees and changes (slug); "
                                        "needed when the database holds several"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
) -> None:
    """Create a staff account (or reset its role and password); the password is stored as a scrypt hash."""
    import sys

    from models.auth.users import UserError, add_user
    from models.core.db import session_scope

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(db()) as session:
            user = add_user(session, email=email, role=role, password=password, actor="dondoc user add",
                            province=province)
            summary = f"{user.email}: role {user.role}" + (f", province {user.province}" if user.province else "")
    except UserError as exc:
        fail(str(exc))
    typer.echo(summary)
