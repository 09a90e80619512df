"""What the directory pages share: which province they show, the agency asked for, messages."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session, select

from models.agencies.edit import in_force
from models.agencies.setup import set_up_provinces
from models.core.tables import Agency
from models.core.web_tables import StaffUser
from models.planning.manual import ProvinceChoice, province_choices
from tasks.listing.names import province_name
from web.deps import PageError, user_provinces

# after an action, a code in ?msg= (nothing typed is echoed); web/messages.py keeps the others
MESSAGES = {
    "agency_created": "Đã thêm cơ quan vào danh mục.",
    "agency_edited": "Đã lưu thông tin cơ quan.",
    "agency_unchanged": "Không có gì thay đổi.",
    "agency_deactivated": "Đã ngừng hoạt động cơ quan; các nhiệm vụ đang mở của cơ quan vẫn giữ nguyên.",
    "group_saved": "Đã lưu nhóm; kế hoạch nhập từ nay dùng danh sách mới.",
    "contacts_applied": "Đã cập nhật địa chỉ thư điện tử từ danh bạ Excel.",
    "contacts_none": "Danh bạ không thay đổi địa chỉ nào: không có gì được ghi.",
}


def flash(request: Request) -> str | None:
    return MESSAGES.get(request.query_params.get("msg", ""))


def own_province(user: StaffUser) -> str | None:
    """The province a staff account belongs to (None: a national account, or none set)."""
    value = getattr(user, "province", None)
    return value if isinstance(value, str) and value else None


def province_for(request: Request, session: Session, user: StaffUser,
                 asked: str | None = None) -> tuple[str, list[ProvinceChoice]]:
    """The province the pages show and the choices offered: those the account may see
    (``web.deps.user_provinces``: its own and the former provinces merged into it; every province
    with agencies for a national account); the one asked for (``?province=``), else a province
    with agencies in force today, a set-up one first."""
    scope = user_provinces(request)
    choices = province_choices(session)
    if scope is not None:
        choices = [c for c in choices if c.slug in scope]
        own = own_province(user)
        if own is not None and own not in {c.slug for c in choices}:
            choices = [ProvinceChoice(own, province_name(own)), *choices]
    if not choices:
        raise PageError(404, "Chưa có cơ quan nào trong cơ sở dữ liệu: hãy thiết lập tỉnh "
                             "(dondoc province add SLUG) hoặc nhập một kế hoạch.")
    slugs = [c.slug for c in choices]
    asked = request.query_params.get("province", "") if asked is None else asked
    if asked in slugs:
        return asked, choices
    if asked:
        raise PageError(404, "Không có tỉnh này trong danh mục.")
    # by default a province with agencies in force today, a set-up one first: on a database holding
    # a sample province (its plans of 2020) and a set-up one, the directory of today is the latter's
    day = request.app.state.today()
    living = {a.province for a in session.exec(select(Agency).where(Agency.active == True)) if in_force(a, day)}  # noqa: E712
    set_up = set_up_provinces(session)
    ranked = sorted(slugs, key=lambda s: (s not in living, s not in set_up))
    return ranked[0], choices


def agency_or_404(request: Request, session: Session, agency_id: int) -> Agency:
    """The agency, if it is one the account may see (of its provinces)."""
    agency = session.get(Agency, agency_id)
    scope = user_provinces(request)
    if agency is None or (scope is not None and agency.province not in scope):
        raise PageError(404, "Không tìm thấy cơ quan.")
    return agency


def example_only(request: Request) -> bool:
    """Outside production the directory names example mailboxes only (as its YAML files do)."""
    return request.app.state.settings.env != "production"
