"""The coordination office's pages (signed-in staff: office and viewer roles)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from flows.agencies.links import agency_links
from models.agencies.edit import no_address_counts
from models.agencies.links import agency_token
from models.core.tables import Agency
from models.core.web_tables import ACTING_ROLES, StaffUser
from models.duties.review import waiting_count
from models.listing.export_details import task_codes_and_notes
from models.listing.task_detail import task_detail
from models.listing.task_list import (
    TaskFilters,
    agency_choice,
    coordinating_agencies,
    filter_names,
    filter_options,
)
from models.overview.dashboard import agency_counts, duty_counts
from models.overview.plan_progress import plan_duties, plan_list, plan_sections
from models.overview.ranking import ranking_plans
from models.progress.extension_history import decided_extensions
from models.progress.extensions import pending_extensions
from tasks.escalation.status import ALL_STATUSES
from tasks.listing.export import ExportScope, export_filename, render_task_workbook
from web.deps import PageError, as_of, db, near_days, office_user, plan_or_404, request_stamp, user_provinces
from web.listing import export_href, run_listing, task_listing
from web.messages import flash
from web.overview import overview_body
from web.templating import query, render, render_fragment

router = APIRouter(include_in_schema=False)


@router.get("/")
def overview_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    """The overview of the account's provinces, or of one plan (``?plan=``) or, for an account
    that sees several provinces (the national role), of one province (``?province=``)."""
    day, near = as_of(request), near_days(request)
    scope = user_provinces(request)
    raw_plan = (request.query_params.get("plan") or "").strip()
    if raw_plan and not raw_plan.isdigit():
        raise PageError(400, "Kế hoạch không hợp lệ.")
    chosen = (request.query_params.get("province") or "").strip() or None
    with db(request, read_only=True) as session:
        plans = ranking_plans(session, province=scope)  # the plans the account sees, by province and number
        provinces = sorted({slug for _, _, slug in plans})
        if chosen is not None and chosen not in provinces:
            raise PageError(400, "Không có tỉnh này trong số liệu được xem.")
        plan = plan_or_404(session, int(raw_plan)) if raw_plan else None  # another province's: the guard's 404
        if plan is not None and chosen is not None and plan.province != chosen:
            plan = None  # a plan of another province than the one chosen: the province's figures
        if chosen is not None:
            scope = (chosen,)
        filter_q = f"plan={plan.id}&" if plan is not None else f"province={chosen}&" if chosen else ""
        # the account's provinces' figures (the country's for a national account), each province's
        # kept until that province changes (web/overview.py)
        body, waiting = overview_body(request, session, scope=scope, day=day, near=near, plan=plan,
                                      filter_q=filter_q)
        # agencies without an e-mail address get their tasks and link page but no mail: say how many
        no_address = no_address_counts(session, on=day, provinces=scope)
    return render(request, "overview.html", {
        "body": body, "as_of": day, "flash": flash(request), "waiting": waiting, "no_address": no_address,
        "plans": [p for p in plans if chosen is None or p[2] == chosen], "plan_id": plan.id if plan else None,
        "provinces": provinces if len(provinces) > 1 else [], "province": chosen, "filter_q": filter_q})


def _options(request: Request, session: Session, filters: TaskFilters) -> dict[str, Any]:
    """Filter choices (the agencies of the chosen plan) change only with imports: cached like the
    overview, one entry per plan; a chosen agency outside the plan stays a choice."""
    stamp = request_stamp(request, session)
    plan, provinces = filters.plan_id, filters.provinces
    options = request.app.state.cache.get(("filter_options", plan, provinces), stamp,
                                          lambda: filter_options(session, plan_id=plan, provinces=provinces))
    chosen = filters.agency_id
    if chosen is not None and all(aid != chosen for aid, _ in options["agencies"]):
        extra = agency_choice(session, agency_id=chosen)
        if extra is not None:
            options = {**options, "agencies": [extra, *options["agencies"]]}
    return options


@router.get("/tasks")
def tasks_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    listing = task_listing(request, default_role="lead")
    # a text search first brings the search index up to date: that write wants its transaction
    with db(request, read_only=not listing.filters.text) as session:
        stamp = request_stamp(request, session)

        def results() -> object:
            rows, total = run_listing(request, session, listing)
            return render_fragment("_task_results.html", {"rows": rows, "total": total, "listing": listing,
                                                          "request": request, "query": query})

        # the same query string on unchanged data gives the same table: kept until the data changes
        table = request.app.state.pages.get(("tasks", listing.filters.as_of, listing.filters.provinces,
                                             str(request.url.query)), stamp, results)
        # the filter form (every plan and agency as a choice) depends only on the filters: turning
        # pages, or coming back to a filter, reuses it
        form = request.app.state.forms.get(listing.filters, stamp, lambda: render_fragment(
            "_task_filters.html", {"f": listing.filters, "options": _options(request, session, listing.filters),
                                   "as_of": listing.filters.as_of}))
    return render(request, "tasks.html", {"results": table, "filters_form": form, "as_of": listing.filters.as_of,
                                          "export_href": export_href(request)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(name: str, fallback: str) -> str:
    """Content-Disposition of a download: ``filename`` (ASCII, for old clients) and ``filename*``
    (RFC 5987, UTF-8: the Vietnamese name)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get("/tasks.xlsx")
def tasks_workbook(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    """Every row of the task list for the same filters as ``/tasks`` (not one page), as .xlsx."""
    listing = task_listing(request, default_role="lead")
    f = listing.filters
    with db(request, read_only=not f.text) as session:
        rows, _total = run_listing(request, session, listing, every_row=True)
        coordinating = coordinating_agencies(session, filters=f)
        details = task_codes_and_notes(session, task_ids=(r.task_id for r in rows))
        plan, agency = filter_names(session, filters=f)
    scope = ExportScope(as_of=f.as_of, plan=plan, agency=agency, role=f.role, status=f.status, quarter=f.quarter,
                        text=f.text, kind=f.kind, section=f.section)
    body = render_task_workbook(rows, scope, coordinating, details)
    return Response(body, media_type=XLSX, headers={"Content-Disposition": attachment(*export_filename(scope))})


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: int, user: StaffUser = Depends(office_user)) -> Response:
    day = as_of(request)
    with db(request) as session:
        detail = task_detail(session, task_id=task_id, as_of=day, near_days=near_days(request))
    if detail is None:
        raise PageError(404, "Không tìm thấy nhiệm vụ.")
    return render(request, "task.html", {"d": detail, "as_of": day, "flash": flash(request)})


@router.get("/agencies/{agency_id}")
def agency_page(request: Request, agency_id: int, user: StaffUser = Depends(office_user)) -> Response:
    listing = task_listing(request, agency_id=agency_id)
    day = listing.filters.as_of
    with db(request) as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise PageError(404, "Không tìm thấy cơ quan.")
        progress = agency_counts(session, as_of=day, near_days=near_days(request), agency_id=agency_id).get(agency_id)
        duties = duty_counts(session, as_of=day, near_days=near_days(request), agency_id=agency_id)
        rows, total = run_listing(request, session, listing)
        # the agency's link and calendar feed, to copy into Zalo: for staff who may act (a link acts as the agency)
        links = None
        if user.role in ACTING_ROLES:
            token = agency_token(session, agency_id=agency_id, secret=request.app.state.settings.secret_key)
            links = agency_links(request.app.state.settings, agency_id=agency_id, token=token)
    # the agency page lists both roles unless asked otherwise; the export defaults to leads
    pins = {"agency": str(agency_id)} if "role" in request.query_params else {"agency": str(agency_id), "role": ""}
    return render(request, "agency.html", {"agency": agency, "progress": progress, "duties": duties, "rows": rows,
                                           "total": total, "links": links,
                                           "listing": listing, "as_of": day, "flash": flash(request),
                                           "export_href": export_href(request, **pins)})


@router.get("/plans")
def plans_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        plans = plan_list(session, provinces=user_provinces(request))
    return render(request, "plans.html", {"plans": plans})


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, user: StaffUser = Depends(office_user)) -> Response:
    day = as_of(request)
    with db(request) as session:
        plan = plan_or_404(session, plan_id)
        sections = plan_sections(session, plan_id=plan_id, as_of=day, near_days=near_days(request))
        duties = plan_duties(session, plan_id=plan_id, as_of=day, near_days=near_days(request))
        waiting = waiting_count(session, plan_id=plan_id)
    totals = {s: sum(x.counts.get(s, 0) for x in sections) for s in ALL_STATUSES}
    return render(request, "plan.html", {"plan": plan, "sections": sections, "duties": duties, "totals": totals,
                                         "as_of": day, "waiting": waiting})


@router.get("/extensions")
def extensions_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request) as session:
        rows = pending_extensions(session, provinces=user_provinces(request))
        decided = decided_extensions(session, provinces=user_provinces(request))
    return render(request, "extensions.html", {"rows": rows, "decided": decided, "flash": flash(request),
                                               "error": None})
