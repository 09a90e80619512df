"""`dondoc report`, `submit-report` and `indicators`: progress reports and what agencies report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from flows.cli.common import db, emit_json, fail, parse_date, resolve_agency_keys


def report(
    plan: str = typer.Option(..., "--plan", help="Plan number, e.g. 552/KH-BCĐ"),
    period: str = typer.Option(..., "--period", help="2020-H1, 2020-H2, 2020 (the year), 2020-Q3, 2020-9M or 2020-06"),
    out: Path = typer.Option(..., "--out", help="Folder for the files (also kept in the data directory)"),
    as_of: str | None = typer.Option(
        None, "--as-of", help="dd/mm/yyyy or YYYY-MM-DD cut-off; default the period's end (or today)"
    ),
    formats: str = typer.Option("docx,xlsx,html", "--format", help="Comma-separated: docx, xlsx, html"),
    province: str | None = typer.Option(None, "--province", help="When two provinces have a plan with this number"),
) -> None:
    """Compile a plan's progress report for a period (figures rebuilt as of the cut-off)."""
    from flows.reports.flow import ReportError, compile_report, parse_formats
    from tasks.reports.period import parse_period

    day = parse_date(as_of, "--as-of")
    try:
        chosen = parse_formats(formats)
        parse_period(period)
    except ValueError as exc:
        fail(str(exc))
    db()
    try:
        outcome = compile_report(plan, period, as_of=day, out_dir=str(out), formats=chosen, province=province)
    except ReportError as exc:
        fail(str(exc))
    s = outcome.summary
    rate = "-" if s.get("on_time_rate") is None else f"{s['on_time_rate'] * 100:.1f}%"
    typer.echo(f"{outcome.plan_code} {outcome.period} as of {outcome.as_of:%d/%m/%Y}: {s['assigned']} lead tasks, "
               f"{s['done_on_time']} done on time, {s['done_late']} late, {s['in_term']} in term, "
               f"{s['overdue']} overdue (on time {rate}); {s['missing_reports']} agencies have not reported")
    for path in outcome.copies.values():
        typer.echo(f"  {path}")


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=") if option == "--narrative" else item.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            fail(f"{option} expects KEY=VALUE, got '{item}'")
        out[key.strip()] = value.strip()
    return out



def submit_report(
    plan: str = typer.Option(..., "--plan", help="Plan number"),
    period: str = typer.Option(..., "--period", help="e.g. 2020-H1"),
    agency: str = typer.Option(..., "--agency", help="Any name, abbreviation or alias"),
    narrative: list[str] = typer.Option([], "--narrative", help="REF=TEXT: what was done on a task (repeatable)"),
    indicator: list[str] = typer.Option([], "--indicator", help="KEY=VALUE (keys: `dondoc indicators`; repeatable)"),
    file: Path | None = typer.Option(None, "--file", help="The signed report: PDF, DOCX, XLSX, JPG or PNG"),
    summary: str | None = typer.Option(None, "--summary", help="The report as a whole, in a few sentences"),
    on: str | None = typer.Option(None, "--date", help="dd/mm/yyyy or YYYY-MM-DD; default today"),
    province: str | None = typer.Option(None, "--province"),
) -> None:
    """Record an agency's period report (audited); its report duty for the period becomes done."""
    from sqlmodel import select

    from models.core.db import session_scope
    from models.core.tables import Agency
    from models.reports.data import ReportError, find_plan
    from models.reports.submissions import SubmissionError, submit_period_report

    day = parse_date(on, "--date")
    texts, values = _pairs(narrative, "--narrative"), _pairs(indicator, "--indicator")
    data = None
    if file is not None:
        try:
            data = (file.name, file.read_bytes())
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
    keys = resolve_agency_keys(agency)
    try:
        with session_scope(db()) as session:
            plan_row = find_plan(session, code=plan, province=province)
            key = next((k for p, k in keys if p == plan_row.province), None)
            row = session.exec(select(Agency).where(Agency.province == plan_row.province, Agency.key == key)).first()
            if key is None or row is None:
                fail(f"'{agency}' is not an agency of {plan_row.province}")
            sub = submit_period_report(session, plan=plan_row, period=period, agency=row, narratives=texts,
                                       indicator_values=values, file=data, actor=f"{row.name} (cli)", source="cli",
                                       summary=summary, on=day)
            typer.echo(f"{plan_row.code} {sub.period}: report of {row.name} recorded on {sub.submitted_on:%d/%m/%Y} "
                       f"({len(sub.narratives)} narratives, {len(sub.indicator_values)} indicator values"
                       f"{', file ' + sub.filename if sub.filename else ''})")
    except (SubmissionError, ReportError) as exc:
        fail(str(exc))



def indicators(
    plan: str = typer.Option(..., "--plan", help="Plan number"),
    province: str | None = typer.Option(None, "--province"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List a plan's indicators (chỉ tiêu): key, target, baseline and the latest value reported."""
    from sqlmodel import col, select

    from models.core.db import session_scope
    from models.core.report_tables import Indicator
    from models.indicators.store import latest_values
    from models.reports.data import ReportError, find_plan

    try:
        with session_scope(db()) as session:
            plan_row = find_plan(session, code=plan, province=province)
            rows = session.exec(select(Indicator).where(Indicator.plan_id == plan_row.id, Indicator.active == True)  # noqa: E712
                                .order_by(col(Indicator.position), col(Indicator.id))).all()
            latest = latest_values(session, indicator_ids=[r.id for r in rows])  # type: ignore[misc]
    except ReportError as exc:
        fail(str(exc))
    data: list[dict[str, Any]] = [
        {"key": r.key, "name": r.name, "unit": r.unit, "district": r.district, "baseline": r.baseline,
         "baseline_year": r.baseline_year, "targets": r.targets, "latest": latest.get(r.id)}  # type: ignore[arg-type]
        for r in rows
    ]
    if as_json:
        emit_json(data)
        return
    for d in data:
        target = "; ".join(f"{t['low']:g} ({t['year']})" for t in d["targets"])
        latest_txt = "-" if d["latest"] is None else f"{d['latest']:g}"
        typer.echo(f"{d['key']:60} {target:16} latest {latest_txt:>8}  {d['name']}"
                   f"{' – ' + d['district'] if d['district'] else ''}")
    typer.echo(f"{len(data)} indicators")
