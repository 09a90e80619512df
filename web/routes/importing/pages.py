"""Importing a plan from the browser, as `dondoc import` does: upload, a dry-run preview, then
the confirmed import (audited as the staff user). Role ``office`` only; viewers are refused.

Nothing reaches the database before the confirmation; the upload waits under a random name
(web.routes.importing.staging) and is deleted on confirmation, cancellation or any refusal.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from flows.importing.flow import ImportOutcome, import_plan, parse_plan_document, would_change
from models.agencies.setup import configured_directory
from models.core.web_tables import StaffUser
from models.progress.evidence import too_large_message
from tasks.importing.parse import PlanImportError
from tasks.importing.readers import PlanFileError
from tasks.importing.readers.limits import read_with_memory_ceiling
from web.deps import actor_of_user, csrf_checked, office_actor, user_provinces
from web.messages import flash
from web.routes.importing.preview import build_preview, duties_changed, plan_error_message
from web.routes.importing.staging import (
    NO_FILE,
    ExpiredReference,
    ImportInputError,
    claim,
    discard,
    discard_stale,
    make_ref,
    read_ref,
    stage,
    staged_path,
)
from web.templating import render

router = APIRouter(include_in_schema=False)
CHECKED = [Depends(csrf_checked)]
YEARS = range(1990, 2101)


def _provinces(request: Request) -> list[tuple[str, str]]:
    """(slug, name) of every province the agency directory knows (of the account's scope only)."""
    directory = configured_directory(settings=request.app.state.settings)  # set-up provinces included
    scope = user_provinces(request)
    return [(slug, directory.province(slug).name) for slug in directory.provinces if scope is None or slug in scope]


def _form(request: Request, *, error: str | None = None, values: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    """The upload form; with ``error`` it keeps the province and year that were chosen."""
    context: dict[str, Any] = {
        "provinces": _provinces(request), "max_mb": request.app.state.settings.import_max_mb, "error": error,
        "values": values or {"province": "", "year": ""}, "flash": None if error else flash(request),
    }
    return render(request, "plan_import.html", context, status_code=status_code)


def _province(request: Request, raw: str) -> str | None:
    if not raw:
        return None  # inferred from the document, as the command line does
    known = dict(_provinces(request))
    if raw not in known:
        raise ImportInputError(f"Tỉnh “{raw[:40]}” không có trong danh mục cơ quan: chọn một trong "
                               f"{', '.join(known.values())}, hoặc để hệ thống tự nhận biết.")
    return raw


def _year(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in YEARS:
        raise ImportInputError(f"Năm “{raw[:10]}” không hợp lệ: nhập năm gồm 4 chữ số (ví dụ 2020) hoặc để trống.")
    return int(raw)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


@router.get("/plans/import")
def import_form(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _form(request)


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass


@router.post("/plans/import")
async def upload(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    """Stage the file and show the dry run. A body announced larger than the limit is read and
    dropped unparsed (the browser still gets the form with the message), never stored."""
    max_bytes = request.app.state.settings.import_max_mb * 1024 * 1024
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        await _drain(request)
        return await run_in_threadpool(lambda: _form(request, error=too_large_message(max_bytes), status_code=400))
    await csrf_checked(request)
    form = await request.form(max_files=1, max_fields=10)
    values = {"province": _text(form.get("province")), "year": _text(form.get("year"))}
    try:
        return await run_in_threadpool(_preview, request, user, form.get("file"), values, max_bytes)
    finally:
        await form.close()


def _preview(request: Request, user: StaffUser, upload: object, values: dict[str, str], max_bytes: int) -> Response:
    settings = request.app.state.settings
    try:
        province, year = _province(request, values["province"]), _year(values["year"])
        if not isinstance(upload, UploadFile):
            raise ImportInputError(NO_FILE)
        discard_stale(settings.data_dir)
        staged = stage(upload.file, filename=upload.filename, data_dir=settings.data_dir, max_bytes=max_bytes)
    except ImportInputError as exc:
        return _form(request, error=str(exc), values=values, status_code=400)
    try:
        # the dry run of import_plan, its reading done in a process of its own under a memory ceiling:
        # whatever an upload costs to read (a zip bomb...), the server does not grow
        doc = read_with_memory_ceiling(staged_path(settings.data_dir, staged.stored),
                                       memory_mb=settings.import_memory_mb)
        parsed = parse_plan_document(doc, source_name=staged.original, province=province, year=year)
        scope = user_provinces(request)
        if scope is not None and parsed.province.slug not in scope:  # another province's plan: not this account's
            raise PlanImportError(f"Kế hoạch này của {parsed.province.name}, không thuộc tỉnh của tài khoản; "
                                  "tài khoản chỉ nhập được kế hoạch của tỉnh mình.")
        changes = would_change(parsed, source_name=staged.original, sha256=staged.sha256)
    except (PlanFileError, PlanImportError) as exc:
        discard(settings.data_dir, staged.stored)
        message = plan_error_message(exc, original=staged.original, stored=staged.stored)
        return _form(request, error=message, values=values, status_code=400)
    except BaseException:
        discard(settings.data_dir, staged.stored)  # a broken agency directory, the database down, ...
        raise
    ref = make_ref(settings.secret_key, staged, user_id=user.id, province=province, year=year)  # type: ignore[arg-type]
    preview = build_preview(parsed, changes.summary if changes else None, changes.duties if changes else None,
                            filename=staged.original)
    return render(request, "plan_import_preview.html", {"p": preview, "ref": ref})


def _plan_url(outcome: ImportOutcome) -> str:
    """The plan's page with the outcome (codes and numbers only: nothing typed is echoed)."""
    summary, duties = outcome.summary, outcome.duties
    assert summary is not None
    if summary.plan_created:
        params: dict[str, object] = {"msg": "plan_created", "created": summary.created}
    elif summary.changed or duties_changed(duties):
        params = {"msg": "plan_updated", "created": summary.created, "updated": summary.updated,
                  "cancelled": summary.cancelled, "unchanged": summary.unchanged}
        if duties is not None and duties.withdrawn:  # the revised text no longer proposes them
            params["withdrawn"] = duties.withdrawn
    else:
        params = {"msg": "plan_unchanged", "unchanged": summary.unchanged}
    return f"/plans/{summary.plan_id}?{urlencode(params)}"


@router.post("/plans/import/confirm", dependencies=CHECKED)
def confirm(request: Request, ref: str = Form(""), user: StaffUser = Depends(office_actor)) -> Response:
    settings = request.app.state.settings
    try:
        staged = read_ref(settings.secret_key, ref, user_id=user.id)  # type: ignore[arg-type]
        path = claim(settings.data_dir, staged.stored)
    except ExpiredReference as exc:
        discard(settings.data_dir, exc.stored)
        return _form(request, error=str(exc), status_code=400)
    except ImportInputError as exc:
        return _form(request, error=str(exc), status_code=400)
    try:
        # the flow stores everything in one transaction and audits it under this actor
        outcome = import_plan(str(path), province=staged.province, year=staged.year, actor=actor_of_user(user),
                              source_name=staged.original)
    except (PlanFileError, PlanImportError) as exc:  # the agency directory changed since the preview
        message = plan_error_message(exc, original=staged.original, stored=staged.stored)
        return _form(request, error=message, status_code=400)
    finally:
        path.unlink(missing_ok=True)
    return RedirectResponse(_plan_url(outcome), status_code=303)


@router.post("/plans/import/cancel", dependencies=CHECKED)
def cancel(request: Request, ref: str = Form(""), user: StaffUser = Depends(office_actor)) -> Response:
    """Hủy: the staged file is deleted, nothing is imported."""
    settings = request.app.state.settings
    try:
        discard(settings.data_dir, read_ref(settings.secret_key, ref, user_id=user.id).stored)  # type: ignore[arg-type]
    except ExpiredReference as exc:
        discard(settings.data_dir, exc.stored)
    except ImportInputError as exc:
        return _form(request, error=str(exc), status_code=400)
    return RedirectResponse("/plans/import?msg=import_cancelled", status_code=303)
