"""`dondoc sweep`, `update`, `outbox`, `serve` and `demo`: the deadline engine's commands."""

from __future__ import annotations

import typer

from flows.cli import app, db, emit_json, fail, parse_date, resolve_agency_keys, user_errors


@app.command()
def sweep(
    as_of: str | None = typer.Option(None, "--as-of", help="dd/mm/yyyy or YYYY-MM-DD; default today (Asia/Ho_Chi_Minh)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show who would get what; send and write nothing"),
) -> None:
    """Write today's reminders and escalations into the outbox and send the digests."""
    from flows.sweep import daily_sweep
    day = parse_date(as_of, "--as-of")
    db()
    result = daily_sweep(day, dry_run=dry_run)
    for (kind, level), n in sorted(result.planned.items()):
        typer.echo(f"{kind:22} level {level:>2}: {n} notices")
    if dry_run:
        for d in result.preview:
            refs = ", ".join(f"{n.plan_code} {n.ref}" for n in d.notices)
            typer.echo(f"{d.recipient} <- {d.kind} ({len(d.notices)}): {refs}")
        typer.echo(f"dry run as of {result.as_of:%d/%m/%Y}: nothing sent or written")
        return
    s = result.send
    typer.echo(f"as of {result.as_of:%d/%m/%Y}: {s.messages_sent} messages sent ({s.notices_sent} notices), "
               f"{s.messages_failed} failed")
    if s.error:
        fail(f"{s.error}; notices stay pending and are retried on the next run", code=1)
    if s.messages_failed:
        fail(f"{s.messages_failed} messages failed; see `dondoc outbox`", code=1)


@app.command()
def update(
    ref: str = typer.Argument(..., help="Task reference as in the import JSON, e.g. I.1"),
    agency: str = typer.Option(..., "--agency", help="Any name, abbreviation or alias"),
    status: str = typer.Option(..., "--status", help="done | in_progress"),
    percent: int | None = typer.Option(None, "--percent"),
    note: str | None = typer.Option(None, "--note"),
    on: str | None = typer.Option(None, "--date", help="dd/mm/yyyy or YYYY-MM-DD; default today"),
    plan: str | None = typer.Option(None, "--plan", help="Plan number when REF is ambiguous"),
) -> None:
    """Record an agency's progress on a task (audited)."""
    from models.db import session_scope
    from models.progress import ProgressError, find_assignment, find_task, record_progress
    from notifications.formatting import local_today

    if status not in ("done", "in_progress"):
        fail(f"--status must be done or in_progress, got '{status}'")
    day = parse_date(on, "--date") or local_today()
    keys = resolve_agency_keys(agency)
    try:
        with session_scope(db()) as session:
            task = find_task(session, ref=ref, plan_code=plan)
            assignment = find_assignment(session, task=task, agency_keys=keys)
            record_progress(session, assignment=assignment, status=status, percent=percent, note=note, on=day,
                            actor=agency, source="cli")
    except ProgressError as exc:
        fail(str(exc))
    typer.echo(f"{ref}: {agency} -> {status} on {day:%d/%m/%Y}")


@app.command()
def outbox(
    failed: bool = typer.Option(False, "--failed", help="Only notices that gave up after retries"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the outbox: pending, sent and failed notices."""
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import FAILED, SENT, Notice

    with session_scope(db()) as session:
        q = select(Notice).order_by(Notice.id)
        q = q.where(Notice.status == FAILED) if failed else q.where(Notice.status != SENT)
        rows = list(session.exec(q))
    data = [
        {"id": n.id, "assignment_id": n.assignment_id, "kind": n.kind, "level": n.level, "seq": n.seq,
         "due_date": n.due_date.isoformat(), "recipient": n.recipient, "status": n.status,
         "attempts": n.attempts, "last_error": n.last_error}
        for n in rows
    ]
    if as_json:
        emit_json(data)
        return
    for d in data:
        typer.echo(f"#{d['id']} {d['status']:8} {d['kind']:22} L{d['level']} due {d['due_date']} -> {d['recipient']} "
                   f"(attempts {d['attempts']}){' : ' + d['last_error'] if d['last_error'] else ''}")
    typer.echo(f"{len(data)} notices")


@app.command()
def demo() -> None:
    """Import the Bắc Giang plan and sweep every day of H1 2020 against a local SMTP server."""
    from flows.demo import run_demo

    run_demo()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address the web application listens on"),
    port: int = typer.Option(8000, "--port", help="TCP port of the web application"),
) -> None:
    """Run the web application and the embedded scheduler (daily sweep at 07:30 Asia/Ho_Chi_Minh)."""
    import uvicorn

    from config.settings import get_settings
    from flows.scheduler import ScheduleError, SchedulerLockError, start_embedded, stop_embedded
    from web.app import create_app
    from web.security import InsecureSecretError, check_secret

    try:
        check_secret(get_settings())
    except InsecureSecretError as exc:
        fail(str(exc))
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


user_app = typer.Typer(no_args_is_help=True, help="Office staff accounts for the web application.")
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    email: str = typer.Argument(..., help="The staff member's e-mail (their sign-in name)"),
    role: str = typer.Option(..., "--role", help="office (can act) or viewer (read-only)"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
) -> None:
    """Create a staff account (or reset its role and password); the password is stored as a scrypt hash."""
    import sys

    from models.db import session_scope
    from models.users import UserError, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(db()) as session:
            user = add_user(session, email=email, role=role, password=password, actor="dondoc user add")
            summary = f"{user.email}: role {user.role}"
    except UserError as exc:
        fail(str(exc))
    typer.echo(summary)
