"""`dondoc task add`: a task made by hand from a công văn or thông báo kết luận, as on /tasks/new."""

from __future__ import annotations

import typer

from flows.cli.common import db, emit_json, fail


def add(
    province: str = typer.Option(..., "--province", help="Province slug whose directory names the agencies"),
    number: str = typer.Option(..., "--number", help="The source document's number, e.g. 123/UBND-KTN"),
    issued: str = typer.Option(..., "--date", help="The document's date, dd/mm/yyyy or YYYY-MM-DD"),
    content: str = typer.Option(..., "--content", help="What the task asks for"),
    deadline: str = typer.Option(..., "--deadline",
                                 help="A date, or the plan tables' wording: 'Quý II/2026', '60 ngày kể từ ngày "
                                      "ban hành', 'Thường xuyên'"),
    lead: list[str] = typer.Option(..., "--lead", help="Lead agency: name, abbreviation, alias or key (repeatable)"),
    coordinating: list[str] = typer.Option([], "--coordinating", help="Coordinating agency (repeatable)"),
    kind: str = typer.Option("cong_van", "--kind", help="cong_van | thong_bao | ke_hoach | quyet_dinh | chi_thi"),
    title: str | None = typer.Option(None, "--title", help="The document's title (trích yếu)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a task by hand (audited): reminded and escalated like the tasks of an imported plan."""
    from config.settings import get_settings
    from models.core.db import session_scope
    from models.planning.manual import PlanningError, agency_choices, create_task, province_choices
    from tasks.common.dates import fmt_date, local_today
    from tasks.planning.manual import AgencyMatcher, ManualTaskError, read_manual_task

    today = local_today()
    try:
        with session_scope(db()) as session:
            known = [p.slug for p in province_choices(session)]
            if province not in known:
                fail(f"unknown province '{province}' (known: {', '.join(known) or 'none; run dondoc init'})")
            matcher = AgencyMatcher(agency_choices(session, province=province, on=today))
            manual = read_manual_task(doc_code=number, doc_date=issued, doc_kind=kind, doc_title=title,
                                      content=content, deadline=deadline, lead=lead, coordinating=coordinating,
                                      matcher=matcher, today=today)
            task = create_task(session, province=province, manual=manual, actor="cli",
                               policy_path=get_settings().escalation_policy, today=today)
            leads = [a.name for a in manual.lead]
            out = {"id": task.id, "ref": task.ref, "plan_id": task.plan_id, "document": manual.document.label,
                   "deadline": task.deadline_text, "due_date": task.due_date,
                   "lead": leads, "coordinating": [a.name for a in manual.coordinating]}
    except (ManualTaskError, PlanningError) as exc:
        fail(" ".join(exc.errors.values()))
    if as_json:
        emit_json(out)
        return
    due = fmt_date(task.due_date) if task.due_date else "no due date"
    typer.echo(f"{out['ref']} ({out['document']}): due {due}, lead {'; '.join(leads)}")
