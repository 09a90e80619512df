"""Task-list filters read from the query string, shared by the pages and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from sqlmodel import Session

from models.listing.search_index import refresh
from models.listing.task_list import KINDS, PLAN_TASKS, TaskFilters, TaskRow, count_tasks, search_tasks
from tasks.listing.export import MAX_ROWS
from web.deps import PageError, as_of, near_days, request_stamp, user_provinces
from web.forms import FormError, parse_int, parse_quarter, parse_status

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Listing:
    filters: TaskFilters
    page: int
    per_page: int


def task_listing(request: Request, *, agency_id: int | None = None, default_role: str | None = None,
                 per_page: int = PER_PAGE) -> Listing:
    """Filters from ``?plan=&agency=&role=&status=&quarter=&q=&kind=&section=&task=&page=&as_of=``.

    ``kind`` is ``plan`` (the plan's tasks) when not given, ``report`` for the agencies'
    period-report duties, empty for both. ``agency_id`` pins the agency (an agency's own list):
    any other ``agency`` asked for is refused.
    """
    q = request.query_params
    try:
        plan_id = parse_int(q.get("plan"), "Kế hoạch")
        wanted_agency = parse_int(q.get("agency"), "Cơ quan")
        role = q.get("role", default_role) or None
        if role not in (None, "lead", "coordinating"):
            raise FormError("Vai trò phải là chủ trì hoặc phối hợp.")
        kind = q.get("kind", PLAN_TASKS) or None
        if kind not in (None, *KINDS):
            raise FormError("Loại phải là nhiệm vụ của kế hoạch hoặc báo cáo định kỳ.")
        task_id = parse_int(q.get("task"), "Nhiệm vụ")
        status = parse_status(q.get("status"))
        quarter = parse_quarter(q.get("quarter"))
        page = parse_int(q.get("page"), "Trang") or 1
        size = parse_int(q.get("per_page"), "Số dòng mỗi trang") or per_page
    except FormError as exc:
        raise PageError(400, str(exc)) from exc
    if agency_id is not None:
        if wanted_agency is not None and wanted_agency != agency_id:
            raise PageError(403, "Đường liên kết này chỉ xem được nhiệm vụ của cơ quan mình.")
        wanted_agency = agency_id
    text = (q.get("q") or "").strip()[:200] or None
    section = (q.get("section") or "").strip()[:1000] or None
    # an agency's own list is that agency's (its province's); else the signed-in account's provinces
    provinces = user_provinces(request) if agency_id is None else None
    chosen = (q.get("province") or "").strip()[:40]
    if chosen and agency_id is None and (provinces is None or chosen in provinces):
        provinces = (chosen,)  # one province of those the account sees (the overview's province filter)
    filters = TaskFilters(as_of=as_of(request), plan_id=plan_id, agency_id=wanted_agency, role=role, status=status,
                          quarter=quarter, text=text, near_days=near_days(request), kind=kind, section=section,
                          task_id=task_id, provinces=provinces)
    return Listing(filters=filters, page=min(max(page, 1), MAX_PAGE), per_page=min(max(size, 1), 200))


def run_listing(request: Request, session: Session, listing: Listing, *,
                every_row: bool = False) -> tuple[list[TaskRow], int]:
    """One page of the list and the total. The total is kept until the data changes (counting
    thousands of rows for every page turn is the costly half); a text search first folds the
    tasks changed since the last one. ``every_row``: every matching row, not one page (the
    Excel export), refused with a message above ``MAX_ROWS``."""
    stamp = request_stamp(request, session)
    if listing.filters.text:
        request.app.state.cache.get(("search_index",), stamp, lambda: refresh(session))
    total = request.app.state.counts.get(listing.filters, stamp, lambda: count_tasks(session, filters=listing.filters))
    if every_row and total > MAX_ROWS:
        many, most = (f"{n:,}".replace(",", ".") for n in (total, MAX_ROWS))  # 100.000, as written in Vietnamese
        raise PageError(400, f"Danh sách có {many} dòng, quá giới hạn {most} dòng của một tệp Excel; "
                             "hãy lọc thêm theo kế hoạch, cơ quan, tình trạng hoặc quý.")
    rows, _ = search_tasks(session, filters=listing.filters, page=listing.page, per_page=listing.per_page, count=False,
                           every_row=every_row)
    return rows, total


def export_href(request: Request, **pinned: str) -> str:
    """``/tasks.xlsx`` with the filters of the page being shown (paging left out; an empty
    ``role=`` kept: it means both roles), ``pinned`` filters added or replaced."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page", *pinned)]
    return "/tasks.xlsx?" + urlencode([*params, *pinned.items()])
