"""Jinja2 pages (autoescaped: nothing a user typed is rendered as HTML) with Vietnamese labels."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from models.progress.updates import CHANNELS
from tasks.common.dates import fmt_date, fmt_days, local_zone
from tasks.escalation.status import ALL_STATUSES, STATUS_LABELS, Status
from tasks.listing.names import province_name
from web.security import CSRF_COOKIE, csrf_token_for, new_csrf_cookie

TEMPLATES = Path(__file__).resolve().parent / "templates"

ROLE_LABELS = {"lead": "chủ trì", "coordinating": "phối hợp"}
STATE_LABELS = {"open": "chưa thực hiện", "in_progress": "đang thực hiện", "done": "đã hoàn thành",
                "cancelled": "đã hủy"}
NOTICE_KINDS = {"reminder": "nhắc việc", "coordination_reminder": "nhắc phối hợp", "escalation": "đôn đốc",
                "manual_reminder": "nhắc việc (gửi ngay)", "extension_request": "đề nghị gia hạn (gửi Văn phòng)",
                "extension_decision": "kết quả gia hạn"}
NOTICE_STATES = {"pending": "chờ gửi", "sending": "đang gửi", "sent": "đã gửi", "failed": "gửi lỗi",
                 "cancelled": "đã hủy"}
EXT_STATES = {"pending": "chờ duyệt", "approved": "đã chấp thuận", "rejected": "đã từ chối"}
ACTIONS = {"created": "tạo mới", "updated": "cập nhật", "cancelled": "hủy", "progress": "báo cáo tiến độ",
           "requested": "đề nghị gia hạn", "approved": "chấp thuận", "rejected": "từ chối", "extended": "gia hạn",
           "uploaded": "tải lên minh chứng", "manual_reminder": "gửi nhắc việc", "links_revoked": "thu hồi liên kết",
           "signed_in": "đăng nhập", "sign_in_throttled": "tạm chặn đăng nhập (sai mật khẩu nhiều lần)"}
FIELDS = {"status": "trạng thái", "percent": "tỷ lệ (%)", "completed_on": "ngày hoàn thành", "note": "ghi chú",
          "due_date": "thời hạn", "original_due_date": "thời hạn gốc", "reason": "lý do", "state": "tình trạng",
          "filename": "tệp", "size": "dung lượng", "notices": "số thông báo", "link_generation": "thế hệ liên kết"}
# tasks made and changed by hand (web/routes/planning) and reports the office records for an agency
ACTIONS.update({"edited": "sửa nhiệm vụ", "reassigned": "giao lại cơ quan chủ trì", "corrected": "đính chính"})
FIELDS.update({"content": "nội dung", "deadline": "thời hạn (cách ghi)", "lead": "chủ trì", "coordinating": "phối hợp",
               "document": "văn bản giao", "code": "số, ký hiệu", "issued_on": "ngày ban hành", "title": "trích yếu",
               "on_behalf_of": "ghi nhận thay cơ quan", "channel": "nhận qua", "reported_on": "ngày cơ quan báo cáo"})
# the import preview: the tracking day and past-due tasks the office chose (models/importing/tracking.py)
ACTIONS.update({"tracking": "chọn ngày bắt đầu theo dõi"})
FIELDS.update({"tracked_from": "theo dõi từ ngày", "backlog": "nhiệm vụ đã quá hạn khi nhập",
               "held": "thông báo giữ lại", "queued": "thông báo chờ gửi"})
# the statuses of an agency's period-report duty in its own words (a report is sent, not done)
DUTY_LABELS = {Status.DONE_ON_TIME: "đã gửi đúng hạn", Status.DONE_LATE: "đã gửi muộn",
               Status.OVERDUE: "quá hạn, chưa gửi", Status.DUE_SOON: "sắp đến hạn gửi",
               Status.NOT_DUE: "chưa đến hạn gửi"}
DUTY_STATUSES = [Status.OVERDUE, Status.DUE_SOON, Status.NOT_DUE, Status.DONE_ON_TIME, Status.DONE_LATE]
STATUS_CLASS = {Status.NOT_DUE: "not-due", Status.DUE_SOON: "due-soon", Status.OVERDUE: "overdue",
                Status.DONE_ON_TIME: "done", Status.DONE_LATE: "done-late", Status.NO_DEADLINE: "no-deadline"}


def _date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text[:10])
        except ValueError:
            return text
    return fmt_date(value)


def _datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone(local_zone())
    return f"{fmt_date(local)} {local:%H:%M}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _change(value: Any) -> str:
    """An audit value for display: ISO dates as dd/mm/yyyy, labels for states."""
    if value is None:
        return "—"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return _date(value)
    if isinstance(value, str):
        return STATE_LABELS.get(value, EXT_STATES.get(value, value))
    return str(value)


def query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters replaced (for paging links)."""
    params = dict(request.query_params)
    params.update({k: v for k, v in changes.items() if v is not None})
    return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


def make_env() -> Environment:
    # auto_reload off: checking every template file's mtime on each render cost 13% of a list page
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(date=_date, datetime=_datetime, days=fmt_days, percent=_percent, change=_change,
                       role=lambda r: ROLE_LABELS.get(r, r), state=lambda s: STATE_LABELS.get(s, s),
                       notice_kind=lambda k: NOTICE_KINDS.get(k, k), notice_state=lambda s: NOTICE_STATES.get(s, s),
                       ext_state=lambda s: EXT_STATES.get(s, s), action=lambda a: ACTIONS.get(a, a),
                       field=lambda f: FIELDS.get(f, f), status_label=lambda s: STATUS_LABELS[Status(s)],
                       status_class=lambda s: STATUS_CLASS[Status(s)], province_name=province_name)
    env.globals.update(ALL_STATUSES=ALL_STATUSES, Status=Status, STATUS_LABELS=STATUS_LABELS, query=query,
                       DUTY_LABELS=DUTY_LABELS, DUTY_STATUSES=DUTY_STATUSES)
    env.globals["CHANNELS"] = CHANNELS  # how an agency reported when the office recorded it
    return env


_ENV = make_env()


def render_fragment(name: str, context: dict[str, Any]) -> Markup:
    """A partial rendered on its own (autoescaped like a page), to cache and embed in a page."""
    return Markup(_ENV.get_template(name).render(context))


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """Render a page; sets the CSRF cookie when the browser has none yet."""
    secret = request.app.state.settings.secret_key
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = None
    if not cookie:
        cookie = fresh = new_csrf_cookie()
    ctx = {"request": request, "csrf_token": csrf_token_for(secret, cookie),
           "user": getattr(request.state, "user", None), "agency_principal": getattr(request.state, "agency", None),
           "link_token": getattr(request.state, "token", None), "today": request.app.state.today(), **context}
    response = HTMLResponse(_ENV.get_template(name).render(ctx), status_code=status_code)
    if fresh:
        secure = request.app.state.settings.base_url.startswith("https://")
        response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=secure, path="/")
    return response
