"""The office records an agency's progress received on paper, by phone, Zalo or e-mail, from the
task page (role ``office``): the same rules and the same code as the agency's own report
(models.progress.updates.record_progress), with the office user as the one who recorded it and the
agency, channel and reporting day in the audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from models.core.tables import CANCELLED, TASK_ACTIVE, Assignment, Task
from models.core.web_tables import StaffUser
from models.listing.task_detail import task_detail
from models.progress.updates import ProgressError, record_on_behalf
from web.deps import PageError, actor_of_user, as_of, csrf_checked, db, near_days, office_actor, today
from web.forms import FormError, parse_date, parse_progress
from web.templating import render

router = APIRouter(include_in_schema=False)


def task_page_with_form(request: Request, task_id: int, *, record: dict[str, Any], status_code: int) -> Response:
    """The task page with the office's recording form of one assignment open, its error shown and
    what was typed kept."""
    day = as_of(request)
    with db(request, read_only=True) as session:
        detail = task_detail(session, task_id=task_id, as_of=day, near_days=near_days(request))
    if detail is None:
        raise PageError(404, "Không tìm thấy nhiệm vụ.")
    return render(request, "task.html", {"d": detail, "as_of": day, "flash": None, "record": record},
                  status_code=status_code)


@router.post("/tasks/{task_id}/progress/{assignment_id}", dependencies=[Depends(csrf_checked)])
def record_for_agency(request: Request, task_id: int, assignment_id: int, status: str = Form(""),
                      percent: str = Form(""), note: str = Form(""), reported_on: str = Form(""),
                      channel: str = Form(""), user: StaffUser = Depends(office_actor)) -> Response:
    typed = {"status": status, "percent": percent, "note": note, "reported_on": reported_on, "channel": channel}
    try:
        data = parse_progress(status=status, percent=percent, note=note)
        day = parse_date(reported_on, "Ngày cơ quan báo cáo")
        if day is None:
            raise FormError("Vui lòng nhập ngày cơ quan báo cáo (dd/mm/yyyy).")
        with db(request) as session:
            assignment = session.get(Assignment, assignment_id)
            if assignment is None or assignment.task_id != task_id:
                raise PageError(404, "Không tìm thấy phần việc của cơ quan trên nhiệm vụ này.")
            task = session.get(Task, task_id)
            if task is None or task.state != TASK_ACTIVE:
                raise ProgressError("Nhiệm vụ đã bị hủy hoặc chưa được theo dõi: không ghi nhận báo cáo được.")
            if assignment.status == CANCELLED:
                raise ProgressError("Cơ quan không còn được giao nhiệm vụ này: không ghi nhận báo cáo được.")
            record_on_behalf(session, assignment=assignment, status=data.status, percent=data.percent, note=data.note,
                             on=day, channel=channel, actor=actor_of_user(user), today=today(request))
    except (FormError, ProgressError) as exc:
        return task_page_with_form(request, task_id, status_code=400,
                                   record={"open": assignment_id, "error": str(exc), "values": typed})
    request.app.state.cache.clear()
    return RedirectResponse(f"/tasks/{task_id}?msg=progress_recorded#ghi-nhan", status_code=303)

