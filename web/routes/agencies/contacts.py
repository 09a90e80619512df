"""The contact list as an Excel workbook: ``/agencies/contacts.xlsx`` downloads the name, e-mail
and head's e-mail of every agency of the province in force; an uploaded workbook is read (within
the importer's limits, in a process under a memory ceiling), shown as a preview of what it
changes, and applied on confirmation in one transaction, each agency changed audited.

The preview carries the rows it read in a hidden field; the confirmation plans them again against
the directory as it is then, so what is written is what the directory and the rows say at that
moment (a row that would now change nothing changes nothing)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from models.agencies.edit import apply_contacts, directory_agencies
from models.core.web_tables import StaffUser
from tasks.agencies.contacts import (
    ContactRow,
    ContactWorkbookError,
    contact_workbook,
    plan_contacts,
    read_contact_workbook,
)
from web.deps import actor_of_user, csrf_checked, db, office_actor, office_user, today
from web.routes.agencies.common import example_only, province_for
from web.routes.office import XLSX, attachment
from web.templating import render

router = APIRouter(include_in_schema=False)
CSRF = [Depends(csrf_checked)]
_CHUNK = 1 << 16


@router.get("/agencies/contacts.xlsx")
def download(request: Request, user: StaffUser = Depends(office_user)) -> Response:
    with db(request, read_only=True) as session:
        province, choices = province_for(request, session, user)
        agencies = directory_agencies(session, province=province, today=today(request))
    name = next((c.name for c in choices if c.slug == province), province)
    body = contact_workbook(agencies, province=name)
    return Response(body, media_type=XLSX, headers={
        "Content-Disposition": attachment(f"danh-ba-co-quan-{province}.xlsx", f"danh-ba-co-quan-{province}.xlsx")})


def _preview_page(request: Request, *, province: str, province_name: str, rows: list[ContactRow] | None,
                  error: str | None, status_code: int = 200) -> Response:
    context: dict[str, Any] = {"province": province, "province_name": province_name, "error": error, "plan": None,
                               "rows_json": "", "rows": 0}
    if rows is not None:
        with db(request, read_only=True) as session:
            agencies = directory_agencies(session, province=province, today=today(request))
        context.update(plan=plan_contacts(rows, agencies, example_only=example_only(request)), rows=len(rows),
                       rows_json=json.dumps([[r.row, r.name, r.email, r.head_email] for r in rows],
                                            ensure_ascii=False))
    return render(request, "agencies_contacts.html", context, status_code=status_code)


@router.post("/agencies/contacts", dependencies=CSRF)
async def upload(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    try:
        field = form.get("province")
        asked = field[:60] if isinstance(field, str) else ""
        return await run_in_threadpool(_read_upload, request, user, asked, form.get("file"))
    finally:
        await form.close()


def _read_upload(request: Request, user: StaffUser, asked: str, upload: object) -> Response:
    settings = request.app.state.settings
    with db(request, read_only=True) as session:
        province, choices = province_for(request, session, user, asked=asked)
    name = next((c.name for c in choices if c.slug == province), province)
    max_bytes = settings.import_max_mb * 1024 * 1024
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ContactWorkbookError("Hãy chọn tệp Excel (.xlsx) danh bạ để tải lên.")
        if not upload.filename.lower().endswith(".xlsx"):
            raise ContactWorkbookError("Danh bạ phải là tệp Excel .xlsx (Excel: Lưu thành… > Sổ làm việc Excel).")
        with tempfile.TemporaryDirectory(prefix="danh-ba-") as folder:
            path = Path(folder) / "danh-ba.xlsx"
            size = 0
            with path.open("wb") as out:
                while chunk := upload.file.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise ContactWorkbookError(f"Tệp quá lớn: tối đa {settings.import_max_mb} MB.")
                    out.write(chunk)
            rows = read_contact_workbook(path, memory_mb=settings.import_memory_mb)
    except ContactWorkbookError as exc:
        return _preview_page(request, province=province, province_name=name, rows=None, error=str(exc),
                             status_code=400)
    return _preview_page(request, province=province, province_name=name, rows=rows, error=None)


def _rows(raw: str) -> list[ContactRow]:
    try:
        data = json.loads(raw)
        return [ContactRow(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in data]
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise ContactWorkbookError("Dữ liệu xác nhận không hợp lệ: hãy tải tệp danh bạ lên lại.") from exc


@router.post("/agencies/contacts/confirm", dependencies=CSRF)
def confirm(request: Request, province: str = Form(""), rows: str = Form(""),
            user: StaffUser = Depends(office_actor)) -> Response:
    try:
        parsed = _rows(rows)
    except ContactWorkbookError as exc:
        with db(request, read_only=True) as session:
            slug, choices = province_for(request, session, user, asked=province[:60])
        name = next((c.name for c in choices if c.slug == slug), slug)
        return _preview_page(request, province=slug, province_name=name, rows=None, error=str(exc), status_code=400)
    with db(request) as session:
        slug, _ = province_for(request, session, user, asked=province[:60])
        agencies = directory_agencies(session, province=slug, today=today(request))
        plan = plan_contacts(parsed, agencies, example_only=example_only(request))
        done = apply_contacts(session, province=slug, plan=plan, actor=actor_of_user(user))
    request.app.state.cache.clear()
    code = "contacts_applied" if done else "contacts_none"
    return RedirectResponse(f"/agencies?province={slug}&msg={code}", status_code=303)
