"""``/agencies``: the directory the office keeps in the browser. Every agency of the province in
force today (former ones on request) with its addresses, aliases and open and overdue tasks, in
Vietnamese order, searched with tones ignored; add, edit, deactivate (role ``office``), and the
groups a plan's wording expands to. The agency's own page stays ``/agencies/{id}`` (office.py).
Bad input is a form error that keeps what was typed and writes nothing; every change is audited
(models/agencies/edit.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from models.agencies.edit import (
    DirectoryError,
    agency_history,
    create_agency,
    deactivate_agency,
    directory_agencies,
    directory_rows,
    edit_agency,
    editable_groups,
    in_force,
    open_assignments,
    set_group_members,
)
from models.core.tables import Agency
from models.core.web_tables import StaffUser
from tasks.agencies.contacts import KIND_LABELS, check_agency_form, matches
from tasks.common.text import vi_sort_key
from web.deps import PageError, actor_of_user, csrf_checked, db, near_days, office_actor, office_user, today
from web.routes.agencies.common import agency_or_404, example_only, flash, province_for
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]


def _directory_url(province: str, msg: str) -> str:
    return f"/agencies?province={province}&msg={msg}"


@router.get("/agencies")
def directory_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    params = request.query_params
    text = params.get("q", "").strip()[:200]
    former, no_email = params.get("former") == "1", params.get("no_email") == "1"
    day = today(request)
    with db(request, read_only=True) as session:
        province, choices = province_for(request, session, user)
        rows = directory_rows(session, province=province, today=day, near_days=near_days(request),
                              include_former=former)
    shown = [r for r in rows if (not text or matches(text, (r.name, *r.aliases, r.email, r.head_email)))
             and (not no_email or not r.email)]
    name = next((c.name for c in choices if c.slug == province), province)
    return render(request, "agencies.html", {
        "rows": shown, "total": sum(1 for r in rows if r.current), "province": province, "province_name": name,
        "choices": choices, "q": text, "former": former, "no_email": no_email, "kinds": KIND_LABELS,
        "without_address": sum(1 for r in rows if r.current and not r.email), "flash": flash(request)})


# ---- add and edit ------------------------------------------------------------------------------

def _form_page(request: Request, *, province: str, province_name: str, agency: Agency | None,
               values: dict[str, str], errors: dict[str, str], status_code: int = 200,
               session: Session | None = None) -> Response:
    context: dict[str, Any] = {"province": province, "province_name": province_name, "agency": agency,
                               "values": values, "errors": errors, "kinds": KIND_LABELS, "open_count": 0,
                               "history": [], "current": True, "flash": flash(request)}
    if agency is not None and agency.id is not None and session is not None:
        context.update(open_count=open_assignments(session, agency_id=agency.id),
                       history=_history(agency_history(session, agency_id=agency.id)),
                       current=in_force(agency, today(request)))
    return render(request, "agency_edit.html", context, status_code=status_code)


# the words of an agency's audit (web/templating.py FIELDS names the task's)
FIELD_NAMES = {"name": "tên", "kind": "loại", "email": "thư điện tử", "head_email": "thư điện tử thủ trưởng",
               "aliases": "tên gọi khác", "valid_to": "hoạt động đến hết ngày", "valid_from": "hoạt động từ ngày",
               "active": "còn trong danh mục", "groups": "nhóm", "group": "nhóm", "row": "dòng trong danh bạ",
               "open_assignments": "lượt giao đang mở giữ nguyên", "successor": "cơ quan kế thừa",
               "successor_id": "cơ quan kế thừa (mã)", "province": "tỉnh", "key": "mã",
               "link_generation": "thế hệ liên kết"}


# what happened to an agency, in the audit's words (web/templating.py ACTIONS words a task's)
ACTION_NAMES = {"created": "thêm vào danh mục", "edited": "sửa thông tin", "deactivated": "ngừng hoạt động",
                "contacts_imported": "cập nhật từ danh bạ Excel", "groups_edited": "sửa nhóm",
                "updated": "cập nhật theo dữ liệu gốc", "links_revoked": "thu hồi đường liên kết",
                "link_sent": "gửi đường liên kết qua thư"}


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        from datetime import date

        from tasks.common.dates import fmt_date

        try:
            return fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _history(events: list[Any]) -> list[tuple[Any, str, str, str]]:
    """(when, who, action, what changed) of each audit event, in Vietnamese."""
    out = []
    for e in events:
        parts = []
        for k, v in (e.changes or {}).items():
            # [old, new]; a list-valued field's creation is a plain list
            pair = isinstance(v, list) and len(v) == 2 and (
                k not in ("aliases", "groups") or all(isinstance(x, list) for x in v))
            text = f"{_shown(v[0])} → {_shown(v[1])}" if pair else _shown(v)
            parts.append(f"{FIELD_NAMES.get(k, k)}: {text}")
        out.append((e.at, e.actor, ACTION_NAMES.get(e.action, e.action), "; ".join(parts)))
    return out


def _values(agency: Agency) -> dict[str, str]:
    return {"name": agency.name, "kind": agency.kind, "email": agency.email, "head_email": agency.head_email,
            "aliases": "\n".join(agency.aliases)}


@router.get("/agencies/new")
def new_agency_form(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        province, choices = province_for(request, session, user)
    name = next((c.name for c in choices if c.slug == province), province)
    return _form_page(request, province=province, province_name=name, agency=None,
                      values={"kind": "department"}, errors={})


@router.post("/agencies/new", dependencies=CSRF)
def new_agency(request: Request, province: str = Form(""), name: str = Form(""), kind: str = Form(""),
               email: str = Form(""), head_email: str = Form(""), aliases: str = Form(""),
               user: StaffUser = Depends(office_actor)) -> Response:
    values = {"name": name[:400], "kind": kind[:40], "email": email[:300], "head_email": head_email[:300],
              "aliases": aliases[:20000]}
    day = today(request)
    with db(request) as session:
        slug, choices = province_for(request, session, user, asked=province[:60])
        label = next((c.name for c in choices if c.slug == slug), slug)
        form, errors = check_agency_form(**values, others=directory_agencies(session, province=slug),
                                         example_only=example_only(request))
        if not errors:
            try:
                agency = create_agency(session, province=slug, form=form, actor=actor_of_user(user), today=day)
            except DirectoryError as exc:
                errors = exc.errors
        if errors:
            session.rollback()
            return _form_page(request, province=slug, province_name=label, agency=None, values=values,
                              errors=errors, status_code=400)
        agency_id = agency.id
    request.app.state.cache.clear()
    return RedirectResponse(f"/agencies?province={slug}&msg=agency_created#co-quan-{agency_id}", status_code=303)


@router.get("/agencies/{agency_id}/edit")
def edit_agency_form(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        agency = agency_or_404(request, session, agency_id)
        _, choices = province_for(request, session, user, asked=agency.province)
        name = next((c.name for c in choices if c.slug == agency.province), agency.province)
        return _form_page(request, province=agency.province, province_name=name, agency=agency,
                          values=_values(agency), errors={}, session=session)


@router.post("/agencies/{agency_id}/edit", dependencies=CSRF)
def save_agency(request: Request, agency_id: int, name: str = Form(""), kind: str = Form(""),
                email: str = Form(""), head_email: str = Form(""), aliases: str = Form(""),
                user: StaffUser = Depends(office_actor)) -> Response:
    values = {"name": name[:400], "kind": kind[:40], "email": email[:300], "head_email": head_email[:300],
              "aliases": aliases[:20000]}
    with db(request) as session:
        agency = agency_or_404(request, session, agency_id)
        province = agency.province
        form, errors = check_agency_form(**values, others=directory_agencies(session, province=province,
                                                                             exclude=agency_id),
                                         example_only=example_only(request))
        changes: dict[str, Any] = {}
        if not errors:
            try:
                changes = edit_agency(session, agency=agency, form=form, actor=actor_of_user(user))
            except DirectoryError as exc:
                errors = exc.errors
        if errors:
            session.rollback()
            agency = agency_or_404(request, session, agency_id)
            _, choices = province_for(request, session, user, asked=province)
            label = next((c.name for c in choices if c.slug == province), province)
            return _form_page(request, province=province, province_name=label, agency=agency, values=values,
                              errors=errors, status_code=400, session=session)
    request.app.state.cache.clear()
    code = "agency_edited" if changes else "agency_unchanged"
    return RedirectResponse(f"/agencies/{agency_id}/edit?msg={code}", status_code=303)


@router.post("/agencies/{agency_id}/deactivate", dependencies=CSRF)
def deactivate(request: Request, agency_id: int, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request) as session:
        agency = agency_or_404(request, session, agency_id)
        province = agency.province
        try:
            deactivate_agency(session, agency=agency, actor=actor_of_user(user), today=today(request))
        except DirectoryError as exc:
            session.rollback()
            agency = agency_or_404(request, session, agency_id)
            _, choices = province_for(request, session, user, asked=province)
            label = next((c.name for c in choices if c.slug == province), province)
            return _form_page(request, province=province, province_name=label, agency=agency,
                              values=_values(agency), errors=exc.errors, status_code=400, session=session)
    request.app.state.cache.clear()
    return RedirectResponse(f"/agencies/{agency_id}/edit?msg=agency_deactivated", status_code=303)


# ---- groups ------------------------------------------------------------------------------------

@router.get("/agencies/groups")
def groups_page(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request, read_only=True) as session:
        province, choices = province_for(request, session, user)
        groups = editable_groups(session, province=province, today=today(request))
    name = next((c.name for c in choices if c.slug == province), province)
    return render(request, "agencies_groups.html", {"groups": groups, "province": province, "province_name": name,
                                                    "choices": choices, "flash": flash(request)})


def _group_page(request: Request, session: Session, user: StaffUser, code: str, *, province: str,
                chosen: set[int] | None = None, error: str | None = None, status_code: int = 200) -> Response:
    day = today(request)
    groups = {g.code: g for g in editable_groups(session, province=province, today=day)}
    group = groups.get(code)
    if group is None:
        raise PageError(404, "Không có nhóm này trong danh mục của tỉnh.")
    rows = directory_rows(session, province=province, today=day, near_days=near_days(request))
    if chosen is None:
        tags = dict(session.exec(select(Agency.id, Agency.groups).where(Agency.province == province)).all())
        members = {r.id for r in rows if code in (tags.get(r.id) or [])}
    else:
        members = chosen
    by_kind: dict[str, list[Any]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append(r)
    kinds = sorted(by_kind, key=lambda k: vi_sort_key(KIND_LABELS.get(k) or k))
    return render(request, "agencies_group.html", {
        "group": group, "province": province, "by_kind": [(k, KIND_LABELS.get(k, k), by_kind[k]) for k in kinds],
        "members": members, "error": error}, status_code=status_code)


@router.get("/agencies/groups/{code}")
def group_page(request: Request, code: str, user: StaffUser = Depends(office_actor)) -> Response:
    with db(request, read_only=True) as session:
        province, _ = province_for(request, session, user)
        return _group_page(request, session, user, code[:40], province=province)


@router.post("/agencies/groups/{code}", dependencies=CSRF)
async def save_group(request: Request, code: str, user: StaffUser = Depends(office_actor)) -> Response:
    form = await request.form()
    raw = [v for v in form.getlist("member") if isinstance(v, str)]
    province_field = form.get("province")
    asked = province_field[:60] if isinstance(province_field, str) else ""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_save_group, request, user, code[:40], asked, raw)


def _save_group(request: Request, user: StaffUser, code: str, asked: str, raw: list[str]) -> Response:
    ids = {int(v) for v in raw if v.isdigit() and len(v) < 19}
    with db(request) as session:
        province, _ = province_for(request, session, user, asked=asked)
        try:
            set_group_members(session, province=province, code=code, member_ids=ids, actor=actor_of_user(user),
                              today=today(request))
        except DirectoryError as exc:
            session.rollback()
            return _group_page(request, session, user, code, province=province, chosen=ids,
                               error=next(iter(exc.errors.values())), status_code=400)
    request.app.state.cache.clear()
    return RedirectResponse(f"/agencies/groups?province={province}&msg=group_saved", status_code=303)
