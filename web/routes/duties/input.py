"""The review page's edit form: checks with one clear Vietnamese message each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.agencies.directory import UnknownAgency
from models.core.tables import TASK_ACTIVE, TASK_CANCELLED, TASK_DISCARDED
from models.duties.store import ReviewError
from tasks.common.dates import fmt_date
from web.forms import FormError, parse_date

MAX_TITLE = 500
MAX_NAMES = 200  # agencies per role: a province has about 60
_SPLIT = re.compile(r"[\r\n;]+")  # one agency a line; a name may hold commas ("Sở Văn hóa, Thể thao và Du lịch")
REVIEWED = {TASK_ACTIVE: "đã được xác nhận", TASK_DISCARDED: "đã bị loại bỏ",
            TASK_CANCELLED: "đã bị hủy vì không còn trong văn bản kế hoạch"}


@dataclass(frozen=True)
class EditInput:
    title: str
    due_date: date | None  # None: keep the proposal's (unless standing)
    standing: bool  # a standing duty: no due date at all
    lead: list[str]
    coordinating: list[str]


def split_names(raw: str | None) -> list[str]:
    """Agency names, one a line (or separated by ";"), blanks dropped."""
    return [n.strip() for n in _SPLIT.split(raw or "") if n.strip()]


def parse_edit(*, title: str | None, due: str | None, lead: str | None, coordinating: str | None,
               issued_on: date | None, standing: bool = False) -> EditInput:
    text = " ".join((title or "").split())
    if not text:
        raise FormError("Tên nhiệm vụ không được để trống.")
    if len(text) > MAX_TITLE:
        raise FormError(f"Tên nhiệm vụ quá dài (tối đa {MAX_TITLE} ký tự).")
    due_date = parse_date(due, "Thời hạn")
    if standing and due_date is not None:
        raise FormError("Nhiệm vụ thường xuyên không có thời hạn: xóa ngày ở ô Thời hạn hoặc bỏ chọn "
                        "“nhiệm vụ thường xuyên”.")
    if due_date is not None and issued_on is not None and due_date < issued_on:
        raise FormError(f"Thời hạn {fmt_date(due_date)} trước ngày ban hành kế hoạch ({fmt_date(issued_on)}).")
    leads, coords = split_names(lead), split_names(coordinating)
    if not leads:
        raise FormError("Cần ghi ít nhất một cơ quan chủ trì (mỗi dòng một cơ quan).")
    if len(leads) > MAX_NAMES or len(coords) > MAX_NAMES:
        raise FormError(f"Danh sách cơ quan quá dài (tối đa {MAX_NAMES} cơ quan mỗi vai trò).")
    return EditInput(title=text, due_date=due_date, standing=standing, lead=leads, coordinating=coords)


def review_message(exc: ReviewError) -> str:
    if exc.kind == "reviewed":
        done = REVIEWED.get(exc.state or "", "đã được rà soát")
        return f"Nhiệm vụ {exc.ref[:40]} {done} trước đó; không thể xác nhận, loại bỏ hay sửa lại."
    return f"Kế hoạch {exc.plan_code} không có nhiệm vụ đề xuất nào mang số hiệu “{exc.ref[:40]}”."


def agency_message(exc: UnknownAgency) -> str:
    return (f"Không tìm thấy cơ quan “{exc.name[:80]}” trong danh bạ cơ quan tỉnh {exc.province}; "
            "ghi tên đầy đủ hoặc tên viết tắt, mỗi dòng một cơ quan.")
