"""``/ranking``: the agencies worst first (overdue items, the oldest's age, on-time rate) and how
each moved since the same day of the previous month (models/overview/ranking.py), for one plan
or all, and, for an account that sees several provinces (the national role), one province or all.
Every signed-in office user reads it (viewers too); nothing on it changes anything."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from models.core.web_tables import StaffUser
from models.overview.ranking import agency_ranking, ranking_plans
from web.deps import PageError, as_of, db, near_days, office_user, request_stamp, user_provinces
from web.forms import MAX_ID
from web.templating import render

router = APIRouter(include_in_schema=False)


def _plan_param(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise PageError(400, "Kế hoạch không hợp lệ.")
    return int(raw)


@router.get("/ranking")
def ranking_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    day, near = as_of(request), near_days(request)
    scope = user_provinces(request)  # None: every province (a national account)
    plan_id = _plan_param(request.query_params.get("plan"))
    chosen = (request.query_params.get("province") or "").strip() or None
    with db(request, read_only=True) as session:
        plans = ranking_plans(session, province=scope)
        provinces = sorted({slug for _, _, slug in plans})
        if chosen is not None and chosen not in provinces:
            raise PageError(400, "Không có tỉnh này trong số liệu được xem.")
        if plan_id is not None and all(pid != plan_id for pid, _, _ in plans):
            raise PageError(404, "Không tìm thấy kế hoạch.")
        if chosen is not None:  # a plan of another province is not offered beside it
            plans = [p for p in plans if p[2] == chosen]
        province = chosen if chosen is not None else scope
        # kept until the data changes (the audit log's mark): the earlier day is rebuilt in Python
        result = request.app.state.cache.get(
            ("ranking", day, near, plan_id, province), request_stamp(request, session),
            lambda: agency_ranking(session, as_of=day, near_days=near, plan_id=plan_id, province=province))
    return render(request, "ranking.html", {
        "ranking": result, "as_of": day, "plans": plans, "plan_id": plan_id,
        "provinces": provinces if len(provinces) > 1 else [], "province": chosen})
