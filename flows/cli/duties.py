"""`dondoc review`: the office confirms, edits or discards duties proposed from a plan's text."""

from __future__ import annotations

from typing import Any

import typer

from flows.cli.common import db, directory, emit_json, fail, parse_date


def _plan(session: Any, *, code: str, province: str | None) -> Any:
    """The plan numbered ``code`` (in ``province``); one clear line when it is missing or when
    the number exists in several provinces ("176/KH-UBND" is a common number)."""
    from sqlmodel import select

    from models.core.tables import Plan

    q = select(Plan).where(Plan.code == code)
    if province:
        q = q.where(Plan.province == province)
    found = session.exec(q).all()
    if not found:
        fail(f"no plan {code}" + (f" in province {province}" if province else ""))
    if len(found) > 1:
        fail(f"plan {code} exists in several provinces ({', '.join(sorted(p.province for p in found))}); "
             "add --province")
    return found[0]


def _agency_ids(session: Any, *, plan: Any, names: list[str]) -> list[int]:
    from models.agencies.directory import UnknownAgency, resolve_agency_ids

    try:
        return resolve_agency_ids(session, directory=directory().province(plan.province), names=names)
    except UnknownAgency as exc:
        fail(str(exc))



def review(
    plan: str | None = typer.Option(None, "--plan", help="Plan number"),
    province: str | None = typer.Option(None, "--province", help="When two provinces use the same plan number"),
    confirm: list[str] = typer.Option([], "--confirm", help="Start tracking this proposal (repeatable)"),
    discard: list[str] = typer.Option([], "--discard", help="Drop this proposal (repeatable)"),
    confirm_all: bool = typer.Option(False, "--confirm-all", help="Confirm every proposal of the plan"),
    discard_all: bool = typer.Option(False, "--discard-all", help="Discard every proposal of the plan"),
    edit_ref: str | None = typer.Option(None, "--edit", help="Change this proposal before confirming it"),
    title: str | None = typer.Option(None, "--title"),
    due: str | None = typer.Option(None, "--due", help="dd/mm/yyyy or YYYY-MM-DD"),
    standing: bool = typer.Option(False, "--standing", help="With --edit: a standing duty, no due date"),
    lead: list[str] = typer.Option([], "--lead", help="Lead agency (repeatable; replaces the proposed ones)"),
    coordinating: list[str] = typer.Option([], "--coordinating", help="Coordinating agency (repeatable)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List duties proposed from plan text, or confirm, edit or discard them (audited)."""
    from models.core.db import session_scope
    from models.duties.store import ReviewError, decide, edit, proposals

    deciding = bool(confirm or discard or confirm_all or discard_all or edit_ref)
    if deciding and not plan:
        fail("--plan is required to confirm, edit or discard proposals")
    due_date = parse_date(due, "--due")
    if standing and due_date is not None:
        fail("--standing and --due exclude each other: a standing duty has no due date")
    try:
        with session_scope(db()) as session:
            chosen = _plan(session, code=plan, province=province) if plan else None
            plan_id = chosen.id if chosen is not None else None
            if edit_ref:
                edit(session, plan_code=plan, plan_id=plan_id, ref=edit_ref, actor="cli", title=title,  # type: ignore[arg-type]
                     due_date=due_date, standing=standing,
                     lead=_agency_ids(session, plan=chosen, names=lead) if lead else None,
                     coordinating=_agency_ids(session, plan=chosen, names=coordinating) if coordinating else None)
                typer.echo(f"{edit_ref}: edited")
            for refs, all_, yes in ((confirm, confirm_all, True), (discard, discard_all, False)):
                if refs or all_:
                    n = decide(session, plan_code=plan, plan_id=plan_id, refs=None if all_ else refs,  # type: ignore[arg-type]
                               confirm=yes, actor="cli")
                    typer.echo(f"{n} proposals {'confirmed' if yes else 'discarded'}")
            if deciding:
                return
            rows = proposals(session, plan_code=plan, plan_id=plan_id)
            data: list[dict[str, Any]] = [{"plan": code, "ref": t.ref, "title": t.title, "lead_text": t.lead_text,
                     "due_date": t.due_date.isoformat() if t.due_date else None, "deadline_text": t.deadline_text,
                     "section_path": t.section_path, "paragraph": t.paragraph} for t, code in rows]
    except ReviewError as exc:
        fail(str(exc))
    if as_json:
        emit_json(data)
        return
    for d in data:
        due_txt = d["due_date"] or "thường xuyên"
        typer.echo(f"{d['plan']} {d['ref']:18} {due_txt:12} {d['lead_text'][:40]:40} {(d['title'] or '')[:70]}")
    typer.echo(f"{len(data)} proposals awaiting review")
