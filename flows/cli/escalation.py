"""`dondoc sweep` and `outbox`: the deadline engine's daily run and what it left to send."""

from __future__ import annotations

from typing import Any

import typer

from flows.cli.common import db, directory, emit_json, fail, parse_date, require_safe_secret


def sweep(
    as_of: str | None = typer.Option(
        None, "--as-of", help="dd/mm/yyyy or YYYY-MM-DD; default today (Asia/Ho_Chi_Minh)"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show who would get what; send and write nothing"),
    province: str | None = typer.Option(None, "--province", help="Send only this province's notices (its slug)"),
) -> None:
    """Write today's reminders and escalations into the outbox and send the digests."""
    from flows.escalation.sweep import daily_sweep
    day = parse_date(as_of, "--as-of")
    if not dry_run:  # the digests carry each agency's signed link; a dry run shows none
        require_safe_secret()
    db()
    if province is not None and province not in directory().provinces:
        fail(f"unknown province '{province}': not a sample province nor one set up with `dondoc province add`")
    result = daily_sweep(day, dry_run=dry_run, province=province)
    for (kind, level), n in sorted(result.planned.items()):
        typer.echo(f"{kind:22} level {level:>2}: {n} notices")
    if dry_run:
        for d in result.preview:
            refs = ", ".join(f"{n.plan_code} {n.ref}" for n in d.notices)
            typer.echo(f"{d.recipient} <- {d.kind} ({len(d.notices)}): {refs}")
        typer.echo(f"dry run as of {result.as_of:%d/%m/%Y}: nothing sent or written")
        return
    s = result.send
    if s.recovered:
        resent = s.recovered - s.recovered_delivered
        typer.echo(f"recovered {s.recovered} notices claimed by a stopped sweep: {s.recovered_delivered} the mail "
                   f"server had accepted (marked sent, not sent again), {resent} sent again now")
    typer.echo(f"as of {result.as_of:%d/%m/%Y}: {s.messages_sent} messages sent ({s.notices_sent} notices), "
               f"{s.messages_failed} failed")
    if s.error:
        fail(f"{s.error}; notices stay pending and are retried on the next run", code=1)
    if s.messages_failed:
        fail(f"{s.messages_failed} messages failed; see `dondoc outbox`", code=1)


def outbox(
    failed: bool = typer.Option(False, "--failed", help="Only notices that gave up after retries"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the outbox: pending, sent and failed notices."""
    from sqlmodel import col, select

    from models.core.db import session_scope
    from models.core.tables import FAILED, SENT, Notice

    with session_scope(db()) as session:
        q = select(Notice).order_by(col(Notice.id))
        q = q.where(Notice.status == FAILED) if failed else q.where(Notice.status != SENT)
        rows = list(session.exec(q))
    data: list[dict[str, Any]] = [
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
